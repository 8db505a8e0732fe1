import WardenDomain
import WardenStore

/// The MCP methods Warden serves: tools are the approved, live tools, named `<server>__<tool>`,
/// and `tools/call` takes exactly the REST execution path.
struct MCPMethods {
    static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]
    static let serverVersion = "0.1.0"

    let store: Store
    let executions: ExecutionService

    func initializeResult(requested: String?) -> (version: String, result: JSONValue) {
        let version = requested.flatMap { Self.supportedVersions.contains($0) ? $0 : nil } ?? Self.supportedVersions[0]
        return (version, .object([
            "protocolVersion": .string(version),
            "capabilities": .object(["tools": .object(["listChanged": .bool(true)])]),
            "serverInfo": .object(["name": .string("warden"), "version": .string(Self.serverVersion)]),
            "instructions": .string("Tools run in Warden's sandbox: one fresh confined worker per call, only admin-approved code."),
        ]))
    }

    func listTools(session: MCPSession) async throws -> JSONValue {
        let tools = try await store.approvedTools(serverName: session.serverFilter).map { server, tool in
            JSONValue.object([
                "name": .string("\(server.name)__\(tool.name)"),
                "title": .string("\(server.name) / \(tool.name)"),
                "description": .string(tool.description.isEmpty ? "Warden tool \(tool.name) of server \(server.name)" : tool.description),
                "inputSchema": tool.inputSchema.objectValue == nil ? .object(["type": .string("object")]) : tool.inputSchema,
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
        return .object(["tools": .array(tools)])
    }

    func callTool(session: MCPSession, params: [String: JSONValue], caller: Principal) async throws -> JSONValue {
        guard let name = params["name"]?.stringValue else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "tools/call needs a tool name")
        }
        let arguments = params["arguments"] ?? .object([:])
        // `a` + `b__c` and `a__b` + `c` share a name: refuse rather than guess which one runs.
        let matches = try await store.approvedTools(serverName: session.serverFilter).filter { "\($0.server.name)__\($0.tool.name)" == name }
        guard let match = matches.first else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "unknown tool: \(name)")
        }
        guard matches.count == 1 else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "tool name \(name) is ambiguous (server and tool names both contain __); use /mcp?server=NAME")
        }
        let execution: Execution
        do {
            execution = try await executions.execute(toolId: match.tool.id, arguments: arguments, caller: caller)
        } catch DomainError.invalidArguments(let message) {
            return toolError("invalid arguments: \(message). Input schema: \(match.tool.inputSchema.encodedString())")
        } catch DomainError.toolNotApproved {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "unknown tool: \(name)")
        } catch DomainError.payloadTooLarge(let message) {
            return toolError(message)
        } catch SandboxError.busy {
            return toolError("all sandbox workers are busy; try again shortly")
        }
        guard execution.status == .succeeded else {
            let reason = execution.reason.map { " (\($0.rawValue))" } ?? ""
            let detail = execution.error.map { "\($0.type): \($0.message)" } ?? "no detail"
            return toolError("execution \(execution.id) \(execution.status.rawValue)\(reason): \(detail)")
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

    private func toolError(_ message: String) -> JSONValue {
        .object(["content": .array([.object(["type": .string("text"), "text": .string(message)])]), "isError": .bool(true)])
    }
}
