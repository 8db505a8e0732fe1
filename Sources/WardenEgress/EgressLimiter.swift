import Foundation
import WardenDomain

/// Per-server and per-tool token buckets shared by every execution in this process.
public actor EgressLimiter {
    private var buckets: [String: TokenBucket] = [:]
    private let settings: EgressSettings

    public init(settings: EgressSettings) {
        self.settings = settings
    }

    /// Nil when allowed; otherwise which limit refused the request.
    func admit(serverId: String, toolId: String) -> String? {
        let now = Date().timeIntervalSinceReferenceDate
        if !take("server:\(serverId)", settings.serverBurst, settings.serverPerSecond, now) { return "server" }
        if !take("tool:\(toolId)", settings.toolBurst, settings.toolPerSecond, now) { return "tool" }
        return nil
    }

    private func take(_ key: String, _ burst: Double, _ perSecond: Double, _ now: Double) -> Bool {
        var bucket = buckets[key] ?? TokenBucket(capacity: burst, perSecond: perSecond, now: now)
        let allowed = bucket.take(now: now).allowed
        buckets[key] = bucket
        return allowed
    }
}
