import Foundation
import HTTPTypes
import Testing
import WardenDomain
import WardenSandbox
import WardenTestSupport

/// MCP over Streamable HTTP, checked by header/session rules here and by the official Python SDK.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct MCPTests {
    static let initialize =
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    static func headers(_ session: String? = nil, extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.accept] = "application/json, text/event-stream"
        if let session { fields[HTTPField.Name("Mcp-Session-Id")!] = session }
        return fields
    }

    @Test func sessionAndHeaderRules() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let agent = try await server.key(.agent)
        let other = try await server.key(.agent, name: "other")
        let auditor = try await server.key(.auditor)
        try await server.run { client in
            let noKey = try await client.request(.post, "/mcp", json: Self.initialize, headers: Self.headers())
            #expect(noKey.status == 401)
            #expect(noKey.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(
                try await client.request(.post, "/mcp", key: auditor, json: Self.initialize, headers: Self.headers())
                    .status == 403)

            let opened = try await client.request(
                .post, "/mcp", key: agent, json: Self.initialize, headers: Self.headers())
            #expect(opened.status == 200)
            let session = try #require(opened.headers[HTTPField.Name("Mcp-Session-Id")!])
            #expect(opened["result"]?.objectValue?["protocolVersion"] == .string("2025-11-25"))
            #expect(
                opened["result"]?.objectValue?["capabilities"]?.objectValue?["tools"]
                    == .object(["listChanged": .bool(true)]))

            let list = #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#
            let missing = try await client.request(.post, "/mcp", key: agent, json: list, headers: Self.headers())
            #expect(missing.status == 400)
            #expect(
                try await client.request(.post, "/mcp", key: agent, json: list, headers: Self.headers("mcp_unknown"))
                    .status == 404)
            #expect(
                try await client.request(.post, "/mcp", key: other, json: list, headers: Self.headers(session)).status
                    == 404,
                "a session belongs to the key that opened it")
            let wrongVersion = Self.headers(session, extra: [HTTPField.Name("MCP-Protocol-Version")!: "1999-01-01"])
            #expect(
                try await client.request(.post, "/mcp", key: agent, json: list, headers: wrongVersion).status == 400)
            let badOrigin = Self.headers(session, extra: [.origin: "https://evil.example"])
            #expect(try await client.request(.post, "/mcp", key: agent, json: list, headers: badOrigin).status == 403)

            let listed = try await client.request(.post, "/mcp", key: agent, json: list, headers: Self.headers(session))
            #expect(listed["result"]?.objectValue?["tools"] == .array([]))
            let notification = try await client.request(
                .post, "/mcp", key: agent, json: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                headers: Self.headers(session))
            #expect(notification.status == 202)
            let unknownMethod = try await client.request(
                .post, "/mcp", key: agent, json: #"{"jsonrpc":"2.0","id":3,"method":"resources/list"}"#,
                headers: Self.headers(session))
            #expect(unknownMethod["error"]?.objectValue?["code"] == .int(-32601))
            let garbage = try await client.request(
                .post, "/mcp", key: agent, json: "{nope", headers: Self.headers(session))
            #expect(garbage.status == 400)
            #expect(garbage["error"]?.objectValue?["code"] == .int(-32700))
            let sse = try await client.request(
                .post, "/mcp", key: agent, json: #"{"jsonrpc":"2.0","id":4,"method":"ping"}"#,
                headers: [.accept: "text/event-stream", HTTPField.Name("Mcp-Session-Id")!: session])
            #expect(sse.headers[.contentType] == "text/event-stream")
            #expect(sse.body.hasPrefix("event: message\ndata: {"))

            #expect(try await client.request(.delete, "/mcp", key: agent, headers: Self.headers(session)).status == 204)
            #expect(
                try await client.request(.post, "/mcp", key: agent, json: list, headers: Self.headers(session)).status
                    == 404)
            #expect(try await client.request(.delete, "/mcp", key: agent, headers: Self.headers(session)).status == 404)
        }
    }

    @Test func officialPythonClient() async throws {
        guard let python = PythonClient.interpreter() else {
            if ProcessInfo.processInfo.environment["WARDEN_REQUIRE_MCP_CLIENT"] == "1" {
                Issue.record("the mcp Python package is required (scripts/install-deps.sh installs it)")
            } else {
                print("SKIP officialPythonClient: no python3 with the mcp package; run scripts/install-deps.sh")
            }
            return
        }
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let agent = try await server.key(.agent)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"demo"}"#).string("id"))
            let tools = [
                ("greet", "def main(name: str):\n    return {'greeting': 'hello ' + name}\n", true),
                ("explode", "def main():\n    raise RuntimeError('boom')\n", true),
                ("sleepy", "import time\ndef main():\n    time.sleep(60)\n", true),
                ("unapproved", "def main():\n    return 1\n", false),
            ]
            for (name, code, approve) in tools {
                let id = try #require(
                    try await client.request(
                        .post, "/v1/servers/\(serverId)/tools", key: admin,
                        body: .object(["name": .string(name), "code": .string(code)])
                    ).string("id"))
                if approve {
                    _ = try await client.request(.post, "/v1/tools/\(id)/approve", key: admin, json: #"{"version":1}"#)
                }
            }
            let report = try await PythonClient.run(
                python, url: "http://127.0.0.1:\(client.port)/mcp", key: agent,
                wrongKey: "wdn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", adminKey: admin)
            print("MCP client report: \(report.encodedString())")
            let r = try #require(report.objectValue)
            #expect(r["protocol_version"] == .string("2025-11-25"))
            #expect(r["list_changed"] == .bool(true))
            #expect(r["tools"] == .array([.string("demo__explode"), .string("demo__greet"), .string("demo__sleepy")]))
            #expect(r["sandboxed_meta"]?.objectValue?["demo__greet"] == .bool(true))
            #expect(r["ok"]?.objectValue?["is_error"] == .bool(false))
            #expect(r["ok"]?.objectValue?["structured"] == .object(["greeting": .string("hello Ada")]))
            #expect(r["bad_args"]?.objectValue?["is_error"] == .bool(true))
            #expect(r["bad_args"]?.objectValue?["text"]?.stringValue?.contains("arguments.name must be string") == true)
            #expect(r["raises"]?.objectValue?["is_error"] == .bool(true))
            #expect(r["raises"]?.objectValue?["text"]?.stringValue?.contains("RuntimeError: boom") == true)
            #expect(r["timeout"]?.objectValue?["is_error"] == .bool(true))
            #expect(r["timeout"]?.objectValue?["text"]?.stringValue?.contains("timeout") == true)
            // Unknown and unapproved tools are tool results the model can read, not protocol errors.
            #expect(r["demo__unapproved"]?.objectValue?["is_error"] == .bool(true))
            #expect(r["demo__nope"]?.objectValue?["is_error"] == .bool(true))
            #expect(r["demo__nope"]?.objectValue?["text"]?.stringValue?.contains("unknown tool demo__nope") == true)
            #expect(r["ping"] == .bool(true))
            #expect(r["reject_status"] == .int(200))
            #expect(r["list_changed_received"] == .bool(true))
            #expect(r["tools_after_reject"] == .array([.string("demo__greet"), .string("demo__sleepy")]))
            #expect(r["wrong_key"]?.stringValue?.hasPrefix("refused") == true)
            #expect(r["wrong_key_http"]?.objectValue?["status"] == .int(401))
            #expect(r["wrong_key_http"]?.objectValue?["www_authenticate"]?.stringValue?.hasPrefix("Bearer") == true)

            let executions = try await client.request(.get, "/v1/executions?limit=50", key: admin)
            let callers = Set(
                executions["items"]?.arrayItems.compactMap { $0.objectValue?["caller"]?.stringValue } ?? [])
            #expect(callers.count == 1, "every MCP call is recorded with the agent's identity")
            #expect(executions["items"]?.arrayItems.count == 3)
        }
    }
}

