import Foundation
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// One execution's conversation with a worker, whichever process model runs it: write the
/// request, collect stdout, diagnostics, the result frame and the status, answer egress
/// requests, and stop the worker when the wall clock or an output cap says so.
/// Blocking: call it from `BlockingIO`, never from Swift's cooperative pool.
struct WorkerExchange {
    struct Result {
        var outcome: RawOutcome
        /// False when the worker had to be stopped: it is not to be trusted again.
        var finished: Bool
    }

    let requestFD: Int32
    /// stdout, diagnostics, result, status: the supervisor's read ends, in that order.
    let readFDs: [Int32]
    private static let result = 2, status = 3
    /// Diagnostics and status are the launcher's and the runner's own words: small.
    private static let diagnosticsCap = 16 << 10, statusCap = 64 << 10
    let egressFD: Int32
    /// A fork server reports each child's status as one line on a channel that stays open;
    /// a spawned launcher reports on a pipe that closes.
    let statusEndsWithLine: Bool

    /// Runs to completion. `stop` asks the worker to end (the launcher kills its sandbox and
    /// reports); `forceStop` follows a second later if it has not.
    mutating func run(
        request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?,
        stop: () -> Void, forceStop: () -> Void
    ) -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(wallMs) * 1_000_000
        var killDeadline: UInt64?
        var killedFor: KillCause?
        var buffers: [[UInt8]] = [[], [], [], []]
        let caps = [stdoutCap, Self.diagnosticsCap, frameCap, Self.statusCap]
        var reading = [true, true, true, true]
        var written = 0
        var requestOpen = true
        _ = fcntl(requestFD, F_SETFL, fcntl(requestFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(egressFD, F_SETFL, fcntl(egressFD, F_GETFL) | O_NONBLOCK)
        var chunk = [UInt8](repeating: 0, count: 65536)
        var egressOpen = true
        var channel = EgressChannel(fd: egressFD, egress: egress)
        var violation: String?
        var forced = false

        func terminate(_ cause: KillCause) {
            guard killedFor == nil else { return }
            killedFor = cause
            stop()
            killDeadline = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
        }

        while reading.contains(true) {
            var fds: [pollfd] = []
            var owners: [Int] = []
            if requestOpen {
                fds.append(pollfd(fd: requestFD, events: Int16(POLLOUT), revents: 0))
                owners.append(-1)
            }
            for (index, fd) in readFDs.enumerated() where reading[index] {
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
                forceStop()
                forced = true
                break
            }
            let timeout = Int32(min((limit - now) / 1_000_000 + 1, 1000))
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            for (position, entry) in fds.enumerated() where entry.revents != 0 {
                let owner = owners[position]
                if owner == -1 {
                    let n = request.withUnsafeBytes {
                        write(requestFD, $0.baseAddress! + written, request.count - written)
                    }
                    if n > 0 { written += n }
                    if (n < 0 && errno != EAGAIN && errno != EINTR) || written == request.count {
                        close(requestFD)
                        requestOpen = false
                    }
                    continue
                }
                if owner == -2 {
                    switch channel.receive(into: &chunk, deadline: deadline) {
                    case .nothing: break
                    case .closed: egressOpen = false
                    case .stop(let cause, let reason):
                        if killedFor == nil { violation = reason }
                        terminate(cause)
                    }
                    continue
                }
                let n = read(readFDs[owner], &chunk, chunk.count)
                if n > 0 {
                    let room = caps[owner] - buffers[owner].count
                    buffers[owner].append(contentsOf: chunk[0..<min(n, max(room, 0))])
                    if n > room && owner != Self.status { terminate(.output) }
                    if owner == Self.status && statusEndsWithLine && buffers[owner].contains(UInt8(ascii: "\n")) {
                        reading[owner] = false
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    reading[owner] = false
                }
            }
        }
        if requestOpen { close(requestFD) }
        close(egressFD)
        let duration = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        var statusBytes = buffers[Self.status]
        if statusEndsWithLine, let end = statusBytes.firstIndex(of: UInt8(ascii: "\n")) {
            statusBytes = Array(statusBytes[..<end])
        }
        let outcome = RawOutcome(
            frame: buffers[Self.result].isEmpty ? nil : buffers[Self.result],
            stdout: buffers[0],
            diagnostics: String(decoding: buffers[1], as: UTF8.self),
            status: try? JSONDecoder().decode(LauncherStatus.self, from: Data(statusBytes)),
            killedFor: killedFor,
            violation: violation,
            durationMs: duration)
        return Result(outcome: outcome, finished: !forced && killedFor == nil)
    }
}
