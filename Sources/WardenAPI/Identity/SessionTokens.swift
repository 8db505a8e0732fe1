import Foundation
import JWTKit
import WardenDomain
import WardenStore

/// Short-lived session tokens: HS256 JWTs with `sub` (the API key id), `role`, `iat`, `exp`
/// (always present, at most 15 minutes out), a random `jti`, issuer and audience `warden`.
public struct SessionTokens: Sendable {
    public static let audience = "warden"
    public static let issuer = "warden"
    public static let maximumLifetime = 900

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var role: String
        var iat: IssuedAtClaim
        var exp: ExpirationClaim
        var jti: IDClaim
        var aud: AudienceClaim
        var iss: IssuerClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            try aud.verifyIntendedAudience(includes: SessionTokens.audience)
            guard iss.value == SessionTokens.issuer else {
                throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "not issued by Warden")
            }
        }
    }

    public struct Issued: Sendable {
        public var token: String
        public var jti: String
        public var expiresIn: Int
        public var expiresAt: String
    }

    public struct Verified: Sendable {
        public var keyId: String
        public var jti: String
        public var expiresAt: String
    }

    private let keys: JWTKeyCollection
    public let lifetime: Int

    /// `secret` is the JWT signing key: its own setting, never the secrets' encryption key.
    public init(secret: [UInt8], lifetime: Int = 900) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: .init(data: secret)), digestAlgorithm: .sha256)
        self.lifetime = min(max(lifetime, 1), Self.maximumLifetime)
    }

    public func issue(for principal: Principal) async throws -> Issued {
        let now = Date()
        let expires = now.addingTimeInterval(TimeInterval(lifetime))
        let jti = Hex.encode(RandomBytes.make(16))
        let claims = Claims(
            sub: .init(value: principal.id), role: principal.role.rawValue, iat: .init(value: now),
            exp: .init(value: expires), jti: .init(value: jti), aud: .init(value: [Self.audience]),
            iss: .init(value: Self.issuer))
        return Issued(
            token: try await keys.sign(claims), jti: jti, expiresIn: lifetime, expiresAt: Timestamp.string(expires))
    }

    /// Signature, algorithm (HS256 only: `none` and others find no key), expiry, audience and issuer.
    public func verify(_ token: String) async -> Verified? {
        guard let claims = try? await keys.verify(token, as: Claims.self) else { return nil }
        return Verified(keyId: claims.sub.value, jti: claims.jti.value, expiresAt: Timestamp.string(claims.exp.value))
    }
}
