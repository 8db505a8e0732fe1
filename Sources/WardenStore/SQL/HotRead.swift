/// The reads nearly every request makes, named so a database can keep them prepared: on
/// PostgreSQL each is parsed and planned once per connection instead of on every request.
public enum HotRead: String, Sendable, CaseIterable {
    case apiKeyByHash
    case apiKeyByID
    case toolByID
    case revokedSession

    public var sql: String {
        switch self {
        case .apiKeyByHash: "SELECT * FROM api_keys WHERE key_hash = ?"
        case .apiKeyByID: "SELECT * FROM api_keys WHERE id = ?"
        case .toolByID: "SELECT * FROM tools WHERE id = ?"
        case .revokedSession: "SELECT 1 FROM revoked_sessions WHERE jti = ?"
        }
    }
}