enum PythonClient {
    static let script = TestSandbox.repositoryRoot.appendingPathComponent("Tests/mcp/mcp_client_check.py").path
    static let callScript = TestSandbox.repositoryRoot.appendingPathComponent("Tests/mcp/mcp_call.py").path

    /// `WARDEN_TEST_PYTHON` (set by scripts/test.sh), else `python3` on PATH, if it can import the official SDK.
    static func interpreter() -> String? {
        let python = ProcessInfo.processInfo.environment["WARDEN_TEST_PYTHON"] ?? "python3"
        let probe = try? ChildProcess.run(
            ["/usr/bin/env", python, "-c", "import mcp.client.streamable_http"],
            environment: ProcessInfo.processInfo.environment)
        return probe?.status == 0 ? python : nil
    }

    static func run(_ python: String, url: String, key: String, wrongKey: String, adminKey: String) async throws
        -> JSONValue
    {
        try await run(python, script: script, arguments: [url, key, wrongKey, adminKey])
    }

    /// Runs one of the Python checks and decodes the JSON report it prints.
    static func run(_ python: String, script: String, arguments: [String]) async throws -> JSONValue {
        let result = try await ChildProcess.run(
            ["/usr/bin/env", python, script] + arguments, environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else {
            throw SandboxUnavailable(
                "\(script) failed (\(result.status)): \(String(decoding: result.errors.suffix(3000), as: UTF8.self))")
        }
        return try JSONValue.decode(result.text)
    }
}
