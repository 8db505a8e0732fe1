/// The profile's limits (`sandbox-profiles/limits.json`). Requests cannot change them.
public struct SandboxLimits: Codable, Equatable, Sendable {
    public var wallMs: Int
    public var cpuMs: Int
    public var memoryBytes: Int
    public var outputBytes: Int
    public var tmpBytes: Int
    public var resultBytes: Int
    public var nofile: Int
    public var fsizeBytes: Int
    public var stackBytes: Int
    public var pids: Int

    enum CodingKeys: String, CodingKey {
        case wallMs = "wall_ms", cpuMs = "cpu_ms", memoryBytes = "memory_bytes", outputBytes = "output_bytes"
        case tmpBytes = "tmp_bytes", resultBytes = "result_bytes", nofile, fsizeBytes = "fsize_bytes"
        case stackBytes = "stack_bytes", pids
    }
}
