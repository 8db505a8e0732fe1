import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// Cancellation belongs to one execution: a cancel that arrives after its execution ended must
/// not reach the next execution on the same fork server (the tenant's next call).
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"), .serialized)
struct CancelGateTests {
    static func run(_ server: ForkServer, _ gate: CancelGate) throws -> ExecutionOutcome {
        let limits = try #require(TestSandbox.shared).profile.limits
        let request = JSONValue.object([
            "mode": "run", "code": "def main():\n    return 'ran'\n", "arguments": .object([:]),
            "stdout_bytes": .int(Int64(limits.outputBytes)), "result_bytes": .int(Int64(limits.resultBytes)),
        ])
        let raw = server.run(
            request: Array(request.encodedString().utf8), wallMs: limits.wallMs, stdoutCap: limits.outputBytes,
            frameCap: OutcomeJudge.frameCap(limits), egress: nil, cancel: gate)
        return OutcomeJudge.judge(raw, limits: limits)
    }

    @Test func aLateCancelReachesNobodyElsesExecution() throws {
        let shared = try #require(TestSandbox.shared)
        var configuration = shared.configuration
        try #require(configuration.forkServerFilterPath != nil, "the shared sandbox runs fork servers")
        configuration.uidBase = 239_000
        let arguments = configuration.launcherArguments(
            profile: shared.profile, slot: 0, cgroupName: "w\(getpid())-cancel-\(UInt32.random(in: 0...UInt32.max))")
        let server = try ForkServer.spawn(arguments: arguments, slot: 0)
        defer { server.discard() }
        let first = CancelGate()
        #expect(try Self.run(server, first).result == "ran")
        first.cancel()  // the caller hung up just after its answer
        let next = try Self.run(server, CancelGate())
        #expect(next.status == .succeeded, "\(next.status) \(next.error?.message ?? "")")
        #expect(next.result == "ran")
        #expect(server.reusable)
        // A cancel before the execution starts still stops it.
        let early = CancelGate()
        early.cancel()
        #expect(try Self.run(server, early).status == .cancelled)
    }
}
