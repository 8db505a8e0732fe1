import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

@Suite
struct AuthenticationTests {
    @Test(arguments: [
        nil, "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Bearer not-a-key", "Token wdn_x",
        "Bearer wdn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ])
    func badCredentialsAre401(_ header: String?) async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            var headers: HTTPFields = [:]
            if let header { headers[.authorization] = header }
            let reply = try await client.request(.get, "/v1/servers", headers: headers)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "unauthorized")
            #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    @Test func expiredKeyIsRefusedOnTheNextRequest() async throws {
        let server = try await TestServer.make()
        let key = try await server.key(.agent, expiresIn: 8)
        let created = ContinuousClock.now
        try await server.run { client in
            #expect(try await client.request(.get, "/v1/servers", key: key).status == 200)
            try await Task.sleep(until: created + .milliseconds(8100))
            let reply = try await client.request(.get, "/v1/servers", key: key)
            #expect(reply.status == 401)
            #expect(reply.json.errorMessage == "API key expired")
        }
    }

    @Test func revokedKeyIsRefusedOnTheNextRequest() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let created = try await client.request(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"temp","role":"agent"}"#)
            #expect(created.status == 201)
            let key = try #require(created.string("key"))
            let id = try #require(created.string("id"))
            #expect(try await client.request(.get, "/v1/tools", key: key).status == 200)
            let listed = try await client.request(.get, "/v1/api-keys", key: admin)
            #expect(!listed.body.contains(key), "a listing must never show a key")
            #expect(try await client.request(.delete, "/v1/api-keys/\(id)", key: admin).status == 204)
            let refused = try await client.request(.get, "/v1/tools", key: key)
            #expect(refused.status == 401)
            #expect(refused.json.errorMessage == "API key revoked")
            #expect(try await client.request(.delete, "/v1/api-keys/\(id)", key: admin).status == 409)
            let failures = try await client.request(.get, "/v1/audit-events?type=auth.failed", key: admin)
            #expect(failures["items"]?.arrayItems.isEmpty == false)
        }
    }

    @Test func healthNeedsNoKey() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            #expect(try await client.request(.get, "/healthz").status == 200)
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")
            #expect(ready.string("sandbox") == "ok")
            #expect(ready.string("database_kind") == "sqlite")
            let node = ready.json.objectValue?["node"]?.objectValue
            #expect(node?["id"]?.stringValue == server.store.nodeId)
            #expect(node?["lease"]?.stringValue == "held")
        }
    }

    /// A node whose lease lapsed (it could not renew) says so and is not ready: other nodes may
    /// already have interrupted its executions.
    @Test func aLapsedLeaseIsNotReady() async throws {
        let server = try await TestServer.make()
        try await server.store.renewLease(seconds: -1)
        try await server.run { client in
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == 503, "\(ready.body)")
            #expect(ready.json.objectValue?["node"]?.objectValue?["lease"]?.stringValue == "lost")
        }
    }
}
