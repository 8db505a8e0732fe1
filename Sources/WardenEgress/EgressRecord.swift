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

    /// Longest host name DNS allows; a longer one is refused, never stored.
    public static let maxHostBytes = 253
    public static let maxURLBytes = 8 << 10
    /// A refusal's message as stored: the reason, never a copy of what the tool sent.
    public static let maxErrorBytes = 300

    static func capped(_ text: String, to limit: Int = maxErrorBytes) -> String {
        guard text.utf8.count > limit else { return text }
        var cut = String(decoding: text.utf8.prefix(limit), as: UTF8.self)
        if cut.last == "\u{FFFD}" { cut.removeLast() }
        return cut + "…"
    }

    enum CodingKeys: String, CodingKey {
        case method, host, port, address, status, bytes, error
        case durationMs = "duration_ms"
    }
}
