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
        case wallMs = "wall_ms"
        case cpuMs = "cpu_ms"
        case memoryBytes = "memory_bytes"
        case outputBytes = "output_bytes"
        case tmpBytes = "tmp_bytes"
        case resultBytes = "result_bytes"
        case nofile
        case fsizeBytes = "fsize_bytes"
        case stackBytes = "stack_bytes"
        case pids
    }
}
