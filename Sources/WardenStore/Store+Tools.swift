import WardenDomain

/// A tool as submitted, after its code was analysed.
public struct ToolDraft: Sendable {
    public var name: String
    public var description: String
    public var code: String
    public var inputSchema: JSONValue
    public var schemaExplicit: Bool

    public init(name: String, description: String, code: String, inputSchema: JSONValue, schemaExplicit: Bool) {
        self.name = name
        self.description = description
        self.code = code
        self.inputSchema = inputSchema
        self.schemaExplicit = schemaExplicit
    }
}

public struct ToolChanges: Sendable {
    public var name: String?
    public var description: String?
    /// New code with the schema to go with it (derived or explicit).
    public var code: String?
    public var inputSchema: JSONValue?
    public var schemaExplicit: Bool

    public init(
        name: String? = nil, description: String? = nil, code: String? = nil, inputSchema: JSONValue? = nil,
        schemaExplicit: Bool = false
    ) {
        self.name = name
        self.description = description
        self.code = code
        self.inputSchema = inputSchema
        self.schemaExplicit = schemaExplicit
    }
}

public struct ToolFilter: Sendable {
    public var serverId: String?
    public var approvalStatus: ApprovalStatus?
    public var includeDeleted: Bool

    public init(serverId: String? = nil, approvalStatus: ApprovalStatus? = nil, includeDeleted: Bool = false) {
        self.serverId = serverId
        self.approvalStatus = approvalStatus
        self.includeDeleted = includeDeleted
    }
}

/// What an execution needs: the tool and the approved version's code, checked against its hash.
public struct ExecutableTool: Sendable {
    public var tool: Tool
    public var version: Int
    public var code: String
    public var codeSha256: String
}

extension Store {
    public func createTool(
        serverId: String, _ draft: ToolDraft, by actor: String, kind: ToolKind = .python,
        source: (id: String, upstreamName: String)? = nil
    ) async throws -> Tool {
        try await write { db in
            try self.insertTool(db, serverId: serverId, draft, by: actor, kind: kind, source: source)
        }
    }

