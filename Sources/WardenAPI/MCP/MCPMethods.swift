import WardenDomain
import WardenStore

/// The MCP methods Warden serves: tools are the approved, live tools, named `<server>__<tool>`,
/// and `tools/call` takes exactly the REST execution path.
struct MCPMethods {
    static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]
    static let serverVersion = "0.4.0"
    static let instructions =
        "Tools run in Warden's sandbox: one fresh confined worker per call, only admin-approved code."

    let store: Store
    let executions: ExecutionService

    func initializeResult(requested: String?) -> (version: String, result: JSONValue) {
        let version = requested.flatMap { Self.supportedVersions.contains($0) ? $0 : nil } ?? Self.supportedVersions[0]
        return (
            version,
            .object([
                "protocolVersion": .string(version),
                "capabilities": .object(["tools": .object(["listChanged": .bool(true)])]),
                "serverInfo": .object(["name": .string("warden"), "version": .string(Self.serverVersion)]),
                "instructions": .string(Self.instructions),
            ])
        )
    }

    /// `?server=` names a server by name or id; a filter holds its id, so a later rename or a
    /// swap of names never re-points a client. An unknown server is an error, not an empty list.
    func serverFilter(_ requested: String?) async throws -> String? {
        guard let requested else { return nil }
        guard let id = try await store.liveServerId(nameOrId: requested) else {
            throw JSONRPCError(
                code: JSONRPCError.invalidParams,
                message: "no server named \(requested.prefix(64)); /mcp?server= takes a server's name or id")
        }
        return id
    }

    /// The tools a client sees, a page at a time (`cursor` is where the last page ended).
    func listTools(serverFilter: String?, cursor: String?) async throws -> JSONValue {
        let all = try await visibleTools(serverFilter: serverFilter)
        let start: Int
        if let cursor {
            guard let offset = Int(cursor), offset >= 0, offset <= all.count else {
                throw JSONRPCError(code: JSONRPCError.invalidParams, message: "invalid cursor")
            }
            start = offset
        } else {
            start = 0
        }
        let end = min(all.count, start + Self.pageSize)
        var result: [String: JSONValue] = ["tools": .array(Array(all[start..<end]))]
        if end < all.count { result["nextCursor"] = .string(String(end)) }
        return .object(result)
    }

    static let pageSize = 100
    static let schemaEchoBytes = 4 << 10

    /// Every approved, live tool a client with this filter sees, as `tools/list` describes it:
    /// the approved version's name, description and schema.
    func visibleTools(serverFilter: String?) async throws -> [JSONValue] {
        try await store.approvedTools(serverId: serverFilter).map { server, tool in
            JSONValue.object([
                "name": .string("\(server.name)__\(tool.name)"),
                "title": .string("\(server.name) / \(tool.name)"),
                "description": .string(
                    tool.description.isEmpty ? "Warden tool \(tool.name) of server \(server.name)" : tool.description),
                "inputSchema": tool.inputSchema.objectValue == nil
                    ? .object(["type": .string("object")]) : tool.inputSchema,
                "annotations": .object([
                    "title": .string("\(server.name) / \(tool.name)"),
                    "destructiveHint": .bool(false),
                    "openWorldHint": .bool(!server.allowedHosts.isEmpty),
                ]),
                "_meta": .object([
                    "io.warden/sandboxed": .bool(true),
                    "io.warden/tool_id": .string(tool.id),
                    "io.warden/version": .int(Int64(tool.currentVersion)),
                    "io.warden/code_sha256": .string(tool.codeSha256),
                ]),
            ])
        }
    }

    /// Runs a tool. Whatever an agent can act on (an unknown tool, bad arguments, a changed
    /// definition, a busy sandbox, a rate limit, a failed run) comes back as a tool result with
    /// `isError`, which the model reads; only a malformed request is a protocol error.
    func callTool(serverFilter: String?, params: [String: JSONValue], caller: Principal) async throws -> JSONValue {
        guard let name = params["name"]?.stringValue else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "tools/call needs a tool name")
        }
        let arguments = params["arguments"] ?? .object([:])
        // `a` + `b__c` and `a__b` + `c` share a name: refuse rather than guess which one runs.
        let matches = try await store.approvedTools(serverId: serverFilter).filter {
            "\($0.server.name)__\($0.tool.name)" == name
        }
        guard let match = matches.first else {
            return toolError(
                "unknown tool \(name): no approved tool has this name (list the tools again)", code: "not_found")
        }
        guard matches.count == 1 else {
            return toolError(
                "tool name \(name) is ambiguous (server and tool names both contain __); use /mcp?server=NAME",
                code: "conflict")
        }
        let execution: Execution
        do {
            execution = try await executions.execute(toolId: match.tool.id, arguments: arguments, caller: caller)
        } catch is CancellationError {
            throw CancellationError()
        } catch DomainError.invalidArguments(let message) {
            // The schema helps a model fix its call; past a few KiB it is cut (the schema is in tools/list).
            let schema = LogTruncation.prefix(match.tool.inputSchema.encodedString(), limit: Self.schemaEchoBytes)
            return toolError(
                "invalid arguments: \(message). Input schema: \(schema.0)\(schema.truncated ? "… (cut; see tools/list)" : "")",
                code: "invalid_arguments")
        } catch {
            // The same refusal REST would answer, with its code: rate limits, a changed
            // definition, a busy or unavailable sandbox, an unreachable upstream.
            let refusal = APIError.from(error)
            guard refusal.status != .internalServerError else { throw error }
            return toolError(refusal.message, code: refusal.code)
        }
        guard execution.status == .succeeded else {
            let reason = execution.reason.map { " (\($0.rawValue))" } ?? ""
            let detail = execution.error.map { "\($0.type): \($0.message)" } ?? "no detail"
            return toolError(
                "execution \(execution.id) \(execution.status.rawValue)\(reason): \(detail)",
                code: execution.status.rawValue,
                executionId: execution.id)
        }
        let result = execution.result ?? .null
        let structured: JSONValue = result.objectValue != nil ? result : .object(["result": result])
        return .object([
            "content": .array([.object(["type": .string("text"), "text": .string(result.encodedString())])]),
            "structuredContent": structured,
            "isError": .bool(false),
            "_meta": .object(["io.warden/execution_id": .string(execution.id)]),
        ])
    }

    private func toolError(_ message: String, code: String, executionId: String? = nil) -> JSONValue {
        var meta: [String: JSONValue] = ["io.warden/error": .string(code)]
        if let executionId { meta["io.warden/execution_id"] = .string(executionId) }
        return .object([
            "content": .array([.object(["type": .string("text"), "text": .string(message)])]), "isError": .bool(true),
            "_meta": .object(meta),
        ])
    }
}
