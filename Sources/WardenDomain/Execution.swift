public enum ExecutionStatus: String, Codable, Sendable, CaseIterable {
    case running
    case succeeded
    case failed
    case timeout
    case killed
    /// The caller cancelled the call (MCP `notifications/cancelled`); its worker was stopped.
    case cancelled
    case interrupted
}

/// Why a worker was killed.
public enum KillReason: String, Codable, Sendable {
    case memory
    case cpu
    case output
    case signal
    /// The tool broke the egress protocol or went past its request quota.
    case egress
    /// With `interrupted`: the node never recorded an end (it was still `running` past its deadline).
    case lost
}

public struct ExecutionError: Codable, Equatable, Sendable {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }
}

/// How one run in a worker ended, judged from what the worker and launcher reported.
public struct ExecutionOutcome: Equatable, Sendable {
    public var status: ExecutionStatus
    public var reason: KillReason?
    public var result: JSONValue?
    public var error: ExecutionError?
    public var stdout: String
    public var stdoutTruncated: Bool
    public var durationMs: Int
    public var cpuMs: Int?
    public var maxRssKb: Int?

    public init(
        status: ExecutionStatus, reason: KillReason? = nil, result: JSONValue? = nil, error: ExecutionError? = nil,
        stdout: String = "", stdoutTruncated: Bool = false, durationMs: Int = 0, cpuMs: Int? = nil, maxRssKb: Int? = nil
    ) {
        self.status = status
        self.reason = reason
        self.result = result
        self.error = error
        self.stdout = stdout
        self.stdoutTruncated = stdoutTruncated
        self.durationMs = durationMs
        self.cpuMs = cpuMs
        self.maxRssKb = maxRssKb
    }
}

/// An execution log entry as auditors see it (docs/design.md §4).
public struct Execution: Codable, Equatable, Sendable {
    public var id: String
    public var toolId: String
    public var serverId: String
    public var version: Int
    public var codeSha256: String
    public var caller: String
    /// A test run of a version, not an agent's call.
    public var test = false
    public var status: ExecutionStatus
    public var reason: KillReason?
    public var arguments: JSONValue
    public var result: JSONValue?
    public var error: ExecutionError?
    public var stdout: String
    public var truncated: Bool
    public var durationMs: Int?
    public var cpuMs: Int?
    public var maxRssKb: Int?
    public var startedAt: String
    public var finishedAt: String?
    /// Requests made through the egress proxy (method, host, status, bytes), never their contents.
    public var egress: JSONValue = .array([])

    enum CodingKeys: String, CodingKey {
        case id
        case toolId = "tool_id"
        case serverId = "server_id"
        case version
        case codeSha256 = "code_sha256"
        case caller, test, status, reason
        case arguments, result, error, stdout, truncated
        case durationMs = "duration_ms"
        case cpuMs = "cpu_ms"
        case maxRssKb = "max_rss_kb"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case egress
    }

    public init(
        id: String, toolId: String, serverId: String, version: Int, codeSha256: String, caller: String,
        status: ExecutionStatus,
        reason: KillReason? = nil, arguments: JSONValue, result: JSONValue? = nil, error: ExecutionError? = nil,
        stdout: String = "",
        truncated: Bool = false, durationMs: Int? = nil, cpuMs: Int? = nil, maxRssKb: Int? = nil, startedAt: String,
        finishedAt: String? = nil
    ) {
        self.id = id
        self.toolId = toolId
        self.serverId = serverId
        self.version = version
        self.codeSha256 = codeSha256
        self.caller = caller
        self.status = status
        self.reason = reason
        self.arguments = arguments
        self.result = result
        self.error = error
        self.stdout = stdout
        self.truncated = truncated
        self.durationMs = durationMs
        self.cpuMs = cpuMs
        self.maxRssKb = maxRssKb
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(toolId, forKey: .toolId)
        try c.encode(serverId, forKey: .serverId)
        try c.encode(version, forKey: .version)
        try c.encode(codeSha256, forKey: .codeSha256)
        try c.encode(caller, forKey: .caller)
        try c.encode(test, forKey: .test)
        try c.encode(status, forKey: .status)
        try c.encode(reason, forKey: .reason)
        try c.encode(arguments, forKey: .arguments)
        try c.encode(result, forKey: .result)
        try c.encode(error, forKey: .error)
        try c.encode(stdout, forKey: .stdout)
        try c.encode(truncated, forKey: .truncated)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(cpuMs, forKey: .cpuMs)
        try c.encode(maxRssKb, forKey: .maxRssKb)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(egress, forKey: .egress)
    }
}