    func insertTool(
        _ db: any SQLConnection, serverId: String, _ draft: ToolDraft, by actor: String, kind: ToolKind,
        source: (id: String, upstreamName: String)?
    ) throws -> Tool {
        _ = try self.liveServer(db, serverId)
        try self.requireFreeToolName(db, serverId: serverId, draft.name, except: nil)
        let now = Timestamp.now()
        let state = ToolState.new(codeSHA256: Digest.sha256Hex(draft.code))
        let tool = Tool(
            id: Identifier.make("tool"), serverId: serverId, name: draft.name, description: draft.description,
            kind: kind, currentVersion: state.currentVersion, approvalStatus: state.approvalStatus,
            approvedVersion: nil, codeSha256: state.codeSHA256, inputSchema: draft.inputSchema,
            createdAt: now, updatedAt: now, deletedAt: nil)
        try db.execute(
            sql: """
                INSERT INTO tools (id, server_id, name, description, kind, current_version, approval_status,
                                   approved_version, code_sha256, input_schema, created_at, updated_at, source_id, upstream_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                tool.id, serverId, tool.name, tool.description, tool.kind.rawValue, tool.currentVersion,
                tool.approvalStatus.rawValue, tool.codeSha256, tool.inputSchema.encodedString(), now, now,
                source?.id, source?.upstreamName,
            ])
        let version = NewVersion(number: 1, codeSHA256: state.codeSHA256, source: .submit, rolledBackFrom: nil)
        try self.insertVersion(
            db, toolId: tool.id, version,
            ToolDefinition(
                name: draft.name, description: draft.description, code: draft.code, inputSchema: draft.inputSchema),
            schemaExplicit: draft.schemaExplicit, by: actor, at: now)
        try self.appendAudit(
            db, type: "tool.created", actor: actor, subject: tool.id,
            details: .object([
                "server_id": .string(serverId), "name": .string(tool.name), "version": .int(1),
                "code_sha256": .string(tool.codeSha256),
                "kind": .string(kind.rawValue),
            ]))
        return tool
    }

    /// A tool by id, deleted or not: history stays readable.
    public func tool(id: String) async throws -> Tool {
        guard let row = try await database.fetchOne(.toolByID, arguments: [id]) else {
            throw DomainError.notFound("no tool with id \(id)")
        }
        return Self.tool(row)
    }

    public func tools(_ filter: ToolFilter, after cursor: PageCursor?, limit: Int) async throws -> Page<Tool> {
        try await read { db in
            var filtered = SQLFilter(
                filter.includeDeleted ? "seq > ?" : "seq > ? AND deleted_at IS NULL", cursor?.after ?? 0)
            filtered.equals("server_id", filter.serverId)
            filtered.equals("approval_status", filter.approvalStatus?.rawValue)
            let sql = "SELECT * FROM tools WHERE \(filtered.sql) ORDER BY seq LIMIT ?"
            let arguments = filtered.arguments + [limit + 1]
            return page(try db.fetchAll(sql: sql, arguments: arguments), limit: limit, map: Self.tool)
        }
    }

    /// The review queue: live tools waiting for review, the most recently changed first (a flood
    /// of old submissions never hides a new one), a page at a time, with how many wait in all.
    public func reviewQueue(offset: Int, limit: Int) async throws -> (tools: [Tool], total: Int) {
        try await read { db in
            let total =
                try db.fetchValue(
                    Int.self,
                    sql: "SELECT COUNT(*) FROM tools WHERE approval_status = 'pending_review' AND deleted_at IS NULL")
                ?? 0
            let rows = try db.fetchAll(
                sql: """
                    SELECT * FROM tools WHERE approval_status = 'pending_review' AND deleted_at IS NULL
                    ORDER BY updated_at DESC, seq DESC LIMIT ? OFFSET ?
                    """, arguments: [limit, offset])
            return (rows.map(Self.tool), total)
        }
    }

    /// Any change to the definition (code, schema, name, description) is a new version awaiting
    /// review; an identical definition changes nothing.
    public func updateTool(id: String, _ changes: ToolChanges, by actor: String) async throws -> Tool {
        try await write { db in try self.applyToolChanges(db, id: id, changes, by: actor) }
    }

    func applyToolChanges(_ db: any SQLConnection, id: String, _ changes: ToolChanges, by actor: String) throws -> Tool
    {
        var tool = try self.liveTool(db, id)
        let current = try self.storedVersion(db, id, tool.currentVersion)
        var next = current.definition
        if let name = changes.name { next.name = name }
        if let description = changes.description { next.description = description }
        if let code = changes.code { next.code = code }
        let codeChanged = next.code != current.definition.code
        // A derived schema follows new code; identical code with a derived schema keeps the version's.
        var schemaExplicit = current.schemaExplicit
        if let schema = changes.inputSchema, changes.schemaExplicit || codeChanged {
            next.inputSchema = schema
            schemaExplicit = changes.schemaExplicit
        }
        guard next != current.definition else { return tool }
        if next.name != current.definition.name {
            try self.requireFreeToolName(db, serverId: tool.serverId, next.name, except: id)
        }
        let changed = Self.changedFields(current.definition, next)
        let transition = ApprovalRules.submitDefinition(
            tool.state, newCodeSHA256: Digest.sha256Hex(next.code),
            definitionChanged: changed != ["code"])
        guard let version = transition.newVersion else { return tool }
        let previousStatus = tool.approvalStatus
        let now = Timestamp.now()
        try self.insertVersion(db, toolId: id, version, next, schemaExplicit: schemaExplicit, by: actor, at: now)
        tool.state = transition.state
        tool.show(next)
        tool.updatedAt = now
        try self.saveToolRow(db, tool)
        try self.appendAudit(
            db, type: "tool.version_created", actor: actor, subject: id,
            details: .object([
                "version": .int(Int64(version.number)), "code_sha256": .string(version.codeSHA256),
                "changed": .array(changed.map(JSONValue.string)),
                "approval_status": .string(tool.approvalStatus.rawValue),
                "previous_status": .string(previousStatus.rawValue),
            ]))
        return tool
    }

    /// Which parts of a definition differ, in a fixed order.
    static func changedFields(_ old: ToolDefinition, _ new: ToolDefinition) -> [String] {
        var fields: [String] = []
        if old.name != new.name { fields.append("name") }
        if old.description != new.description { fields.append("description") }
        if old.inputSchema != new.inputSchema { fields.append("input_schema") }
        if old.code != new.code { fields.append("code") }
        return fields
    }

    /// `details`: what else the audit event records (the warnings the approver acknowledged).
    public func approveTool(
        id: String, version: Int, note: String?, by actor: String, requireDistinctApprover: Bool = false,
        details: [String: JSONValue] = [:]
    ) async throws -> Tool {
        try await judge(id: id, by: actor, decision: "approved", text: note, details: details) { db, state in
            let authorship =
                requireDistinctApprover
                ? try self.authorship(db, id) : ApprovalRules.Authorship(versions: [:], approvals: [], passthrough: nil)
            return try ApprovalRules.approve(
                state, version: version, authorship: authorship, approver: actor,
                requireDistinctApprover: requireDistinctApprover)
        }
    }

    public func rejectTool(id: String, version: Int, reason: String, by actor: String) async throws -> Tool {
        try await judge(id: id, by: actor, decision: "rejected", text: reason) { _, state in
            try ApprovalRules.reject(state, version: version)
        }
    }

    public func rollbackTool(id: String, to target: Int, by actor: String) async throws -> Tool {
        try await write { db in
            var tool = try self.liveTool(db, id)
            let stored = try? self.storedVersion(db, id, target)
            let current = try self.storedVersion(db, id, tool.currentVersion)
            let transition = try ApprovalRules.rollback(
                tool.state, to: target, targetSHA256: stored?.codeSha256,
                sameDefinition: stored?.definition == current.definition)
            guard let stored, let version = transition.newVersion else { return tool }
            if stored.definition.name != tool.name {
                try self.requireFreeToolName(db, serverId: tool.serverId, stored.definition.name, except: id)
            }
            let previousStatus = tool.approvalStatus
            let now = Timestamp.now()
            try self.insertVersion(
                db, toolId: id, version, stored.definition, schemaExplicit: stored.schemaExplicit, by: actor, at: now)
            tool.state = transition.state
            tool.show(stored.definition)
            tool.updatedAt = now
            try self.saveToolRow(db, tool)
            try self.appendAudit(
                db, type: "tool.rolled_back", actor: actor, subject: id,
                details: .object([
                    "to_version": .int(Int64(target)), "version": .int(Int64(version.number)),
                    "code_sha256": .string(version.codeSHA256), "previous_status": .string(previousStatus.rawValue),
                ]))
            return tool
        }
    }

    /// Deletion marks the tool; its versions, decisions and executions stay.
    public func deleteTool(id: String, by actor: String) async throws {
        try await write { db in
            _ = try self.liveTool(db, id)
            try db.execute(
                sql: "UPDATE tools SET deleted_at = ?, updated_at = ? WHERE id = ?",
                arguments: [Timestamp.now(), Timestamp.now(), id])
            try self.appendAudit(db, type: "tool.deleted", actor: actor, subject: id)
        }
    }

    /// The approved version's code, refused unless the tool may run and the stored code still
    /// matches the hash that was approved.
    public func executableTool(id: String) async throws -> ExecutableTool {
        try await read { db in try self.executableTool(db, id) }
    }

    func executableTool(_ db: any SQLConnection, _ id: String) throws -> ExecutableTool {
        let tool = try liveTool(db, id)
        let version = try ApprovalRules.executableVersion(tool.state)
        let code = try versionCode(db, id, version)
        guard Digest.sha256Hex(code) == tool.codeSha256 else {
            throw DomainError.toolNotApproved("the stored code of version \(version) does not match its approved hash")
        }
        return ExecutableTool(tool: tool, version: version, code: code, codeSha256: tool.codeSha256)
    }

    private func judge(
        id: String, by actor: String, decision: String, text: String?, details extra: [String: JSONValue] = [:],
        rule: @escaping @Sendable (any SQLConnection, ToolState) throws -> Transition
    ) async throws -> Tool {
        try await write { db in
            var tool = try self.liveTool(db, id)
            let previous = tool.approvalStatus
            let transition = try rule(db, tool.state)
            let now = Timestamp.now()
            try db.execute(
                sql: """
                    INSERT INTO approval_decisions (tool_id, version, decision, note, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id, tool.currentVersion, decision, text, actor, now])
            tool.state = transition.state
            tool.updatedAt = now
            try self.saveToolRow(db, tool)
            var details: [String: JSONValue] = [
                "version": .int(Int64(tool.currentVersion)), "code_sha256": .string(tool.codeSha256),
                "previous_status": .string(previous.rawValue),
            ]
            if let text { details[decision == "approved" ? "note" : "reason"] = .string(text) }
            details.merge(extra) { old, _ in old }
            try self.appendAudit(db, type: "tool.\(decision)", actor: actor, subject: id, details: .object(details))
            return tool
        }
    }

    private func insertVersion(
        _ db: any SQLConnection, toolId: String, _ version: NewVersion, _ definition: ToolDefinition,
        schemaExplicit: Bool, by actor: String, at now: String
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO tool_versions (tool_id, version, code, code_sha256, input_schema, schema_explicit, source, rolled_back_from,
                                           created_by, created_at, name, description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                toolId, version.number, definition.code, version.codeSHA256, definition.inputSchema.encodedString(),
                schemaExplicit, version.source.rawValue, version.rolledBackFrom, actor, now, definition.name,
                definition.description,
            ])
    }

    private func saveToolRow(_ db: any SQLConnection, _ tool: Tool) throws {
        try db.execute(
            sql: """
                UPDATE tools SET name = ?, description = ?, current_version = ?, approval_status = ?, approved_version = ?,
                                 code_sha256 = ?, input_schema = ?, updated_at = ? WHERE id = ?
                """,
            arguments: [
                tool.name, tool.description, tool.currentVersion, tool.approvalStatus.rawValue, tool.approvedVersion,
                tool.codeSha256, tool.inputSchema.encodedString(), tool.updatedAt, tool.id,
            ])
    }

    private func versionCode(_ db: any SQLConnection, _ toolId: String, _ version: Int) throws -> String {
        guard
            let code = try db.fetchValue(
                String.self, sql: "SELECT code FROM tool_versions WHERE tool_id = ? AND version = ?",
                arguments: [toolId, version])
        else {
            throw DomainError.notFound("tool \(toolId) has no version \(version)")
        }
        return code
    }

    func anyTool(_ db: any SQLConnection, _ id: String) throws -> Tool {
        guard let row = try db.fetchOne(sql: "SELECT * FROM tools WHERE id = ?", arguments: [id]) else {
            throw DomainError.notFound("no tool with id \(id)")
        }
        return Self.tool(row)
    }

    func liveTool(_ db: any SQLConnection, _ id: String) throws -> Tool {
        let tool = try anyTool(db, id)
        guard tool.deletedAt == nil else { throw DomainError.notFound("tool \(id) was deleted") }
        return tool
    }

    private func requireFreeToolName(_ db: any SQLConnection, serverId: String, _ name: String, except id: String?)
        throws
    {
        let taken = try db.fetchValue(
            String.self, sql: "SELECT id FROM tools WHERE server_id = ? AND name = ? AND deleted_at IS NULL",
            arguments: [serverId, name])
        if let taken, taken != id {
            throw DomainError.conflict("server already has a tool named \(name)")
        }
    }

    static func tool(_ row: SQLRow) -> Tool {
        Tool(
            id: row["id"], serverId: row["server_id"], name: row["name"], description: row["description"],
            kind: ToolKind(rawValue: row["kind"]) ?? .python, currentVersion: row["current_version"],
            approvalStatus: ApprovalStatus(rawValue: row["approval_status"]) ?? .pendingReview,
            approvedVersion: row["approved_version"], codeSha256: row["code_sha256"],
            inputSchema: row.json("input_schema"),
            createdAt: row["created_at"], updatedAt: row["updated_at"], deletedAt: row["deleted_at"])
    }

}

extension Tool {
    /// The tool row shows its current version's definition.
    mutating func show(_ definition: ToolDefinition) {
        name = definition.name
        description = definition.description
        inputSchema = definition.inputSchema
    }
}
