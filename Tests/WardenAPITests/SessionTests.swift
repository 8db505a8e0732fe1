import Foundation
import HTTPTypes
import JWTKit
import Testing
import WardenDomain
import WardenStore
import WardenTestSupport

@Suite
struct SessionTests {
    /// Claims a forger controls completely, signed with whatever key it chooses.
    struct Forged: JWTPayload {
        var sub: SubjectClaim
        var role: String
        var iat: IssuedAtClaim = .init(value: Date())
        var exp: ExpirationClaim?
        var jti: IDClaim
        var aud: AudienceClaim
        var iss: IssuerClaim? = .init(value: "warden")
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func sign(_ claims: Forged, secret: [UInt8]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: .init(data: secret)), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    static func base64URL(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    @Test func tokenLogoutAndEveryBadToken() async throws {
        let server = try await TestServer.make()
        let agentKey = try await server.key(.agent)
        let keyId = try #require(try await server.store.apiKeys(after: nil, limit: 10).items.first?.id)
        try await server.run { client in
            let issued = try await client.request(.post, "/v1/auth/token", key: agentKey)
            #expect(issued.status == 200)
            #expect(issued.string("token_type") == "Bearer")
            #expect(issued["expires_in"] == .int(900))
            let token = try #require(issued.string("access_token"))
            #expect(try await client.request(.get, "/v1/tools", key: token).status == 200)
            #expect(
                try await client.request(.post, "/v1/auth/token", key: token).status == 400,
                "a session cannot renew itself")

            let soon = Date().addingTimeInterval(300)
            let good = Forged(
                sub: .init(value: keyId), role: "admin", exp: .init(value: soon), jti: .init(value: "j1"),
                aud: .init(value: ["warden"]))
            var wrongAudience = good
            wrongAudience.aud = .init(value: ["someone-else"])
            var noExpiry = good
            noExpiry.exp = nil
            var noIssuer = good
            noIssuer.iss = nil
            var otherIssuer = good
            otherIssuer.iss = .init(value: "https://idp.example")
            var expired = good
            expired.exp = .init(value: Date().addingTimeInterval(-5))
            let header = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#)
            let payload = Self.base64URL(
                #"{"sub":"\#(keyId)","role":"admin","exp":\#(Int(soon.timeIntervalSince1970)),"jti":"x","aud":["warden"]}"#
            )
            let cases: [(String, String)] = [
                ("wrong signature", try await Self.sign(good, secret: RandomBytes.make(32))),
                ("alg none", "\(header).\(payload)."),
                ("missing exp", try await Self.sign(noExpiry, secret: TestServer.sessionSecret)),
                ("expired", try await Self.sign(expired, secret: TestServer.sessionSecret)),
                ("wrong audience", try await Self.sign(wrongAudience, secret: TestServer.sessionSecret)),
                ("no issuer", try await Self.sign(noIssuer, secret: TestServer.sessionSecret)),
                ("another issuer", try await Self.sign(otherIssuer, secret: TestServer.sessionSecret)),
                ("garbage", "a.b.c"),
            ]
            for (name, forged) in cases {
                let reply = try await client.request(.get, "/v1/tools", key: forged)
                #expect(reply.status == 401, "\(name): \(reply.status) \(reply.body)")
            }
            // The right key makes a valid token; the role still comes from the key, not the claim.
            let minted = try await Self.sign(good, secret: TestServer.sessionSecret)
            #expect(try await client.request(.get, "/v1/tools", key: minted).status == 200)
            #expect(
                try await client.request(.get, "/v1/api-keys", key: minted).status == 403,
                "an agent key's session is an agent")

            #expect(try await client.request(.post, "/v1/auth/logout", key: token).status == 204)
            let after = try await client.request(.get, "/v1/tools", key: token)
            #expect(after.status == 401)
            #expect(after.json.errorMessage == "the session was logged out")
            #expect(try await client.request(.post, "/v1/auth/logout", key: agentKey).status == 400)
        }
    }

    @Test func sessionsExpireAndDieWithTheirKey() async throws {
        // Long enough that a loaded machine still answers the first call inside the lifetime.
        let server = try await TestServer.make(sessionLifetime: 4)
        let admin = try await server.key(.admin)
        try await server.run { client in
            let short = try #require(
                try await client.request(.post, "/v1/auth/token", key: admin).string("access_token"))
            #expect(try await client.request(.get, "/v1/servers", key: short).status == 200)
            try await Task.sleep(for: .milliseconds(5100))
            #expect(try await client.request(.get, "/v1/servers", key: short).status == 401)

            let created = try await client.request(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"temp","role":"operator"}"#)
            let key = try #require(created.string("key"))
            let id = try #require(created.string("id"))
            let session = try #require(
                try await client.request(.post, "/v1/auth/token", key: key).string("access_token"))
            #expect(try await client.request(.delete, "/v1/api-keys/\(id)", key: admin).status == 204)
            #expect(
                try await client.request(.get, "/v1/servers", key: session).status == 401,
                "revoking a key ends its sessions")
        }
    }
}
