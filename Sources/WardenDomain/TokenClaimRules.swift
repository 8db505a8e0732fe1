import Foundation

/// The checks an identity provider's token must pass after its signature: issuer, audience,
/// expiry (always required), not-before, subject, and a role from the configured claim.
public struct TokenClaimRules: Sendable {
    /// Signing algorithms accepted from a provider: asymmetric only, so `none` and HS* never verify.
    public static let algorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]

    /// The one algorithm a published key verifies with: its own `alg`, else the one its type and
    /// curve imply. Fixed when the key loads, so a token's header can never choose it.
    public static func signingAlgorithm(ofKey key: [String: JSONValue]) -> String? {
        if let alg = key["alg"]?.stringValue { return algorithms.contains(alg) ? alg : nil }
        switch (key["kty"]?.stringValue, key["crv"]?.stringValue) {
        case ("RSA", _): return "RS256"
        case ("EC", "P-256"): return "ES256"
        case ("EC", "P-384"): return "ES384"
        case ("EC", "P-521"): return "ES512"
        case ("OKP", "Ed25519"): return "EdDSA"
        default: return nil
        }
    }

    public var issuer: String
    public var audience: String
    /// A claim name, or a dotted path into nested objects (`realm_access.roles`).
    public var roleClaim: String
    public var roles: IdentityRoles
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leeway: TimeInterval = 30

    public init(issuer: String, audience: String, roleClaim: String, roles: IdentityRoles) {
        self.issuer = issuer
        self.audience = audience
        self.roleClaim = roleClaim
        self.roles = roles
    }

    public enum Verdict: Equatable, Sendable {
        case accepted(Principal)
        case rejected(String)
        case noRole(String)
    }

    public func check(_ claims: [String: JSONValue], now: Date) -> Verdict {
        guard claims["iss"]?.stringValue == issuer else {
            return .rejected("token issuer is not the configured issuer")
        }
        let audiences = claims["aud"].map { $0.stringValue.map { [$0] } ?? $0.strings } ?? []
        guard audiences.contains(audience) else { return .rejected("token audience is not this service") }
        guard let exp = Self.seconds(claims["exp"]) else { return .rejected("token has no exp claim") }
        guard now.timeIntervalSince1970 < exp + leeway else { return .rejected("token expired") }
        if let nbfValue = claims["nbf"] {
            guard let nbf = Self.seconds(nbfValue), now.timeIntervalSince1970 + leeway >= nbf else {
                return .rejected("token is not valid yet")
            }
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 255 else {
            return .rejected("token has no sub claim")
        }
        let value = roleClaim.split(separator: ".").reduce(JSONValue.object(claims) as JSONValue?) { node, key in
            node?.objectValue?[String(key)]
        }
        let values = value.map { $0.stringValue.map { [$0] } ?? $0.strings } ?? []
        switch roles.resolve(values) {
        case .unmapped:
            return .noRole("identity \(subject) has no Warden role in claim \(roleClaim)")
        case .ambiguous(let found):
            return .noRole(
                "identity \(subject) maps to several roles (\(found.map(\.rawValue).joined(separator: ", "))); give it one"
            )
        case .role(let role):
            let name = claims["email"]?.stringValue ?? claims["preferred_username"]?.stringValue ?? subject
            return .accepted(Principal(id: subject, name: String(name.prefix(255)), role: role, kind: .oidc))
        }
    }

    private static func seconds(_ value: JSONValue?) -> TimeInterval? {
        switch value {
        case .int(let seconds): TimeInterval(seconds)
        case .double(let seconds) where seconds.isFinite: seconds
        default: nil
        }
    }
}
