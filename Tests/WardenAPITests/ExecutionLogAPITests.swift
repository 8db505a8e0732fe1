import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct ExecutionLogAPITests {
    static let code = """
        def main(city: str, password: str = '', options: dict = {}, items: list = [], big: int = 0):
            print('p' * big)
            return {'city': city, 'echo': options}
        """

    @Test func recordsAreRedactedBoundedAndFilterable() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let agent = try await server.key(.agent, name: "bot")
        let auditor = try await server.key(.auditor)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"s"}"#).string("id"))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": .string("t"), "code": .string(Self.code)]))

            let arguments =
                #"{"arguments":{"city":"Oslo","password":"hunter2","options":{"author":"Ann","api_key":"k-123"},"items":[{"token":"t-9"},{"keyword":"rain"}],"big":100000}}"#
            let run = try await client.request(.post, "/v1/tools/\(toolId)/executions", key: agent, json: arguments)
            #expect(run.status == 200)
            #expect(run.string("status") == "succeeded")
            #expect(run.string("stdout")?.utf8.count == 100_001, "the caller gets the whole output")
            let id = try #require(run.string("id"))

            let logged = try await client.request(.get, "/v1/executions/\(id)", key: auditor)
            #expect(logged.status == 200)
            let args = try #require(logged["arguments"]?.objectValue)
            #expect(args["password"] == .string("[REDACTED]"))
            #expect(args["city"] == .string("Oslo"))
            #expect(args["options"]?.objectValue?["api_key"] == .string("[REDACTED]"))
            #expect(args["options"]?.objectValue?["author"] == .string("Ann"))
            #expect(args["items"] == (try JSONValue.decode(#"[{"token":"[REDACTED]"},{"keyword":"rain"}]"#)))
            #expect(!logged.body.contains("hunter2") && !logged.body.contains("k-123") && !logged.body.contains("t-9"))
            #expect(logged["truncated"] == .bool(true))
            #expect((logged.string("stdout")?.utf8.count ?? 0) <= 64 * 1024)
            #expect(logged.string("caller")?.hasPrefix("key:") == true)
            #expect(logged["code_sha256"] == .string(Digest.sha256Hex(Self.code)))
            #expect(logged.string("finished_at") != nil)

            _ = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{"city":"Bergen"}}"#)
            let byCaller = try await client.request(
                .get, "/v1/executions?caller=\(logged.string("caller")!)", key: auditor)
            #expect(byCaller["items"]?.arrayItems.count == 1)
            let byTool = try await client.request(
                .get, "/v1/executions?tool_id=\(toolId)&status=succeeded&version=1", key: auditor)
            #expect(byTool["items"]?.arrayItems.count == 2)
            let none = try await client.request(.get, "/v1/executions?status=timeout", key: auditor)
            #expect(none["items"]?.arrayItems.isEmpty == true)
            #expect(try await client.request(.get, "/v1/executions?status=weird", key: auditor).status == 400)

            let lines = try await client.request(.get, "/v1/executions?tool_id=\(toolId)&format=ndjson", key: auditor)
            #expect(lines.headers[.contentType] == "application/x-ndjson")
            let rows = lines.body.split(separator: "\n")
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { (try? JSONValue.decode(String($0)))?.objectValue?["tool_id"] == .string(toolId) })
            let accepted = try await client.request(
                .get, "/v1/executions?tool_id=\(toolId)", key: auditor, headers: [.accept: "application/x-ndjson"])
            #expect(accepted.body.split(separator: "\n").count == 2)
        }
    }

    @Test func killedAndTimedOutExecutionsAreRecorded() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"s"}"#).string("id"))
            let code =
                "def main(mode: str):\n    if mode == 'raise':\n        raise KeyError('nope')\n    x = []\n    while True:\n        x.append(' ' * 10_000_000)\n"
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": .string("t"), "code": .string(code)]))
            let raised = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{"mode":"raise"}}"#)
            #expect(raised.string("status") == "failed")
            #expect(raised["error"]?.objectValue?["type"] == .string("KeyError"))
            let bomb = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{"mode":"bomb"}}"#)
            #expect(bomb.string("status") == "killed")
            #expect(bomb.string("reason") == "memory")
            let logged = try await client.request(.get, "/v1/executions?tool_id=\(toolId)", key: admin)
            #expect(
                logged["items"]?.arrayItems.compactMap { $0.objectValue?["status"]?.stringValue } == [
                    "killed", "failed",
                ])
        }
    }
}
