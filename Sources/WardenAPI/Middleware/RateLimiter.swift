import Foundation
import Hummingbird
import WardenDomain

/// Request budgets, as token buckets: per identity for every call, per server for executions,
/// and per client address for failed authentication.
public struct RateLimits: Sendable {
    public var requestsBurst = 200.0, requestsPerSecond = 50.0
    public var executionsBurst = 60.0, executionsPerSecond = 20.0
    public var authFailuresBurst = 20.0, authFailuresPerSecond = 0.5
    /// How many attempts one address can have in flight (its connection cap): how deep failures
    /// admitted together can put it in debt.
    public var authFailuresInFlight = ConnectionLimits().maxConnectionsPerAddress

    public init() {}
}

public actor RateLimiter {
    private let limits: RateLimits
    private var buckets: [String: TokenBucket] = [:]
    /// Past this many buckets the least recently used ones that hold nobody back are forgotten.
    private let capacity: Int
    /// Failed-authentication audit events per address: one per window, with how many were folded in.
    private var failureWindows: [String: (start: Double, folded: Int)] = [:]
    static let failureAuditWindow = 60.0

    public init(limits: RateLimits, capacity: Int = 10_000) {
        self.limits = limits
        self.capacity = capacity
    }

    func request(identity: String) throws {
        try take("id:\(identity)", limits.requestsBurst, limits.requestsPerSecond, what: "requests for this key")
    }

    func execution(serverId: String) throws {
        try take(
            "srv:\(serverId)", limits.executionsBurst, limits.executionsPerSecond, what: "executions on this server")
    }

    /// Refuses an address whose failed-authentication budget is spent, before any credential is
    /// checked; spends nothing itself, so any number of valid requests pass. Each failure is then
    /// charged (`chargeAuthFailure`), into debt if guesses were admitted together: the debt is
    /// at most one burst, and the concurrency that could run it up is capped per address.
    func admitAuthAttempt(address: String) throws {
        let now = Date().timeIntervalSinceReferenceDate
        guard let bucket = buckets["auth:\(Self.clientKey(address))"], bucket.isLimiting(now: now) else { return }
        WardenMetrics.rateLimited("auth_failures")
        throw Self.limited(
            "rate limit of failed authentication attempts from this address reached", bucket.wait(now: now))
    }

    func chargeAuthFailure(address: String) {
        let now = Date().timeIntervalSinceReferenceDate
        let key = "auth:\(Self.clientKey(address))"
        var bucket =
            buckets[key]
            ?? TokenBucket(capacity: limits.authFailuresBurst, perSecond: limits.authFailuresPerSecond, now: now)
        // As deep as the guesses one address can have in flight at once (its connection cap).
        bucket.charge(now: now, floor: max(limits.authFailuresBurst, Double(limits.authFailuresInFlight)))
        buckets[key] = bucket
        if buckets.count > capacity { evict(now) }
    }

    /// Whether this failure gets an audit event of its own, and how many earlier ones in the
    /// window it stands for: a flood of failures from one address adds one row a minute.
    func auditFailure(
        _ type: String = "auth.failed", address: String, now: Double = Date().timeIntervalSinceReferenceDate
    ) -> (record: Bool, folded: Int) {
        let key = type + " " + Self.clientKey(address)
        if let window = failureWindows[key], now - window.start < Self.failureAuditWindow {
            failureWindows[key] = (window.start, window.folded + 1)
            return (false, 0)
        }
        let folded = failureWindows[key]?.folded ?? 0
        failureWindows[key] = (now, 0)
        if failureWindows.count > capacity {
            failureWindows = failureWindows.filter { now - $0.value.start < Self.failureAuditWindow }
        }
        return (true, folded)
    }

    /// IPv6 clients are counted per /64 (one host usually holds a whole /64); IPv4 per address.
    static func clientKey(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")  // IPv4-mapped
        }
        return Hex.encode(bytes[0..<8]) + "::/64"
    }

    var bucketCount: Int { buckets.count }

    private func take(_ key: String, _ burst: Double, _ perSecond: Double, what: String) throws {
        let now = Date().timeIntervalSinceReferenceDate
        var bucket = buckets[key] ?? TokenBucket(capacity: burst, perSecond: perSecond, now: now)
        let (allowed, retry) = bucket.take(now: now)
        buckets[key] = bucket
        if buckets.count > capacity { evict(now) }
        if !allowed {
            if !key.hasPrefix("auth:") { WardenMetrics.rateLimited(key.hasPrefix("srv:") ? "executions" : "requests") }
            throw Self.limited("rate limit of \(what) reached", retry)
        }
    }

    /// Forgets buckets that hold nobody back, least recently used first, down to 90% of the
    /// capacity. A bucket that is limiting someone is never dropped: that would reset its budget.
    private func evict(_ now: Double) {
        let idle = buckets.filter { !$0.value.isLimiting(now: now) }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, _) in idle.prefix(buckets.count - capacity * 9 / 10) { buckets[key] = nil }
    }

    static func limited(_ message: String, _ retryAfter: Double) -> APIError {
        let seconds = retryAfter.isFinite ? max(1, Int(retryAfter.rounded(.up))) : 60
        return APIError(
            status: .tooManyRequests, code: "rate_limited", message: "\(message); retry in \(seconds) s",
            headers: [.retryAfter: String(seconds)])
    }
}
