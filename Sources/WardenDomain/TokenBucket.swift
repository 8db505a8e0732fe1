/// A token bucket: `capacity` requests at once, refilled at `perSecond`. Time is passed in, so
/// the rule is tested without clocks.
public struct TokenBucket: Sendable {
    public let capacity: Double
    public let perSecond: Double
    private var tokens: Double
    private var last: Double

    public init(capacity: Double, perSecond: Double, now: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        self.tokens = capacity
        self.last = now
    }

    /// When the bucket was last touched (for least-recently-used eviction).
    public var lastUsed: Double { last }

    /// Whether the bucket is holding a caller back now: dropping it would lift the limit.
    public func isLimiting(now: Double) -> Bool {
        min(capacity, tokens + max(0, now - last) * perSecond) < 1
    }

    /// Gives back a token taken for an attempt that turned out not to count.
    public mutating func refund() {
        tokens = min(capacity, tokens + 1)
    }

    /// Takes one token, or says how many seconds until one is available.
    public mutating func take(now: Double) -> (allowed: Bool, retryAfter: Double) {
        tokens = min(capacity, tokens + max(0, now - last) * perSecond)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return (true, 0)
        }
        return (false, perSecond > 0 ? (1 - tokens) / perSecond : .infinity)
    }
}
