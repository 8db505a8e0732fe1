import Foundation
import WardenDomain

public struct SecretInfo: Codable, Equatable, Sendable {
    public var name: String
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension Store {
    /// Creates or replaces a secret. The audit event names it; it never carries the value.
    public func putSecret(serverId: String, name: String, value: String, box: SecretBox, by actor: String) async throws
        -> SecretInfo
    {
        try await write { db in
            _ = try self.liveServer(db, serverId)
            let now = Timestamp.now()
            let sealed = try box.seal(value, serverId: serverId, name: name)
            let existing = try db.fetchValue(
                String.self, sql: "SELECT created_at FROM server_secrets WHERE server_id = ? AND name = ?",
                arguments: [serverId, name])
            try db.execute(
                sql: """
                    INSERT INTO server_secrets (server_id, name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (server_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
                    """, arguments: [serverId, name, sealed, now, now])
            try self.appendAudit(
                db, type: existing == nil ? "secret.created" : "secret.updated", actor: actor, subject: serverId,
                details: .object(["name": .string(name)]))
            return SecretInfo(name: name, createdAt: existing ?? now, updatedAt: now)
        }
    }

    public func secrets(serverId: String) async throws -> [SecretInfo] {
        try await read { db in
            _ = try self.liveServer(db, serverId)
            return try db.fetchAll(
                sql: "SELECT name, created_at, updated_at FROM server_secrets WHERE server_id = ? ORDER BY name",
                arguments: [serverId]
            ).map { SecretInfo(name: $0["name"], createdAt: $0["created_at"], updatedAt: $0["updated_at"]) }
        }
    }

    public func deleteSecret(serverId: String, name: String, by actor: String) async throws {
        try await write { db in
            _ = try self.liveServer(db, serverId)
            let deleted = try db.execute(
                sql: "DELETE FROM server_secrets WHERE server_id = ? AND name = ?", arguments: [serverId, name])
            guard deleted == 1 else { throw DomainError.notFound("server \(serverId) has no secret \(name)") }
            try self.appendAudit(
                db, type: "secret.deleted", actor: actor, subject: serverId, details: .object(["name": .string(name)]))
        }
    }

    /// One server's secrets in plain text, for the one execution that needs them.
    public func secretValues(serverId: String, box: SecretBox) async throws -> [String: String] {
        try await read { db in try self.sealedSecrets(db, serverId) }.open(with: box)
    }

    func sealedSecrets(_ db: any SQLConnection, _ serverId: String) throws -> SealedSecrets {
        let rows = try db.fetchAll(
            sql: "SELECT name, sealed FROM server_secrets WHERE server_id = ?", arguments: [serverId])
        return SealedSecrets(serverId: serverId, sealed: rows.map { ($0["name"], $0["sealed"]) })
    }

    /// How the stored secrets open with `box`: all of them, under the current key or the old
    /// one. Checked at start-up, so a changed key is found before the first execution needs it.
    public func secretKeyCheck(box: SecretBox) async throws -> (total: Int, underOldKey: Int, unreadable: Int) {
        let rows = try await read { db in
            try db.fetchAll(sql: "SELECT server_id, name, sealed FROM server_secrets").map { row in
                (serverId: row["server_id"] as String, name: row["name"] as String, sealed: row["sealed"] as Data)
            }
        }
        var underOld = 0
        var unreadable = 0
        for row in rows {
            do {
                if try box.open(row.sealed, serverId: row.serverId, name: row.name).underOldKey { underOld += 1 }
            } catch {
                unreadable += 1
            }
        }
        return (rows.count, underOld, unreadable)
    }

    /// Re-seals every secret under the current key in one transaction; returns how many moved.
    public func rotateSecrets(box: SecretBox, by actor: String) async throws -> Int {
        try await write { db in
            let rows = try db.fetchAll(sql: "SELECT server_id, name, sealed FROM server_secrets")
            var moved = 0
            for row in rows {
                let serverId: String = row["server_id"]
                let name: String = row["name"]
                let (value, underOld) = try box.open(row["sealed"], serverId: serverId, name: name)
                guard underOld else { continue }
                try db.execute(
                    sql: "UPDATE server_secrets SET sealed = ? WHERE server_id = ? AND name = ?",
                    arguments: [try box.seal(value, serverId: serverId, name: name), serverId, name])
                moved += 1
            }
            try self.appendAudit(
                db, type: "secrets.rotated", actor: actor, subject: "secrets",
                details: .object(["moved": .int(Int64(moved)), "total": .int(Int64(rows.count))]))
            return moved
        }
    }
}

/// One server's secrets as stored: opened only when an execution is sure to run.
public struct SealedSecrets: Sendable {
    let serverId: String
    let sealed: [(name: String, value: Data)]

    public func open(with box: SecretBox) throws -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in sealed { values[name] = try box.open(value, serverId: serverId, name: name).value }
        return values
    }
}
