import CWardenShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the launcher's parent reports on descriptor 4 when the worker has ended.
public struct LauncherStatus: Decodable, Equatable, Sendable {
    public struct StageError: Decodable, Equatable, Sendable {
        public var stage: String
        public var errno: Int32?
        public var message: String

        public init(stage: String, errno: Int32?, message: String) {
            self.stage = stage
            self.errno = errno
            self.message = message
        }
    }

    public var exitCode: Int32?
    public var signal: Int32?
    public var cpuMs: Int?
    public var maxRssKb: Int?
    public var oomKilled: Bool?
    public var error: StageError?

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code", signal, cpuMs = "cpu_ms", maxRssKb = "max_rss_kb", oomKilled = "oom_killed", error
    }

    public init(exitCode: Int32?, signal: Int32?, cpuMs: Int?, maxRssKb: Int?, oomKilled: Bool? = nil, error: StageError?) {
        self.exitCode = exitCode
        self.signal = signal
        self.cpuMs = cpuMs
        self.maxRssKb = maxRssKb
        self.oomKilled = oomKilled
        self.error = error
    }
}

/// Why the supervisor ended a worker itself.
public enum KillCause: String, Sendable {
    case timeout
    case output
}

/// Everything a worker produced, before it is judged.
public struct RawOutcome: Sendable {
    public var frame: [UInt8]?
    public var stdout: [UInt8]
    public var diagnostics: String
    public var status: LauncherStatus?
    public var killedFor: KillCause?
    public var durationMs: Int
}

/// One launcher process and its pipes. It runs exactly one request, then is gone.
/// All methods block: call them from `BlockingIO`, never from Swift's cooperative pool.
final class WorkerProcess: @unchecked Sendable {
    let pid: pid_t
    let slot: Int
    private let requestFD: Int32
    private let readFDs: [Int32]  // stdout, diagnostics, result, status
    private let egressFD: Int32

    private init(pid: pid_t, slot: Int, requestFD: Int32, readFDs: [Int32], egressFD: Int32) {
        self.pid = pid
        self.slot = slot
        self.requestFD = requestFD
        self.readFDs = readFDs
        self.egressFD = egressFD
    }

