import Foundation
import Logging
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// Whatever a worker writes, the supervisor's cost of reading it is bounded by the limits: a
/// maximal frame of tiny objects on the result and on the egress descriptor costs it little CPU,
/// and the execution fails with a clear reason.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"), .serialized)
struct FrameBoundsTests {
    /// Counts the egress requests that got through decoding; answers each with an error.
    final class CountingEgress: WorkerEgress, @unchecked Sendable {
        let frameLimit = 2 << 20 + 64 << 10
        let requestQuota = 20
        private let lock = NSLock()
        private var count = 0
        var handled: Int { lock.withLock { count } }
        func handle(_ request: JSONValue, within budget: Duration) async -> EgressAnswer {
            lock.withLock { count += 1 }
            return .reply(Array(#"{"error":{"type":"EgressError","message":"test"}}"#.utf8))
        }
    }

    /// Writes `{"ok": true, "result": [{},{},...]}` as large as `size` straight to a descriptor
    /// (with the length prefix), then either exits or waits for an answer.
    static func bomb(fd: Int, size: Int, thenExit: Bool) -> String {
        WorkerTests.reach + """
            def main():
                posix = _posix('posix')
                head, tail = b'{"ok": true, "result": [', b'{}]}'
                body = head + b'{},' * ((\(size) - len(head) - len(tail)) // 3) + tail
                frame = len(body).to_bytes(4, 'big') + body
                off = 0
                while off < len(frame):
                    off += posix.write(\(fd), frame[off:])
                if \(thenExit ? "True" : "False"):
                    posix._exit(0)
                return len(posix.read(\(fd), 64))

            """
    }

    /// Runs one request in a fresh spawned worker on this thread, then judges it here, and
    /// returns the outcome with the CPU this thread (the supervisor's side) spent on both.
    static func runMeasured(_ code: String, egress: (any WorkerEgress)?) throws -> (ExecutionOutcome, Double) {
        let shared = try #require(TestSandbox.shared)
        var configuration = shared.configuration
        configuration.forkServerFilterPath = nil
        configuration.uidBase = 238_000
        let limits = shared.profile.limits
        let arguments = configuration.launcherArguments(
            profile: shared.profile, slot: 0, cgroupName: "w\(getpid())-frame-\(UInt32.random(in: 0...UInt32.max))")
        let worker = try WorkerProcess.spawn(arguments: arguments, slot: 0)
        let request = JSONValue.object([
            "mode": "run", "code": .string(code), "arguments": .object([:]),
            "stdout_bytes": .int(Int64(limits.outputBytes)), "result_bytes": .int(Int64(limits.resultBytes)),
        ])
        let start = threadCPUSeconds()
        let raw = worker.run(
            request: Array(request.encodedString().utf8), wallMs: limits.wallMs, stdoutCap: limits.outputBytes,
            frameCap: OutcomeJudge.frameCap(limits), egress: egress, cancel: CancelGate())
        let outcome = OutcomeJudge.judge(raw, limits: limits)
        return (outcome, threadCPUSeconds() - start)
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @Test func aMaximalResultFrameOfTinyObjectsCostsLittle() throws {
        let limits = try #require(TestSandbox.shared).profile.limits
        let (outcome, cpu) = try Self.runMeasured(
            Self.bomb(fd: 3, size: OutcomeJudge.frameCap(limits) - 8, thenExit: true), egress: nil)
        #expect(outcome.status == .failed)
        #expect(outcome.error?.type == "MalformedReply", "\(outcome.error.map { "\($0.type): \($0.message)" } ?? "")")
        #expect(cpu < 0.1, "the supervisor spent \(cpu) s of CPU reading one frame")
    }

    @Test func aFrameOverTheCapStopsTheWorkerUnread() throws {
        let limits = try #require(TestSandbox.shared).profile.limits
        let (outcome, cpu) = try Self.runMeasured(
            Self.bomb(fd: 3, size: OutcomeJudge.frameCap(limits) + 4096, thenExit: true), egress: nil)
        #expect(
            outcome.status == .killed && outcome.reason == .output, "\(outcome.status) \(outcome.error?.message ?? "")")
        #expect(cpu < 0.1, "the supervisor spent \(cpu) s of CPU")
    }

    @Test func aMaximalEgressFrameOfTinyObjectsCostsLittle() throws {
        let egress = CountingEgress()
        let (outcome, cpu) = try Self.runMeasured(
            Self.bomb(fd: 5, size: egress.frameLimit - 8, thenExit: false), egress: egress)
        #expect(egress.handled == 0, "a frame of thousands of values must not reach the egress proxy")
        #expect(
            outcome.status == .killed && outcome.reason == .egress, "\(outcome.status) \(outcome.error?.message ?? "")")
        #expect(cpu < 0.1, "the supervisor spent \(cpu) s of CPU reading one egress frame")
    }

