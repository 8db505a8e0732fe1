import Foundation
import Hummingbird
import WardenDomain
import WardenStore

/// Resolves `Authorization: Bearer <key>` to a principal on every request, so expiry and
/// revocation apply on the very next call. Public paths pass through unauthenticated.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WardenRequestContext
    let store: Store
    let sessions: SessionTokens
    let limiter: RateLimiter
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !publicPaths.contains(request.uri.path) else { return try await next(request, context) }
        try await limiter.checkAuthFailures(address: context.clientAddress)
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing bearer credential: send Authorization: Bearer <API key>")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("Authorization header must be: Bearer <API key>")
        }
        let credential = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let principal: Principal
        var session: SessionTokens.Verified?
        do {
            if credential.hasPrefix(APIKeyFormat.prefix) {
                principal = try await store.authenticate(apiKey: credential)
            } else {
                guard let verified = await sessions.verify(credential) else { throw CredentialError.invalidSession }
                guard try await !store.isSessionRevoked(jti: verified.jti) else { throw CredentialError.sessionEnded }
                principal = try await store.principal(keyId: verified.keyId)
                session = verified
            }
        } catch let error as CredentialError {
            // Counted per address first, so a flood is refused before it can grow the audit trail.
            await limiter.recordAuthFailure(address: context.clientAddress)
            try? await store.recordAudit(type: "auth.failed", actor: "anonymous", subject: request.uri.path,
                                         details: .object(["reason": .string("\(error)"), "address": .string(context.clientAddress)]))
            throw error
        }
        try await limiter.request(identity: principal.id)
        var context = context
        context.principal = principal
        context.session = session
        context.logger[metadataKey: "actor"] = "\(principal.actor)"
        return try await next(request, context)
    }
}
