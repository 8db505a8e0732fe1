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

    /// Seconds until a token is available (0 when one is).
    public func wait(now: Double) -> Double {
        let available = min(capacity, tokens + max(0, now - last) * perSecond)
        guard available < 1 else { return 0 }
        return perSecond > 0 ? (1 - available) / perSecond : .infinity
    }

    /// Takes one token for something that already happened, going into debt (down to `-floor`)
    /// if there is none: attempts admitted together are all paid for afterwards.
    public mutating func charge(now: Double, floor: Double) {
        tokens = max(-floor, min(capacity, tokens + max(0, now - last) * perSecond) - 1)
        last = now
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
