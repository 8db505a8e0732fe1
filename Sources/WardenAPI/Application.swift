import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Prometheus
import WardenDomain
import WardenEgress
import WardenStore

/// Everything the HTTP layer needs, built once by `warden serve` or a test.
public struct WardenServices: Sendable {
    public var store: Store
    public var sandbox: any ToolSandbox
    public var limits: Limits
    public var readiness: Readiness
    public var secretBox: SecretBox
    public var mcpAllowedOrigins: Set<String> = []
    public var corsOrigins: Set<String> = []
    public var egressSettings = EgressSettings()
    public var rateLimits = RateLimits()
    public var connectionLimits = ConnectionLimits()
    public var trustedProxies = TrustedProxies.none
    public var sessions: SessionTokens
    /// Set when the process bootstrapped swift-metrics with a Prometheus registry.
    public var metricsRegistry: PrometheusCollectorRegistry?
    public var metricsAccess: MetricsAccess = .key
    /// People signing in with the configured OpenID Connect provider.
    public var oidc: OIDCVerifier?
    /// Serving over TLS, with client certificates when a client CA is set.
    public var tls: TLSSettings?
    /// Four eyes (`WARDEN_REQUIRE_DISTINCT_APPROVER=1`): an admin cannot approve a version it created.
    public var requireDistinctApprover = false
    /// The admin console at `/ui/`, when its templates were found.
    public var console: Console?

    public init(
        store: Store, sandbox: any ToolSandbox, secretBox: SecretBox, sessions: SessionTokens,
        limits: Limits = .standard
    ) {
        self.sessions = sessions
        self.store = store
        self.sandbox = sandbox
        self.secretBox = secretBox
        self.limits = limits
        self.readiness = Readiness(sandbox: sandbox)
    }
}

public enum WardenApplication {
    /// The HTTP/1 server Warden runs (tests start theirs the same way).
    public static func http1(_ limits: ConnectionLimits) -> HTTPServerBuilder {
        .http1(configuration: .warden(limits, counts: ConnectionCounts()))
    }

    public static func router(_ services: WardenServices) -> Router<WardenRequestContext> {
        let router = Router(context: WardenRequestContext.self)
        let limiter = RateLimiter(limits: services.rateLimits)
        router.add(middleware: ForwardedMiddleware(proxies: services.trustedProxies))
        router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: services.tls != nil))
        router.add(middleware: AllowedOriginsCORS(origins: services.corsOrigins))
        router.add(middleware: LogRequestsMiddleware(.info))  // method and path only: never headers
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: StoredTextMiddleware())
        // With no role table, certificates only admit the connection; a credential is still needed.
        let clientCertificates = services.tls.flatMap {
            $0.clientCAFile == nil || $0.clientRoles.table.isEmpty ? nil : ClientCertificates(roles: $0.clientRoles)
        }
        router.add(
            middleware: AuthMiddleware(
                store: services.store, sessions: services.sessions, oidc: services.oidc,
                clientCertificates: clientCertificates, limiter: limiter,
                publicPaths: services.metricsAccess == .public
                    ? ["/healthz", "/readyz", "/metrics"] : ["/healthz", "/readyz"],
                consolePrefix: services.console == nil ? nil : "/ui"))
        HealthRoutes(store: services.store, readiness: services.readiness).add(to: router)
        if let registry = services.metricsRegistry, services.metricsAccess != .off {
            MetricsRoutes(registry: registry).add(to: router)
        }
        let v1 = router.group("v1")
        let limits = services.limits
        let executions = ExecutionService(
            store: services.store, sandbox: services.sandbox, secretBox: services.secretBox, limiter: limiter,
            egressSettings: services.egressSettings, egressLimiter: EgressLimiter(settings: services.egressSettings),
            limits: limits)
        ServerRoutes(store: services.store, limits: limits).add(to: v1)
        let review = ToolReview(store: services.store, requireDistinctApprover: services.requireDistinctApprover)
        ToolRoutes(store: services.store, analyzer: services.sandbox, limits: limits, review: review).add(to: v1)
        ExecutionRoutes(store: services.store, executions: executions, limits: limits).add(to: v1)
        APIKeyRoutes(store: services.store, limits: limits).add(to: v1)
        SessionRoutes(store: services.store, sessions: services.sessions).add(to: v1)
        AuditRoutes(store: services.store, limits: limits).add(to: v1)
        SecretRoutes(store: services.store, box: services.secretBox, limits: limits).add(to: v1)
        MCPSourceRoutes(
            store: services.store, secretBox: services.secretBox, egressSettings: services.egressSettings,
            limits: limits
        ).add(to: v1)
        MCPRoutes(
            store: services.store, methods: MCPMethods(store: services.store, executions: executions),
            settings: .init(allowedOrigins: services.mcpAllowedOrigins), limits: limits
        ).add(to: router)
        if let console = services.console {
            ConsoleRoutes(
                console: console, store: services.store, executions: executions, limiter: limiter, limits: limits,
                review: review
            ).add(to: router)
        }
        return router
    }

    public static func make(
        _ services: WardenServices, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let configuration = HTTP1Channel.Configuration.warden(services.connectionLimits, counts: ConnectionCounts())
        let server: HTTPServerBuilder =
            try services.tls.map {
                try .tls(.http1(configuration: configuration), tlsConfiguration: $0.configuration())
            }
            ?? .http1(configuration: configuration)
        return Application(
            router: router(services), server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "warden"),
            onServerRunning: onServerRunning, logger: logger)
    }
}
