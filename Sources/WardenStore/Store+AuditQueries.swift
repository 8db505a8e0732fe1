import GRDB
import WardenDomain

public struct AuditFilter: Sendable {
    public var type: String?
    public var actor: String?
    public var subject: String?
    public var since: String?
    public var until: String?

    public init(type: String? = nil, actor: String? = nil, subject: String? = nil, since: String? = nil, until: String? = nil) {
        self.type = type
        self.actor = actor
        self.subject = subject
        self.since = since
        self.until = until
    }
}

extension Store {
    /// Oldest first: the trail reads in the order it was written.
    public func auditEvents(_ filter: AuditFilter, after cursor: PageCursor?, limit: Int) async throws -> Page<AuditEvent> {
        try await read { db in
            var sql = "SELECT * FROM audit_events WHERE seq > ?"
            var arguments: StatementArguments = [cursor?.after ?? 0]
            for (column, value) in [("type", filter.type), ("actor", filter.actor), ("subject", filter.subject)] {
                if let value {
                    sql += " AND \(column) = ?"
                    arguments += [value]
                }
            }
            if let since = filter.since {
                sql += " AND at >= ?"
                arguments += [since]
            }
            if let until = filter.until {
                sql += " AND at < ?"
                arguments += [until]
            }
            sql += " ORDER BY seq LIMIT ?"
            arguments += [limit + 1]
            return page(try Row.fetchAll(db, sql: sql, arguments: arguments), limit: limit) { row in
                AuditEvent(seq: row["seq"], at: row["at"], type: row["type"], actor: row["actor"], subject: row["subject"],
                           details: row.json("details"), prevHash: row["prev_hash"], hash: row["hash"])
            }
        }
    }
}
