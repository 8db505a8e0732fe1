import Foundation
import Hummingbird
import JWTKit
import Testing
import WardenAPI
import WardenDomain
import WardenTestSupport

/// A stand-in identity provider on loopback: a discovery document and a key set that the test
/// can rotate, counting how often Warden fetches the keys.
actor TestIdentityProvider {
    private(set) var published: [(kid: String, key: ES256PrivateKey, withAlg: Bool)] = []
    private(set) var keySetFetches = 0
    var port = 0
    var issuer: String { "http://127.0.0.1:\(port)" }

    /// Many providers leave `alg` out of their keys; Warden must then fix it from the key type.
    func publish(_ kid: String, withAlg: Bool = true) -> ES256PrivateKey {
        let key = ES256PrivateKey()
        published.append((kid, key, withAlg))
        return key
    }

    func keySet() -> String {
        keySetFetches += 1
        let keys: [JSONValue] = published.map { entry in
            let parameters = entry.key.publicKey.parameters!
            var key: [String: JSONValue] = [
                "kty": "EC", "crv": "P-256", "use": "sig", "kid": .string(entry.kid),
                "x": .string(parameters.x), "y": .string(parameters.y),
            ]
            if entry.withAlg { key["alg"] = "ES256" }
            return .object(key)
        }
        // A symmetric key in the set must never be used: it would let anyone who reads the set forge tokens.
        let oct: JSONValue = .object([
            "kty": "oct", "kid": "shared",
            "k": .string(Base64URL.encode(Array("published-symmetric-key-32-bytes".utf8))),
        ])
        return JSONValue.object(["keys": .array(keys + [oct])]).encodedString()
    }

    func setPort(_ port: Int) { self.port = port }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get(".well-known/openid-configuration") { _, _ in
            let issuer = await self.issuer
            return JSONValue.object(["issuer": .string(issuer), "jwks_uri": .string("\(issuer)/keys")]).encodedString()
        }
        router.get("keys") { _, _ in await self.keySet() }
        return router
    }

    struct Claims: JWTPayload {
        var all: [String: JSONValue]
        init(_ all: [String: JSONValue]) { self.all = all }
        init(from decoder: any Decoder) throws {
            all = try decoder.singleValueContainer().decode([String: JSONValue].self)
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(all)
        }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    func claims(
        sub: String = "ann", role: JSONValue = "warden-ops", lifetime: Int64 = 300, changes: [String: JSONValue] = [:]
    ) -> [String: JSONValue] {
        let now = Int64(Date().timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "aud": "warden", "sub": .string(sub), "iat": .int(now),
            "exp": .int(now + lifetime), "warden_role": role,
        ]
        for (key, value) in changes { claims[key] = value }
        return claims
    }

    static func sign(_ claims: [String: JSONValue], with key: ES256PrivateKey, kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(Claims(claims), kid: JWKIdentifier(string: kid))
    }

    /// A token whose header and signature part are chosen freely, as a forger would.
    static func unsigned(_ claims: [String: JSONValue], header: JSONValue, signature: String = "") -> String {
        [header.encodedString(), JSONValue.object(claims).encodedString()].map { Base64URL.encode(Array($0.utf8)) }
            .joined(separator: ".") + "." + signature
    }
}

@Suite
struct OIDCTests {
    static func settings(issuer: String, allowPrivate: Bool) -> OIDCSettings {
        var settings = OIDCSettings(
            rules: TokenClaimRules(
                issuer: issuer, audience: "warden", roleClaim: "warden_role",
                roles: IdentityRoles(["warden-ops": .operator, "warden-bots": .agent])))
        settings.allowPrivateIssuer = allowPrivate
        settings.refreshInterval = .seconds(1)
        return settings
    }

