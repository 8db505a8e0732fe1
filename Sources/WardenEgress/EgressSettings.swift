import Foundation
import NIOCore

/// Bounds on what one execution may do through the proxy.
public struct EgressSettings: Sendable {
    /// Development only: lets listed loopback hosts through (`WARDEN_EGRESS_ALLOW_LOOPBACK=1`).
    public var allowLoopback = false
    public var maxRequestsPerExecution = 20
    public var maxRequestBodyBytes = 1 << 20
    public var maxResponseBodyBytes = 1 << 20
    public var requestTimeout: TimeAmount = .seconds(10)
    /// Token buckets: burst and refill per second, per server and per tool.
    public var serverBurst = 120.0, serverPerSecond = 20.0
    public var toolBurst = 60.0, toolPerSecond = 10.0

    public init() {}
}
