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
    static let configuration = CommandConfiguration(
        abstract: "Run the supervisor (SQLite in the data folder, or PostgreSQL with --database-url).")

    @OptionGroup var data: DataDirectoryOption
    @Option(help: "Address to listen on (default: $WARDEN_HOST or 127.0.0.1)") var host: String?
    @Option(help: "Port (default: $WARDEN_PORT or 8080)") var port: Int?
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error (default: $WARDEN_LOG_LEVEL or info)") var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json (JSON lines; default: $WARDEN_LOG_FORMAT or text)")
    var logFormat: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings: ServeSettings
        do {
            settings = try ServeSettings(environment: environment)
            try settings.override(host: host, port: port, logLevel: logLevel, logFormat: logFormat)
        } catch {
            FileHandle.standardError.write(Data("warden serve: cannot start: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if settings.logFormat == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        } else {
            LoggingSystem.bootstrap { label in TextLogHandler(label: label) }
        }
        var logger = Logger(label: "warden")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let (host, port) = (settings.host, settings.port)

        let store: Store
        let secretBox: SecretBox
        do {
            store = try await Installation.openStore(data, create: true, logger: logger)
            secretBox = try await Installation.secretBox(dataDirectory: data.url, store: store)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let keys = try await store.secretKeyCheck(box: secretBox)
        if keys.unreadable > 0 {
            logger.critical(
                "cannot start: \(keys.unreadable) of \(keys.total) stored secrets open with neither WARDEN_ENCRYPTION_KEY nor WARDEN_ENCRYPTION_KEY_OLD; set the key they were sealed with (as WARDEN_ENCRYPTION_KEY_OLD during a rotation) and run `warden secrets rotate`"
            )
            throw ExitCode(2)
        }
        if keys.underOldKey > 0 {
            logger.warning(
                "\(keys.underOldKey) of \(keys.total) secrets are still sealed under WARDEN_ENCRYPTION_KEY_OLD: run `warden secrets rotate` to finish the rotation"
            )
        }
        var lease = NodeLeaseTask(store: store, seconds: settings.nodeLeaseSeconds, logger: logger)
        do {
            try await lease.start()
        } catch {
            logger.critical("cannot start: the node lease could not be taken", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }

        let home = try Installation.home()
        let (profile, configuration) = try SandboxSetup.configure(
            profileDirectory: home.appendingPathComponent("sandbox-profiles"),
            runtimeDirectory: data.url.appendingPathComponent("run"), options: settings.sandbox)
        if try await store.recordSandboxProfile(sha256: profile.sha256, fileHashes: profile.fileHashes) {
            logger.notice("sandbox profile recorded in the audit trail", metadata: ["sha256": "\(profile.sha256)"])
        }
        let sandbox = Sandbox(configuration: configuration, profile: profile, logger: logger)
        lease.staleAfter = Double(profile.limits.wallMs) / 1000 + NodeLeaseTask.staleGraceSeconds
        do {
            try await sandbox.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        if sandbox.cgroupKind == "none" {
            logger.warning(
                "workers run without a cgroup (WARDEN_ALLOW_NO_CGROUP=1): rlimits alone bound memory, processes and CPU"
            )
        }
        let jwtKey = try KeyFile.load(
            variable: "WARDEN_JWT_SECRET", file: data.url.appendingPathComponent("jwt.key"),
            environment: environment,
            guarding: "sessions every node must accept (on PostgreSQL the key is always given)"
        ) { store.dialect == .sqlite }
        if let encryption = environment["WARDEN_ENCRYPTION_KEY"], KeyFile.parse(encryption) == jwtKey {
            logger.warning("WARDEN_JWT_SECRET equals WARDEN_ENCRYPTION_KEY: give session signing its own key")
        }
        var services = WardenServices(
            store: store, sandbox: sandbox, secretBox: secretBox,
            sessions: await SessionTokens(secret: jwtKey, lifetime: settings.sessionLifetime))
        settings.apply(to: &services)
        do {
            var console = try await Console.load(from: home.appendingPathComponent("console"))
            console.secureCookies = settings.tls != nil
            services.console = console
        } catch {
            logger.warning(
                "the console at /ui/ is off: its templates could not be loaded", metadata: ["error": "\(error)"])
        }
        if settings.allowLoopbackEgress {
            logger.warning(
                "WARDEN_EGRESS_ALLOW_LOOPBACK=1: tools may reach loopback hosts listed in allowed_hosts. For tests and local development only; never in production."
            )
        }
        if settings.tls == nil && host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning(
                "listening on \(host) without TLS: set WARDEN_TLS_CERT and WARDEN_TLS_KEY, or put Warden behind a TLS-terminating proxy (keys travel in headers)"
            )
        }
        if let oidcSettings = settings.oidc {
            if oidcSettings.allowPrivateIssuer {
                logger.warning(
                    "WARDEN_OIDC_DEV_ALLOW_PRIVATE_ISSUER=1: the OIDC issuer may be on loopback or a private network, over plain http. For development only."
                )
            }
            let verifier = OIDCVerifier(settings: oidcSettings)
            do {
                try await verifier.start()
            } catch {
                logger.critical("cannot start: WARDEN_OIDC_ISSUER refused", metadata: ["error": "\(error)"])
                throw ExitCode(2)
            }
            services.oidc = verifier
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        services.metricsRegistry = registry
        let report = await services.readiness.sandboxReport()
        if report.ok {
            logger.info("sandbox self-test passed", metadata: ["cgroup": "\(report.cgroup ?? "unknown")"])
        } else {
            logger.error(
                "sandbox self-test failed; executions will fail until it passes",
                metadata: ["detail": "\(report.detail)", "hint": "\(report.hint ?? "")"])
        }
        if try await !store.hasAPIKeys() {
            logger.notice(
                "no API keys yet; create the first admin key with: warden keys create --role admin --name admin --data-dir \(data.url.path)"
            )
        }
        let retention = settings.retention.map { period in
            Task { await RetentionTask(store: store, period: period).run() }
        }
        defer { retention?.cancel() }
        let checkpoints = Task { await AuditCheckpointTask(store: store, logger: logger).run() }
        defer { checkpoints.cancel() }
        let sessionSweep = Task { await SessionSweepTask(store: store, logger: logger).run() }
        defer { sessionSweep.cancel() }
        let leaseRenewal = Task { await lease.run() }
        defer { leaseRenewal.cancel() }
        let app = try WardenApplication.make(services, host: host, port: port, logger: logger)
        try await app.runService()
        await sandbox.shutdown()
        await store.close()
    }
}
