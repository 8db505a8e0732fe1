import Foundation
import WardenDomain
import WardenStore

/// What each console page shows, as plain values for the templates (which escape every one).
struct ConsolePages {
    let store: Store

    static let queuePage = 50

    /// Waiting versions, the most recently changed first, a page at a time, with how many wait.
    func queue(page: Int) async throws -> [String: Any] {
        let (pending, total) = try await store.reviewQueue(offset: page * Self.queuePage, limit: Self.queuePage)
        var versions: [ToolVersion] = []
        for tool in pending { versions.append(try await store.version(toolId: tool.id, number: tool.currentVersion)) }
        let names = try await store.keyNames(actors: Set(versions.map(\.createdBy)))
        var servers: [String: String] = [:]
        var rows: [[String: Any]] = []
        for (tool, version) in zip(pending, versions) {
            if servers[tool.serverId] == nil { servers[tool.serverId] = try await store.server(id: tool.serverId).name }
            rows.append([
                "id": tool.id, "server": servers[tool.serverId] ?? tool.serverId, "name": tool.name,
                "version": tool.currentVersion, "submitter": Self.who(version.createdBy, names),
                "submitter_id": version.createdBy, "submitted": version.createdAt,
            ])
        }
        let pages = (total + Self.queuePage - 1) / Self.queuePage
        return [
            "tools": rows, "empty": rows.isEmpty, "total": total, "page": page + 1, "pages": max(pages, 1),
            "newer": page > 0 ? "/ui/queue?page=\(page - 1)" : "",
            "older": page + 1 < pages ? "/ui/queue?page=\(page + 1)" : "",
        ]
    }

    /// An actor as a person reads it: the key's name beside its id.
    static func who(_ actor: String, _ names: [String: String]) -> String {
        guard let name = names[actor] else { return actor }
        return "\(name) (\(actor))"
    }

    func tools(serverId: String?, status: ApprovalStatus?) async throws -> [String: Any] {
        let tools = try await store.tools(
            ToolFilter(serverId: serverId, approvalStatus: status), after: nil, limit: 500
        ).items
        return [
            "tools": tools.map {
                [
                    "id": $0.id, "name": $0.name, "status": $0.approvalStatus.rawValue,
                    "version": $0.currentVersion, "approved": $0.approvedVersion.map(String.init) ?? "–",
                ] as [String: Any]
            }
        ]
    }

    func tool(id: String) async throws -> [String: Any] {
        let tool = try await store.tool(id: id)
        let versions = try await store.versions(toolId: id, after: nil, limit: 500).items
        let names = try await store.keyNames(actors: Set(versions.map(\.createdBy)))
        return [
            "tool": [
                "id": tool.id, "name": tool.name, "status": tool.approvalStatus.rawValue,
                "version": tool.currentVersion,
            ],
            "versions": versions.reversed().map {
                [
                    "version": $0.version, "source": $0.source.rawValue, "by": Self.who($0.createdBy, names),
                    "at": $0.createdAt, "sha": String($0.codeSha256.prefix(12)),
                ] as [String: Any]
            },
            "older": versions.filter { $0.version != tool.currentVersion }.map { ["version": $0.version] },
        ]
    }

    /// The current version against the last approved one (or against nothing): `diff`, as the
    /// review service made it, with its warnings and the versions rejected since.
    func review(id: String, diff: VersionDiff) async throws -> [String: Any] {
        let tool = try await store.tool(id: id)
        let current = try await store.version(toolId: id, number: diff.toVersion)
        let from = diff.fromVersion
        var old: ToolVersion?
        if let from { old = try await store.version(toolId: id, number: from) }
        let names = try await store.keyNames(actors: Set([current.createdBy] + diff.rejected.map(\.rejectedBy)))
        let lines = Self.hunks(LineDiff.lines(old: old?.definition?.code ?? "", new: current.definition?.code ?? ""))
            .map { row -> [String: Any] in
                // A line that hides something is marked where the reviewer reads it.
                guard let text = row["text"] as? String, !InvisibleText.kinds(in: text).isEmpty else { return row }
                var marked = row
                marked["kind"] = "\(row["kind"] ?? "") warn"
                marked["warning"] = InvisibleText.kinds(in: text).sorted().joined(separator: ", ")
                return marked
            }
        return [
            "tool": [
                "id": tool.id, "name": tool.name, "status": tool.approvalStatus.rawValue,
                "server": try await store.server(id: tool.serverId).name,
            ],
            "version": current.version, "from": from.map { "version \($0)" } ?? "nothing (a new tool)",
            "submitter": current.createdBy, "submitted": current.createdAt,
            "submitter_name": Self.who(current.createdBy, names),
            "changes": diff.changes.map { ["field": $0.field, "old": Self.text($0.old), "new": Self.text($0.new)] },
            "lines": lines, "pending": tool.approvalStatus == .pendingReview,
            "warnings": diff.warnings.map { warning -> [String: Any] in
                ["field": warning.field, "kind": warning.kind, "line": warning.line.map(String.init) ?? ""]
            },
            "has_warnings": !diff.warnings.isEmpty, "has_rejected": !diff.rejected.isEmpty,
            "rejected": diff.rejected.map { rejected -> [String: Any] in
                [
                    "version": rejected.version, "reason": rejected.reason, "by": Self.who(rejected.rejectedBy, names),
                    "at": rejected.rejectedAt, "changed": rejected.changed.joined(separator: ", "),
                    "code_diff": rejected.codeDiff,
                ]
            },
        ]
    }

