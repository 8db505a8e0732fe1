import WardenDomain

public struct ServerDraft: Sendable {
    public var name: String
    public var description: String
    public var allowedHosts: [String]

    public init(name: String, description: String, allowedHosts: [String]) {
        self.name = name
        self.description = description
        self.allowedHosts = allowedHosts
    }
}

public struct ServerChanges: Sendable {
    public var name: String?
    public var description: String?
    public var allowedHosts: [String]?

    public init(name: String? = nil, description: String? = nil, allowedHosts: [String]? = nil) {
        self.name = name
        self.description = description
        self.allowedHosts = allowedHosts
    }
}

extension Store {
    public func createServer(_ draft: ServerDraft, by actor: String) async throws -> Server {
        try await write { db in
            try self.requireFreeServerName(db, draft.name, except: nil)
            let now = Timestamp.now()
            let server = Server(
                id: Identifier.make("srv"), name: draft.name, description: draft.description,
                allowedHosts: draft.allowedHosts, createdAt: now, updatedAt: now)
            try db.execute(
                sql:
                    "INSERT INTO servers (id, name, description, allowed_hosts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [server.id, server.name, server.description, hostsJSON(server.allowedHosts), now, now])
            try self.appendAudit(
                db, type: "server.created", actor: actor, subject: server.id,
                details: .object(["name": .string(server.name), "allowed_hosts": hostsValue(server.allowedHosts)]))
            return server
        }
    }

    public func server(id: String) async throws -> Server {
        try await read { db in try self.liveServer(db, id) }
    }

    public func servers(after cursor: PageCursor?, limit: Int) async throws -> Page<Server> {
        try await read { db in
            let rows = try db.fetchAll(
                sql: """
                    SELECT * FROM servers WHERE deleted_at IS NULL AND seq > ? ORDER BY seq LIMIT ?
                    """, arguments: [cursor?.after ?? 0, limit + 1])
            return page(rows, limit: limit, map: Self.server)
        }
    }

    public func updateServer(id: String, _ changes: ServerChanges, by actor: String) async throws -> Server {
        try await write { db in
            var server = try self.liveServer(db, id)
            let hostsBefore = server.allowedHosts
            if let name = changes.name, name != server.name {
                try self.requireFreeServerName(db, name, except: id)
                let approved = try db.fetchAll(
                    sql: """
                        SELECT name FROM tools WHERE server_id = ? AND deleted_at IS NULL AND approval_status = 'approved'
                        ORDER BY name
                        """, arguments: [id]
                ).map { $0["name"] as String }
                try ApprovalRules.requireRenameKeepsApprovedNames(from: server.name, to: name, approvedTools: approved)
                server.name = name
            }
            if let description = changes.description { server.description = description }
            if let hosts = changes.allowedHosts { server.allowedHosts = hosts }
            server.updatedAt = Timestamp.now()
            try db.execute(
                sql: "UPDATE servers SET name = ?, description = ?, allowed_hosts = ?, updated_at = ? WHERE id = ?",
                arguments: [server.name, server.description, hostsJSON(server.allowedHosts), server.updatedAt, id])
            try self.appendAudit(
                db, type: "server.updated", actor: actor, subject: id,
                details: .object(["name": .string(server.name), "allowed_hosts": hostsValue(server.allowedHosts)]))
            if server.allowedHosts != hostsBefore {
                try self.appendAudit(
                    db, type: "server.egress_policy_changed", actor: actor, subject: id,
                    details: .object([
                        "allowed_hosts_before": hostsValue(hostsBefore),
                        "allowed_hosts_after": hostsValue(server.allowedHosts),
                    ]))
            }
            return server
        }
    }

    /// Deletion is a mark; a server that still has tools cannot be deleted.
    public func deleteServer(id: String, by actor: String) async throws {
        try await write { db in
            _ = try self.liveServer(db, id)
            let tools =
                try db.fetchValue(
                    Int.self, sql: "SELECT COUNT(*) FROM tools WHERE server_id = ? AND deleted_at IS NULL",
                    arguments: [id])
                ?? 0
            guard tools == 0 else {
                throw DomainError.conflict("server still has \(tools) tool(s); delete them first")
            }
            try db.execute(sql: "UPDATE servers SET deleted_at = ? WHERE id = ?", arguments: [Timestamp.now(), id])
            try self.appendAudit(db, type: "server.deleted", actor: actor, subject: id)
        }
    }

    func liveServer(_ db: any SQLConnection, _ id: String) throws -> Server {
        guard
            let row = try db.fetchOne(sql: "SELECT * FROM servers WHERE id = ? AND deleted_at IS NULL", arguments: [id])
        else {
            throw DomainError.notFound("no server with id \(id)")
        }
        return Self.server(row)
    }

    /// The id of the live server with this name or id, if there is one.
    public func liveServerId(nameOrId: String) async throws -> String? {
        try await read { db in
            try db.fetchValue(
                String.self, sql: "SELECT id FROM servers WHERE (name = ? OR id = ?) AND deleted_at IS NULL",
                arguments: [nameOrId, nameOrId])
        }
    }

    private func requireFreeServerName(_ db: any SQLConnection, _ name: String, except id: String?) throws {
        let taken = try db.fetchValue(
            String.self, sql: "SELECT id FROM servers WHERE name = ? AND deleted_at IS NULL", arguments: [name])
        if let taken, taken != id {
            throw DomainError.conflict("a server named \(name) already exists")
        }
    }

    static func server(_ row: SQLRow) -> Server {
        let hosts: [String] = row.json("allowed_hosts").strings
        return Server(
            id: row["id"], name: row["name"], description: row["description"], allowedHosts: hosts,
            createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}

private func hostsValue(_ hosts: [String]) -> JSONValue { .array(hosts.map(JSONValue.string)) }
private func hostsJSON(_ hosts: [String]) -> String { hostsValue(hosts).encodedString() }
