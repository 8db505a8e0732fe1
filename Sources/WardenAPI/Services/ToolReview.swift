import WardenDomain
import WardenStore

/// Reviewing tool versions, the same over REST and the console: what a reviewer is shown (the
/// diff against the last approved version, its warnings, every version rejected since) and the
/// decisions, with their rules.
struct ToolReview: Sendable {
    let store: Store
    /// Four eyes (`WARDEN_REQUIRE_DISTINCT_APPROVER=1`).
    var requireDistinctApprover: Bool

    /// `from`: nil for the default (the last approved version), `.some(nil)` never happens over
    /// REST (an explicit `from` names a version).
    func diff(toolId: String, from: Int?, to: Int?) async throws -> VersionDiff {
        let tool = try await store.tool(id: toolId)
        let target = to ?? tool.currentVersion
        let base: Int?
        if let from { base = from } else { base = try await store.lastApprovedVersion(toolId: toolId) }
        let new = try await store.version(toolId: toolId, number: target)
        var old: ToolVersion?
        if let base { old = try await store.version(toolId: toolId, number: base) }
        let rejections = try await store.rejections(toolId: toolId, after: base, through: target)
        return VersionDiff(from: old, to: new, rejections: rejections)
    }

    func approve(toolId: String, version: Int, note: String?, acknowledgeWarnings: Bool, by principal: Principal)
        async throws -> Tool
    {
        try principal.require(.judgeTools)
        let current = try await store.tool(id: toolId).currentVersion
        guard version == current else { throw DomainError.versionMismatch(requested: version, current: current) }
        let definition = try await store.version(toolId: toolId, number: version).definition
        let warnings = definition.map(InvisibleText.warnings(in:)) ?? []
        try ApprovalRules.requireWarningsAcknowledged(warnings, acknowledged: acknowledgeWarnings, version: version)
        var details: [String: JSONValue] = [:]
        if !warnings.isEmpty {
            details["acknowledged_warnings"] = .array(
                warnings.map { warning in
                    .object([
                        "field": .string(warning.field), "kind": .string(warning.kind),
                        "line": warning.line.map { .int(Int64($0)) } ?? .null,
                    ])
                })
        }
        return try await store.approveTool(
            id: toolId, version: version, note: note, by: principal.actor,
            requireDistinctApprover: requireDistinctApprover, details: details)
    }

    func reject(toolId: String, version: Int, reason: String, by principal: Principal) async throws -> Tool {
        try principal.require(.judgeTools)
        try ApprovalRules.requireReason(reason)
        return try await store.rejectTool(id: toolId, version: version, reason: reason, by: principal.actor)
    }
}
