import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import Testing
import WardenAPI
import WardenDomain
import WardenSandbox
import WardenStore
import WardenTestSupport

@Suite
struct HardeningTests {
    @Test func securityHeadersAndRequestIdsOnEveryResponse() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            for reply in [
                try await client.request(.get, "/v1/servers", key: admin),
                try await client.request(.get, "/v1/servers"),
                try await client.request(.get, "/healthz"),
            ] {
                #expect(reply.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(reply.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(reply.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(reply.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(reply.headers[.cacheControl] == "no-store")
                #expect(reply.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            }
            let echoed = try await client.request(
                .get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(echoed.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            let forged = try await client.request(
                .get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "bad id\" level=error"])
            #expect(forged.headers[HTTPField.Name("X-Request-Id")!] != "bad id\" level=error")
        }
    }

    @Test func requestsPerKeyAreLimitedWith429AndRetryAfter() async throws {
        var limits = RateLimits()
        limits.requestsBurst = 5
        // One token per 100 s: a loaded machine cannot refill the bucket between the calls.
        limits.requestsPerSecond = 0.01
        let server = try await TestServer.make(rateLimits: limits)
        let agent = try await server.key(.agent)
        let other = try await server.key(.agent, name: "other")
        try await server.run { client in
            for _ in 0..<5 { #expect(try await client.request(.get, "/v1/tools", key: agent).status == 200) }
            let limited = try await client.request(.get, "/v1/tools", key: agent)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.request(.get, "/v1/tools", key: other).status == 200, "budgets are per identity")
        }
    }

    @Test func failedAuthenticationIsLimitedPerAddressBeforeItReachesTheAuditTrail() async throws {
        var limits = RateLimits()
        limits.authFailuresBurst = 3
        limits.authFailuresPerSecond = 0.01
        let server = try await TestServer.make(rateLimits: limits)
        let admin = try await server.key(.admin)
        try await server.run { client in
            let bogus = "wdn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            for _ in 0..<3 { #expect(try await client.request(.get, "/v1/tools", key: bogus).status == 401) }
            for _ in 0..<5 { #expect(try await client.request(.get, "/v1/tools", key: bogus).status == 429) }
            #expect(
                try await client.request(.get, "/v1/tools", key: admin).status == 429,
                "the address is refused until its budget refills")
            let failures = try await server.store.auditEvents(AuditFilter(type: "auth.failed"), after: nil, limit: 50)
                .items
            #expect(failures.count == 1, "one row per address and minute, however many failures")
        }
    }
}

@Suite
struct LoadTests {
    /// Many concurrent authenticated requests (each reads the key table) must all be answered:
    /// a blocking database read on the cooperative pool once deadlocked the server this way.
    @Test func concurrentRequestsAreAllAnswered() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let port = client.port
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        var request = HTTPClientRequest(
                            url: "http://127.0.0.1:\(port)/v1/\(n % 2 == 0 ? "servers" : "audit-events")")
                        request.headers.add(name: "Authorization", value: "Bearer \(admin)")
                        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code)
                    }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 }, "\(Set(statuses))")
        }
    }
}

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct MetricsTests {
    @Test func prometheusCountsRequestsAndExecutions() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let store = server.store
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"m"}"#).string("id"))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin,
                body: .object(["name": .string("t"), "code": .string("def main():\n    return 1\n")]))
            _ = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin, json: #"{"arguments":{}}"#)
            #expect(try await client.request(.get, "/metrics").status == 401, "metrics need a credential by default")
            let metrics = try await client.request(.get, "/metrics", key: admin)
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains("warden_executions_total{status=\"succeeded\"}"))
            #expect(metrics.body.contains("warden_execution_duration_seconds"))
            #expect(metrics.body.contains("warden_workers_active"))
            #expect(metrics.body.contains("hb_requests") || metrics.body.contains("http_server"))
            #expect(!metrics.body.contains(admin))
        }
    }
}

