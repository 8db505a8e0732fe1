import WardenDomain

public struct AuditFilter: Sendable {
    public var type: String?
    public var actor: String?
    public var subject: String?
    public var since: String?
    public var until: String?

    public init(
        type: String? = nil, actor: String? = nil, subject: String? = nil, since: String? = nil, until: String? = nil
    ) {
        self.type = type
        self.actor = actor
        self.subject = subject
        self.since = since
        self.until = until
    }
}

extension Store {
    /// Oldest first: the trail reads in the order it was written.
    public func auditEvents(_ filter: AuditFilter, after cursor: PageCursor?, limit: Int) async throws -> Page<
        AuditEvent
    > {
        try await read { db in
            var filtered = SQLFilter("seq > ?", cursor?.after ?? 0)
            filtered.equals("type", filter.type)
            filtered.equals("actor", filter.actor)
            filtered.equals("subject", filter.subject)
            filtered.add("at >= ?", filter.since)
            filtered.add("at < ?", filter.until)
            let sql = "SELECT * FROM audit_events WHERE \(filtered.sql) ORDER BY seq LIMIT ?"
            let arguments = filtered.arguments + [limit + 1]
            return page(try db.fetchAll(sql: sql, arguments: arguments), limit: limit) { row in
                AuditEvent(
                    seq: row["seq"], at: row["at"], type: row["type"], actor: row["actor"], subject: row["subject"],
                    details: row.json("details"), prevHash: row["prev_hash"], hash: row["hash"])
            }
        }
    }
}
