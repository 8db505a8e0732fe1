import Foundation
import Hummingbird
import WardenDomain
import WardenStore

/// Resolves `Authorization: Bearer <key>` to a principal on every request, so expiry and
/// revocation apply on the very next call. Public paths pass through unauthenticated.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WardenRequestContext
    let store: Store
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !publicPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing bearer credential: send Authorization: Bearer <API key>")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("Authorization header must be: Bearer <API key>")
        }
        let credential = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        do {
            var context = context
            context.principal = try await store.authenticate(apiKey: credential)
            return try await next(request, context)
        } catch let error as CredentialError {
            try? await store.recordAudit(type: "auth.failed", actor: "anonymous", subject: request.uri.path,
                                         details: .object(["reason": .string("\(error)")]))
            throw error
        }
    }
}