    /// Starts the launcher with descriptors 0...4 wired to fresh pipes and 5 to the egress socket.
    static func spawn(arguments: [String], slot: Int) throws -> WorkerProcess {
        var pipes: [[Int32]] = []
        defer { for pipe in pipes { pipe.forEach { close($0) } } }
        for _ in 0..<5 {
            var fds: [Int32] = [-1, -1]
            guard warden_pipe_cloexec(&fds) == 0 else { throw SandboxError.spawn("pipe: \(String(cString: strerror(errno)))") }
            pipes.append(fds)
        }
        var egress: [Int32] = [-1, -1]
        guard warden_socketpair_cloexec(&egress) == 0 else { throw SandboxError.spawn("socketpair: \(String(cString: strerror(errno)))") }
        pipes.append(egress)
        // Child ends: read end of the request pipe, write ends of the others, one end of the socket.
        let childFDs: [Int32] = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], pipes[4][1], egress[1]]
        var pid: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            childFDs.withUnsafeBufferPointer { fds in
                warden_spawn(arguments[0], argv, fds.baseAddress, Int32(fds.count), &pid)
            }
        }
        guard rc == 0 else { throw SandboxError.spawn("posix_spawn \(arguments[0]): \(String(cString: strerror(rc)))") }
        let process = WorkerProcess(pid: pid, slot: slot, requestFD: pipes[0][1],
                                    readFDs: [pipes[1][0], pipes[2][0], pipes[3][0], pipes[4][0]], egressFD: egress[0])
        // Keep the supervisor's ends; the deferred close releases the child's.
        pipes = [[pipes[0][0]], [pipes[1][1]], [pipes[2][1]], [pipes[3][1]], [pipes[4][1]], [egress[1]]]
        return process
    }

    /// Sends the request, then collects output until every pipe closes or the wall clock runs out.
    func run(request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?) -> RawOutcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(wallMs) * 1_000_000
        var killDeadline: UInt64?
        var killedFor: KillCause?
        var buffers: [[UInt8]] = [[], [], [], []]
        let caps = [stdoutCap, 16 << 10, frameCap, 64 << 10]
        var open = [true, true, true, true]
        var written = 0
        var requestOpen = true
        _ = fcntl(requestFD, F_SETFL, fcntl(requestFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(egressFD, F_SETFL, fcntl(egressFD, F_GETFL) | O_NONBLOCK)
        var chunk = [UInt8](repeating: 0, count: 65536)
        var egressOpen = true
        var egressBuffer: [UInt8] = []

        // SIGTERM lets the launcher kill and reap the sandbox, report, and remove its cgroup;
        // SIGKILL follows if it has not finished within a second.
        func terminate(_ cause: KillCause) {
            guard killedFor == nil else { return }
            killedFor = cause
            kill(pid, SIGTERM)
            killDeadline = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
        }

        while open.contains(true) {
            var fds: [pollfd] = []
            var owners: [Int] = []
            if requestOpen {
                fds.append(pollfd(fd: requestFD, events: Int16(POLLOUT), revents: 0))
                owners.append(-1)
            }
            for (index, fd) in readFDs.enumerated() where open[index] {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners.append(index)
            }
            if egressOpen && killedFor == nil {
                fds.append(pollfd(fd: egressFD, events: Int16(POLLIN), revents: 0))
                owners.append(-2)
            }
            let now = DispatchTime.now().uptimeNanoseconds
            let limit = killDeadline ?? deadline
            if now >= limit {
                if killDeadline == nil {
                    terminate(.timeout)
                    continue
                }
                kill(pid, SIGKILL)
                break
            }
            let timeout = Int32(min((limit - now) / 1_000_000 + 1, 1000))
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            for (position, entry) in fds.enumerated() where entry.revents != 0 {
                let owner = owners[position]
                if owner == -1 {
                    let n = request.withUnsafeBytes { write(requestFD, $0.baseAddress! + written, request.count - written) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written == request.count {
                        close(requestFD)
                        requestOpen = false
                    }
                    continue
                }
                if owner == -2 {
                    let n = read(egressFD, &chunk, chunk.count)
                    guard n > 0 else {
                        egressOpen = false
                        continue
                    }
                    egressBuffer.append(contentsOf: chunk[0..<n])
                    switch EgressFraming.next(&egressBuffer, limit: frameCap) {
                    case .incomplete:
                        break
                    case .oversized:
                        terminate(.output)
                    case .frame(let body):
                        // The proxy's time counts against the wall clock, and so does handing the
                        // answer back: a worker that stops reading cannot hold us past the deadline.
                        let left = Int64(deadline) - Int64(DispatchTime.now().uptimeNanoseconds)
                        guard left > 0 else {
                            terminate(.timeout)
                            continue
                        }
                        let answer = egress.map { handler in BlockingIO.await { await handler.handle(body, within: .nanoseconds(left)) } }
                            ?? Array(#"{"error":{"type":"EgressError","message":"egress is not available for this execution"}}"#.utf8)
                        if !EgressFraming.write(answer, to: egressFD, until: deadline) {
                            egressOpen = false
                            if DispatchTime.now().uptimeNanoseconds >= deadline { terminate(.timeout) }
                        }
                    }
                    continue
                }
                let n = read(readFDs[owner], &chunk, chunk.count)
                if n > 0 {
                    let room = caps[owner] - buffers[owner].count
                    buffers[owner].append(contentsOf: chunk[0..<min(n, max(room, 0))])
                    if n > room && owner != 3 { terminate(.output) }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    open[owner] = false
                }
            }
        }
        if requestOpen { close(requestFD) }
        for fd in readFDs { close(fd) }
        close(egressFD)
        if open.contains(true) { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let duration = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        return RawOutcome(
            frame: buffers[2].isEmpty ? nil : buffers[2],
            stdout: buffers[0],
            diagnostics: String(decoding: buffers[1], as: UTF8.self),
            status: try? JSONDecoder().decode(LauncherStatus.self, from: Data(buffers[3])),
            killedFor: killedFor,
            durationMs: duration)
    }

    /// Ends a worker that will not be used (pool shutdown): SIGTERM so the launcher cleans up
    /// its cgroup, SIGKILL if it has not gone within a second.
    func discard() {
        kill(pid, SIGTERM)
        close(requestFD)
        for fd in readFDs { close(fd) }
        close(egressFD)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(&pointers)
}
