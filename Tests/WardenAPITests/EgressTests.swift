import AsyncHTTPClient
import Foundation
import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

/// Real tools in real workers reaching real HTTP servers on loopback through the egress proxy.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct EgressTests {
    static let fetch = """
        def main(url: str, auth: bool = False):
            headers = {'Authorization': 'Bearer ' + secrets['UPSTREAM_TOKEN']} if auth else {}
            try:
                r = http.get(url, headers=headers)
            except http.EgressError as e:
                return {'refused': str(e)}
            return {'status': r.status, 'location': r.headers.get('location'), 'truncated': r.truncated,
                    'length': len(r.text), 'body': r.text[:2000] if r.status == 200 and len(r.text) < 5000 else ''}
        """

    /// Starts the origin and canary servers; returns their ports and a way to stop them.
    static func startServers() throws -> (origin: Int, canary: Int, stop: () -> Void) {
        let helper = try HelperProcess.start("Tests/egress/test_servers.py")
        return (try helper.port("origin"), try helper.port("canary"), helper.stop)
    }

    static func get(_ url: String) async throws -> JSONValue {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return try JSONValue.decode(String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func allowlistRedirectsSizeAndRecords() async throws {
        let (origin, canary, stop) = try Self.startServers()
        defer { stop() }
        let server = try await TestServer.make(sandbox: .real, allowLoopbackEgress: true)
        let admin = try await server.key(.admin)
        let secret = "upstream-\(UUID().uuidString)"
        try await server.run { client in
            let serverId = try #require(
                try await client.request(
                    .post, "/v1/servers", key: admin,
                    body: .object(["name": .string("net"), "allowed_hosts": .array([.string("127.0.0.1:\(origin)")])])
                ).string("id"))
            _ = try await client.request(
                .put, "/v1/servers/\(serverId)/secrets/UPSTREAM_TOKEN", key: admin,
                body: .object(["value": .string(secret)]))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": .string("fetch"), "code": .string(Self.fetch)]))
            func run(_ url: String, auth: Bool = false) async throws -> [String: JSONValue] {
                let reply = try await client.request(
                    .post, "/v1/tools/\(toolId)/executions", key: admin,
                    body: .object(["arguments": .object(["url": .string(url), "auth": .bool(auth)])]))
                #expect(reply.string("status") == "succeeded", "\(reply.body)")
                #expect(!reply.body.contains(secret))
                return reply["result"]?.objectValue ?? [:]
            }

            let ok = try await run("http://127.0.0.1:\(origin)/ok", auth: true)
            #expect(ok["status"] == .int(200))
            #expect(
                ok["body"]?.stringValue?.contains("[REDACTED]") == true,
                "the upstream echoed the token; the log and reply redact it")

            let redirect = try await run("http://127.0.0.1:\(origin)/redirect")
            #expect(redirect["status"] == .int(302))
            #expect(redirect["location"]?.stringValue?.hasSuffix("/canary") == true)
            #expect(
                try await Self.get("http://127.0.0.1:\(canary)/_hits").objectValue?["hits"] == .array([]),
                "a redirect is never followed")

            let big = try await run("http://127.0.0.1:\(origin)/big")
            #expect(big["truncated"] == .bool(true))
            #expect(big["length"] == .int(1 << 20))

            let outside = try await run("http://127.0.0.1:\(canary)/canary")
            #expect(outside["refused"]?.stringValue?.contains("not in this server's allowed_hosts") == true)
            let otherScheme = try await run("file:///etc/passwd")
            #expect(otherScheme["refused"]?.stringValue?.contains("only http and https") == true)
            #expect(try await Self.get("http://127.0.0.1:\(canary)/_hits").objectValue?["hits"] == .array([]))

            let log = try await client.request(.get, "/v1/executions?tool_id=\(toolId)&limit=10", key: admin)
            #expect(!log.body.contains(secret))
            let first = try #require(
                log["items"]?.arrayItems.last?.objectValue?["egress"]?.arrayItems.first?.objectValue)
            #expect(first["method"] == .string("GET"))
            #expect(first["host"] == .string("127.0.0.1"))
            #expect(first["status"] == .int(200))
            #expect(first["headers"] == nil)
        }
    }

    @Test func privateAndLoopbackAddressesAreRefusedByDefault() async throws {
        let (origin, _, stop) = try Self.startServers()
        defer { stop() }
        let server = try await TestServer.make(sandbox: .real, allowLoopbackEgress: false)
        let admin = try await server.key(.admin)
        try await server.run { client in
            let hosts: [JSONValue] = [
                .string("127.0.0.1:\(origin)"), .string("localhost:\(origin)"), .string("169.254.169.254"),
                .string("10.0.0.1"),
            ]
            let serverId = try #require(
                try await client.request(
                    .post, "/v1/servers", key: admin,
                    body: .object(["name": .string("net"), "allowed_hosts": .array(hosts)])
                ).string("id"))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": .string("fetch"), "code": .string(Self.fetch)]))
            let cases = [
                ("http://127.0.0.1:\(origin)/ok", "loopback"), ("http://localhost:\(origin)/ok", "loopback"),
                ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://10.0.0.1/", "private"),
            ]
            for (url, why) in cases {
                let reply = try await client.request(
                    .post, "/v1/tools/\(toolId)/executions", key: admin,
                    body: .object(["arguments": .object(["url": .string(url)])]))
                let refused = reply["result"]?.objectValue?["refused"]?.stringValue ?? ""
                #expect(refused.contains(why), "\(url): \(reply.body)")
            }
            #expect(try await Self.get("http://127.0.0.1:\(origin)/_hits").objectValue?["served"] == .int(0))
        }
    }

    /// A tool that asks for a large body and never reads the answer cannot hold the worker past
    /// its wall clock.
    @Test func aWorkerThatStopsReadingStillTimesOut() async throws {
        let (origin, _, stop) = try Self.startServers()
        defer { stop() }
        let server = try await TestServer.make(sandbox: .real, allowLoopbackEgress: true)
        let admin = try await server.key(.admin)
        let code = """
            import json, time
            def _builtin(name):
                for c in object.__subclasses__():
                    if c.__name__ == "BuiltinImporter":
                        return c.load_module(name)
            def main(url: str):
                posix = _builtin("posix")
                body = json.dumps({"method": "GET", "url": url, "headers": {}, "body": None}).encode()
                posix.write(5, len(body).to_bytes(4, "big") + body)
                time.sleep(60)
            """
        try await server.run { client in
            let serverId = try #require(
                try await client.request(
                    .post, "/v1/servers", key: admin,
                    body: .object(["name": .string("net"), "allowed_hosts": .array([.string("127.0.0.1:\(origin)")])])
                ).string("id"))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin,
                body: .object([
                    "name": .string("stall"), "code": .string(code),
                    "input_schema": .object(["type": .string("object")]),
                ]))
            let start = ContinuousClock.now
            let reply = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin,
                body: .object(["arguments": .object(["url": .string("http://127.0.0.1:\(origin)/big")])]))
            #expect(reply.string("status") == "timeout", "\(reply.body)")
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    /// Headers at once, then a byte every half second: each read is quick, the whole is not.
    /// The request's time limit covers the body too, so the tool hears "timed out" in time.
    @Test func aTrickledBodyCannotOutlastTheRequestsTimeLimit() async throws {
        let (origin, _, stop) = try Self.startServers()
        defer { stop() }
        let server = try await TestServer.make(sandbox: .real, allowLoopbackEgress: true)
        let admin = try await server.key(.admin)
        let code =
            "def main(url: str):\n    try:\n        return {'body': len(http.get(url, timeout=2).text)}\n    except Exception as e:\n        return {'refused': str(e)}\n"
        try await server.run { client in
            let serverId = try #require(
                try await client.request(
                    .post, "/v1/servers", key: admin,
                    body: .object(["name": "net", "allowed_hosts": .array([.string("127.0.0.1:\(origin)")])])
                ).string("id"))
            let toolId = try await client.approvedTool(
                server: serverId, key: admin, body: .object(["name": "trickle", "code": .string(code)]))
            let start = ContinuousClock.now
            let reply = try await client.request(
                .post, "/v1/tools/\(toolId)/executions", key: admin,
                body: .object(["arguments": .object(["url": .string("http://127.0.0.1:\(origin)/trickle")])]))
            let elapsed = ContinuousClock.now - start
            #expect(reply.string("status") == "succeeded", "\(reply.body)")
            #expect(
                reply["result"]?.objectValue?["refused"]?.stringValue?.contains("timed out") == true, "\(reply.body)")
            // The trickle would take 60 s; 2 s plus starting a worker on a loaded machine is far less.
            #expect(elapsed < .seconds(20), "the 2 s limit held the whole request: \(elapsed)")
        }
    }
}
