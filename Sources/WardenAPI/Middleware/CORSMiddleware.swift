import HTTPTypes
import Hummingbird

/// CORS for configured origins only (`WARDEN_CORS_ORIGINS`). Other origins get no CORS headers,
/// so browsers keep their default same-origin refusal. Only the headers clients need are
/// allowed or exposed.
struct AllowedOriginsCORS<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    static var allowedHeaders: String {
        "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id"
    }
    static var exposedHeaders: String { "Mcp-Session-Id, X-Request-Id, Retry-After, WWW-Authenticate" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var preflight = Response(status: .noContent)
            preflight.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE"
            preflight.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            preflight.headers[.accessControlMaxAge] = "600"
            return decorate(preflight, origin)
        }
        return decorate(try await next(request, context), origin)
    }

    private func decorate(_ response: Response, _ origin: String) -> Response {
        var response = response
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }
}
