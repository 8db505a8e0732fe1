import Foundation
import Logging
import Testing
import WardenAPI
import WardenDomain
import WardenSandbox
import WardenTestSupport

/// `/mcp` with the official SDK's client in each mode (handshake, auto, stateless 2026-07-28):
/// failures an agent can act on come back as tool results with `isError`; a cancelled call
/// frees its worker; `list_changed` comes for an approval and not for an execution.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct MCPModesTests {
    static let script = TestSandbox.repositoryRoot.appendingPathComponent("Tests/mcp/mcp_modes_check.py").path

    @Test func everyModeListsCallsAndReportsErrorsAsToolResults() async throws {
        guard let python = PythonClient.interpreter() else {
            if ProcessInfo.processInfo.environment["WARDEN_REQUIRE_MCP_CLIENT"] == "1" {
                Issue.record("the mcp Python package is required (scripts/test.sh installs it)")
            } else {
                print("SKIP MCP modes: no python3 with the mcp package; run scripts/test.sh")
            }
            return
        }
        var limits = RateLimits()
        limits.executionsBurst = 20
        limits.executionsPerSecond = 0.01
        var server = try await TestServer.make(sandbox: .real, rateLimits: limits)
        // One worker: a slow call that is not stopped would hold up the next one for seconds.
        let shared = try #require(TestSandbox.shared)
        var one = shared.configuration
        one.maxActiveWorkers = 1
        one.warmWorkers = 1
        one.uidBase = 260_000
        let sandbox = Sandbox(configuration: one, profile: shared.profile, logger: Logger(label: "mcp-modes"))
        try await sandbox.start()
        server.services.sandbox = sandbox
        let admin = try await server.key(.admin)
        let agent = try await server.key(.agent)
        try await server.run { client in
            let demo = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"demo"}"#).string("id"))
            let burst = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"burst"}"#).string("id"))
            for (name, code) in [
                ("greet", "def main(name: str):\n    return {'greeting': 'hello ' + name}\n"),
                ("explode", "def main():\n    raise RuntimeError('boom')\n"),
                ("sleepy", "import time\ndef main():\n    time.sleep(60)\n"),
            ] {
                _ = try await client.approvedTool(
                    server: demo, key: admin, body: .object(["name": .string(name), "code": .string(code)]))
            }
            _ = try await client.approvedTool(
                server: burst, key: admin, body: .object(["name": "tick", "code": "def main():\n    return 1\n"]))
            let pending = try #require(
                try await client.request(
                    .post, "/v1/servers/\(demo)/tools", key: admin,
                    body: .object(["name": "later", "code": "def main():\n    return 2\n"])
                ).string("id"))

            let output = try await PythonClient.run(
                python, script: Self.script, arguments: ["http://127.0.0.1:\(client.port)/mcp", agent, admin, pending])
            let report = try #require(output.objectValue)
            print("MCP modes report: \(JSONValue.object(report).encodedString())")

            for (mode, version) in [("legacy", "2025-11-25"), ("auto", "2026-07-28"), ("2026-07-28", "2026-07-28")] {
                let r = try #require(report[mode]?.objectValue, "\(mode)")
                #expect(r["protocol_version"] == .string(version), "\(mode)")
                #expect(
                    r["tools"] == .array(["burst__tick", "demo__explode", "demo__greet", "demo__sleepy"]), "\(mode)")
                #expect(r["ok"]?.objectValue?["is_error"] == .bool(false), "\(mode)")
                #expect(r["ok"]?.objectValue?["structured"] == .object(["greeting": "hello Bo"]), "\(mode)")
                #expect(r["raises"]?.objectValue?["is_error"] == .bool(true), "\(mode)")
                #expect(
                    r["raises"]?.objectValue?["text"]?.stringValue?.contains("RuntimeError: boom") == true, "\(mode)")
                #expect(
                    r["raises"]?.objectValue?["meta"]?.objectValue?["io.warden/execution_id"]?.stringValue?.hasPrefix(
                        "exe") == true, "\(mode)")
                #expect(r["bad_args"]?.objectValue?["is_error"] == .bool(true), "\(mode)")
                #expect(r["bad_args"]?.objectValue?["text"]?.stringValue?.contains("must be string") == true, "\(mode)")
                #expect(r["unknown"]?.objectValue?["is_error"] == .bool(true), "\(mode)")
                #expect(
                    r["unknown"]?.objectValue?["text"]?.stringValue?.contains("unknown tool demo__nope") == true,
                    "\(mode)")
                #expect(r["rate_limited"]?.objectValue?["is_error"] == .bool(true), "\(mode)")
                #expect(
                    r["rate_limited"]?.objectValue?["meta"]?.objectValue?["io.warden/error"] == "rate_limited",
                    "\(mode)")
            }
            for key in ["cancel_legacy", "cancel_modern"] {
                let r = try #require(report[key]?.objectValue, "\(key)")
                #expect(r["next_ok"] == .bool(true), "\(key): \(r)")
                guard case .double(let seconds)? = r["next_call_s"] else {
                    Issue.record("\(key): no timing \(r)")
                    continue
                }
                #expect(seconds < 3, "\(key): the call after a cancelled one waited \(seconds) s for the worker")
            }
            let n = try #require(report["notifications"]?.objectValue)
            #expect(n["rest_execution_status"] == .int(200))
            #expect(
                n["after_execution"] == .object(["legacy": .int(0), "modern": .int(0)]),
                "an execution changes no tool list")
            #expect(n["approve_status"] == .int(200))
            #expect(
                n["after_approval"] == .object(["legacy": .int(1), "modern": .int(1)]), "one approval, one notification"
            )
            #expect(n["tools_after"]?.strings.contains("demo__later") == true)

            let cancelled = try await client.request(.get, "/v1/executions?status=cancelled", key: admin)
            #expect(
                cancelled["items"]?.arrayItems.count == 2,
                "both cancelled calls are recorded as cancelled: \(cancelled.body)")
        }
        await sandbox.shutdown()
    }
}
