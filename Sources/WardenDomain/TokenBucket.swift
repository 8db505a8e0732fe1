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
