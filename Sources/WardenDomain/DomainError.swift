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

extension DomainError {
    /// The same refusal with its message passed through `redactor` and cut to `limit` bytes:
    /// for messages that carry text from outside (an upstream's words).
    public func redacted(by redactor: Redactor, limit: Int) -> DomainError {
        func clean(_ text: String) -> String { LogTruncation.prefix(redactor.redact(text), limit: limit).0 }
        switch self {
        case .invalidRequest(let m): return .invalidRequest(clean(m))
        case .notFound(let m): return .notFound(clean(m))
        case .conflict(let m): return .conflict(clean(m))
        case .versionMismatch: return self
        case .toolNotApproved(let m): return .toolNotApproved(clean(m))
        case .toolDefinitionChanged(let m): return .toolDefinitionChanged(clean(m))
        case .upstreamUnavailable(let m): return .upstreamUnavailable(clean(m))
        case .invalidArguments(let m): return .invalidArguments(clean(m))
        case .invalidCode(let m): return .invalidCode(clean(m))
        case .invalidSchema(let m): return .invalidSchema(clean(m))
        case .payloadTooLarge(let m): return .payloadTooLarge(clean(m))
        case .forbidden(let m): return .forbidden(clean(m))
        }
    }
}
