import Foundation
import Hummingbird
import WardenDomain
import WardenStore

/// Resolves the caller on every request, so expiry and revocation apply on the very next call:
/// `Authorization: Bearer` with an API key, a session token or (when configured) an OIDC token;
/// without the header, a mapped client certificate under mutual TLS. Public paths pass through.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WardenRequestContext
    let store: Store
    let sessions: SessionTokens
    let oidc: OIDCVerifier?
    let clientCertificates: ClientCertificates?
    let limiter: RateLimiter
    let publicPaths: Set<String>
    /// The console signs its users in with its own session cookie (ConsoleRoutes).
    var consolePrefix: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if publicPaths.contains(path) || consolePrefix.map({ Self.isUnder($0, path) }) == true {
            return try await next(request, context)
        }
        try await limiter.admitAuthAttempt(address: context.clientAddress)
        let principal: Principal
        var session: SessionTokens.Verified?
        do {
            if let header = request.headers[.authorization] {
                (principal, session) = try await bearer(header)
            } else if let clientCertificates,
                let certified = try await clientCertificates.principal(on: context.channel)
            {
                principal = certified
            } else {
                throw APIError.unauthorized("missing bearer credential: send Authorization: Bearer <API key>")
            }
        } catch let error as CredentialError {
            // The failure is charged; the audit trail gets one row a minute per address.
            await limiter.chargeAuthFailure(address: context.clientAddress)
            await auditFailure(
                "auth.failed", actor: "anonymous", reason: error.message, request: request, context: context)
            throw error
        } catch let refusal as IdentityWithoutRole {
            // A real identity with no role here: as limited and as visible as a bad credential.
            await limiter.chargeAuthFailure(address: context.clientAddress)
            await auditFailure(
                "auth.forbidden", actor: refusal.actor, reason: refusal.reason, request: request, context: context)
            throw DomainError.forbidden(refusal.reason)
        }
        try await limiter.request(identity: principal.actor)
        var context = context
        context.principal = principal
        context.session = session
        context.logger[metadataKey: "actor"] = "\(principal.actor)"
        return try await next(request, context)
    }

    private func auditFailure(_ type: String, actor: String, reason: String, request: Request, context: Context) async {
        let (record, folded) = await limiter.auditFailure(type, address: context.clientAddress)
        guard record else { return }
        try? await store.recordAudit(
            type: type, actor: actor, subject: request.uri.path,
            details: .object([
                "reason": .string(reason), "address": .string(context.clientAddress),
                "earlier_failures_folded": .int(Int64(folded)),
            ]))
    }

    /// Whether `path` is the console's own: under its prefix, and without any segment (`..`, `.`,
    /// an empty one, an escape) that a later step could resolve to a path outside it.
    static func isUnder(_ prefix: String, _ path: String) -> Bool {
        guard path == prefix || path.hasPrefix(prefix + "/"), !path.contains("%"), !path.contains("\\") else {
            return false
        }
        return !path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().contains {
            $0 == ".." || $0 == "."
        }
            && !path.dropFirst().contains("//")
    }

    private func bearer(_ header: String) async throws -> (Principal, SessionTokens.Verified?) {
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("Authorization header must be: Bearer <API key>")
        }
        let credential = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if credential.hasPrefix(APIKeyFormat.prefix) {
            return (try await store.authenticate(apiKey: credential), nil)
        }
        if let verified = await sessions.verify(credential) {
            guard try await !store.isSessionRevoked(jti: verified.jti) else { throw CredentialError.sessionEnded }
            return (try await store.principal(keyId: verified.keyId), verified)
        }
        guard let oidc else { throw CredentialError.invalidSession }
        do {
            return (try await oidc.verify(credential), nil)
        } catch .rejected(let why) {
            throw CredentialError.identityRejected(why)
        } catch .noRole(let why) {
            throw IdentityWithoutRole(actor: "oidc", reason: why)
        }
    }
}

/// A credential that proved who the caller is, but names nobody with a role in Warden.
struct IdentityWithoutRole: Error {
    var actor: String
    var reason: String
}
