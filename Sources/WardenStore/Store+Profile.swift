import WardenDomain

extension Store {
    /// Records the sandbox profile's hash; a profile that differs from the last one recorded is
    /// an audit event naming the files that changed. Returns true when something was recorded.
    @discardableResult
    public func recordSandboxProfile(sha256: String, fileHashes: [String: String]) async throws -> Bool {
        try await write { db in
            let lastDetails = try db.fetchValue(
                String.self,
                sql: """
                    SELECT details FROM audit_events WHERE type IN ('sandbox.profile_recorded', 'sandbox.profile_changed')
                    ORDER BY seq DESC LIMIT 1
                    """)
            let last = lastDetails.flatMap { try? JSONValue.decode($0) }?.objectValue
            if last?["sha256"]?.stringValue == sha256 { return false }
            let files = JSONValue.object(fileHashes.mapValues(JSONValue.string))
            var details: [String: JSONValue] = ["sha256": .string(sha256), "files": files]
            var type = "sandbox.profile_recorded"
            if let previous = last?["files"]?.objectValue {
                type = "sandbox.profile_changed"
                let before = previous.compactMapValues(\.stringValue)
                details["added"] = .array(fileHashes.keys.filter { before[$0] == nil }.sorted().map(JSONValue.string))
                details["removed"] = .array(before.keys.filter { fileHashes[$0] == nil }.sorted().map(JSONValue.string))
                details["changed"] = .array(
                    fileHashes.keys.filter { before[$0] != nil && before[$0] != fileHashes[$0] }.sorted().map(
                        JSONValue.string))
                details["previous_sha256"] = last?["sha256"] ?? .null
            }
            try self.appendAudit(db, type: type, actor: "system", subject: "sandbox-profile", details: .object(details))
            return true
        }
    }

    public func auditEventCount() async throws -> Int {
        try await read { db in try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM audit_events") ?? 0 }
    }
}
