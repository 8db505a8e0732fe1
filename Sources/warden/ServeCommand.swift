import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import WardenAPI
import WardenDomain
import WardenSandbox
import WardenStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the supervisor on the embedded SQLite database.")

    @OptionGroup var data: DataDirectoryOption
    @Option(help: "Address to listen on (default: $WARDEN_HOST or 127.0.0.1)") var host: String?
    @Option(help: "Port (default: $WARDEN_PORT or 8080)") var port: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (default: $WARDEN_LOG_LEVEL or info)") var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json (JSON lines; default: $WARDEN_LOG_FORMAT or text)") var logFormat: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        if (logFormat ?? environment["WARDEN_LOG_FORMAT"]) == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
        var logger = Logger(label: "warden")
        logger.logLevel = Logger.Level(rawValue: logLevel ?? environment["WARDEN_LOG_LEVEL"] ?? "info") ?? .info
        let host = host ?? environment["WARDEN_HOST"] ?? "127.0.0.1"
        let port = port ?? environment["WARDEN_PORT"].flatMap(Int.init) ?? 8080

        let store: Store
        do {
            store = try Installation.openStore(dataDirectory: data.url, logger: logger)
        } catch {
            logger.critical("cannot open the database", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let secretBox: SecretBox
        do {
            secretBox = try Installation.secretBox(dataDirectory: data.url, store: store)
        } catch {
            logger.critical("cannot load the encryption key", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let interrupted = try await store.markInterruptedExecutions()
        if interrupted > 0 { logger.warning("marked executions cut off by a crash as interrupted", metadata: ["count": "\(interrupted)"]) }

        let home = try Installation.home()
        let (profile, configuration) = try SandboxSetup.configure(
            profileDirectory: home.appendingPathComponent("sandbox-profiles"),
            runtimeDirectory: data.url.appendingPathComponent("run"))
        if try await store.recordSandboxProfile(sha256: profile.sha256, fileHashes: profile.fileHashes) {
            logger.notice("sandbox profile recorded in the audit trail", metadata: ["sha256": "\(profile.sha256)"])
        }
        let sandbox = Sandbox(configuration: configuration, profile: profile, logger: logger)
        await sandbox.start()
        let jwtKey = try KeyFile.load(variable: "WARDEN_JWT_SECRET", file: data.url.appendingPathComponent("jwt.key"),
                                      environment: environment, guarding: "nothing lasting (sessions would end)") { true }
        if let encryption = environment["WARDEN_ENCRYPTION_KEY"], KeyFile.parse(encryption) == jwtKey {
            logger.warning("WARDEN_JWT_SECRET equals WARDEN_ENCRYPTION_KEY: give session signing its own key")
        }
        let lifetime = environment["WARDEN_SESSION_TTL"].flatMap(Int.init) ?? SessionTokens.maximumLifetime
        var services = WardenServices(store: store, sandbox: sandbox, secretBox: secretBox,
                                      sessions: await SessionTokens(secret: jwtKey, lifetime: lifetime))
        if environment["WARDEN_EGRESS_ALLOW_LOOPBACK"] == "1" {
            services.egressSettings.allowLoopback = true
            logger.warning("WARDEN_EGRESS_ALLOW_LOOPBACK=1: tools may reach loopback hosts listed in allowed_hosts. For tests and local development only; never in production.")
        }
        func number(_ name: String) -> Double? { environment[name].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } }
        services.rateLimits.requestsPerSecond = number("WARDEN_RATE_REQUESTS_PER_SECOND") ?? services.rateLimits.requestsPerSecond
        services.rateLimits.requestsBurst = number("WARDEN_RATE_REQUESTS_BURST") ?? services.rateLimits.requestsBurst
        services.rateLimits.executionsPerSecond = number("WARDEN_RATE_EXECUTIONS_PER_SECOND") ?? services.rateLimits.executionsPerSecond
        services.rateLimits.executionsBurst = number("WARDEN_RATE_EXECUTIONS_BURST") ?? services.rateLimits.executionsBurst
        if let perMinute = number("WARDEN_RATE_AUTH_FAILURES_PER_MINUTE") {
            services.rateLimits.authFailuresPerSecond = perMinute / 60
            services.rateLimits.authFailuresBurst = perMinute
        }
        if host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning("listening on \(host) without TLS: put Warden behind a TLS-terminating proxy (keys travel in headers)")
        }
        guard let access = MetricsAccess(rawValue: environment["WARDEN_METRICS"] ?? "key") else {
            logger.critical("WARDEN_METRICS must be off, public or key")
            throw ExitCode(2)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        services.metricsRegistry = registry
        services.metricsAccess = access
        services.corsOrigins = Set((environment["WARDEN_CORS_ORIGINS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty })
        services.mcpAllowedOrigins = Set((environment["WARDEN_MCP_ALLOWED_ORIGINS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty })
        let report = await services.readiness.sandboxReport()
        if report.ok {
            logger.info("sandbox self-test passed")
        } else {
            logger.error("sandbox self-test failed; executions will fail until it passes", metadata: ["detail": "\(report.detail)", "hint": "\(report.hint ?? "")"])
        }
        if try await !store.hasAPIKeys() {
            logger.notice("no API keys yet; create the first admin key with: warden keys create --role admin --name admin --data-dir \(data.url.path)")
        }
        var retention: Task<Void, Never>?
        if let setting = environment["WARDEN_EXECUTION_RETENTION"] {
            guard let period = RetentionPeriod.parse(setting) else {
                logger.critical("WARDEN_EXECUTION_RETENTION must be a period such as 30d, 12h or 90m")
                throw ExitCode(2)
            }
            retention = Task { await RetentionTask(store: store, period: period).run() }
        }
        defer { retention?.cancel() }
        let app = WardenApplication.make(services, host: host, port: port, logger: logger)
        try await app.runService()
        await sandbox.shutdown()
    }
}
