/// The seam between the service and confinement: what the API and MCP layers need from a
/// sandbox. `WardenSandbox.Sandbox` is the real one; tests that run no tool code use a fake.
public protocol ToolSandbox: CodeAnalyzer {
    /// Runs `main(**arguments)` for `tenant` (the tool's server id) in a worker that has served no
    /// other tenant. Limits come from the sandbox profile only.
    func execute(
        code: String, arguments: JSONValue, secrets: [String: String], egress: (any WorkerEgress)?,
        tenant: String
    ) async throws -> ExecutionOutcome
    /// Runs a trivial tool confined, for readiness.
    func selfTest() async -> SelfTestReport
    /// The cgroup kind workers run in (v2, v1 or none), once known.
    var cgroupKind: String? { get }
}

/// Answers a worker's egress frames (the `http` object in tool code) for one execution.
/// The worker loop does the framing and decodes each request within `frameLimit`.
public protocol WorkerEgress: Sendable {
    /// The largest request frame this execution may send: anything larger stops the worker
    /// before a byte of it is decoded.
    var frameLimit: Int { get }
    /// How many request frames one execution may send; the next one ends the worker.
    var requestQuota: Int { get }
    /// `budget` is what is left of the execution's wall clock; the answer must come within it.
    func handle(_ request: JSONValue, within budget: Duration) async -> EgressAnswer
}

/// What the egress proxy makes of one request frame.
public enum EgressAnswer: Sendable, Equatable {
    /// The reply frame's body, sent back to the worker.
    case reply([UInt8])
    /// The frame broke the protocol (it is not a request at all): the worker is ended with this reason.
    case endWorker(String)
}

/// The sandbox self-test behind `/readyz`: whether a trivial tool ran confined.
public struct SelfTestReport: Codable, Sendable {
    public var ok: Bool
    public var detail: String
    public var hint: String?
    /// The cgroup kind the worker ran under: v2, v1, or none (rlimits only); nil if it did not run.
    public var cgroup: String?

    public init(ok: Bool, detail: String, hint: String?, cgroup: String?) {
        self.ok = ok
        self.detail = detail
        self.hint = hint
        self.cgroup = cgroup
    }
}
