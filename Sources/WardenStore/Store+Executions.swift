import WardenDomain

public struct ExecutionFilter: Sendable {
    public var toolId: String?
    public var serverId: String?
    public var status: ExecutionStatus?
    public var caller: String?
    public var version: Int?
    public var since: String?
    public var until: String?

    public init(
        toolId: String? = nil, serverId: String? = nil, status: ExecutionStatus? = nil, caller: String? = nil,
        version: Int? = nil, since: String? = nil, until: String? = nil
    ) {
        self.toolId = toolId
        self.serverId = serverId
        self.status = status
        self.caller = caller
        self.version = version
        self.since = since
        self.until = until
    }
}

/// What an execution needs, from one snapshot: the approved version (its code checked against
/// the approved hash), the tool's server (its egress hosts) and that server's sealed secrets.
public struct ExecutionContext: Sendable {
    public let executable: ExecutableTool
    public let server: Server
    public let secrets: SealedSecrets
}

extension Store {
    public func executionContext(toolId: String) async throws -> ExecutionContext {
        try await read { db in
            let executable = try self.executableTool(db, toolId)
            let serverId = executable.tool.serverId
            return ExecutionContext(
                executable: executable, server: try self.liveServer(db, serverId),
                secrets: try self.sealedSecrets(db, serverId))
        }
    }

    /// Written before the worker starts, with this node's id, so a crash leaves a `running` row
    /// that another node (or this one's next start) marks `interrupted` once the lease is gone.
    public func beginExecution(_ execution: Execution) async throws {
        try await write { [nodeId] db in
            try db.execute(
                sql: """
                    INSERT INTO executions (id, tool_id, server_id, version, code_sha256, caller, test, status, arguments,
                                            started_at, node_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)
                    """,
                arguments: [
                    execution.id, execution.toolId, execution.serverId, execution.version, execution.codeSha256,
                    execution.caller, execution.test, execution.arguments.encodedString(), execution.startedAt, nodeId,
                ])
        }
    }

    /// Completes the row and appends the audit event in one transaction.
    public func finishExecution(_ execution: Execution) async throws {
        try await write { db in
            let changed = try db.execute(
                sql: """
                    UPDATE executions SET status = ?, reason = ?, result = ?, error_type = ?, error_message = ?, stdout = ?,
                           truncated = ?, duration_ms = ?, cpu_ms = ?, max_rss_kb = ?, finished_at = ?, egress = ?
                    WHERE id = ? AND status = 'running'
                    """,
                arguments: [
                    execution.status.rawValue, execution.reason?.rawValue, execution.result?.encodedString(),
                    execution.error?.type, execution.error?.message, execution.stdout, execution.truncated,
                    execution.durationMs, execution.cpuMs, execution.maxRssKb, execution.finishedAt,
                    execution.egress.encodedString(), execution.id,
                ])
            // Already finished (or never begun): no event for a change that did not happen.
            guard changed > 0 else { return }
            try self.appendAudit(
                db, type: "execution.finished", actor: execution.caller, subject: execution.id,
                details: .object([
                    "tool_id": .string(execution.toolId), "version": .int(Int64(execution.version)),
                    "code_sha256": .string(execution.codeSha256), "status": .string(execution.status.rawValue),
                    "test": .bool(execution.test),
                ]))
        }
    }

    public func execution(id: String) async throws -> Execution {
        try await read { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM executions WHERE id = ?", arguments: [id]) else {
                throw DomainError.notFound("no execution with id \(id)")
            }
            return Self.execution(row)
        }
    }

    /// Newest first; the cursor is the last row served, so new executions never shift a page.
    public func executions(_ filter: ExecutionFilter, before cursor: PageCursor?, limit: Int) async throws -> Page<
        Execution
    > {
        try await read { db in
            var filtered = SQLFilter("seq < ?", cursor?.after ?? Int64.max)
            filtered.equals("tool_id", filter.toolId)
            filtered.equals("server_id", filter.serverId)
            filtered.equals("status", filter.status?.rawValue)
            filtered.equals("caller", filter.caller)
            filtered.equals("version", filter.version)
            filtered.add("started_at >= ?", filter.since)
            filtered.add("started_at < ?", filter.until)
            let sql = "SELECT * FROM executions WHERE \(filtered.sql) ORDER BY seq DESC LIMIT ?"
            let arguments = filtered.arguments + [limit + 1]
            return page(try db.fetchAll(sql: sql, arguments: arguments), limit: limit, map: Self.execution)
        }
    }

    static func execution(_ row: SQLRow) -> Execution {
        let errorType: String? = row["error_type"]
        let resultText: String? = row["result"]
        var execution = Execution(
            id: row["id"], toolId: row["tool_id"], serverId: row["server_id"], version: row["version"],
            codeSha256: row["code_sha256"],
            caller: row["caller"], status: ExecutionStatus(rawValue: row["status"]) ?? .failed,
            reason: (row["reason"] as String?).flatMap(KillReason.init(rawValue:)), arguments: row.json("arguments"),
            result: resultText == nil ? nil : row.json("result"),
            error: errorType.map { ExecutionError(type: $0, message: row["error_message"] ?? "") },
            stdout: row["stdout"], truncated: row["truncated"], durationMs: row["duration_ms"], cpuMs: row["cpu_ms"],
            maxRssKb: row["max_rss_kb"], startedAt: row["started_at"], finishedAt: row["finished_at"])
        execution.egress = row.json("egress")
        execution.test = row["test"]
        return execution
    }
}

extension Store {
    /// Deletes finished executions that started before `cutoff`, in batches so writers are not
    /// held up. Each batch commits with its own audit event; nothing deleted, no event.
    @discardableResult
    public func pruneExecutions(startedBefore cutoff: String, by actor: String) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await write { db -> Int in
                let deleted = try db.execute(
                    sql: """
                        DELETE FROM executions WHERE seq IN (
                            SELECT seq FROM executions WHERE started_at < ? AND status != 'running' LIMIT 5000)
                        """, arguments: [cutoff])
                if deleted > 0 {
                    try self.appendAudit(
                        db, type: "executions.pruned", actor: actor, subject: "executions",
                        details: .object(["started_before": .string(cutoff), "deleted": .int(Int64(deleted))]))
                }
                return deleted
            }
            total += deleted
            if deleted == 0 { break }
        }
        return total
    }
}
