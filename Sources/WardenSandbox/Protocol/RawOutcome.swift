import Foundation

/// Why the supervisor ended a worker itself.
public enum KillCause: String, Sendable {
    case timeout
    case output
    /// The caller cancelled the execution.
    case cancelled
    /// The worker broke the egress protocol (a malformed frame, a second request before the
    /// answer, a request past its quota): `RawOutcome.violation` says how.
    case egressProtocol
}

/// Everything a worker produced, before it is judged.
public struct RawOutcome: Sendable {
    public var frame: [UInt8]?
    public var stdout: [UInt8]
    public var diagnostics: String
    public var status: LauncherStatus?
    public var killedFor: KillCause?
    /// With `killedFor == .egressProtocol`: what the worker did.
    public var violation: String?
    public var durationMs: Int
    /// The worker was gone before it got the request: nothing ran, so it may be tried again.
    public var notStarted = false
}
