public enum ApprovalStatus: String, Codable, Sendable, CaseIterable {
    case pendingReview = "pending_review"
    case approved
    case rejected
}

public enum VersionSource: String, Codable, Sendable {
    case submit
    case rollback
}

public enum ToolKind: String, Codable, Sendable {
    case python
    case mcpPassthrough = "mcp_passthrough"
}
