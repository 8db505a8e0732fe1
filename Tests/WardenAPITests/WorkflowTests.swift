import Testing
import WardenDomain
import WardenTestSupport

/// The approval workflow end to end over real HTTP on loopback with a real SQLite file.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct WorkflowTests {
    static let codeV1 = "def main(city: str, days: int = 3) -> dict:\n    return {'city': city, 'days': days}\n"
    static let codeV2 = "def main(city: str, days: int = 3) -> dict:\n    return {'city': city.upper(), 'days': days}\n"

    @Test func submitApproveEditResetRollback() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let agent = try await server.key(.agent)
        let op = try await server.key(.operator)
        try await server.run { client in
            let created = try await client.request(
                .post, "/v1/servers", key: admin, json: #"{"name":"weather","allowed_hosts":["api.example.com"]}"#)
            #expect(created.status == 201)
            let serverId = try #require(created.string("id"))

            let tool = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: agent,
                body: .object(["name": .string("forecast"), "code": .string(Self.codeV1)]))
            #expect(tool.status == 201)
            let toolId = try #require(tool.string("id"))
            #expect(tool["current_version"] == .int(1))
            #expect(tool.string("approval_status") == "pending_review")
            #expect(tool["approved_version"] == .null)
            #expect(tool.string("code_sha256") == Digest.sha256Hex(Self.codeV1))
            let schema = try #require(tool["input_schema"]?.objectValue)
            #expect(schema["required"] == .array([.string("city")]))
            #expect(schema["properties"]?.objectValue?["days"]?.objectValue?["type"] == .string("integer"))

            let refused = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: agent, json: #"{"arguments":{"city":"Oslo"}}"#)
            #expect(refused.status == 409)
            #expect(refused.errorCode == "tool_not_approved")

            let approved = try await client.request(
                .post, "/v1/tools/\(toolId)/approve", key: admin, json: #"{"version":1,"note":"looks fine"}"#)
            #expect(approved.status == 200)
            #expect(approved.string("approval_status") == "approved")
            #expect(approved["approved_version"] == .int(1))

            let run = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: agent, json: #"{"arguments":{"city":"Oslo"}}"#)
            #expect(run.status == 200)
            #expect(run.string("status") == "succeeded")
            #expect(run["result"] == .object(["city": .string("Oslo"), "days": .int(3)]))
            #expect(run["version"] == .int(1))

            let same = try await client.request(
                .patch, "/v1/tools/\(toolId)", key: agent, body: .object(["code": .string(Self.codeV1)]))
            #expect(same.status == 200)
            #expect(same["current_version"] == .int(1))
            #expect(same.string("approval_status") == "approved")

            let edited = try await client.request(
                .patch, "/v1/tools/\(toolId)", key: agent, body: .object(["code": .string(Self.codeV2)]))
            #expect(edited["current_version"] == .int(2))
            #expect(edited.string("approval_status") == "pending_review")
            #expect(edited["approved_version"] == .null)
            let blocked = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: agent, json: #"{"arguments":{"city":"Oslo"}}"#)
            #expect(blocked.errorCode == "tool_not_approved")

            let stale = try await client.request(
                .post, "/v1/tools/\(toolId)/approve", key: admin, json: #"{"version":1}"#)
            #expect(stale.status == 409)
            #expect(stale.errorCode == "version_mismatch")

            #expect(
                try await client.request(.post, "/v1/tools/\(toolId)/approve", key: admin, json: #"{"version":2}"#)
                    .status == 200)
            let v2run = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: agent, json: #"{"arguments":{"city":"Oslo"}}"#)
            #expect(v2run["result"]?.objectValue?["city"] == .string("OSLO"))

            let rolledBack = try await client.request(
                .post, "/v1/tools/\(toolId)/rollback", key: op, json: #"{"to_version":1}"#)
            #expect(rolledBack.status == 200)
            #expect(rolledBack["current_version"] == .int(3))
            #expect(rolledBack.string("approval_status") == "pending_review")
            #expect(rolledBack.string("code_sha256") == Digest.sha256Hex(Self.codeV1))

            let missing = try await client.request(
                .post, "/v1/tools/\(toolId)/rollback", key: op, json: #"{"to_version":9}"#)
            #expect(missing.status == 404)
            let current = try await client.request(
                .post, "/v1/tools/\(toolId)/rollback", key: op, json: #"{"to_version":3}"#)
            #expect(current.status == 409)

            let versions = try await client.request(.get, "/v1/tools/\(toolId)/versions", key: agent)
            let items = try #require(versions["items"]).arrayItems
            #expect(items.map { $0.objectValue?["version"] } == [.int(1), .int(2), .int(3)])
            #expect(items[2].objectValue?["source"] == .string("rollback"))
            #expect(items[2].objectValue?["rolled_back_from"] == .int(1))
            #expect(items[0].objectValue?["code"] == nil)
            let v3 = try await client.request(.get, "/v1/tools/\(toolId)/versions/3", key: agent)
            #expect(v3.string("code") == Self.codeV1)

            let rejected = try await client.request(
                .post, "/v1/tools/\(toolId)/reject", key: admin, json: #"{"version":3,"reason":"not again"}"#)
            #expect(rejected.string("approval_status") == "rejected")
            let reedited = try await client.request(
                .patch, "/v1/tools/\(toolId)", key: agent, body: .object(["code": .string(Self.codeV2 + "\n")]))
            #expect(reedited.string("approval_status") == "pending_review")
            #expect(reedited["current_version"] == .int(4))

            #expect(try await client.request(.delete, "/v1/tools/\(toolId)", key: op).status == 204)
            let gone = try await client.request(.get, "/v1/tools/\(toolId)", key: agent)
            #expect(gone.status == 200)
            #expect(gone["deleted_at"] != .null)
            #expect(try await client.request(.get, "/v1/tools/\(toolId)/versions/1", key: agent).status == 200)
            #expect(
                try await client.request(
                    .post, "/v1/tools/\(toolId)/executions", key: agent, json: #"{"arguments":{}}"#
                ).status == 404)
            let listed = try await client.request(.get, "/v1/tools?server_id=\(serverId)", key: agent)
            #expect(listed["items"]?.arrayItems.isEmpty == true)

            let events = try await client.request(.get, "/v1/audit-events?subject=\(toolId)&limit=500", key: admin)
            let types = events["items"]?.arrayItems.compactMap { $0.objectValue?["type"]?.stringValue } ?? []
            #expect(
                types == [
                    "tool.created", "tool.approved", "tool.version_created", "tool.approved",
                    "tool.rolled_back", "tool.rejected", "tool.version_created", "tool.deleted",
                ])
            let verify = try await client.request(.get, "/v1/audit-events/verify", key: admin)
            #expect(verify["ok"] == .bool(true))
        }
    }

    @Test func failedRequestsLeaveNothingBehind() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let op = try await server.key(.operator)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: op, json: #"{"name":"s1"}"#).string("id"))
            let first = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: op,
                body: .object(["name": .string("t"), "code": .string(Self.codeV1)]))
            #expect(first.status == 201)
            let before = try await server.store.auditEventCount()
            let duplicate = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: op,
                body: .object(["name": .string("t"), "code": .string(Self.codeV1)]))
            #expect(duplicate.status == 409)
            #expect(duplicate.errorCode == "conflict")
            let badImport = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: op,
                body: .object([
                    "name": .string("u"),
                    "code": .string("import os\nimport socket, json\ndef main():\n    return 1\n"),
                ]))
            #expect(badImport.status == 422)
            #expect(badImport.errorCode == "invalid_code")
            #expect(badImport.json.errorMessage?.contains("os") == true)
            #expect(badImport.json.errorMessage?.contains("socket") == true)
            let syntax = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: op,
                body: .object(["name": .string("v"), "code": .string("def main(:\n    pass\n")]))
            #expect(syntax.status == 422)
            #expect(syntax.json.errorMessage?.contains("line 1") == true)
            let noMain = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: op,
                body: .object(["name": .string("w"), "code": .string("def helper():\n    return 1\n")]))
            #expect(noMain.status == 422)
            #expect(try await server.store.auditEventCount() == before)
            let tools = try await client.request(.get, "/v1/tools?server_id=\(serverId)", key: op)
            #expect(tools["items"]?.arrayItems.count == 1)
        }
    }
}

extension JSONValue {
    var errorMessage: String? { objectValue?["error"]?.objectValue?["message"]?.stringValue }
}
