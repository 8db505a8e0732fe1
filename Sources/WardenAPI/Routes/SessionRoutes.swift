import Hummingbird
import WardenDomain
import WardenStore

/// `POST /v1/auth/token` trades an API key for a short-lived session token;
/// `POST /v1/auth/logout` revokes the session token it is called with.
struct SessionRoutes {
    let store: Store
    let sessions: SessionTokens

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("auth/token") { _, context in
            guard let principal = context.principal else { throw APIError.unauthorized("missing bearer credential") }
            guard context.session == nil else {
                throw DomainError.invalidRequest("a session token cannot be renewed with itself; present the API key")
            }
            guard principal.kind == .apiKey else {
                throw DomainError.invalidRequest(
                    "session tokens are issued for API keys; present your identity provider's token or certificate directly"
                )
            }
            let issued = try await sessions.issue(for: principal)
            try await store.recordLogin(keyId: principal.id, jti: issued.jti, expiresAt: issued.expiresAt)
            return try JSONResponse.make(
                JSONValue.object([
                    "access_token": .string(issued.token), "token_type": .string("Bearer"),
                    "expires_in": .int(Int64(issued.expiresIn)),
                ]))
        }
        router.post("auth/logout") { _, context in
            guard let principal = context.principal else { throw APIError.unauthorized("missing bearer credential") }
            guard let session = context.session else {
                throw DomainError.invalidRequest(
                    "logout ends a session token; API keys are revoked with DELETE /v1/api-keys/{id}")
            }
            try await store.revokeSession(jti: session.jti, keyId: principal.id, expiresAt: session.expiresAt)
            return Response(status: .noContent)
        }
    }
}
