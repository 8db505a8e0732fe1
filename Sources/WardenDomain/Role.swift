/// The four roles of docs/design.md §1.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin
    case `operator`
    case agent
    case auditor
}
