import Crypto
import Foundation
import WardenDomain

/// Why a credential was refused; the API turns each into a 401.
public enum CredentialError: Error, Equatable, Sendable {
    case malformed
    case unknown
    case expired
    case revoked
    case invalidSession
    case sessionEnded
    /// A token from the configured identity provider failed a check; the reason says which.
    case identityRejected(String)

    public var message: String {
        switch self {
        case .invalidSession:
            "the session token is not valid (bad signature, audience, algorithm or claims, or expired)"
        case .sessionEnded: "the session was logged out"
        case .identityRejected(let why): "the identity token is not valid: \(why)"
        case .malformed: "the bearer credential is not a Warden API key"
        case .unknown: "invalid API key"
        case .expired: "API key expired"
        case .revoked: "API key revoked"
        }
    }
}

/// API keys are `wdn_` and 43 base64url characters (256 random bits); only their SHA-256 is stored.
public enum APIKeyFormat {
    public static let prefix = "wdn_"

    static func generate() -> String { prefix + Base64URL.encode(RandomBytes.make(32)) }

    public static func isWellFormed(_ key: String) -> Bool {
        let body = key.utf8.dropFirst(prefix.utf8.count)
        return key.hasPrefix(prefix) && body.count == 43
            && body.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
    }

    static func hash(_ key: String) -> String { Digest.sha256Hex(key) }
}

extension Store {
    public func createAPIKey(name: String, role: Role, expiresInSeconds: Int?, by actor: String) async throws -> APIKey
    {
        try await write { db in
            let key = APIKeyFormat.generate()
            let now = Date()
            let expires = expiresInSeconds.map { Timestamp.string(now.addingTimeInterval(TimeInterval($0))) }
            let record = APIKey(
                id: Identifier.make("key"), name: name, role: role, createdAt: Timestamp.string(now),
                expiresAt: expires, revokedAt: nil, key: key)
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, name, role, key_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [record.id, name, role.rawValue, APIKeyFormat.hash(key), actor, record.createdAt, expires])
            try self.appendAudit(
                db, type: "api_key.created", actor: actor, subject: record.id,
                details: .object([
                    "name": .string(name), "role": .string(role.rawValue),
                    "expires_at": expires.map(JSONValue.string) ?? .null,
                ]))
            return record
        }
    }

    public func apiKeys(after cursor: PageCursor?, limit: Int) async throws -> Page<APIKey> {
        try await read { db in
            let rows = try db.fetchAll(
                sql: "SELECT * FROM api_keys WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [cursor?.after ?? 0, limit + 1])
            return page(rows, limit: limit, map: Self.apiKey)
        }
    }

    public func revokeAPIKey(id: String, by actor: String) async throws {
        try await write { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]) else {
                throw DomainError.notFound("no API key with id \(id)")
            }
            guard Self.apiKey(row).revokedAt == nil else {
                throw DomainError.conflict("API key \(id) is already revoked")
            }
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [Timestamp.now(), id])
            try self.appendAudit(db, type: "api_key.revoked", actor: actor, subject: id)
        }
    }

    /// Resolves a presented key. The lookup is by the key's SHA-256, so how long it takes
    /// depends on the hash, not on how much of a real key the caller guessed.
    public func authenticate(apiKey: String, now: Date = Date()) async throws -> Principal {
        guard APIKeyFormat.isWellFormed(apiKey) else { throw CredentialError.malformed }
        let presented = APIKeyFormat.hash(apiKey)
        let found = try await database.fetchOne(.apiKeyByHash, arguments: [presented])
            .map { row in (key: Self.apiKey(row), hash: row["key_hash"] as String) }
        guard let found, constantTimeEqual(found.hash, presented) else { throw CredentialError.unknown }
        let key = found.key
        if key.revokedAt != nil { throw CredentialError.revoked }
        if let expires = key.expiresAt, expires <= Timestamp.string(now) { throw CredentialError.expired }
        return Principal(id: key.id, name: key.name, role: key.role, kind: .apiKey)
    }

    public func hasAPIKeys() async throws -> Bool {
        try await read { db in try db.fetchValue(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM api_keys)") ?? false }
    }

    static func apiKey(_ row: SQLRow) -> APIKey {
        APIKey(
            id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .agent, createdAt: row["created_at"],
            expiresAt: row["expires_at"], revokedAt: row["revoked_at"], key: nil)
    }
}

private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

extension Store {
    /// The names people gave the keys behind these actors (`key:<id>`), revoked ones too: what a
    /// page shows next to an id. Other actors (`system`, `oidc:…`, `cert:…`) are left out.
    public func keyNames(actors: Set<String>) async throws -> [String: String] {
        let ids = actors.compactMap { $0.hasPrefix("key:") ? String($0.dropFirst(4)) : nil }
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var names: [String: String] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 200).map({ Array(ids[$0..<min($0 + 200, ids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try db.fetchAll(
                    sql: "SELECT id, name FROM api_keys WHERE id IN (\(marks))",
                    arguments: SQLArguments(chunk.map(\.sqlValue)))
                {
                    names["key:" + (row["id"] as String)] = row["name"]
                }
            }
            return names
        }
    }
}
