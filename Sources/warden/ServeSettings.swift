import Foundation
import Logging
import WardenAPI
import WardenDomain
import WardenSandbox

/// The `WARDEN_*` settings of `warden serve` that are not flags, parsed once; a bad value stops
/// start-up with a message naming the variable.
struct ServeSettings {
    var allowLoopbackEgress = false
    var rateLimits = RateLimits()
    var connectionLimits = ConnectionLimits()
    var trustedProxies = TrustedProxies.none
    var metricsAccess = MetricsAccess.key
    var corsOrigins: Set<String> = []
    var mcpAllowedOrigins: Set<String> = []
    var retention: RetentionPeriod?
    var sessionLifetime = SessionTokens.maximumLifetime
    /// How long this node's lease lasts unrenewed; it is renewed every third of it.
    var nodeLeaseSeconds: TimeInterval = 15
    var oidc: OIDCSettings?
    var tls: TLSSettings?
    var requireDistinctApprover = false
    var sandbox = SandboxSetup.Options()
    var logFormat = "text"
    var logLevel = "info"
    var host = "127.0.0.1"
    var port = 8080

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(environment: [String: String]) throws {
        func number(_ name: String) throws -> Double? {
            guard let text = environment[name] else { return nil }
            guard let value = Double(text), value > 0 else {
                throw Invalid(description: "\(name) must be a positive number")
            }
            return value
        }
        func origins(_ name: String) -> Set<String> {
            Set(
                (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                    !$0.isEmpty
                })
        }
        allowLoopbackEgress = environment["WARDEN_EGRESS_ALLOW_LOOPBACK"] == "1"
        requireDistinctApprover = environment["WARDEN_REQUIRE_DISTINCT_APPROVER"] == "1"
        rateLimits.requestsPerSecond = try number("WARDEN_RATE_REQUESTS_PER_SECOND") ?? rateLimits.requestsPerSecond
        rateLimits.requestsBurst = try number("WARDEN_RATE_REQUESTS_BURST") ?? rateLimits.requestsBurst
        rateLimits.executionsPerSecond =
            try number("WARDEN_RATE_EXECUTIONS_PER_SECOND") ?? rateLimits.executionsPerSecond
        rateLimits.executionsBurst = try number("WARDEN_RATE_EXECUTIONS_BURST") ?? rateLimits.executionsBurst
        if let perMinute = try number("WARDEN_RATE_AUTH_FAILURES_PER_MINUTE") {
            rateLimits.authFailuresPerSecond = perMinute / 60
            rateLimits.authFailuresBurst = perMinute
        }
        if let seconds = try number("WARDEN_HTTP_HEADER_TIMEOUT_SECONDS") {
            connectionLimits.headerTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let seconds = try number("WARDEN_HTTP_IDLE_TIMEOUT_SECONDS") {
            connectionLimits.idleTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let seconds = try number("WARDEN_HTTP_BODY_TIMEOUT_SECONDS") {
            connectionLimits.bodyTimeout = .milliseconds(Int64(seconds * 1000))
        }
        connectionLimits.maxConnections = Int(try number("WARDEN_HTTP_MAX_CONNECTIONS") ?? 4096)
        connectionLimits.maxConnectionsPerAddress = Int(try number("WARDEN_HTTP_MAX_CONNECTIONS_PER_ADDRESS") ?? 256)
        rateLimits.authFailuresInFlight = connectionLimits.maxConnectionsPerAddress
        switch TrustedProxies.parse(environment["WARDEN_TRUSTED_PROXIES"] ?? "") {
        case .success(let proxies): trustedProxies = proxies
        case .failure(let error):
            throw Invalid(
                description:
                    "WARDEN_TRUSTED_PROXIES: \(error.entry) is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/24)"
            )
        }
        guard let access = MetricsAccess(rawValue: environment["WARDEN_METRICS"] ?? "key") else {
            throw Invalid(description: "WARDEN_METRICS must be off, public or key")
        }
        metricsAccess = access
        corsOrigins = origins("WARDEN_CORS_ORIGINS")
        mcpAllowedOrigins = origins("WARDEN_MCP_ALLOWED_ORIGINS")
        if let text = environment["WARDEN_EXECUTION_RETENTION"] {
            guard let period = RetentionPeriod.parse(text) else {
                throw Invalid(description: "WARDEN_EXECUTION_RETENTION must be a period such as 30d, 12h or 90m")
            }
            retention = period
        }
        if let text = environment["WARDEN_SESSION_TTL"] {
            guard let seconds = Int(text), (1...SessionTokens.maximumLifetime).contains(seconds) else {
                throw Invalid(description: "WARDEN_SESSION_TTL must be 1 to \(SessionTokens.maximumLifetime) seconds")
            }
            sessionLifetime = seconds
        }
        oidc = try Self.oidc(environment)
        tls = try Self.tls(environment)
        guard let mode = SandboxSetup.Options.WorkerMode(rawValue: environment["WARDEN_WORKER_MODE"] ?? "fork") else {
            throw Invalid(description: "WARDEN_WORKER_MODE must be fork or spawn")
        }
        func count(_ name: String, minimum: Int) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text), value >= minimum else {
                throw Invalid(description: "\(name) must be a whole number from \(minimum)")
            }
            return value
        }
        sandbox.workerMode = mode
        sandbox.launcher = environment["WARDEN_LAUNCHER"]
        sandbox.python = environment["WARDEN_PYTHON"] ?? sandbox.python
        sandbox.maxWorkers = try count("WARDEN_MAX_WORKERS", minimum: 1)
        sandbox.maxWorkersPerTenant = try count("WARDEN_MAX_WORKERS_PER_TENANT", minimum: 1)
        sandbox.warmWorkers = try count("WARDEN_WARM_WORKERS", minimum: 0)
        sandbox.idleServers = try count("WARDEN_IDLE_SERVERS", minimum: 0)
        sandbox.allowNoCgroup = environment["WARDEN_ALLOW_NO_CGROUP"] == "1"
        logFormat = environment["WARDEN_LOG_FORMAT"] ?? "text"
        guard ["text", "json"].contains(logFormat) else {
            throw Invalid(description: "WARDEN_LOG_FORMAT must be text or json")
        }
        if let lease = try number("WARDEN_NODE_LEASE_SECONDS") {
            guard lease >= 1, lease <= 3600 else {
                throw Invalid(description: "WARDEN_NODE_LEASE_SECONDS must be from 1 to 3600")
            }
            nodeLeaseSeconds = lease
        }
        logLevel = environment["WARDEN_LOG_LEVEL"] ?? "info"
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw Invalid(
                description: "WARDEN_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical")
        }
        host = environment["WARDEN_HOST"] ?? host
        port = try count("WARDEN_PORT", minimum: 1) ?? port
    }

    /// Flags win over their variables, and are checked the same way.
    mutating func override(host: String?, port: Int?, logLevel: String?, logFormat: String?) throws {
        if let host { self.host = host }
        if let port {
            guard (1...65535).contains(port) else { throw Invalid(description: "--port must be 1 to 65535") }
            self.port = port
        }
        if let logLevel {
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw Invalid(description: "--log-level must be trace, debug, info, notice, warning, error or critical")
            }
            self.logLevel = logLevel
        }
        if let logFormat {
            guard ["text", "json"].contains(logFormat) else {
                throw Invalid(description: "--log-format must be text or json")
            }
            self.logFormat = logFormat
        }
    }

    private static func oidc(_ environment: [String: String]) throws -> OIDCSettings? {
        if environment["WARDEN_OIDC_ISSUER"]?.isEmpty == true {
            throw Invalid(description: "WARDEN_OIDC_ISSUER is empty")
        }
        guard let issuer = environment["WARDEN_OIDC_ISSUER"] else {
            if let stray = environment.keys.sorted().first(where: { $0.hasPrefix("WARDEN_OIDC_") }) {
                throw Invalid(description: "\(stray) is set but WARDEN_OIDC_ISSUER is not")
            }
            return nil
        }
        guard let audience = environment["WARDEN_OIDC_AUDIENCE"], !audience.isEmpty else {
            throw Invalid(
                description:
                    "WARDEN_OIDC_AUDIENCE is required with WARDEN_OIDC_ISSUER (the client id tokens are issued for)")
        }
        let roles: IdentityRoles
        do {
            roles = try IdentityRoles.parse(environment["WARDEN_OIDC_ROLE_MAP"] ?? "")
        } catch {
            throw Invalid(description: "WARDEN_OIDC_ROLE_MAP: \(error)")
        }
        guard !roles.table.isEmpty else {
            throw Invalid(
                description:
                    "WARDEN_OIDC_ROLE_MAP is required with WARDEN_OIDC_ISSUER: list the claim values that grant each role (value=role,...)"
            )
        }
        var settings = OIDCSettings(
            rules: TokenClaimRules(
                issuer: issuer, audience: audience,
                roleClaim: environment["WARDEN_OIDC_ROLE_CLAIM"] ?? "warden_role", roles: roles))
        settings.allowPrivateIssuer = environment["WARDEN_OIDC_DEV_ALLOW_PRIVATE_ISSUER"] == "1"
        return settings
    }

    private static func tls(_ environment: [String: String]) throws -> TLSSettings? {
        let certificate = environment["WARDEN_TLS_CERT"]
        let key = environment["WARDEN_TLS_KEY"]
        guard environment["WARDEN_TLS_CLIENT_ROLES"] == nil || environment["WARDEN_TLS_CLIENT_CA"] != nil else {
            throw Invalid(description: "WARDEN_TLS_CLIENT_ROLES needs WARDEN_TLS_CLIENT_CA")
        }
        guard certificate != nil || key != nil else {
            guard environment["WARDEN_TLS_CLIENT_CA"] == nil else {
                throw Invalid(description: "WARDEN_TLS_CLIENT_CA needs WARDEN_TLS_CERT and WARDEN_TLS_KEY")
            }
            return nil
        }
        guard let certificate, let key else {
            throw Invalid(description: "set both WARDEN_TLS_CERT and WARDEN_TLS_KEY")
        }
        var settings = TLSSettings(
            certificateChainFile: certificate, privateKeyFile: key, clientCAFile: environment["WARDEN_TLS_CLIENT_CA"])
        do {
            settings.clientRoles = try IdentityRoles.parse(environment["WARDEN_TLS_CLIENT_ROLES"] ?? "")
        } catch {
            throw Invalid(description: "WARDEN_TLS_CLIENT_ROLES: \(error)")
        }
        do {
            _ = try settings.configuration()
        } catch {
            throw Invalid(
                description: "WARDEN_TLS_CERT / WARDEN_TLS_KEY / WARDEN_TLS_CLIENT_CA: cannot load (\(error))")
        }
        return settings
    }

    func apply(to services: inout WardenServices) {
        services.egressSettings.allowLoopback = allowLoopbackEgress
        services.rateLimits = rateLimits
        services.connectionLimits = connectionLimits
        services.trustedProxies = trustedProxies
        services.metricsAccess = metricsAccess
        services.corsOrigins = corsOrigins
        services.mcpAllowedOrigins = mcpAllowedOrigins
        services.tls = tls
        services.requireDistinctApprover = requireDistinctApprover
    }
}
