import Hummingbird

/// Tells open MCP streams that the set of approved tools may have changed, and keeps them
/// alive. In-process: behind several supervisors each notifies the streams it holds
/// (see docs/operations.md).
public actor ToolChangeFeed {
    public enum Event: Sendable {
        case changed
        case keepalive
    }

    private var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
    private var next = 0

    public init() {}

    public func subscribe() -> (id: Int, events: AsyncStream<Event>) {
        next += 1
        let id = next
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(4))
        subscribers[id] = continuation
        return (id, stream)
    }

    public func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    public func changed() {
        for continuation in subscribers.values { continuation.yield(.changed) }
    }

    func keepalive(_ id: Int) {
        subscribers[id]?.yield(.keepalive)
    }

    public func finishAll() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}

/// After any successful change under /v1/servers or /v1/tools, approved tool lists may differ.
struct ToolChangeMiddleware<Context: RequestContext>: RouterMiddleware {
    let feed: ToolChangeFeed

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        let path = request.uri.path
        if request.method != .get, response.status.code < 300, path.hasPrefix("/v1/tools") || path.hasPrefix("/v1/servers") {
            await feed.changed()
        }
        return response
    }
}
