import Foundation
import Hummingbird
import WardenDomain

/// Request budgets, as token buckets: per identity for every call, per server for executions,
/// and per client address for failed authentication.
public struct RateLimits: Sendable {
    public var requestsBurst = 200.0, requestsPerSecond = 50.0
    public var executionsBurst = 60.0, executionsPerSecond = 20.0
    public var authFailuresBurst = 20.0, authFailuresPerSecond = 0.5

    public init() {}
}

public actor RateLimiter {
    private let limits: RateLimits
    private var buckets: [String: TokenBucket] = [:]
    private var lastSweep = Date().timeIntervalSinceReferenceDate

    public init(limits: RateLimits) {
        self.limits = limits
    }

    func request(identity: String) throws {
        try take("id:\(identity)", limits.requestsBurst, limits.requestsPerSecond, what: "requests for this key")
    }

    func execution(serverId: String) throws {
        try take("srv:\(serverId)", limits.executionsBurst, limits.executionsPerSecond, what: "executions on this server")
    }

    /// Refuses a client whose failed attempts used up their budget (checked before authenticating).
    func checkAuthFailures(address: String) throws {
        // Probe a copy: looking must not spend a token; only failures do.
        let now = Date().timeIntervalSinceReferenceDate
        var probe = buckets["auth:\(address)"] ?? TokenBucket(capacity: limits.authFailuresBurst, perSecond: limits.authFailuresPerSecond, now: now)
        let (allowed, retry) = probe.take(now: now)
        if !allowed {
            WardenMetrics.rateLimited("auth_failures")
            throw Self.limited("too many failed authentication attempts from this address", retry)
        }
    }

    func recordAuthFailure(address: String) {
        _ = try? take("auth:\(address)", limits.authFailuresBurst, limits.authFailuresPerSecond, what: "")
    }

    private func take(_ key: String, _ burst: Double, _ perSecond: Double, what: String) throws {
        let now = Date().timeIntervalSinceReferenceDate
        sweep(now)
        var bucket = buckets[key] ?? TokenBucket(capacity: burst, perSecond: perSecond, now: now)
        let (allowed, retry) = bucket.take(now: now)
        buckets[key] = bucket
        if !allowed {
            WardenMetrics.rateLimited(key.hasPrefix("srv:") ? "executions" : "requests")
            throw Self.limited("rate limit of \(what) reached", retry)
        }
    }

    /// Forgets idle buckets now and then, so memory does not grow with every address ever seen.
    private func sweep(_ now: Double) {
        guard now - lastSweep > 300 else { return }
        lastSweep = now
        if buckets.count > 10_000 { buckets.removeAll() }
    }

    static func limited(_ message: String, _ retryAfter: Double) -> APIError {
        let seconds = retryAfter.isFinite ? max(1, Int(retryAfter.rounded(.up))) : 60
        return APIError(status: .tooManyRequests, code: "rate_limited", message: "\(message); retry in \(seconds) s",
                        headers: [.retryAfter: String(seconds)])
    }
}
