import Foundation
import HTTPTypes
import Testing
import WardenAPI
import WardenDomain
import WardenTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The cost budget at the HTTP door (docs/design.md, "Cost budget"): slow or many connections,
/// schemas past their bounds, validation counted against the execution limit, and valid
/// credentials never charged to the failed-authentication budget.
@Suite
struct CostBoundTests {
    /// A raw loopback connection, for clients no HTTP library would be.
    struct RawConnection: Sendable {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw FixtureFailure("connect failed: \(errno)") }
        }

        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        }

        /// Blocking waits run on a thread of their own: on Swift's cooperative pool (two threads on
        /// two cores) two of them would starve the server under test.
        static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: work()) }.start()
            }
        }

        func secondsUntilClosed(within limit: Double) async -> Double? {
            await Self.offPool { [self] in blockingSecondsUntilClosed(within: limit) }
        }

        func firstLine(within limit: Double) async -> String? {
            await Self.offPool { [self] in blockingFirstLine(within: limit) }
        }

        /// Seconds until the server closed the connection (reading and dropping what it sent), or nil.
        func blockingSecondsUntilClosed(within limit: Double) -> Double? {
            let start = Date()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date().timeIntervalSince(start) < limit {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 100) > 0 else { continue }
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { return Date().timeIntervalSince(start) }
            }
            return nil
        }

        /// The first line the server sends, if it sends one in time.
        func blockingFirstLine(within limit: Double) -> String? {
            let start = Date()
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date().timeIntervalSince(start) < limit, !received.contains(UInt8(ascii: "\n")) {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 100) > 0 else { continue }
                let n = read(fd, &buffer, buffer.count)
                guard n > 0 else { break }
                received += buffer[0..<n]
            }
            return String(decoding: received, as: UTF8.self).split(separator: "\r\n").first.map(String.init)
        }

        func close() { _ = Glibc.close(fd) }
    }

    @Test func aRequestHeadOrBodyThatTricklesIsCutOff() async throws {
        var server = try await TestServer.make()
        server.services.connectionLimits.headerTimeout = .seconds(1)
        server.services.connectionLimits.bodyTimeout = .seconds(1)
        try await server.run { client in
            let head = try RawConnection(port: client.port)
            defer { head.close() }
            head.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            let body = try RawConnection(port: client.port)
            defer { body.close() }
            body.send("POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"")
            let headClosed = await head.secondsUntilClosed(within: 8)
            let bodyClosed = await body.secondsUntilClosed(within: 8)
            #expect(headClosed != nil, "a half-sent head held its connection for 8 s")
            #expect(bodyClosed != nil, "a half-sent body held its connection for 8 s")
            // A whole request on a fresh connection is still answered.
            let whole = try RawConnection(port: client.port)
            defer { whole.close() }
            whole.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await whole.firstLine(within: 5)?.hasPrefix("HTTP/1.1 200") == true)
        }
    }

    /// An answer that comes before the body (a 401) must not leave the connection without a timer.
    @Test func aBodyFinishedAfterAnEarlyAnswerStillTimesOutIdle() async throws {
        var server = try await TestServer.make()
        server.services.connectionLimits.idleTimeout = .seconds(1)
        server.services.connectionLimits.bodyTimeout = .seconds(30)
        try await server.run { client in
            let connection = try RawConnection(port: client.port)
            defer { connection.close() }
            connection.send("POST /v1/tools HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n")
            #expect(await connection.firstLine(within: 5)?.hasPrefix("HTTP/1.1 401") == true)
            connection.send("x")
            #expect(await connection.secondsUntilClosed(within: 8) != nil, "the connection was held with no timer")
        }
    }

    @Test func connectionsPastThePerAddressCapAreClosed() async throws {
        var server = try await TestServer.make()
        server.services.connectionLimits.maxConnectionsPerAddress = 4
        try await server.run { client in
            // Eight idle connections from one address: the cap keeps four (fewer if the test
            // client holds some), and closes the rest at once.
            let connections = try (0..<8).map { _ in try RawConnection(port: client.port) }
            defer { connections.forEach { $0.close() } }
            var closed = 0
            for connection in connections where await connection.secondsUntilClosed(within: 1.5) != nil {
                closed += 1
            }
            #expect(closed >= 4, "\(closed) of eight idle connections from one address were closed")
        }
    }

    @Test func aSchemaPastItsBoundsIsRefusedWith422() async throws {
        let server = try await TestServer.make()
        let operatorKey = try await server.key(.operator)
        try await server.run { client in
            let created = try await client.request(.post, "/v1/servers", key: operatorKey, body: .object(["name": "s"]))
            let serverId = try #require(created.string("id"))
            let wide = JSONValue.object(["type": "object", "enum": .array((0..<20_000).map { .int($0) })])
            let refused = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: operatorKey,
                body: .object(["name": "t", "code": "def main(x):\n    return x\n", "input_schema": wide]))
            #expect(refused.status == 422)
            #expect(refused.errorCode == "invalid_schema")
            #expect(refused.body.contains("the limit is 65536"), "\(refused.body)")
        }
    }

    @Test func testRunsAreCountedAgainstTheExecutionLimitBeforeValidation() async throws {
        var limits = RateLimits()
        limits.executionsBurst = 2
        limits.executionsPerSecond = 0.01
        let server = try await TestServer.make(rateLimits: limits)
        let agent = try await server.key(.agent)
        try await server.run { client in
            let created = try await client.request(
                .post, "/v1/servers", key: try await server.key(.operator), body: .object(["name": "s"]))
            let serverId = try #require(created.string("id"))
            let tool = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: agent,
                body: .object([
                    "name": "t", "code": "def main(x):\n    return x\n",
                    "input_schema": .object([
                        "type": "object", "properties": .object(["x": .object(["type": "integer"])]),
                    ]),
                ]))
            let toolId = try #require(tool.string("id"))
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(
                    try await client.request(
                        .post, "/v1/tools/\(toolId)/versions/1/test-run", key: agent,
                        body: .object(["arguments": .object(["x": "not a number"])])
                    ).status)
            }
            #expect(statuses == [422, 422, 429], "\(statuses)")
        }
    }

    @Test func manyValidRequestsAtOnceFromOneAddressAreNeverTakenForGuesses() async throws {
        var limits = RateLimits()
        limits.authFailuresBurst = 3
        limits.authFailuresPerSecond = 0.01
        let server = try await TestServer.make(rateLimits: limits)
        let agent = try await server.key(.agent)
        try await server.run { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<60 { group.addTask { try await client.request(.get, "/v1/tools", key: agent).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 429 }.isEmpty, "\(statuses.filter { $0 != 200 })")
            // Failures are still charged: the fourth wrong key from the address is limited.
            var failures: [Int] = []
            for _ in 0..<4 {
                failures.append(try await client.request(.get, "/v1/tools", key: "wdn_nonsense").status)
            }
            #expect(failures == [401, 401, 401, 429], "\(failures)")
        }
    }

    @Test(arguments: TestDatabase.all) func aNULInStoredTextIsRefusedAtTheDoorAndInOutputIsMadeStorable(
        _ database: TestDatabase
    ) async throws {
        let fake = FakeSandbox { _, _ in
            ExecutionOutcome(
                status: .failed, error: ExecutionError(type: "Boom\u{0}", message: "bad\u{0}thing"),
                stdout: "a\u{0}b", durationMs: 1)
        }
        let server = try await TestServer.make(sandbox: .fake(fake), database: database)
        let operatorKey = try await server.key(.operator)
        let agent = try await server.key(.agent)
        try await server.run { client in
            let created = try await client.request(.post, "/v1/servers", key: operatorKey, body: .object(["name": "s"]))
            let serverId = try #require(created.string("id"))
            let refused = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: agent,
                body: .object(["name": "t", "description": "a\u{0}b", "code": "def main(x):\n    return x\n"]))
            #expect(refused.status == 400, "\(refused.body)")
            #expect(refused.body.contains("NUL"), "\(refused.body)")
            let tool = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: agent,
                body: .object(["name": "t", "code": "def main(x):\n    return x\n"]))
            let toolId = try #require(tool.string("id"))
            // Arguments are stored as escaped JSON: a NUL there is kept.
            let run = try await client.request(
                .post, "/v1/tools/\(toolId)/versions/1/test-run", key: agent,
                body: .object(["arguments": .object(["x": "n\u{0}ul"])]))
            #expect(run.status == 200, "\(run.body)")
            let id = try #require(run.string("id"))
            let stored = try await client.request(.get, "/v1/executions/\(id)", key: try await server.key(.auditor))
            #expect(stored.string("status") == "failed", "\(stored.body)")
            #expect(stored.string("stdout") == "a\u{FFFD}b")
            #expect(stored["error"]?.objectValue?["message"] == "bad\u{FFFD}thing")
            #expect(stored["arguments"]?.objectValue?["x"] == "n\u{0}ul")
        }
    }

    @Test func consolePagesCountAgainstTheSameBudgetAsREST() async throws {
        var limits = RateLimits()
        limits.requestsBurst = 4
        limits.requestsPerSecond = 0.01
        let server = try await TestServer.make(rateLimits: limits)
        let auditor = try await server.key(.auditor)
        try await server.run { client in
            // Sign-in itself loads the queue once; then the chain check, a costly page, again and again.
            let (cookie, csrf) = try await ConsoleTests.signIn(client, key: auditor)
            var statuses: [Int] = []
            for _ in 0..<5 {
                statuses.append(
                    try await client.form(.post, "/ui/audit/verify", cookie: cookie, fields: ["csrf": csrf]).status)
            }
            #expect(statuses.contains(429), "\(statuses)")
            #expect(try await client.request(.get, "/v1/audit-events", key: auditor).status == 429)
        }
    }

    @Test(arguments: TestDatabase.all) func aNULInAQueryIsRefusedAtTheDoor(_ database: TestDatabase) async throws {
        let server = try await TestServer.make(database: database)
        let auditor = try await server.key(.auditor)
        let agent = try await server.key(.agent)
        try await server.run { client in
            for path in ["/v1/executions?caller=%00", "/v1/audit-events?actor=a%00b"] {
                let refused = try await client.request(.get, path, key: auditor)
                #expect(refused.status == 400 && refused.body.contains("NUL"), "\(path): \(refused.body)")
            }
            let mcp = try await client.request(
                .post, "/mcp?server=%00", key: agent, json: MCPTests.initialize, headers: MCPTests.headers())
            #expect(mcp.status == 400, "\(mcp.body)")
        }
    }
}