@Suite
struct CORSTests {
    @Test func onlyConfiguredOriginsGetCORS() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let allowed = try await client.request(
                .get, "/v1/servers", key: admin, headers: [.origin: "https://console.example"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://console.example")
            #expect(allowed.headers[.accessControlExposeHeaders]?.contains("Mcp-Session-Id") == true)
            let preflight = try await client.request(
                .options, "/v1/servers",
                headers: [.origin: "https://console.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == 204)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Cookie") == false)
            let foreign = try await client.request(
                .get, "/v1/servers", key: admin, headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            let foreignPreflight = try await client.request(
                .options, "/v1/servers",
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(foreignPreflight.headers[.accessControlAllowOrigin] == nil)
        }
    }
}

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct LogContentTests {
    /// Every log line of a busy session, at trace level, holds no key, token or secret value.
    @Test func logsCarryNoCredentialsOrSecrets() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let logs = LogCapture()
        let secret = "s3cret-\(UUID().uuidString)"
        let bogus = "wdn_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
        let token = try await server.run(logs: logs) { client in
            let token = try #require(
                try await client.request(.post, "/v1/auth/token", key: admin).string("access_token"))
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: token, json: #"{"name":"l"}"#).string("id"))
            _ = try await client.request(
                .put, "/v1/servers/\(serverId)/secrets/API_TOKEN", key: token, body: .object(["value": .string(secret)])
            )
            let code =
                "def main(password: str):\n    print(secrets['API_TOKEN'], password)\n    raise ValueError(secrets['API_TOKEN'])\n"
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": .string("t"), "code": .string(code)]))
            _ = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: token,
                body: .object(["arguments": .object(["password": .string(secret)])]))
            _ = try await client.request(.get, "/v1/tools", key: bogus)
            let created = try await client.request(
                .post, "/v1/api-keys", key: admin, json: #"{"name":"new","role":"agent"}"#)
            return (token, try #require(created.string("key")))
        }
        let text = logs.text
        #expect(text.contains("/v1/tools"), "the capture saw the requests")
        for value in [admin, token.0, token.1, secret, bogus] {
            #expect(!text.contains(value), "a credential or secret reached the log")
        }
    }
}

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct SandboxFailureMetricsTests {
    /// An execution that fails because no worker could start is still an execution: it is
    /// counted in warden_executions_total like any other.
    @Test func executionsThatFailInTheSandboxAreCounted() async throws {
        var server = try await TestServer.make(sandbox: .real)
        let shared = try #require(TestSandbox.shared)
        var broken = shared.configuration
        broken.launcherPath = "/nonexistent/warden-launcher"
        broken.warmWorkers = 0
        server.services.sandbox = Sandbox(
            configuration: broken, profile: shared.profile, logger: Logger(label: "broken"))
        let admin = try await server.key(.admin)
        let store = server.store
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"m"}"#).string("id"))
            // Submitting needs analysis in a worker: put the tool in the store directly.
            let tool = try await store.createTool(
                serverId: serverId,
                ToolDraft(
                    name: "t", description: "", code: "def main():\n    return 1\n",
                    inputSchema: .object(["type": "object"]), schemaExplicit: true), by: "test")
            _ = try await store.approveTool(id: tool.id, version: 1, note: nil, by: "test")
            func failedCount() async throws -> Double {
                let text = try await client.request(.get, "/metrics", key: admin).body
                let line = text.split(separator: "\n").first {
                    $0.hasPrefix("warden_executions_total{") && $0.contains("status=\"failed\"")
                }
                return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            }
            let before = try await failedCount()
            let run = try await client.request(.post, "/v1/tools/\(tool.id)/executions", key: admin, json: "{}")
            #expect(run.status == 503 && run.errorCode == "sandbox_unavailable", "\(run.body)")
            #expect(try await failedCount() == before + 1)
        }
    }
}