    @Test func issuerOnLoopbackIsRefusedWithoutTheDevelopmentSetting() async throws {
        for issuer in ["https://127.0.0.1:9", "https://localhost:9", "https://10.1.2.3"] {
            await #expect(throws: DomainError.self, "issuer \(issuer)") {
                try await OIDCVerifier(settings: Self.settings(issuer: issuer, allowPrivate: false)).start()
            }
        }
        let plain = await #expect(throws: DomainError.self, "plain http needs the development setting") {
            try await OIDCVerifier(settings: Self.settings(issuer: "http://93.184.216.34", allowPrivate: false)).start()
        }
        #expect("\(String(describing: plain))".contains("must use https"))
        let metadata = await #expect(throws: DomainError.self, "the development setting never opens metadata addresses")
        {
            try await OIDCVerifier(settings: Self.settings(issuer: "http://169.254.169.254", allowPrivate: true))
                .start()
        }
        #expect("\(String(describing: metadata))".contains("link-local"))
    }

    @Test func providerTokensAuthenticateAndEveryBadOneIsRefused() async throws {
        let provider = TestIdentityProvider()
        let router = provider.router()
        try await RunningApp.serve({ running in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: running
            )
        }) { port in
            await provider.setPort(port)
            let first = await provider.publish("k1", withAlg: false)
            let issuer = await provider.issuer
            var limits = RateLimits()
            limits.authFailuresBurst = 100  // this test is meant to fail authentication many times
            var server = try await TestServer.make(rateLimits: limits)
            let verifier = OIDCVerifier(settings: Self.settings(issuer: issuer, allowPrivate: true))
            try await verifier.start()
            server.services.oidc = verifier
            let admin = try await server.key(.admin)
            #expect(await provider.keySetFetches == 1)

            try await server.run { client in
                let good = try await TestIdentityProvider.sign(await provider.claims(), with: first, kid: "k1")
                #expect(try await client.request(.get, "/v1/tools", key: good).status == 200)
                let created = try await client.request(.post, "/v1/servers", key: good, json: #"{"name":"oidc-made"}"#)
                #expect(created.status == 201)
                let events = try await client.request(.get, "/v1/audit-events?type=server.created", key: admin)
                #expect(events["items"]?.arrayItems.first?.objectValue?["actor"]?.stringValue == "oidc:ann")
                let exchange = try await client.request(.post, "/v1/auth/token", key: good)
                #expect(exchange.status == 400, "session tokens are for API keys")

                // An agent may not approve, whatever credential it holds.
                let agent = try await TestIdentityProvider.sign(
                    await provider.claims(sub: "bot", role: "warden-bots"), with: first, kid: "k1")
                #expect(
                    try await client.request(.post, "/v1/servers", key: agent, json: #"{"name":"nope"}"#).status == 403)

                // Rotation: a token with a key published after start-up makes Warden fetch the set again.
                let second = await provider.publish("k2")
                try await Task.sleep(for: .milliseconds(1100))  // past the refresh interval since start-up
                let rotated = try await TestIdentityProvider.sign(await provider.claims(), with: second, kid: "k2")
                #expect(try await client.request(.get, "/v1/tools", key: rotated).status == 200)
                #expect(await provider.keySetFetches == 2)

                // A key published without `alg` is fixed to ES256 at load: a header naming another
                // algorithm is refused, and does not change how the next, real token is checked.
                let confused = TestIdentityProvider.unsigned(
                    await provider.claims(), header: .object(["alg": "ES384", "kid": "k1"]), signature: "AAAA")
                #expect(
                    try await client.request(.get, "/v1/tools", key: confused).json.errorMessage?.contains(
                        "does not match its key") == true)
                #expect(try await client.request(.get, "/v1/tools", key: good).status == 200)

                var refused: [(String, String, String)] = [
                    (
                        "expired",
                        try await TestIdentityProvider.sign(
                            await provider.claims(lifetime: -120), with: first, kid: "k1"), "token expired"
                    ),
                    (
                        "wrong audience",
                        try await TestIdentityProvider.sign(
                            await provider.claims(changes: ["aud": "other"]), with: first, kid: "k1"), "audience"
                    ),
                    (
                        "wrong issuer",
                        try await TestIdentityProvider.sign(
                            await provider.claims(changes: ["iss": "https://evil.example"]), with: first, kid: "k1"),
                        "issuer"
                    ),
                    (
                        "signed by an unpublished key",
                        try await TestIdentityProvider.sign(
                            await provider.claims(), with: ES256PrivateKey(), kid: "k1"), "signature"
                    ),
                    (
                        "alg none",
                        TestIdentityProvider.unsigned(
                            await provider.claims(), header: .object(["alg": "none", "kid": "k1"])), "algorithm"
                    ),
                    (
                        "the set's symmetric key",
                        TestIdentityProvider.unsigned(
                            await provider.claims(), header: .object(["alg": "ES256", "kid": "shared"]),
                            signature: "AAAA"), "does not publish"
                    ),
                    (
                        "critical extension",
                        TestIdentityProvider.unsigned(
                            await provider.claims(),
                            header: .object(["alg": "ES256", "kid": "k1", "crit": .array(["exp"])]), signature: "AAAA"),
                        "critical"
                    ),
                ]
                var noExp = await provider.claims()
                noExp["exp"] = nil
                refused.append(("no exp", try await TestIdentityProvider.sign(noExp, with: first, kid: "k1"), "no exp"))
                // HS256 keyed with the published symmetric key: the forgery a careless verifier accepts.
                let hmac = JWTKeyCollection()
                await hmac.add(
                    hmac: HMACKey(key: .init(data: Array("published-symmetric-key-32-bytes".utf8))),
                    digestAlgorithm: .sha256, kid: "shared")
                refused.append(
                    (
                        "HS256 with the set's symmetric key",
                        try await hmac.sign(TestIdentityProvider.Claims(await provider.claims()), kid: "shared"),
                        "algorithm"
                    ))
                for (label, token, reason) in refused {
                    let reply = try await client.request(.get, "/v1/tools", key: token)
                    #expect(reply.status == 401, "\(label)")
                    #expect(reply.json.errorMessage?.contains(reason) == true, "\(label): \(reply.body)")
                }
                // A claim naming a role outright grants nothing: only values in the role map do.
                let selfMade = try await TestIdentityProvider.sign(
                    await provider.claims(role: "admin"), with: first, kid: "k1")
                #expect(try await client.request(.get, "/v1/tools", key: selfMade).status == 403)
                let forbidden = try await client.request(.get, "/v1/audit-events?type=auth.forbidden", key: admin)
                #expect(forbidden["items"]?.arrayItems.count == 1)

                // Unknown key ids come in a flood: the key set is fetched at most once per refresh
                // interval (1 s here), however many tokens arrive; a slow machine gets one more per second.
                let fetchesBefore = await provider.keySetFetches
                let began = ContinuousClock.now
                for index in 0..<20 {
                    let token = try await TestIdentityProvider.sign(
                        await provider.claims(), with: ES256PrivateKey(), kid: "junk-\(index)")
                    #expect(try await client.request(.get, "/v1/tools", key: token).status == 401)
                }
                let seconds = Int((ContinuousClock.now - began).components.seconds)
                let fetches = await provider.keySetFetches - fetchesBefore
                #expect(fetches <= 1 + seconds, "\(fetches) fetches for 20 unknown keys in \(seconds) s")
            }
        }
    }
}
