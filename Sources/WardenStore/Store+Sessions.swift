import Foundation
import WardenDomain

extension Store {
    /// The principal behind a key id, if the key is still live: revoking or expiring a key also
    /// ends the sessions made from it.
    public func principal(keyId: String, now: Date = Date()) async throws -> Principal {
        let key = try await database.fetchOne(.apiKeyByID, arguments: [keyId])
            .map(Self.apiKey)
        guard let key else { throw CredentialError.unknown }
        if key.revokedAt != nil { throw CredentialError.revoked }
        if let expires = key.expiresAt, expires <= Timestamp.string(now) { throw CredentialError.expired }
        return Principal(id: key.id, name: key.name, role: key.role, kind: .apiKey)
    }

    public func recordLogin(keyId: String, jti: String, expiresAt: String) async throws {
        try await recordAudit(
            type: "auth.login", actor: "key:\(keyId)", subject: "session:\(jti)",
            details: .object(["expires_at": .string(expiresAt)]))
    }

    /// Revokes a session until it expires, and forgets revocations that no longer matter.
    public func revokeSession(jti: String, keyId: String, expiresAt: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM revoked_sessions WHERE expires_at < ?", arguments: [Timestamp.now()])
            try db.execute(
                sql:
                    "INSERT INTO revoked_sessions (jti, key_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING",
                arguments: [jti, keyId, expiresAt])
            try self.appendAudit(db, type: "auth.logout", actor: "key:\(keyId)", subject: "session:\(jti)")
        }
    }

    public func isSessionRevoked(jti: String) async throws -> Bool {
        try await database.fetchOne(.revokedSession, arguments: [jti]) != nil
    }
}
