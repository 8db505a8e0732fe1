import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore
import Prometheus
import WardenAPI
import WardenDomain
import WardenSandbox
import WardenStore

/// A real Warden on loopback with a fresh SQLite file in a temporary folder.
public struct TestServer: Sendable {
    public let store: Store
    public var services: WardenServices
    public let dataDirectory: URL

    public static let sessionSecret = RandomBytes.make(32)

    /// swift-metrics can be bootstrapped once per process: every test server shares this registry.
    public static let metrics: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Which sandbox sits at the seam: the in-process fake (no root needed; for tests that run
    /// no tool code), or the real confined one.
    public enum SandboxKind: Sendable {
        case fake(FakeSandbox = FakeSandbox())
        case real
    }

    public static func make(
        sandbox kind: SandboxKind = .fake(), allowLoopbackEgress: Bool = false, rateLimits: RateLimits = RateLimits(),
        sessionLifetime: Int = 900, database: TestDatabase = .sqlite
    ) async throws -> TestServer {
        let sandbox: any ToolSandbox
        switch kind {
        case .fake(let fake): sandbox = fake
        case .real:
            guard let real = TestSandbox.shared else {
                throw SandboxUnavailable("the real sandbox is unavailable on this machine")
            }
            sandbox = real
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "warden-data-\(UUID().uuidString)")
        let store =
            database == .sqlite
            ? try Store.open(
                dataDirectory: directory,
                migrationsDirectory: TestSandbox.repositoryRoot.appendingPathComponent("migrations"),
                signer: AuditSigner(keyBytes: RandomBytes.make(32)))
            : try await TestStore.make(.postgresql).store
        try await store.renewLease(seconds: 3600)
        var services = WardenServices(
            store: store, sandbox: sandbox, secretBox: SecretBox(currentKey: RandomBytes.make(32)),
            sessions: await SessionTokens(secret: sessionSecret, lifetime: sessionLifetime))
        services.egressSettings.allowLoopback = allowLoopbackEgress
        services.rateLimits = rateLimits
        services.metricsRegistry = metrics
        services.corsOrigins = ["https://console.example"]
        services.console = try await Console.load(from: TestSandbox.repositoryRoot.appendingPathComponent("console"))
        return TestServer(store: store, services: services, dataDirectory: directory)
    }

    public func key(_ role: Role, name: String? = nil, expiresIn: Int? = nil) async throws -> String {
        try await store.createAPIKey(name: name ?? role.rawValue, role: role, expiresInSeconds: expiresIn, by: "test")
            .key!
    }

    /// Runs `body` against the server listening on a loopback port.
    public func run<T: Sendable>(logs: LogCapture? = nil, _ body: @escaping @Sendable (Client) async throws -> T)
        async throws -> T
    {
        var logger =
            logs.map { capture in Logger(label: "warden-test") { _ in capture.handler() } }
            ?? Logger(label: "warden-test")
        logger.logLevel = logs == nil ? .warning : .trace
        let app = Application(
            router: WardenApplication.router(services), server: WardenApplication.http1(services.connectionLimits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        return try await app.test(.live) { client in try await body(Client(client: client)) }
    }

    /// A small JSON client over the test framework's HTTP client.
    public struct Client: Sendable {
        let client: any TestClientProtocol

        /// The loopback port the server listens on.
        public var port: Int { client.port ?? 0 }

        public func request(
            _ method: HTTPRequest.Method, _ path: String, key: String? = nil, json: String? = nil,
            headers extra: HTTPFields = [:]
        ) async throws -> Reply {
            var headers = extra
            if let key { headers[.authorization] = "Bearer \(key)" }
            if json != nil { headers[.contentType] = "application/json" }
            let response = try await client.execute(
                uri: path, method: method, headers: headers,
                body: json.map { ByteBuffer(string: $0) })
            return Reply(
                status: Int(response.status.code), headers: response.headers,
                body: String(buffer: response.body))
        }

        /// A browser-style form post (and any GET) with a cookie, as the console sees them.
        public func form(
            _ method: HTTPRequest.Method, _ path: String, cookie: String?, fields: [String: String] = [:],
            headers extra: HTTPFields = [:]
        ) async throws -> Reply {
            var headers = extra
            if let cookie { headers[.cookie] = cookie }
            var body: ByteBuffer?
            if method == .post {
                headers[.contentType] = "application/x-www-form-urlencoded"
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                body = ByteBuffer(
                    string: fields.map {
                        "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
                    }
                    .joined(separator: "&"))
            }
            let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
            return Reply(
                status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        }

        public func request(_ method: HTTPRequest.Method, _ path: String, key: String? = nil, body: JSONValue)
            async throws -> Reply
        {
            try await request(method, path, key: key, json: body.encodedString())
        }
    }

    public struct Reply: Sendable {
        public let status: Int
        public let headers: HTTPFields
        public let body: String

        public var json: JSONValue { (try? JSONValue.decode(body)) ?? .null }
        public subscript(_ key: String) -> JSONValue? { json.objectValue?[key] }
        public var errorCode: String? { json.objectValue?["error"]?.objectValue?["code"]?.stringValue }
        public func string(_ key: String) -> String? { self[key]?.stringValue }
    }
}

/// A test needed something this machine cannot give: it fails, with this as the reason.
public struct SandboxUnavailable: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Keeps every log line a test server writes, with its metadata, to check what logs may contain.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    public var text: String { lock.withLock { lines.joined(separator: "\n") } }

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    func handler() -> any LogHandler { CaptureHandler(capture: self) }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(all)")
        }
    }
}

extension TestServer.Client {
    /// Creates a tool on `server` and approves its version 1 with the same key, checking both
    /// answers; returns the tool's id.
    public func approvedTool(server: String, key: String, body: JSONValue) async throws -> String {
        let created = try await request(.post, "/v1/servers/\(server)/tools", key: key, body: body)
        guard created.status == 201, let id = created.string("id") else {
            throw FixtureFailure("creating the tool answered \(created.status): \(created.body)")
        }
        let approved = try await request(.post, "/v1/tools/\(id)/approve", key: key, json: #"{"version":1}"#)
        guard approved.status == 200, approved.string("approval_status") == "approved" else {
            throw FixtureFailure("approving the tool answered \(approved.status): \(approved.body)")
        }
        return id
    }
}

/// A test's own set-up did not go as planned: the test fails with what happened.
public struct FixtureFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
