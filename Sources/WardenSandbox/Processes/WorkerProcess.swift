import CWardenShim
import Foundation
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

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
            guard warden_pipe_cloexec(&fds) == 0 else {
                throw SandboxError.spawn("pipe: \(LauncherProcess.errnoText())")
            }
            pipes.append(fds)
        }
        var egress: [Int32] = [-1, -1]
        guard warden_socketpair_cloexec(&egress) == 0 else {
            throw SandboxError.spawn("socketpair: \(LauncherProcess.errnoText())")
        }
        pipes.append(egress)
        // Child ends: read end of the request pipe, write ends of the others, one end of the socket.
        let childFDs: [Int32] = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], pipes[4][1], egress[1]]
        let pid = try LauncherProcess.spawn(arguments, descriptors: childFDs)
        let process = WorkerProcess(
            pid: pid, slot: slot, requestFD: pipes[0][1],
            readFDs: [pipes[1][0], pipes[2][0], pipes[3][0], pipes[4][0]], egressFD: egress[0])
        // Keep the supervisor's ends; the deferred close releases the child's.
        pipes = [[pipes[0][0]], [pipes[1][1]], [pipes[2][1]], [pipes[3][1]], [pipes[4][1]], [egress[1]]]
        return process
    }

    /// Sends the request, then collects output until every pipe closes or the wall clock runs out.
    func run(
        request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?,
        cancel gate: CancelGate
    ) -> RawOutcome {
        let pid = self.pid
        guard gate.begin(stop: { kill(pid, SIGTERM) }) else {
            discard()
            return RawOutcome(
                frame: nil, stdout: [], diagnostics: "", status: nil, killedFor: .cancelled, durationMs: 0)
        }
        var exchange = WorkerExchange(
            requestFD: requestFD, readFDs: readFDs, egressFD: egressFD, statusEndsWithLine: false)
        // SIGTERM lets the launcher kill and reap the sandbox, report, and remove its cgroup;
        // SIGKILL follows if it has not finished within a second.
        let result = exchange.run(
            request: request, wallMs: wallMs, stdoutCap: stdoutCap, frameCap: frameCap, egress: egress,
            stop: { kill(pid, SIGTERM) }, forceStop: { kill(pid, SIGKILL) })
        for fd in readFDs { close(fd) }
        let cancelled = gate.end()
        if !result.finished { kill(pid, SIGKILL) }
        LauncherProcess.reap(pid, withinMs: 1000)  // its descriptors are closed: it is ending
        var outcome = result.outcome
        if cancelled { outcome.killedFor = .cancelled }
        return outcome
    }

    /// Ends a worker that will not be used (pool shutdown): SIGTERM so the launcher cleans up
    /// its cgroup, SIGKILL if it has not gone within a second.
    func discard() {
        kill(pid, SIGTERM)
        close(requestFD)
        for fd in readFDs { close(fd) }
        close(egressFD)
        LauncherProcess.reap(pid, withinMs: 1000)
    }
}
