/// The four roles of DESIGN.md §1.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin
    case `operator`
    case agent
    case auditor
}
