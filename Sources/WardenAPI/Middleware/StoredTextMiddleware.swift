import Hummingbird
import WardenDomain

/// Query parameters reach filters and stored rows (an MCP session's server filter): a NUL in one
/// is refused at the door, as in a body (`StoredText`).
struct StoredTextMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let field = request.uri.queryParameters.first(where: {
            $0.key.contains("\u{0}") || $0.value.contains("\u{0}")
        })?
        .key {
            throw DomainError.invalidRequest(StoredText.nulRefusal(field: String(field)))
        }
        return try await next(request, context)
    }
}