    /// The changed lines with three lines of context around them, under `@@ -a,b +c,d @@` headers.
    static func hunks(_ lines: [LineDiff.Line], context: Int = 3) -> [[String: Any]] {
        let changed = lines.indices.filter { if case .same = lines[$0] { return false } else { return true } }
        var ranges: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(lines.count - 1, index + context)
            if let last = ranges.last, range.lowerBound <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                ranges.append(range)
            }
        }
        var rows: [[String: Any]] = []
        for range in ranges {
            let slice = lines[range]
            let olds = slice.compactMap { line -> Int? in
                switch line {
                case .same(let old, _, _), .removed(let old, _): old
                case .added: nil
                }
            }
            let news = slice.compactMap { line -> Int? in
                switch line {
                case .same(_, let new, _), .added(let new, _): new
                case .removed: nil
                }
            }
            rows.append([
                "kind": "hunk", "old": "", "new": "",
                "text": "@@ -\(olds.first ?? 0),\(olds.count) +\(news.first ?? 0),\(news.count) @@",
            ])
            for line in slice {
                switch line {
                case .same(let old, let new, let text):
                    rows.append(["kind": "ctx", "old": old, "new": new, "text": text])
                case .removed(let old, let text): rows.append(["kind": "del", "old": old, "new": "", "text": text])
                case .added(let new, let text): rows.append(["kind": "add", "old": "", "new": new, "text": text])
                }
            }
        }
        return rows
    }

    /// Secret names and MCP sources only for roles REST shows them to (`listSecrets`: not agents).
    func servers(showSecrets: Bool) async throws -> [String: Any] {
        var rows: [[String: Any]] = []
        for server in try await store.servers(after: nil, limit: 500).items {
            var row: [String: Any] = ["name": server.name, "hosts": server.allowedHosts.joined(separator: ", ")]
            if showSecrets {
                row["secrets"] = try await store.secrets(serverId: server.id).map(\.name).joined(separator: ", ")
                row["sources"] = try await store.mcpSources(serverId: server.id).map { "\($0.name) (\($0.url))" }
                    .joined(separator: ", ")
            }
            rows.append(row)
        }
        return ["servers": rows]
    }

    func executions(_ filter: ExecutionFilter, cursor: PageCursor?, query: String) async throws -> [String: Any] {
        let page = try await store.executions(filter, before: cursor, limit: 50)
        var values: [String: Any] = [
            "executions": page.items.map { execution -> [String: Any] in
                [
                    "id": execution.id, "tool": execution.toolId, "status": execution.status.rawValue,
                    "caller": execution.caller,
                    "started": execution.startedAt, "test": execution.test,
                    "duration": execution.durationMs.map(String.init) ?? "–",
                ]
            }
        ]
        if let next = page.nextCursor { values["next"] = Self.withCursor(query, next) }
        return values
    }

    func audit(_ filter: AuditFilter, cursor: PageCursor?, query: String) async throws -> [String: Any] {
        let page = try await store.auditEvents(filter, after: cursor, limit: 100)
        var values: [String: Any] = [
            "events": page.items.map { event -> [String: Any] in
                [
                    "seq": event.seq, "at": event.at, "type": event.type, "actor": event.actor,
                    "subject": event.subject,
                    "details": event.details.encodedString(),
                ]
            }
        ]
        if let next = page.nextCursor { values["next"] = Self.withCursor(query, next) }
        return values
    }

    /// One execution as the log keeps it (already redacted when it was recorded).
    static func execution(_ execution: Execution) -> [String: Any] {
        var values: [String: Any] = [
            "id": execution.id, "tool": execution.toolId, "status": execution.status.rawValue,
            "reason": execution.reason?.rawValue ?? "",
            "caller": execution.caller, "test": execution.test, "version": execution.version,
            "arguments": text(execution.arguments), "result": execution.result.map(text) ?? "",
            "stdout": execution.stdout, "egress": text(execution.egress),
            "duration": execution.durationMs.map(String.init) ?? "–",
            "cpu": execution.cpuMs.map(String.init) ?? "–", "memory": execution.maxRssKb.map(String.init) ?? "–",
        ]
        // Absent, not empty: the template shows an error section only when there is one.
        if let error = execution.error { values["error"] = "\(error.type): \(error.message)" }
        return ["execution": values]
    }

    /// JSON for people: indented, keys sorted.
    static func text(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? value.encodedString()
    }

    static func withCursor(_ query: String, _ cursor: String) -> String {
        let kept = query.split(separator: "&").filter { !$0.hasPrefix("cursor=") }.map(String.init)
        return "?" + (kept + ["cursor=" + cursor]).joined(separator: "&")
    }
}
