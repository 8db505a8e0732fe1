import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardenDomain
import WardenStore

/// MCP over Streamable HTTP at `/mcp` (`?server=<name>` for one server's tools).
/// Sessions are rows in the database, bound to the key that opened them.
struct MCPRoutes {
    struct Settings: Sendable {
        var allowedOrigins: Set<String> = []
        var sessionIdle: TimeInterval = 1800
        var streamLifetime: Duration = .seconds(300)
        var keepalive: Duration = .seconds(15)
    }

    let store: Store
    let methods: MCPMethods
    let feed: ToolChangeFeed
    let settings: Settings
    let limits: Limits

    func add(to router: Router<WardenRequestContext>) {
        router.post("mcp") { request, context in try await post(request, context) }
        router.get("mcp") { request, context in try await stream(request, context) }
        router.delete("mcp") { request, context in
            let principal = try admit(request, context)
            let id = try sessionHeader(request)
            guard try await store.endMCPSession(id: id, owner: principal.actor) else { throw sessionNotFound() }
            return Response(status: .noContent)
        }
    }

    private func post(_ request: Request, _ context: WardenRequestContext) async throws -> Response {
        let principal = try admit(request, context)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limits.requestBodyBytes)
        } catch is NIOTooManyBytesError {
            throw DomainError.payloadTooLarge("request body is larger than \(limits.requestBodyBytes) bytes")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else {
            return reply(JSONRPCMessage.error(id: .null, JSONRPCError(code: JSONRPCError.parseError, message: "body is not JSON")), status: .badRequest, request)
        }
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage.parse(value)
        } catch let error as JSONRPCError {
            return reply(JSONRPCMessage.error(id: .null, error), status: .badRequest, request)
        }
        if case .request(let id, "initialize", let params) = message.kind {
            let serverFilter = Query(request).string("server")
            let (version, result) = methods.initializeResult(requested: params["protocolVersion"]?.stringValue)
            let session = try await store.createMCPSession(owner: principal.actor, serverFilter: serverFilter, protocolVersion: version,
                                                           clientInfo: params["clientInfo"] ?? .null)
            var response = reply(JSONRPCMessage.result(id: id, result), status: .ok, request)
            response.headers[.mcpSessionId] = session.id
            return response
        }
        let session = try await requireSession(request, principal)
        switch message.kind {
        case .notification, .response:
            return Response(status: .accepted)
        case .request(let id, let method, let params):
            do {
                let result: JSONValue
                switch method {
                case "ping": result = .object([:])
                case "tools/list": result = try await methods.listTools(session: session)
                case "tools/call": result = try await methods.callTool(session: session, params: params, caller: principal)
                default: throw JSONRPCError(code: JSONRPCError.methodNotFound, message: "method not found: \(method)")
                }
                return reply(JSONRPCMessage.result(id: id, result), status: .ok, request)
            } catch let error as JSONRPCError {
                return reply(JSONRPCMessage.error(id: id, error), status: .ok, request)
            }
        }
    }

    /// The server-to-client stream: `notifications/tools/list_changed` when approvals change.
    private func stream(_ request: Request, _ context: WardenRequestContext) async throws -> Response {
        let principal = try admit(request, context)
        guard request.headers[.accept]?.contains("text/event-stream") == true else {
            throw APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "GET /mcp serves text/event-stream only")
        }
        let session = try await requireSession(request, principal)
        let (store, feed, settings) = (self.store, self.feed, self.settings)
        let body = ResponseBody { writer in
            let (id, events) = await feed.subscribe()
            let ticker = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: settings.keepalive)
                    await feed.keepalive(id)
                }
            }
            defer { ticker.cancel() }
            let deadline = ContinuousClock.now + settings.streamLifetime
            do {
                try await Self.pump(events, into: &writer, session: session, principal: principal, store: store, settings: settings, deadline: deadline)
            } catch {
                await feed.unsubscribe(id)  // the client went away
                throw error
            }
            await feed.unsubscribe(id)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    private static func pump(_ events: AsyncStream<ToolChangeFeed.Event>, into writer: inout any ResponseBodyWriter, session: MCPSession,
                             principal: Principal, store: Store, settings: Settings, deadline: ContinuousClock.Instant) async throws {
        try await writer.write(ByteBuffer(string: ": warden stream open\n\n"))
        for await event in events {
            guard ContinuousClock.now < deadline,
                  try await store.activeMCPSession(id: session.id, owner: principal.actor, idle: settings.sessionIdle) != nil else { break }
            switch event {
            case .changed:
                let text = JSONRPCMessage.notification("notifications/tools/list_changed").encodedString()
                try await writer.write(ByteBuffer(string: "event: message\ndata: \(text)\n\n"))
            case .keepalive:
                try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
            }
        }
    }

    /// Authenticated (by the middleware), allowed to execute tools, from an allowed origin,
    /// speaking a protocol version we know.
    private func admit(_ request: Request, _ context: WardenRequestContext) throws -> Principal {
        let principal = try context.require(.executeTools)
        if let origin = request.headers[.origin], !settings.allowedOrigins.contains(origin) {
            throw APIError(status: .forbidden, code: "forbidden", message: "origin \(origin) is not allowed to use /mcp")
        }
        if let version = request.headers[.mcpProtocolVersion], !MCPMethods.supportedVersions.contains(version) {
            throw APIError.invalidRequest("unsupported MCP-Protocol-Version \(version); supported: \(MCPMethods.supportedVersions.joined(separator: ", "))")
        }
        return principal
    }

    private func sessionHeader(_ request: Request) throws -> String {
        guard let id = request.headers[.mcpSessionId], !id.isEmpty else {
            throw APIError.invalidRequest("missing Mcp-Session-Id header; send initialize first")
        }
        return id
    }

    private func requireSession(_ request: Request, _ principal: Principal) async throws -> MCPSession {
        let id = try sessionHeader(request)
        guard let session = try await store.activeMCPSession(id: id, owner: principal.actor, idle: settings.sessionIdle) else {
            throw sessionNotFound()
        }
        return session
    }

    private func sessionNotFound() -> APIError {
        .notFound("unknown, expired or ended MCP session; initialize a new one")
    }

    /// JSON unless the client accepts only an event stream.
    private func reply(_ message: JSONValue, status: HTTPResponse.Status, _ request: Request) -> Response {
        let accept = request.headers[.accept] ?? ""
        let text = message.encodedString()
        if accept.contains("text/event-stream") && !accept.contains("application/json") {
            return Response(status: status, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: "event: message\ndata: \(text)\n\n")))
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension HTTPField.Name {
    static let mcpSessionId = Self("Mcp-Session-Id")!
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
}
