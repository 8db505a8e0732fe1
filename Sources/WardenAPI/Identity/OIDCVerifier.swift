import Foundation
import JWTKit
import Logging
import WardenDomain
import WardenEgress

/// Settings for people signing in with an OpenID Connect provider (`WARDEN_OIDC_*`).
public struct OIDCSettings: Sendable {
    public var rules: TokenClaimRules
    /// Development only: an issuer on loopback or a private network, and plain http.
    public var allowPrivateIssuer = false
    /// An unknown `kid` refreshes the key set at most this often, so junk tokens cannot flood the provider.
    public var refreshInterval: Duration = .seconds(30)

    public init(rules: TokenClaimRules) {
        self.rules = rules
    }
}

/// Verifies bearer tokens from the configured issuer against its published keys (JWKS), cached
/// and refreshed when a token names a key the cache does not hold.
public actor OIDCVerifier {
    public enum Failure: Error, Equatable {
        case rejected(String)
        case noRole(String)
    }

    let settings: OIDCSettings
    let client: IssuerClient
    private var keys = JWTKeyCollection()
    private var keyIds: Set<String> = []
    private var lastFetch: ContinuousClock.Instant?
    private var logger = Logger(label: "warden.oidc")

    public init(settings: OIDCSettings) {
        self.settings = settings
        self.client = IssuerClient(allowPrivateAddresses: settings.allowPrivateIssuer)
    }

    /// Refuses an issuer that is not https or resolves to a private or loopback address (unless the
    /// development setting allows it), then loads the keys once. A provider that is down only warns:
    /// the keys load on the first token.
    public func start() async throws {
        try await client.check(settings.rules.issuer)
        do {
            try await refresh()
        } catch {
            logger.warning("could not load the OIDC issuer's keys yet", metadata: ["error": "\(error)"])
        }
    }

    public func verify(_ token: String) async throws(Failure) -> Principal {
        guard let header = Self.header(of: token) else { throw .rejected("not a JWT") }
        guard let alg = header["alg"]?.stringValue, TokenClaimRules.algorithms.contains(alg) else {
            throw .rejected("token algorithm is not an accepted asymmetric algorithm")
        }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else { throw .rejected("token names no signing key (kid)") }
        if !keyIds.contains(kid), canFetch() {
            try? await refresh()
        }
        guard keyIds.contains(kid) else { throw .rejected("token is signed with a key the issuer does not publish") }
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch {
            throw .rejected("token signature does not verify")
        }
        switch settings.rules.check(claims.all, now: Date()) {
        case .accepted(let principal): return principal
        case .rejected(let why): throw .rejected(why)
        case .noRole(let why): throw .noRole(why)
        }
    }

    private func canFetch() -> Bool {
        guard let lastFetch else { return true }
        return ContinuousClock.now - lastFetch >= settings.refreshInterval
    }

    private func refresh() async throws {
        lastFetch = .now
        let issuer = settings.rules.issuer
        let discoveryURL = (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
        let discovery = try await client.getJSON(discoveryURL)
        guard discovery.objectValue?["issuer"]?.stringValue == issuer else {
            throw DomainError.invalidRequest("the discovery document names another issuer")
        }
        guard let jwksURL = discovery.objectValue?["jwks_uri"]?.stringValue else {
            throw DomainError.invalidRequest("the discovery document has no jwks_uri")
        }
        let fresh = JWTKeyCollection()
        var ids: Set<String> = []
        for key in try await client.getJSON(jwksURL).objectValue?["keys"]?.arrayItems ?? [] {
            // Only signing keys of asymmetric types: a symmetric key in a JWKS would be a forgery risk.
            guard let object = key.objectValue, ["RSA", "EC", "OKP"].contains(object["kty"]?.stringValue ?? ""),
                  (object["use"]?.stringValue ?? "sig") == "sig", let kid = object["kid"]?.stringValue,
                  let jwk = try? JSONDecoder().decode(JWK.self, from: Data(key.encodedString().utf8)),
                  (try? await fresh.add(jwk: jwk)) != nil
            else { continue }
            ids.insert(kid)
        }
        keys = fresh
        keyIds = ids
        logger.info("loaded the OIDC issuer's keys", metadata: ["count": "\(ids.count)"])
    }

    private static func header(of token: String) -> [String: JSONValue]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(String(parts[0])) else { return nil }
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)))?.objectValue
    }

    /// Every claim of the payload; the rules decide which matter.
    struct Claims: JWTPayload {
        var all: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            all = try decoder.singleValueContainer().decode([String: JSONValue].self)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(all)
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
