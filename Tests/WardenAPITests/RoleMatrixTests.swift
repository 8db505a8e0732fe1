import HTTPTypes
import Testing
import WardenDomain
import WardenStore
import WardenTestSupport

/// Every endpoint × every role: allowed roles get past authorisation, the others get 403.
@Suite
struct RoleMatrixTests {
    struct Fixture: Sendable {
        var serverId: String
        var emptyServerId: String
        var toolId: String
        var keyId: String
    }

    struct Endpoint: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var label: String
        var allowed: Set<Role>
        var request: @Sendable (Fixture) -> (path: String, json: String?)
        var testDescription: String { "\(method) \(label)" }
    }

    static let everyone: Set<Role> = Set(Role.allCases)
    static let code = "def main(x: int = 1):\n    return x\n"

    static let endpoints: [Endpoint] = [
        Endpoint(method: .post, label: "/v1/servers", allowed: [.admin, .operator]) { _ in
            ("/v1/servers", #"{"name":"new-server"}"#)
        },
        Endpoint(method: .get, label: "/v1/servers", allowed: everyone) { _ in ("/v1/servers", nil) },
        Endpoint(method: .get, label: "/v1/servers/{id}", allowed: everyone) { f in ("/v1/servers/\(f.serverId)", nil)
        },
        Endpoint(method: .patch, label: "/v1/servers/{id}", allowed: [.admin, .operator]) { f in
            ("/v1/servers/\(f.serverId)", #"{"description":"d"}"#)
        },
        Endpoint(method: .patch, label: "/v1/servers/{id} allowed_hosts", allowed: [.admin]) { f in
            ("/v1/servers/\(f.serverId)", #"{"allowed_hosts":["api.example.com"]}"#)
        },
        Endpoint(method: .post, label: "/v1/servers/{id}/mcp-sources", allowed: [.admin]) { f in
            ("/v1/servers/\(f.serverId)/mcp-sources", #"{"name":"up","url":"https://api.example.com/mcp"}"#)
        },
        Endpoint(method: .delete, label: "/v1/servers/{id}", allowed: [.admin, .operator]) { f in
            ("/v1/servers/\(f.emptyServerId)", nil)
        },
        Endpoint(method: .post, label: "/v1/servers/{id}/tools", allowed: [.admin, .operator, .agent]) { f in
            (
                "/v1/servers/\(f.serverId)/tools",
                JSONValue.object(["name": .string("another"), "code": .string(code)]).encodedString()
            )
        },
        Endpoint(method: .get, label: "/v1/tools", allowed: everyone) { _ in ("/v1/tools", nil) },
        Endpoint(method: .get, label: "/v1/tools/{id}", allowed: everyone) { f in ("/v1/tools/\(f.toolId)", nil) },
        // The tool was made by someone else: an agent may change only its own (ApprovalBoundaryTests).
        Endpoint(method: .patch, label: "/v1/tools/{id}", allowed: [.admin, .operator]) { f in
            ("/v1/tools/\(f.toolId)", #"{"description":"d"}"#)
        },
        Endpoint(method: .delete, label: "/v1/tools/{id}", allowed: [.admin, .operator]) { f in
            ("/v1/tools/\(f.toolId)", nil)
        },
        Endpoint(method: .get, label: "/v1/tools/{id}/versions", allowed: everyone) { f in
            ("/v1/tools/\(f.toolId)/versions", nil)
        },
        Endpoint(method: .get, label: "/v1/tools/{id}/versions/{n}", allowed: everyone) { f in
            ("/v1/tools/\(f.toolId)/versions/1", nil)
        },
        Endpoint(method: .get, label: "/v1/tools/{id}/diff", allowed: everyone) { f in
            ("/v1/tools/\(f.toolId)/diff?from=1&to=2", nil)
        },
        Endpoint(method: .post, label: "/v1/tools/{id}/versions/{n}/test-run", allowed: [.admin]) { f in
            ("/v1/tools/\(f.toolId)/versions/2/test-run", #"{"arguments":{"x":2}}"#)
        },
        Endpoint(method: .post, label: "/v1/tools/{id}/approve", allowed: [.admin]) { f in
            ("/v1/tools/\(f.toolId)/approve", #"{"version":2}"#)
        },
        Endpoint(method: .post, label: "/v1/tools/{id}/reject", allowed: [.admin]) { f in
            ("/v1/tools/\(f.toolId)/reject", #"{"version":2,"reason":"no"}"#)
        },
        Endpoint(method: .post, label: "/v1/tools/{id}/rollback", allowed: [.admin, .operator]) { f in
            ("/v1/tools/\(f.toolId)/rollback", #"{"to_version":1}"#)
        },
        Endpoint(method: .post, label: "/v1/tools/{id}/executions", allowed: [.admin, .operator, .agent]) { f in
            ("/v1/tools/\(f.toolId)/executions", #"{"arguments":{"x":2}}"#)
        },
        Endpoint(method: .get, label: "/v1/executions", allowed: [.admin, .auditor]) { _ in ("/v1/executions", nil) },
        Endpoint(method: .get, label: "/v1/executions/{id}", allowed: [.admin, .auditor]) { _ in
            ("/v1/executions/exe_missing", nil)
        },
        Endpoint(method: .post, label: "/v1/api-keys", allowed: [.admin]) { _ in
            ("/v1/api-keys", #"{"name":"k2","role":"agent"}"#)
        },
        Endpoint(method: .get, label: "/v1/api-keys", allowed: [.admin]) { _ in ("/v1/api-keys", nil) },
        Endpoint(method: .delete, label: "/v1/api-keys/{id}", allowed: [.admin]) { f in ("/v1/api-keys/\(f.keyId)", nil)
        },
        Endpoint(method: .get, label: "/v1/audit-events", allowed: [.admin, .auditor]) { _ in ("/v1/audit-events", nil)
        },
        Endpoint(method: .get, label: "/v1/audit-events/verify", allowed: [.admin, .auditor]) { _ in
            ("/v1/audit-events/verify", nil)
        },
    ]

    /// A server with one approved tool at version 2, an empty server, and a key to revoke.
    static func fixture(_ store: Store) async throws -> Fixture {
        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "test")
        let empty = try await store.createServer(
            ServerDraft(name: "empty", description: "", allowedHosts: []), by: "test")
        let schema = JSONValue.object([
            "type": .string("object"), "properties": .object(["x": .object(["type": .string("integer")])]),
        ])
        let tool = try await store.createTool(
            serverId: server.id,
            ToolDraft(name: "t", description: "", code: code, inputSchema: schema, schemaExplicit: true), by: "test")
        _ = try await store.updateTool(
            id: tool.id, ToolChanges(code: code + "\n", inputSchema: schema, schemaExplicit: true), by: "test")
        _ = try await store.approveTool(id: tool.id, version: 2, note: nil, by: "test")
        let key = try await store.createAPIKey(name: "victim", role: .agent, expiresInSeconds: nil, by: "test")
        return Fixture(serverId: server.id, emptyServerId: empty.id, toolId: tool.id, keyId: key.id)
    }

    @Test(arguments: endpoints, Role.allCases)
    func roleIsEnforced(_ endpoint: Endpoint, _ role: Role) async throws {
        let server = try await TestServer.make()
        let fixture = try await Self.fixture(server.store)
        let key = try await server.key(role, name: "caller")
        let (path, json) = endpoint.request(fixture)
        try await server.run { client in
            let reply = try await client.request(endpoint.method, path, key: key, json: json)
            if endpoint.allowed.contains(role) {
                #expect(
                    reply.status != 403 && reply.status != 401,
                    "\(role) should be allowed: \(reply.status) \(reply.body)")
                #expect(reply.status < 500)
                // These answer 404, or 400 for an upstream this machine cannot reach, once past authorisation.
                if !["/v1/executions/{id}", "/v1/servers/{id}/mcp-sources"].contains(endpoint.label) {
                    #expect((200..<300).contains(reply.status), "\(reply.status) \(reply.body)")
                }
            } else {
                #expect(reply.status == 403, "\(role) should be refused: \(reply.status) \(reply.body)")
                #expect(reply.errorCode == "forbidden")
            }
        }
    }
}
