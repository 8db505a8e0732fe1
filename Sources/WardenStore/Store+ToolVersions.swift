import WardenDomain

/// A tool's versions: immutable, each with the whole definition it recorded.
extension Store {
    public func versions(toolId: String, after cursor: PageCursor?, limit: Int) async throws -> Page<ToolVersion> {
        try await read { db in
            _ = try self.anyTool(db, toolId)
            let rows = try db.fetchAll(
                sql: """
                    SELECT version AS seq, * FROM tool_versions WHERE tool_id = ? AND version > ? ORDER BY version LIMIT ?
                    """, arguments: [toolId, cursor?.after ?? 0, limit + 1])
            return page(rows, limit: limit) { Self.version($0, withDefinition: false) }
        }
    }

    /// One version with its full definition.
    public func version(toolId: String, number: Int) async throws -> ToolVersion {
        try await read { db in
            _ = try self.anyTool(db, toolId)
            guard
                let row = try db.fetchOne(
                    sql: "SELECT * FROM tool_versions WHERE tool_id = ? AND version = ?",
                    arguments: [toolId, number])
            else {
                throw DomainError.notFound("tool \(toolId) has no version \(number)")
            }
            return Self.version(row, withDefinition: true)
        }
    }

    /// The version an admin approved last (it may have been superseded since), for reviewers'
    /// diffs; nil if none ever was.
    public func lastApprovedVersion(toolId: String) async throws -> Int? {
        try await read { db in
            try db.fetchValue(
                Int.self,
                sql:
                    "SELECT version FROM approval_decisions WHERE tool_id = ? AND decision = 'approved' ORDER BY seq DESC LIMIT 1",
                arguments: [toolId])
        }
    }

    /// The creator of a tool: whoever created its first version.
    public func toolCreator(id: String) async throws -> String {
        try await read { db in
            _ = try self.anyTool(db, id)
            return try self.storedVersion(db, id, 1).createdBy
        }
    }

    /// With `requireDistinctApprover`, the version's creator cannot approve it (four eyes).
    /// A stored version as the store needs it: its definition, whether its schema was given, who made it.
    struct StoredVersion {
        var definition: ToolDefinition
        var codeSha256: String
        var schemaExplicit: Bool
        var createdBy: String
    }

    func storedVersion(_ db: any SQLConnection, _ toolId: String, _ number: Int) throws -> StoredVersion {
        guard
            let row = try db.fetchOne(
                sql: "SELECT * FROM tool_versions WHERE tool_id = ? AND version = ?", arguments: [toolId, number])
        else {
            throw DomainError.notFound("tool \(toolId) has no version \(number)")
        }
        return StoredVersion(
            definition: Self.definition(row), codeSha256: row["code_sha256"], schemaExplicit: row["schema_explicit"],
            createdBy: row["created_by"])
    }

    static func version(_ row: SQLRow, withDefinition: Bool) -> ToolVersion {
        ToolVersion(
            version: row["version"], codeSha256: row["code_sha256"],
            source: VersionSource(rawValue: row["source"]) ?? .submit,
            rolledBackFrom: row["rolled_back_from"], createdBy: row["created_by"], createdAt: row["created_at"],
            definition: withDefinition ? definition(row) : nil)
    }

    static func definition(_ row: SQLRow) -> ToolDefinition {
        ToolDefinition(
            name: row["name"], description: row["description"], code: row["code"], inputSchema: row.json("input_schema")
        )
    }

    /// Who made each version, who approved which, and for a passthrough tool who registered its
    /// source and imported it: what four eyes checks an approver against.
    func authorship(_ db: any SQLConnection, _ toolId: String) throws -> ApprovalRules.Authorship {
        var versions: [Int: ApprovalRules.Authorship.Version] = [:]
        for row in try db.fetchAll(
            sql: "SELECT version, created_by, rolled_back_from FROM tool_versions WHERE tool_id = ?",
            arguments: [toolId])
        {
            versions[row["version"]] = .init(createdBy: row["created_by"], rolledBackFrom: row["rolled_back_from"])
        }
        let approvals = try db.fetchAll(
            sql: "SELECT version, decided_by FROM approval_decisions WHERE tool_id = ? AND decision = 'approved'",
            arguments: [toolId]
        ).map { ApprovalRules.Authorship.Approval(version: $0["version"], by: $0["decided_by"]) }
        var passthrough: ApprovalRules.Authorship.Passthrough?
        if let sourceId = try db.fetchValue(
            String.self, sql: "SELECT source_id FROM tools WHERE id = ?", arguments: [toolId])
        {
            let registrant = try db.fetchValue(
                String.self, sql: "SELECT created_by FROM mcp_sources WHERE id = ?", arguments: [sourceId])
            passthrough = .init(sourceRegisteredBy: registrant, importedBy: versions[1]?.createdBy ?? "")
        }
        return ApprovalRules.Authorship(versions: versions, approvals: approvals, passthrough: passthrough)
    }

    /// The versions rejected after `from` up to `through`, newest first (at most `limit`), each
    /// with its definition and the rejection: what a reviewer of the next version must see.
    public func rejections(toolId: String, after from: Int?, through: Int, limit: Int = 20) async throws
        -> [(ToolVersion, VersionDiff.Decision)]
    {
        try await read { db in
            try db.fetchAll(
                sql: """
                    SELECT v.*, d.note AS d_note, d.decided_by AS d_by, d.decided_at AS d_at
                    FROM approval_decisions d JOIN tool_versions v ON v.tool_id = d.tool_id AND v.version = d.version
                    WHERE d.tool_id = ? AND d.decision = 'rejected' AND d.version > ? AND d.version <= ?
                    ORDER BY d.seq DESC LIMIT ?
                    """, arguments: [toolId, from ?? 0, through, limit]
            ).map { row in
                (
                    Self.version(row, withDefinition: true),
                    VersionDiff.Decision(
                        version: row["version"], text: (row["d_note"] as String?) ?? "", by: row["d_by"],
                        at: row["d_at"])
                )
            }
        }
    }
}
