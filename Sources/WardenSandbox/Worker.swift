import WardenDomain
import Foundation

/// What the pool hands out for one execution: a freshly spawned worker, or a fork server that
/// forks a fresh child for it. All methods block: call them from `BlockingIO`.
protocol Worker: AnyObject, Sendable {
    var slot: Int { get }
    /// Whether an idle worker can still take a request (a fork server may have ended meanwhile).
    var available: Bool { get }
    /// Whether the pool may hand it out again after a request: only a fork server that is still sound.
    var reusable: Bool { get }
    func run(request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?) -> RawOutcome
    func discard()
}

/// What the launcher's parent reports on descriptor 4 when the worker has ended.
public struct LauncherStatus: Decodable, Equatable, Sendable {
    public struct StageError: Decodable, Equatable, Sendable {
        public var stage: String
        public var errno: Int32?
        public var message: String

        public init(stage: String, errno: Int32?, message: String) {
            self.stage = stage
            self.errno = errno
            self.message = message
        }
    }

    public var exitCode: Int32?
    public var signal: Int32?
    public var cpuMs: Int?
    public var maxRssKb: Int?
    public var oomKilled: Bool?
    public var error: StageError?
    /// A fork server's word that it cannot serve another child (it could not empty /tmp).
    public var retire: Bool?

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code", signal, cpuMs = "cpu_ms", maxRssKb = "max_rss_kb", oomKilled = "oom_killed", error, retire
    }

    public init(exitCode: Int32?, signal: Int32?, cpuMs: Int?, maxRssKb: Int?, oomKilled: Bool? = nil, error: StageError?) {
        self.exitCode = exitCode
        self.signal = signal
        self.cpuMs = cpuMs
        self.maxRssKb = maxRssKb
        self.oomKilled = oomKilled
        self.error = error
    }
}

/// Why the supervisor ended a worker itself.
public enum KillCause: String, Sendable {
    case timeout
    case output
}

/// Everything a worker produced, before it is judged.
public struct RawOutcome: Sendable {
    public var frame: [UInt8]?
    public var stdout: [UInt8]
    public var diagnostics: String
    public var status: LauncherStatus?
    public var killedFor: KillCause?
    public var durationMs: Int
    /// The worker was gone before it got the request: nothing ran, so it may be tried again.
    public var notStarted = false
}
