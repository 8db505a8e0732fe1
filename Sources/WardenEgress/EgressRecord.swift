/// One request a tool made, as the execution log keeps it: never headers or bodies.
public struct EgressRecord: Codable, Equatable, Sendable {
    public var method: String
    public var host: String
    public var port: Int
    public var address: String?
    public var status: Int?
    public var bytes: Int
    public var error: String?
    public var durationMs: Int

    enum CodingKeys: String, CodingKey {
        case method, host, port, address, status, bytes, error
        case durationMs = "duration_ms"
    }
}
