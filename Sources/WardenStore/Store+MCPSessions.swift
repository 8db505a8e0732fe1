import Foundation
import WardenDomain

public struct MCPSession: Equatable, Sendable {
    public var id: String
    /// The actor that opened it (`key:…`, `oidc:…`, `cert:…`); only it may use the session.
    public var owner: String
    public var serverFilter: String?
    public var protocolVersion: String
    public var lastSeenAt: String
}

extension Store {
    /// What is kept of a client's self-description: enough to recognise it, never a megabyte.
    public static let clientInfoBytes = 4096

    public func createMCPSession(owner: String, serverFilter: String?, protocolVersion: String, clientInfo: JSONValue)
        async throws -> MCPSession
    {
        let now = Timestamp.now()
        let session = MCPSession(
            id: Identifier.make("mcp"), owner: owner, serverFilter: serverFilter,
            protocolVersion: protocolVersion, lastSeenAt: now)
        var info = clientInfo.encodedString()
        if info.utf8.count > Self.clientInfoBytes {
            let object = clientInfo.objectValue ?? [:]
            info = JSONValue.object([
                "name": .string(LogTruncation.prefix(object["name"]?.stringValue ?? "", limit: 256).0),
                "version": .string(LogTruncation.prefix(object["version"]?.stringValue ?? "", limit: 64).0),
                "truncated": .bool(true),
            ]).encodedString()
        }
        let stored = info
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO mcp_sessions (id, key_id, server_filter, protocol_version, client_info, created_at, last_seen_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [session.id, owner, serverFilter, protocolVersion, stored, now, now])
            try self.appendAudit(
                db, type: "mcp.session_started", actor: owner, subject: session.id,
                details: .object([
                    "protocol_version": .string(protocolVersion), "server": serverFilter.map(JSONValue.string) ?? .null,
                ]))
        }
        return session
    }

    /// Deletes sessions that ended or sat idle longer than `idle`, with one audit event for
    /// the sweep (none when nothing went). Returns how many were deleted.
    @discardableResult
    public func deleteIdleMCPSessions(idle: TimeInterval) async throws -> Int {
        let cutoff = Timestamp.string(Date().addingTimeInterval(-idle))
        return try await write { db in
            let deleted = try db.execute(
                sql: "DELETE FROM mcp_sessions WHERE ended_at IS NOT NULL OR last_seen_at < ?", arguments: [cutoff])
            if deleted > 0 {
                try self.appendAudit(
                    db, type: "mcp.sessions_expired", actor: "system", subject: "mcp_sessions",
                    details: .object(["deleted": .int(Int64(deleted)), "idle_before": .string(cutoff)]))
            }
            return deleted
        }
    }

    /// A live session of this key that has been used within `idle`; touching it keeps it alive.
    public func activeMCPSession(id: String, owner: String, idle: TimeInterval) async throws -> MCPSession? {
        let found = try await read { db in
            try db.fetchOne(
                sql: "SELECT * FROM mcp_sessions WHERE id = ? AND key_id = ? AND ended_at IS NULL",
                arguments: [id, owner]
            ).map { row in
                MCPSession(
                    id: row["id"], owner: row["key_id"], serverFilter: row["server_filter"],
                    protocolVersion: row["protocol_version"], lastSeenAt: row["last_seen_at"])
            }
        }
        guard let session = found else { return nil }
        let now = Date()
        let lastSeen = session.lastSeenAt
        guard lastSeen >= Timestamp.string(now.addingTimeInterval(-idle)) else { return nil }
        // Touch at most once a minute: one write per minute per session, not per request.
        if lastSeen < Timestamp.string(now.addingTimeInterval(-60)) {
            try await write { db in
                try db.execute(
                    sql: "UPDATE mcp_sessions SET last_seen_at = ? WHERE id = ?",
                    arguments: [Timestamp.string(now), id])
            }
        }
        return session
    }

    /// Returns false when there was no such live session.
    public func endMCPSession(id: String, owner: String) async throws -> Bool {
        try await write { db in
            let changed = try db.execute(
                sql: "UPDATE mcp_sessions SET ended_at = ? WHERE id = ? AND key_id = ? AND ended_at IS NULL",
                arguments: [Timestamp.now(), id, owner])
            guard changed == 1 else { return false }
            try self.appendAudit(db, type: "mcp.session_ended", actor: owner, subject: id)
            return true
        }
    }

    /// Approved, live tools for MCP, optionally of one server (by name), in a stable order.
    public func approvedTools(serverId: String?) async throws -> [(server: Server, tool: Tool)] {
        try await read { db in
            var sql = """
                SELECT t.*, s.id AS s_id, s.name AS s_name, s.description AS s_description, s.allowed_hosts AS s_allowed_hosts,
                       s.created_at AS s_created_at, s.updated_at AS s_updated_at
                FROM tools t JOIN servers s ON s.id = t.server_id
                WHERE t.deleted_at IS NULL AND s.deleted_at IS NULL AND t.approval_status = 'approved'
                """
            var arguments: SQLArguments = []
            if let serverId {
                sql += " AND s.id = ?"
                arguments += [serverId]
            }
            sql += " ORDER BY s.name, t.name"
            return try db.fetchAll(sql: sql, arguments: arguments).map { row in
                let server = Server(
                    id: row["s_id"], name: row["s_name"], description: row["s_description"],
                    allowedHosts: (try? JSONValue.decode(row["s_allowed_hosts"]))?.strings ?? [],
                    createdAt: row["s_created_at"], updatedAt: row["s_updated_at"])
                return (server, Self.tool(row))
            }
        }
    }
}
