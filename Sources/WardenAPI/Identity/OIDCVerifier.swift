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
    /// Keys are fetched again after this long, so a key the provider withdrew stops verifying.
    public var maximumKeyAge: Duration = .seconds(900)

    public init(rules: TokenClaimRules) {
        self.rules = rules
    }
}

/// Verifies bearer tokens from the configured issuer against its published keys (JWKS), cached,
/// refreshed when a token names a key the cache does not hold and when the cache grows old.
public actor OIDCVerifier {
    public enum Failure: Error, Equatable {
        case rejected(String)
        case noRole(String)
    }

    /// The keys of one fetch, each with the one algorithm it verifies.
    private struct KeySet {
        var keys = JWTKeyCollection()
        var algorithms: [String: String] = [:]
    }

    let settings: OIDCSettings
    let client: IssuerClient
    private var keySet = KeySet()
    private var fetchedAt: ContinuousClock.Instant?
    private var lastAttempt: ContinuousClock.Instant?
    private var inFlight: Task<KeySet, Error>?
    private var logger = Logger(label: "warden.oidc")

    public init(settings: OIDCSettings) {
        self.settings = settings
        self.client = IssuerClient(allowPrivateAddresses: settings.allowPrivateIssuer)
    }

    /// Refuses an issuer that is not https or resolves to a private or loopback address (unless the
    /// development setting allows it), then loads the keys once. A provider that answers badly only
    /// warns: the keys load on the first token.
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
        guard header["crit"] == nil else { throw .rejected("token has critical header extensions") }
        guard let alg = header["alg"]?.stringValue, TokenClaimRules.algorithms.contains(alg) else {
            throw .rejected("token algorithm is not an accepted asymmetric algorithm")
        }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else {
            throw .rejected("token names no signing key (kid)")
        }
        if (keySet.algorithms[kid] == nil || isStale()) && mayFetch() {
            do {
                try await refresh()
            } catch {
                logger.warning("could not fetch the OIDC issuer's keys", metadata: ["error": "\(error)"])
            }
        }
        guard let pinned = keySet.algorithms[kid] else {
            throw .rejected("token is signed with a key the issuer does not publish")
        }
        guard pinned == alg else { throw .rejected("token algorithm does not match its key") }
        let claims: Claims
        do {
            claims = try await keySet.keys.verify(token, as: Claims.self)
        } catch {
            throw .rejected("token signature does not verify")
        }
        switch settings.rules.check(claims.all, now: Date()) {
        case .accepted(let principal): return principal
        case .rejected(let why): throw .rejected(why)
        case .noRole(let why): throw .noRole(why)
        }
    }

    private func isStale() -> Bool {
        fetchedAt.map { ContinuousClock.now - $0 >= settings.maximumKeyAge } ?? true
    }

    /// Fetches are spaced out, so tokens naming unknown keys cannot flood the provider.
    private func mayFetch() -> Bool {
        inFlight != nil || lastAttempt.map { ContinuousClock.now - $0 >= settings.refreshInterval } ?? true
    }

    /// One fetch at a time: callers arriving meanwhile wait for it rather than start another, and
    /// an answer with no usable key keeps the keys already held.
    private func refresh() async throws {
        let task: Task<KeySet, Error>
        if let inFlight {
            task = inFlight
        } else {
            lastAttempt = .now
            let client = client
            let issuer = settings.rules.issuer
            task = Task { try await Self.fetch(client: client, issuer: issuer) }
            inFlight = task
        }
        defer { if inFlight == task { inFlight = nil } }
        let fresh = try await task.value
        guard inFlight == task else { return }  // another caller already installed this answer
        fetchedAt = .now
        guard !fresh.algorithms.isEmpty else {
            logger.warning("the OIDC issuer published no usable signing key; keeping the keys already loaded")
            return
        }
        keySet = fresh
        logger.info("loaded the OIDC issuer's keys", metadata: ["count": "\(fresh.algorithms.count)"])
    }

    private static func fetch(client: IssuerClient, issuer: String) async throws -> KeySet {
        let discoveryURL =
            (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
        let discovery = try await client.getJSON(discoveryURL)
        guard discovery.objectValue?["issuer"]?.stringValue == issuer else {
            throw DomainError.invalidRequest("the discovery document names another issuer")
        }
        guard let jwksURL = discovery.objectValue?["jwks_uri"]?.stringValue else {
            throw DomainError.invalidRequest("the discovery document has no jwks_uri")
        }
        var set = KeySet()
        for key in try await client.getJSON(jwksURL).objectValue?["keys"]?.arrayItems ?? [] {
            // Signing keys of asymmetric types only, each pinned to one algorithm before jwt-kit sees it:
            // a key without `alg` would otherwise take whichever algorithm the first token's header names.
            guard var object = key.objectValue, ["RSA", "EC", "OKP"].contains(object["kty"]?.stringValue ?? ""),
                (object["use"]?.stringValue ?? "sig") == "sig", let kid = object["kid"]?.stringValue,
                let algorithm = TokenClaimRules.signingAlgorithm(ofKey: object)
            else { continue }
            object["alg"] = .string(algorithm)
            guard
                let jwk = try? JSONDecoder().decode(
                    JWK.self, from: Data(JSONValue.object(object).encodedString().utf8)),
                (try? await set.keys.add(jwk: jwk)) != nil
            else { continue }
            set.algorithms[kid] = algorithm
        }
        return set
    }

    private static func header(of token: String) -> [String: JSONValue]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(String(parts[0])) else { return nil }
        return (try? BoundedJSON().parse(bytes))?.objectValue
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
