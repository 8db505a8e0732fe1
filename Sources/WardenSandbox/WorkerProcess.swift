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
    /// A fork server's word that it cannot serve another child (it could not empty /tmp).
    public var retire: Bool?

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code", signal, cpuMs = "cpu_ms", maxRssKb = "max_rss_kb", oomKilled = "oom_killed", error, retire
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
    /// The worker was gone before it got the request: nothing ran, so it may be tried again.
    public var notStarted = false
}

/// What the pool hands out for one execution: a freshly spawned worker, or a fork server that
/// forks a fresh child for it. All methods block: call them from `BlockingIO`.
protocol Worker: AnyObject, Sendable {
    var slot: Int { get }
    /// Whether an idle worker can still take a request (a fork server may have ended meanwhile).
    var available: Bool { get }
    /// Whether the pool may hand it out again after a request: only a fork server that is still sound.
    var reusable: Bool { get }
    func run(request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?) -> RawOutcome
    func discard()
}

/// One launcher process and its pipes. It runs exactly one request, then is gone.
/// All methods block: call them from `BlockingIO`, never from Swift's cooperative pool.
final class WorkerProcess: Worker, @unchecked Sendable {
    var available: Bool { true }
    var reusable: Bool { false }

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
        let pid = self.pid
        var exchange = WorkerExchange(requestFD: requestFD, readFDs: readFDs, egressFD: egressFD, statusEndsWithLine: false)
        // SIGTERM lets the launcher kill and reap the sandbox, report, and remove its cgroup;
        // SIGKILL follows if it has not finished within a second.
        let result = exchange.run(request: request, wallMs: wallMs, stdoutCap: stdoutCap, frameCap: frameCap, egress: egress,
                                  stop: { kill(pid, SIGTERM) }, forceStop: { kill(pid, SIGKILL) })
        for fd in readFDs { close(fd) }
        if !result.finished { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return result.outcome
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

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(&pointers)
}
