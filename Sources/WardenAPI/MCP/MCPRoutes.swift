import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardenDomain
import WardenStore

/// MCP over Streamable HTTP at `/mcp` (`?server=<name>` for one server's tools), in two kinds of
/// revision on one route: the handshake revisions (`initialize`, sessions that are rows in the
/// database, bound to the identity that opened them) and the stateless 2026-07-28 revision
/// (every request carries its version in headers and `_meta`; no session).
struct MCPRoutes {
    struct Settings: Sendable {
        var allowedOrigins: Set<String> = []
        var sessionIdle: TimeInterval = 1800
        var streamLifetime: Duration = .seconds(300)
        var keepalive: Duration = .seconds(15)
        /// How often an open stream looks for a change in what its client may see.
        var changePoll: Duration = .seconds(1)
    }

    let store: Store
    let methods: MCPMethods
    let settings: Settings
    let limits: Limits
    let calls = MCPCalls()

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
        guard let value = try? JSONBody.bounds.parse(body.readableBytesView) else {
            return reply(
                JSONRPCMessage.error(
                    id: .null, JSONRPCError(code: JSONRPCError.parseError, message: "body is not JSON")),
                status: .badRequest, request)
        }
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage.parse(value)
        } catch let error as JSONRPCError {
            return reply(JSONRPCMessage.error(id: .null, error), status: .badRequest, request)
        }
        if let version = request.headers[.mcpProtocolVersion], !MCPMethods.supportedVersions.contains(version) {
            return try await stateless(message, version: version, request, context, principal)
        }
        if case .request(let id, "initialize", let params) = message.kind {
            let serverFilter: String?
            do {
                serverFilter = try await methods.serverFilter(Query(request).string("server"))
            } catch let error as JSONRPCError {
                return reply(JSONRPCMessage.error(id: id, error), status: .ok, request)
            }
            let (version, result) = methods.initializeResult(requested: params["protocolVersion"]?.stringValue)
            let session = try await store.createMCPSession(
                owner: principal.actor, serverFilter: serverFilter, protocolVersion: version,
                clientInfo: params["clientInfo"] ?? .null)
            var response = reply(JSONRPCMessage.result(id: id, result), status: .ok, request)
            response.headers[.mcpSessionId] = session.id
            return response
        }
        let session = try await requireSession(request, principal)
        switch message.kind {
        case .notification("notifications/cancelled", let params):
            if let requestId = params["requestId"] {
                await calls.cancel(MCPCalls.key(owner: "\(principal.actor) \(session.id)", requestId: requestId))
            }
            return Response(status: .accepted)
        case .notification, .response:
            return Response(status: .accepted)
        case .request(let id, let method, let params):
            do {
                let result: JSONValue
                switch method {
                case "ping": result = .object([:])
                case "tools/list":
                    result = try await methods.listTools(
                        serverFilter: session.serverFilter, cursor: params["cursor"]?.stringValue)
                case "tools/call":
                    let key = MCPCalls.key(owner: "\(principal.actor) \(session.id)", requestId: id)
                    guard
                        let called = try await call(
                            key, filter: session.serverFilter, params: params, principal, context)
                    else {
                        return Response(status: .accepted)  // cancelled: nothing more is said about it
                    }
                    result = called
                default: throw JSONRPCError(code: JSONRPCError.methodNotFound, message: "method not found: \(method)")
                }
                return reply(JSONRPCMessage.result(id: id, result), status: .ok, request)
            } catch let error as JSONRPCError {
                return reply(JSONRPCMessage.error(id: id, error), status: .ok, request)
            }
        }
    }

    /// One `tools/call`, cancellable by `notifications/cancelled` and by the client hanging up;
    /// nil when it was cancelled.
    private func call(
        _ key: String, filter: String?, params: [String: JSONValue], _ principal: Principal,
        _ context: WardenRequestContext
    ) async throws -> JSONValue? {
        let (calls, methods) = (self.calls, self.methods)
        HangUps.shared.onHangUp(context.channel) { Task { await calls.cancel(key) } }
        defer { HangUps.shared.stopWaiting(context.channel) }
        do {
            return try await calls.run(key) {
                try await methods.callTool(serverFilter: filter, params: params, caller: principal)
            }
        } catch is CancellationError {
            return nil
        }
    }

    /// The stateless revision: each request says its version in the `MCP-Protocol-Version`
    /// header and in `params._meta`, which must agree; there is no session.
    private func stateless(
        _ message: JSONRPCMessage, version: String, _ request: Request, _ context: WardenRequestContext,
        _ principal: Principal
    ) async throws -> Response {
        guard case .request(let id, let method, let params) = message.kind else {
            return Response(status: .accepted)  // notifications: a hang-up is how this revision cancels
        }
        func failure(_ code: Int, _ text: String, data: JSONValue? = nil, status: HTTPResponse.Status = .badRequest)
            -> Response
        {
            var error: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(text)]
            if let data { error["data"] = data }
            return jsonReply(.object(["jsonrpc": "2.0", "id": id, "error": .object(error)]), status: status)
        }
        let meta = params["_meta"]?.objectValue ?? [:]
        guard let declared = meta[StatelessMCP.versionKey]?.stringValue, meta[StatelessMCP.capabilitiesKey] != nil
        else {
            return failure(
                JSONRPCError.invalidParams,
                "params._meta must carry \(StatelessMCP.versionKey) and \(StatelessMCP.capabilitiesKey)")
        }
        guard declared == version, request.headers[.mcpMethod].map({ $0 == method }) ?? true,
            method != "tools/call" || request.headers[.mcpName].map({ $0 == params["name"]?.stringValue }) ?? true
        else {
            return failure(
                StatelessMCP.headerMismatch,
                "the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers must match the request body")
        }
        guard version == StatelessMCP.version else {
            return failure(
                StatelessMCP.unsupportedVersion, "unsupported protocol version \(version)",
                data: .object([
                    "supported": .array((MCPMethods.supportedVersions + [StatelessMCP.version]).map(JSONValue.string)),
                    "requested": .string(version),
                ]))
        }
        do {
            let filter = try await methods.serverFilter(Query(request).string("server"))
            var result: [String: JSONValue]
            switch method {
            case "server/discover":
                result = StatelessMCP.discoverResult()
            case "ping":
                result = [:]
            case "tools/list":
                result =
                    try await methods.listTools(serverFilter: filter, cursor: params["cursor"]?.stringValue).objectValue
                    ?? [:]
                result["ttlMs"] = .int(0)
                result["cacheScope"] = "private"
            case "tools/call":
                // No session here: the connection tells two clients of one key apart (a hang-up is
                // how this revision cancels, so only its own connection may cancel a call).
                let key = MCPCalls.key(owner: "\(principal.actor) \(ObjectIdentifier(context.channel))", requestId: id)
                guard let called = try await call(key, filter: filter, params: params, principal, context) else {
                    return Response(status: .accepted)
                }
                result = called.objectValue ?? [:]
            case "subscriptions/listen":
                return listen(id: id, filter: filter, principal: principal)
            default:
                return failure(JSONRPCError.methodNotFound, "method not found: \(method)", status: .notFound)
            }
            result["resultType"] = "complete"
            return jsonReply(JSONRPCMessage.result(id: id, .object(result)), status: .ok)
        } catch let error as JSONRPCError {
            return failure(error.code, error.message)
        }
    }

    /// `subscriptions/listen`: one long response carrying `notifications/tools/list_changed`
    /// whenever the tools this client may see change, on any supervisor.
    private func listen(id: JSONValue, filter: String?, principal: Principal) -> Response {
        let watcher = ToolListWatcher(methods: methods, serverFilter: filter)
        let settings = self.settings
        let subscription: JSONValue = .object([StatelessMCP.subscriptionKey: id])
        let body = ResponseBody { writer in
            let acknowledged = JSONValue.object([
                "jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                "params": .object(["_meta": subscription, "notifications": .object(["toolsListChanged": .bool(true)])]),
            ])
            try await writer.write(ByteBuffer(string: "event: message\ndata: \(acknowledged.encodedString())\n\n"))
            let changed = JSONValue.object([
                "jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                "params": .object(["_meta": subscription]),
            ])
            try await Self.watch(watcher, into: &writer, settings: settings, notification: changed) { true }
            let done = JSONRPCMessage.result(id: id, .object(["resultType": "complete"]))
            try await writer.write(ByteBuffer(string: "event: message\ndata: \(done.encodedString())\n\n"))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// The handshake revisions' server-to-client stream: `notifications/tools/list_changed`.
    private func stream(_ request: Request, _ context: WardenRequestContext) async throws -> Response {
        let principal = try admit(request, context)
        guard request.headers[.accept]?.contains("text/event-stream") == true else {
            throw APIError(
                status: .methodNotAllowed, code: "method_not_allowed", message: "GET /mcp serves text/event-stream only"
            )
        }
        let session = try await requireSession(request, principal)
        let (store, settings) = (self.store, self.settings)
        let watcher = ToolListWatcher(methods: methods, serverFilter: session.serverFilter)
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": warden stream open\n\n"))
            try await Self.watch(
                watcher, into: &writer, settings: settings,
                notification: JSONRPCMessage.notification("notifications/tools/list_changed")
            ) {
                (try? await store.activeMCPSession(id: session.id, owner: principal.actor, idle: settings.sessionIdle))
                    != nil
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// Writes `notification` each time what the watcher sees changes, and keepalive comments,
    /// until the stream's lifetime ends or `stillWanted` says no.
    private static func watch(
        _ watcher: ToolListWatcher, into writer: inout any ResponseBodyWriter, settings: Settings,
        notification: JSONValue, stillWanted: @Sendable () async -> Bool
    ) async throws {
        var seen = try await watcher.fingerprint()
        let deadline = ContinuousClock.now + settings.streamLifetime
        var lastWrite = ContinuousClock.now
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: settings.changePoll)
            guard await stillWanted() else { break }
            let now = try await watcher.fingerprint()
            if now != seen {
                seen = now
                try await writer.write(ByteBuffer(string: "event: message\ndata: \(notification.encodedString())\n\n"))
                lastWrite = .now
            } else if ContinuousClock.now - lastWrite >= settings.keepalive {
                try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                lastWrite = .now
            }
        }
    }

    /// Authenticated (by the middleware), allowed to execute tools, from an allowed origin,
    /// speaking a protocol version we know.
    private func admit(_ request: Request, _ context: WardenRequestContext) throws -> Principal {
        let principal = try context.require(.executeTools)
        if let origin = request.headers[.origin], !settings.allowedOrigins.contains(origin) {
            throw APIError(
                status: .forbidden, code: "forbidden", message: "origin \(origin) is not allowed to use /mcp")
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
        guard let session = try await store.activeMCPSession(id: id, owner: principal.actor, idle: settings.sessionIdle)
        else {
            throw sessionNotFound()
        }
        return session
    }

    private func sessionNotFound() -> APIError {
        .notFound("unknown, expired or ended MCP session; initialize a new one")
    }

    /// JSON unless the client accepts only an event stream.
    private func jsonReply(_ message: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: message.encodedString())))
    }

    private func reply(_ message: JSONValue, status: HTTPResponse.Status, _ request: Request) -> Response {
        let accept = request.headers[.accept] ?? ""
        let text = message.encodedString()
        if accept.contains("text/event-stream") && !accept.contains("application/json") {
            return Response(
                status: status, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "event: message\ndata: \(text)\n\n")))
        }
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension HTTPField.Name {
    static let mcpSessionId = Self("Mcp-Session-Id")!
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
    static let mcpMethod = Self("Mcp-Method")!
    static let mcpName = Self("Mcp-Name")!
}
