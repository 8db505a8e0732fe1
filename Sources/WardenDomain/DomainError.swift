/// A refusal by a domain rule. The API maps each case to the contract's status and code.
public enum DomainError: Error, Equatable, Sendable {
    case invalidRequest(String)
    case notFound(String)
    case conflict(String)
    case versionMismatch(requested: Int, current: Int)
    case toolNotApproved(String)
    case toolDefinitionChanged(String)
    case upstreamUnavailable(String)
    case invalidArguments(String)
    case invalidCode(String)
    /// An input schema past the size or nesting bounds (docs/design.md, cost budget).
    case invalidSchema(String)
    case payloadTooLarge(String)
    case forbidden(String)
}
