import Foundation
import Testing
import WardenDomain

@Suite("Outside identities to roles")
struct IdentityRolesTests {
    @Test func parsesAndResolves() throws {
        let roles = try IdentityRoles.parse("ci-bot=agent, alice = admin,warden-auditors=auditor")
        #expect(roles.resolve(["alice"]) == .role(.admin))
        #expect(roles.resolve(["staff", "warden-auditors"]) == .role(.auditor))
        #expect(roles.resolve(["nobody"]) == .unmapped)
        #expect(roles.resolve(["admin"]) == .unmapped, "with a table, a role name alone grants nothing")
        #expect(roles.resolve(["alice", "ci-bot"]) == .ambiguous([.admin, .agent]))
    }

    @Test func emptyTableGrantsNothing() {
        #expect(IdentityRoles().resolve(["admin"]) == .unmapped)
    }

    @Test func keysGetOneAlgorithmFixedAtLoad() {
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "RSA"]) == "RS256")
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "RSA", "alg": "PS384"]) == "PS384")
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "EC", "crv": "P-384"]) == "ES384")
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "OKP", "crv": "Ed25519"]) == "EdDSA")
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "oct", "alg": "HS256"]) == nil)
        #expect(TokenClaimRules.signingAlgorithm(ofKey: ["kty": "EC", "crv": "secp256k1"]) == nil)
    }

    @Test(arguments: ["alice", "alice=superuser", "=admin", "a=admin,a=agent"])
    func refusesBadTables(_ text: String) {
        #expect(throws: IdentityRoles.Invalid.self) { try IdentityRoles.parse(text) }
    }
}

@Suite("Identity provider token claims")
struct TokenClaimRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let rules = TokenClaimRules(
        issuer: "https://id.example", audience: "warden", roleClaim: "realm_access.roles",
        roles: try! IdentityRoles.parse("warden-ops=operator,warden-audit=auditor"))

    func claims(_ changes: [String: JSONValue?] = [:]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string("https://id.example"), "aud": .array([.string("other"), .string("warden")]),
            "exp": .int(1_800_000_300), "sub": .string("u-42"), "email": .string("ann@example.com"),
            "realm_access": .object(["roles": .array([.string("staff"), .string("warden-ops")])]),
        ]
        for (key, value) in changes { claims[key] = value }
        return claims
    }

    @Test func acceptsAValidToken() {
        #expect(
            rules.check(claims(), now: now)
                == .accepted(Principal(id: "u-42", name: "ann@example.com", role: .operator, kind: .oidc)))
        #expect(
            rules.check(claims(["aud": .string("warden")]), now: now)
                == .accepted(Principal(id: "u-42", name: "ann@example.com", role: .operator, kind: .oidc)))
    }

    @Test(arguments: [
        ("iss", JSONValue.string("https://evil.example"), "token issuer is not the configured issuer"),
        ("aud", .string("other"), "token audience is not this service"),
        ("exp", .int(1_799_999_969), "token expired"),
        ("nbf", .string("soon"), "token is not valid yet"),
        ("exp", .int(1_799_999_000), "token expired"),
        ("exp", .string("tomorrow"), "token has no exp claim"),
        ("nbf", .int(1_800_001_000), "token is not valid yet"),
        ("sub", .string(""), "token has no sub claim"),
    ])
    func rejects(_ claim: String, _ value: JSONValue, _ reason: String) {
        #expect(rules.check(claims([claim: value]), now: now) == .rejected(reason))
    }

    @Test func missingExpIsRejected() {
        #expect(rules.check(claims(["exp": nil]), now: now) == .rejected("token has no exp claim"))
    }

    @Test func smallClockSkewIsTolerated() {
        guard case .accepted = rules.check(claims(["exp": .int(1_799_999_990), "nbf": .int(1_800_000_020)]), now: now)
        else {
            Issue.record("30 seconds of clock skew must be tolerated")
            return
        }
    }

    @Test func roleMustBeMappedAndSingle() {
        guard
            case .noRole = rules.check(
                claims(["realm_access": .object(["roles": .array([.string("staff")])])]), now: now)
        else {
            Issue.record("an unmapped identity must get no role")
            return
        }
        guard
            case .noRole(let why) = rules.check(
                claims(["realm_access": .object(["roles": .array([.string("warden-ops"), .string("warden-audit")])])]),
                now: now)
        else {
            Issue.record("an identity mapping to two roles must be refused")
            return
        }
        #expect(why.contains("several roles"))
    }

    @Test func onlyAsymmetricAlgorithms() {
        #expect(!TokenClaimRules.algorithms.contains("none"))
        #expect(!TokenClaimRules.algorithms.contains("HS256"))
        #expect(TokenClaimRules.algorithms.contains("RS256"))
    }
}
