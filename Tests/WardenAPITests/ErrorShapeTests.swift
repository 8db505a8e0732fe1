import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

/// Bad input gets the contract's error code and a message a person can act on, never a 500.
@Suite
struct ErrorShapeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var status: Int
        var code: String
        var mentions: String
        var testDescription: String { "\(method) \(path) \(body?.prefix(40) ?? "") → \(status)" }
    }

    static let cases: [Case] = [
        Case(
            method: .post, path: "/v1/servers", body: "{not json", status: 400, code: "invalid_request",
            mentions: "not valid JSON"),
        Case(method: .post, path: "/v1/servers", body: "", status: 400, code: "invalid_request", mentions: "empty"),
        Case(
            method: .post, path: "/v1/servers", body: "[1,2]", status: 400, code: "invalid_request",
            mentions: "JSON object"),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":5}"#, status: 400, code: "invalid_request",
            mentions: "\"name\" must be a string"),
        Case(
            method: .post, path: "/v1/servers", body: #"{"description":"x"}"#, status: 400, code: "invalid_request",
            mentions: "missing field \"name\""),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":"Bad Name"}"#, status: 400, code: "invalid_request",
            mentions: "^[a-z]"),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":"ok","colour":"red"}"#, status: 400,
            code: "invalid_request", mentions: "unknown field \"colour\""),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":"ok","allowed_hosts":["http://x"]}"#, status: 400,
            code: "invalid_request", mentions: "allowed_hosts"),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":"ok","allowed_hosts":"x"}"#, status: 400,
            code: "invalid_request", mentions: "allowed_hosts"),
        Case(
            method: .post, path: "/v1/servers", body: #"{"name":""# + String(repeating: "a", count: 1_100_000) + #""}"#,
            status: 413, code: "payload_too_large", mentions: "larger than"),
        Case(
            method: .get, path: "/v1/servers/srv_nope", body: nil, status: 404, code: "not_found", mentions: "srv_nope"),
        Case(
            method: .get, path: "/v1/tools/tool_nope", body: nil, status: 404, code: "not_found", mentions: "tool_nope"),
        Case(
            method: .get, path: "/v1/tools?approval_status=maybe", body: nil, status: 400, code: "invalid_request",
            mentions: "pending_review"),
        Case(
            method: .get, path: "/v1/tools?limit=0", body: nil, status: 400, code: "invalid_request", mentions: "limit"),
        Case(
            method: .get, path: "/v1/tools?limit=501", body: nil, status: 400, code: "invalid_request", mentions: "500"),
        Case(
            method: .get, path: "/v1/tools?cursor=garbage", body: nil, status: 400, code: "invalid_request",
            mentions: "cursor"),
        Case(
            method: .get, path: "/v1/tools?colour=red", body: nil, status: 400, code: "invalid_request",
            mentions: "colour"),
        Case(
            method: .get, path: "/v1/audit-events?since=yesterday", body: nil, status: 400, code: "invalid_request",
            mentions: "RFC 3339"),
        Case(method: .get, path: "/v1/nowhere", body: nil, status: 404, code: "not_found", mentions: "endpoint"),
        Case(
            method: .post, path: "/v1/api-keys", body: #"{"name":"k","role":"root"}"#, status: 400,
            code: "invalid_request", mentions: "auditor"),
        Case(
            method: .post, path: "/v1/tools/tool_nope/approve", body: #"{"version":"one"}"#, status: 400,
            code: "invalid_request", mentions: "integer"),
        Case(
            method: .post, path: "/v1/tools/tool_nope/approve", body: #"{"version":1}"#, status: 404, code: "not_found",
            mentions: "tool_nope"),
    ]

    @Test(arguments: cases)
    func refusedInTheContractShape(_ c: Case) async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let reply = try await client.request(c.method, c.path, key: admin, json: c.body)
            #expect(reply.status == c.status, "\(reply.body)")
            #expect(reply.errorCode == c.code)
            #expect(reply.json.errorMessage?.contains(c.mentions) == true, "\(reply.body)")
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces")) func toolInputErrors() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"s"}"#).string("id"))
            let big = String(repeating: "# filler\n", count: 32_000) + "def main():\n    return 1\n"
            let tooBig = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: admin,
                body: .object(["name": .string("big"), "code": .string(big)]))
            #expect(tooBig.status == 413)
            #expect(tooBig.errorCode == "payload_too_large")

            let code = "def main(city: str, days: int = 3):\n    return {'city': city}\n"
            let toolId = try #require(
                try await client.request(
                    .post, "/v1/servers/\(serverId)/tools", key: admin,
                    body: .object(["name": .string("t"), "code": .string(code)])
                ).string("id"))
            #expect(
                try await client.request(.post, "/v1/tools/\(toolId)/approve", key: admin, json: #"{"version":1}"#)
                    .status == 200)
            let wrongType = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{"city":1}}"#)
            #expect(wrongType.status == 422)
            #expect(wrongType.errorCode == "invalid_arguments")
            #expect(wrongType.json.errorMessage?.contains("arguments.city must be string") == true)
            let missing = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{}}"#)
            #expect(missing.json.errorMessage?.contains("arguments.city is required") == true)
            let extra = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{"city":"x","weeks":1}}"#)
            #expect(extra.status == 422)
            let nonObject = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":[1]}"#)
            #expect(nonObject.status == 422)
            let badReject = try await client.request(
                .post, "/v1/tools/\(toolId)/reject", key: admin, json: #"{"version":1,"reason":"  "}"#)
            #expect(badReject.status == 400)
            let badSchema = try await client.request(
                .patch, "/v1/tools/\(toolId)", key: admin, json: #"{"input_schema":{"type":"string"}}"#)
            #expect(badSchema.status == 400)
            let still = try await client.request(.get, "/v1/tools/\(toolId)", key: admin)
            #expect(still.string("approval_status") == "approved")
            #expect(still["current_version"] == .int(1))
        }
    }
}

@Suite
struct PaginationTests {
    @Test func pagesCoverEverythingOnceInOrder() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            var created: [String] = []
            for i in 0..<7 {
                created.append(
                    try #require(
                        try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"s\#(i)"}"#).string(
                            "id")))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/v1/servers?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await client.request(.get, path, key: admin)
                seen += reply["items"]?.arrayItems.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
                cursor = reply.string("next_cursor")
                pages += 1
                if pages == 1 {
                    // Rows added after the first page appear on a later page, never twice.
                    created.append(
                        try #require(
                            try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"late"}"#)
                                .string("id")))
                }
            } while cursor != nil && pages < 10
            #expect(seen == created)
            #expect(pages == 3)
            let defaultPage = try await client.request(.get, "/v1/servers", key: admin)
            #expect(defaultPage["next_cursor"] == .null)
        }
    }
}

@Suite
struct KeyOrderTests {
    /// The same answer reads the same every time: keys come sorted, nested objects too.
    @Test func responsesHaveSortedKeys() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let created = try await client.request(
                .post, "/v1/servers", key: admin, json: #"{"name":"sorted","allowed_hosts":["b.example"]}"#)
            let again = try await client.request(.get, "/v1/servers/\(created.string("id") ?? "")", key: admin)
            #expect(created.body == again.body)
            let keys = ["allowed_hosts", "created_at", "description", "id", "name", "updated_at"]
            let positions = keys.compactMap { again.body.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == keys.count && positions == positions.sorted(), "\(again.body)")
        }
    }
}