    @Test func anEgressFrameOverItsCapStopsTheWorker() throws {
        let egress = CountingEgress()
        let (outcome, _) = try Self.runMeasured(
            Self.bomb(fd: 5, size: egress.frameLimit + 4096, thenExit: false), egress: egress)
        #expect(egress.handled == 0)
        #expect(
            outcome.status == .killed && outcome.reason == .output, "\(outcome.status) \(outcome.error?.message ?? "")")
    }

    /// Writes tiny egress frames without waiting for answers, `count` per write, for at most
    /// `rounds` writes (a bounded loop) or until the supervisor closes the channel.
    static func tinyFrames(perWrite count: Int, rounds: Int) -> String {
        WorkerTests.reach + """
            def main():
                posix = _posix('posix')
                chunk = b'\\0\\0\\0\\x02{}' * \(count)
                sent = 0
                try:
                    for _ in range(\(rounds)):
                        posix.write(5, chunk)
                        sent += 1
                except OSError:
                    pass
                return sent

            """
    }

    /// Off Swift's cooperative pool, as the supervisor runs workers: egress answers need that pool.
    static func runMeasuredOffPool(_ code: String, egress: CountingEgress) async throws -> (ExecutionOutcome, Double) {
        try await BlockingIO.run { try Self.runMeasured(code, egress: egress) }
    }

    @Test func aFloodOfTinyEgressFramesEndsTheWorkerCheaply() async throws {
        let egress = CountingEgress()
        let (outcome, cpu) = try await Self.runMeasuredOffPool(
            Self.tinyFrames(perWrite: 1, rounds: 2_000_000), egress: egress)
        #expect(
            outcome.status == .killed && outcome.reason == .egress, "\(outcome.status) \(outcome.error?.message ?? "")")
        #expect(egress.handled <= egress.requestQuota, "\(egress.handled) frames reached the proxy")
        #expect(cpu < 0.5, "the supervisor spent \(cpu) s of CPU on a flood of tiny frames")
        #expect(outcome.durationMs < 5_000, "the flood lasted \(outcome.durationMs) ms")
    }

    @Test func twoRequestsInOneWriteEndTheWorkerAtOnce() throws {
        let egress = CountingEgress()
        let (outcome, _) = try Self.runMeasured(
            Self.tinyFrames(perWrite: 2, rounds: 1) + """
                def _then_wait(f):
                    def wrapped():
                        f()
                        _posix('posix').read(5, 64)
                        return 'answered'
                    return wrapped
                main = _then_wait(main)

                """, egress: egress)
        #expect(
            outcome.status == .killed && outcome.reason == .egress, "\(outcome.status) \(outcome.error?.message ?? "")")
        #expect(outcome.error?.message.contains("before the previous one was answered") == true)
        #expect(outcome.durationMs < 3_000, "it waited \(outcome.durationMs) ms, not until the wall clock")
    }

    @Test func requestsPastTheQuotaEndTheWorker() async throws {
        let egress = CountingEgress()
        let code =
            WorkerTests.reach + """
                def main():
                    posix = _posix('posix')
                    frame = b'{"method":"GET","url":"http://example.com/"}'
                    for _ in range(30):
                        posix.write(5, len(frame).to_bytes(4, 'big') + frame)
                        n = int.from_bytes(posix.read(5, 4), 'big')
                        posix.read(5, n)
                    return 'all answered'

                """
        let (outcome, _) = try await Self.runMeasuredOffPool(code, egress: egress)
        #expect(
            outcome.status == .killed && outcome.reason == .egress, "\(outcome.status) \(outcome.error?.message ?? "")")
        #expect(egress.handled == egress.requestQuota)
    }
}
