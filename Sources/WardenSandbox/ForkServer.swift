import CWardenShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A confined interpreter that has loaded the runner once and forks a fresh child for every
/// execution (runner.py `--fork-server`). The launcher confines it exactly like a spawned
/// worker; its children additionally stack the strict filter before reading their request.
/// A child is used once. A server whose child must be stopped from outside is ended whole.
/// All methods block: call them from `BlockingIO`, never from Swift's cooperative pool.
final class ForkServer: Worker, @unchecked Sendable {
    let pid: pid_t
    let slot: Int
    private let control: Int32
    private let launcherStatus: Int32
    private var sound = true
    /// What the launcher reported when the server ended, read by `end()`.
    private var lastLauncherStatus: LauncherStatus?

    private init(pid: pid_t, slot: Int, control: Int32, launcherStatus: Int32) {
        self.pid = pid
        self.slot = slot
        self.control = control
        self.launcherStatus = launcherStatus
    }

    /// Starts the launcher with the control socket on descriptor 0 and waits until the server
    /// says it is ready, or reports why its confinement failed.
    static func spawn(arguments: [String], slot: Int, readyWithinMs: Int32 = 10_000) throws -> ForkServer {
        var control: [Int32] = [-1, -1], status: [Int32] = [-1, -1]
        guard warden_socketpair_cloexec(&control) == 0 else { throw SandboxError.spawn("socketpair: \(String(cString: strerror(errno)))") }
        guard warden_pipe_cloexec(&status) == 0 else {
            control.forEach { close($0) }
            throw SandboxError.spawn("pipe: \(String(cString: strerror(errno)))")
        }
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            close(control[1])
            close(status[1])
            close(devNull)
        }
        var pid: pid_t = 0
        let childFDs: [Int32] = [control[1], devNull, devNull, devNull, status[1]]
        let rc = withCStrings(arguments) { argv in
            childFDs.withUnsafeBufferPointer { fds in warden_spawn(arguments[0], argv, fds.baseAddress, Int32(fds.count), &pid) }
        }
        guard rc == 0 else {
            close(control[0])
            close(status[0])
            throw SandboxError.spawn("posix_spawn \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        let server = ForkServer(pid: pid, slot: slot, control: control[0], launcherStatus: status[0])
        if let failure = server.awaitReady(withinMs: readyWithinMs) {
            server.end()
            throw SandboxError.spawn(failure)
        }
        return server
    }

    var available: Bool { sound && isListening }
    var reusable: Bool { sound }

    func run(request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?) -> RawOutcome {
        var pipes: [[Int32]] = []
        for _ in 0..<4 {
            var fds: [Int32] = [-1, -1]
            if warden_pipe_cloexec(&fds) == 0 { pipes.append(fds) }
        }
        var egressPair: [Int32] = [-1, -1]
        guard pipes.count == 4, warden_socketpair_cloexec(&egressPair) == 0 else {
            pipes.joined().forEach { close($0) }
            return failed("no descriptors left for a worker: \(String(cString: strerror(errno)))")
        }
        // The child's ends, in the order the server places them: 0 request, 1 stdout, 2 diagnostics, 3 result, 5 egress.
        let childFDs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], egressPair[1]]
        let sent = childFDs.withUnsafeBufferPointer { warden_send_fds(control, $0.baseAddress, Int32($0.count)) }
        childFDs.forEach { close($0) }
        guard sent == 0 else {
            [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0], egressPair[0]].forEach { close($0) }
            end()
            var outcome = failed("the fork server is gone: \(String(cString: strerror(sent)))")
            outcome.notStarted = true
            return outcome
        }
        let pid = self.pid
        var exchange = WorkerExchange(requestFD: pipes[0][1], readFDs: [pipes[1][0], pipes[2][0], pipes[3][0], control],
                                      egressFD: egressPair[0], statusEndsWithLine: true)
        let result = exchange.run(request: request, wallMs: wallMs, stdoutCap: stdoutCap, frameCap: frameCap, egress: egress,
                                  stop: { kill(pid, SIGTERM) }, forceStop: { kill(pid, SIGKILL) })
        [pipes[1][0], pipes[2][0], pipes[3][0]].forEach { close($0) }
        var outcome = result.outcome
        if !result.finished || outcome.status == nil || outcome.status?.retire == true {
            end()
            // The server died with its child on its own (the memory limit): the launcher's report
            // says how, with the cgroup's out-of-memory count. Its CPU and memory figures are the
            // whole server's, so they are not this execution's.
            if outcome.status == nil && outcome.killedFor == nil, var status = lastLauncherStatus {
                status.cpuMs = nil
                status.maxRssKb = nil
                outcome.status = status
            }
        }
        return outcome
    }

    func discard() {
        end()
    }

    /// Stops the server and its child (the launcher kills the whole sandbox on SIGTERM), keeps
    /// the launcher's report, and reaps it.
    private func end() {
        guard sound else { return }
        sound = false
        kill(pid, SIGTERM)
        close(control)
        lastLauncherStatus = readLauncherStatus(withinMs: 1000)
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) != pid {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        close(launcherStatus)
    }

    /// The launcher's one JSON line on its status pipe, written when its sandbox has ended.
    private func readLauncherStatus(withinMs: Int32) -> LauncherStatus? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var entry = pollfd(fd: launcherStatus, events: Int16(POLLIN), revents: 0)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(withinMs) * 1_000_000
        while !bytes.contains(UInt8(ascii: "\n")) {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline, poll(&entry, 1, Int32((deadline - now) / 1_000_000) + 1) > 0 else { break }
            let n = read(launcherStatus, &chunk, chunk.count)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try? JSONDecoder().decode(LauncherStatus.self, from: Data(bytes))
    }

    /// An idle server has nothing to say: anything readable, or a hang-up, means it has ended.
    private var isListening: Bool {
        var entry = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Nil once "ready" arrives; otherwise why the server did not come up.
    private func awaitReady(withinMs: Int32) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        var entry = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
        while !line.contains(UInt8(ascii: "\n")) {
            let ready = poll(&entry, 1, withinMs)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return "the fork server did not start within \(withinMs) ms" }
            guard read(control, &byte, 1) == 1 else { return launcherFailure() }
            line.append(byte)
        }
        return line == Array("ready\n".utf8) ? nil : "the fork server said \(String(decoding: line.prefix(200), as: UTF8.self))"
    }

    /// Why the server ended before it was ready: the launcher's report names the stage that failed.
    private func launcherFailure() -> String {
        guard let status = readLauncherStatus(withinMs: 2000) else { return "the fork server ended before it was ready" }
        if let error = status.error {
            return "launcher stage \(error.stage) failed: \(error.message)"
        }
        return "the fork server ended before it was ready (exit \(status.exitCode.map(String.init) ?? "none"), signal \(status.signal.map(String.init) ?? "none"))"
    }

    private func failed(_ message: String) -> RawOutcome {
        RawOutcome(frame: nil, stdout: [], diagnostics: message, status: nil, killedFor: nil, durationMs: 0)
    }
}
