import CWardenShim
import Foundation
import WardenDomain

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
    /// The launcher's and the server's stderr: kept open while the server lives, so a late
    /// message never meets a closed pipe; read only to explain a failed start.
    private let diagnostics: Int32
    private var sound = true
    /// What the launcher reported when the server ended, read by `end()`.
    private var lastLauncherStatus: LauncherStatus?

    private init(pid: pid_t, slot: Int, control: Int32, launcherStatus: Int32, diagnostics: Int32) {
        self.pid = pid
        self.slot = slot
        self.control = control
        self.launcherStatus = launcherStatus
        self.diagnostics = diagnostics
    }

    /// Starts the launcher with the control socket on descriptor 0 and waits until the server
    /// says it is ready, or reports why its confinement failed.
    static func spawn(arguments: [String], slot: Int, readyWithinMs: Int = 10_000) throws -> ForkServer {
        var control: [Int32] = [-1, -1]
        var status: [Int32] = [-1, -1]
        var diagnostics: [Int32] = [-1, -1]
        guard warden_socketpair_cloexec(&control) == 0 else {
            throw SandboxError.spawn("socketpair: \(LauncherProcess.errnoText())")
        }
        guard warden_pipe_cloexec(&status) == 0, warden_pipe_cloexec(&diagnostics) == 0 else {
            let reason = LauncherProcess.errnoText()
            (control + status + diagnostics).filter { $0 >= 0 }.forEach { close($0) }
            throw SandboxError.spawn("pipe: \(reason)")
        }
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { [control[1], status[1], diagnostics[1], devNull].filter { $0 >= 0 }.forEach { close($0) } }
        guard devNull >= 0 else {
            [control[0], status[0], diagnostics[0]].forEach { close($0) }
            throw SandboxError.spawn("/dev/null: \(LauncherProcess.errnoText())")
        }
        let pid: pid_t
        do {
            pid = try LauncherProcess.spawn(
                arguments, descriptors: [control[1], devNull, diagnostics[1], devNull, status[1]])
        } catch {
            [control[0], status[0], diagnostics[0]].forEach { close($0) }
            throw error
        }
        let server = ForkServer(
            pid: pid, slot: slot, control: control[0], launcherStatus: status[0], diagnostics: diagnostics[0])
        if let failure = server.awaitReady(withinMs: readyWithinMs) {
            let said = String(
                decoding: LauncherProcess.readLine(diagnostics[0], withinMs: 0, limit: 4096), as: UTF8.self)
            server.end()
            throw SandboxError.spawn(said.isEmpty ? failure : "\(failure); it said: \(said.prefix(2000))")
        }
        return server
    }

    var available: Bool { sound && isListening }
    var reusable: Bool { sound }

    func run(
        request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?,
        cancel gate: CancelGate
    ) -> RawOutcome {
        var pipes: [[Int32]] = []
        for _ in 0..<4 {
            var fds: [Int32] = [-1, -1]
            if warden_pipe_cloexec(&fds) == 0 { pipes.append(fds) }
        }
        var egressPair: [Int32] = [-1, -1]
        guard pipes.count == 4, warden_socketpair_cloexec(&egressPair) == 0 else {
            pipes.joined().forEach { close($0) }
            return failed("no descriptors left for a worker: \(LauncherProcess.errnoText())")
        }
        // The child's ends, in the order the server places them: 0 request, 1 stdout, 2 diagnostics, 3 result, 5 egress.
        let childFDs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], egressPair[1]]
        let sent = childFDs.withUnsafeBufferPointer { warden_send_fds(control, $0.baseAddress, Int32($0.count)) }
        childFDs.forEach { close($0) }
        guard sent == 0 else {
            [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0], egressPair[0]].forEach { close($0) }
            end()
            var outcome = failed("the fork server is gone: \(LauncherProcess.errnoText(sent))")
            outcome.notStarted = true
            return outcome
        }
        let pid = self.pid
        var exchange = WorkerExchange(
            requestFD: pipes[0][1], readFDs: [pipes[1][0], pipes[2][0], pipes[3][0], control],
            egressFD: egressPair[0], statusEndsWithLine: true)
        // Stopping a child means stopping its whole server.
        let began = gate.begin(stop: { kill(pid, SIGTERM) })
        if !began { kill(pid, SIGTERM) }  // cancelled before it started: the whole server goes
        let result = exchange.run(
            request: request, wallMs: wallMs, stdoutCap: stdoutCap, frameCap: frameCap, egress: egress,
            stop: { kill(pid, SIGTERM) }, forceStop: { kill(pid, SIGKILL) })
        [pipes[1][0], pipes[2][0], pipes[3][0]].forEach { close($0) }
        let cancelled = gate.end() || !began
        var outcome = result.outcome
        if cancelled {
            // Stopping a child means stopping its server: the server is not to be trusted again.
            end()
            outcome.killedFor = .cancelled
            return outcome
        }
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
        lastLauncherStatus = LauncherProcess.readStatus(launcherStatus, withinMs: 1000)
        LauncherProcess.reap(pid, withinMs: 1000)
        close(launcherStatus)
        close(diagnostics)
    }

    /// An idle server has nothing to say: anything readable, a hang-up or an error means it has ended.
    private var isListening: Bool {
        var entry = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&entry, 1, 0)
            if ready < 0 && errno == EINTR { continue }
            return ready == 0
        }
    }

    /// Nil once "ready" arrives in time; otherwise why the server did not come up.
    private func awaitReady(withinMs: Int) -> String? {
        let line = LauncherProcess.readLine(control, withinMs: withinMs, limit: 64)
        if line == Array("ready\n".utf8) { return nil }
        if line.isEmpty || !line.contains(UInt8(ascii: "\n")) {
            guard let status = LauncherProcess.readStatus(launcherStatus, withinMs: 2000) else {
                return line.isEmpty
                    ? "the fork server ended, or did not start within \(withinMs) ms"
                    : "the fork server stopped mid-greeting"
            }
            if let error = status.error { return "launcher stage \(error.stage) failed: \(error.message)" }
            return
                "the fork server ended before it was ready (exit \(status.exitCode.map(String.init) ?? "none"), signal \(status.signal.map(String.init) ?? "none"))"
        }
        return "the fork server said \(String(decoding: line.prefix(64), as: UTF8.self))"
    }

    private func failed(_ message: String) -> RawOutcome {
        RawOutcome(frame: nil, stdout: [], diagnostics: message, status: nil, killedFor: nil, durationMs: 0)
    }
}
