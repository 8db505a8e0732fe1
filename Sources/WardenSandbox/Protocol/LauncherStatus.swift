import Foundation

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
        case exitCode = "exit_code"
        case signal
        case cpuMs = "cpu_ms"
        case maxRssKb = "max_rss_kb"
        case oomKilled = "oom_killed"
        case error, retire
    }

    public init(
        exitCode: Int32?, signal: Int32?, cpuMs: Int?, maxRssKb: Int?, oomKilled: Bool? = nil, error: StageError?
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.cpuMs = cpuMs
        self.maxRssKb = maxRssKb
        self.oomKilled = oomKilled
        self.error = error
    }
}

/// Why the supervisor ended a worker itself.
