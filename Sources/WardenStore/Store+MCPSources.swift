import WardenDomain

public struct MCPSource: Codable, Equatable, Sendable {
    public var id: String
    public var serverId: String
    public var name: String
    public var url: String
    public var authSecret: String?
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case serverId = "server_id"
        case name, url
        case authSecret = "auth_secret"
        case createdAt = "created_at"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(serverId, forKey: .serverId)
        try c.encode(name, forKey: .name)
        try c.encode(url, forKey: .url)
        try c.encode(authSecret, forKey: .authSecret)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// What a passthrough execution needs: where the tool lives upstream and under which name.
public struct PassthroughBinding: Sendable {
    public var source: MCPSource
    public var upstreamName: String
}

extension Store {
    public func createMCPSource(serverId: String, name: String, url: String, authSecret: String?, by actor: String)
        async throws -> MCPSource
    {
        try await write { db in
            _ = try self.liveServer(db, serverId)
            let taken =
                try db.fetchValue(
                    Bool.self,
                    sql:
                        "SELECT EXISTS (SELECT 1 FROM mcp_sources WHERE server_id = ? AND name = ? AND deleted_at IS NULL)",
                    arguments: [serverId, name]) ?? false
            guard !taken else { throw DomainError.conflict("server already has an MCP source named \(name)") }
            let source = MCPSource(
                id: Identifier.make("mcps"), serverId: serverId, name: name, url: url, authSecret: authSecret,
                createdAt: Timestamp.now())
            try db.execute(
                sql:
                    "INSERT INTO mcp_sources (id, server_id, name, url, auth_secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [source.id, serverId, name, url, authSecret, source.createdAt, actor])
            try self.appendAudit(
                db, type: "mcp_source.created", actor: actor, subject: source.id,
                details: .object([
                    "server_id": .string(serverId), "name": .string(name), "url": .string(url),
                    "auth_secret": authSecret.map(JSONValue.string) ?? .null,
                ]))
            return source
        }
    }

    public func mcpSource(id: String) async throws -> MCPSource {
        try await read { db in
            guard
                let row = try db.fetchOne(
                    sql: "SELECT * FROM mcp_sources WHERE id = ? AND deleted_at IS NULL", arguments: [id])
            else {
                throw DomainError.notFound("no MCP source with id \(id)")
            }
            return Self.mcpSource(row)
        }
    }

    /// Creates one pending passthrough tool per definition, pinned to its canonical definition,
    /// all or none.
    public func importPassthroughTools(source: MCPSource, definitions: [MCPToolDefinition], by actor: String)
        async throws -> [Tool]
    {
        var drafts: [(MCPToolDefinition, String)] = []
        for definition in definitions {
            guard let local = definition.localName else {
                throw DomainError.invalidRequest("upstream tool \(definition.name) has no usable Warden name")
            }
            drafts.append((definition, local))
        }
        let chosen = drafts
        return try await write { db in
            try chosen.map { definition, local in
                let schema =
                    definition.inputSchema.objectValue == nil
                    ? JSONValue.object(["type": .string("object")]) : definition.inputSchema
                return try self.insertTool(
                    db, serverId: source.serverId,
                    ToolDraft(
                        name: local, description: definition.description, code: definition.canonical,
                        inputSchema: schema, schemaExplicit: true),
                    by: actor, kind: .mcpPassthrough, source: (source.id, definition.name))
            }
        }
    }

    public func passthroughBinding(toolId: String) async throws -> PassthroughBinding {
        try await read { db in
            guard
                let row = try db.fetchOne(
                    sql: """
                        SELECT s.*, t.upstream_name FROM tools t JOIN mcp_sources s ON s.id = t.source_id WHERE t.id = ?
                        """, arguments: [toolId])
            else {
                throw DomainError.notFound("tool \(toolId) has no MCP source")
            }
            return PassthroughBinding(source: Self.mcpSource(row), upstreamName: row["upstream_name"])
        }
    }

    /// The upstream definition no longer matches the pin: a new version with the new definition,
    /// back to review, recorded in the audit trail.
    public func recordDefinitionChange(toolId: String, definition: MCPToolDefinition, by actor: String) async throws
        -> Tool
    {
        let schema =
            definition.inputSchema.objectValue == nil
            ? JSONValue.object(["type": .string("object")]) : definition.inputSchema
        return try await write { db in
            let before = try self.anyTool(db, toolId)
            let tool = try self.applyToolChanges(
                db, id: toolId,
                ToolChanges(
                    description: definition.description, code: definition.canonical,
                    inputSchema: schema, schemaExplicit: true), by: actor)
            try self.appendAudit(
                db, type: "tool.definition_changed", actor: actor, subject: toolId,
                details: .object([
                    "previous_sha256": .string(before.codeSha256), "definition_sha256": .string(definition.sha256),
                    "version": .int(Int64(tool.currentVersion)),
                    "approval_status": .string(tool.approvalStatus.rawValue),
                ]))
            return tool
        }
    }

    /// A server's live MCP sources, oldest first.
    public func mcpSources(serverId: String) async throws -> [MCPSource] {
        try await read { db in
            try db.fetchAll(
                sql: "SELECT * FROM mcp_sources WHERE server_id = ? AND deleted_at IS NULL ORDER BY created_at",
                arguments: [serverId]
            ).map(Self.mcpSource)
        }
    }

    static func mcpSource(_ row: SQLRow) -> MCPSource {
        MCPSource(
            id: row["id"], serverId: row["server_id"], name: row["name"], url: row["url"],
            authSecret: row["auth_secret"],
            createdAt: row["created_at"])
    }
}
