import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import WardenDomain

/// The supervisor's way into confined workers: analysis of submitted code and execution of
/// approved code, each in a fresh worker.
public final class Sandbox: CodeAnalyzer, Sendable {
    public let profile: SandboxProfile
    public let configuration: SandboxConfiguration
    private let pool: WorkerPool
    private let logger: Logger

    public init(configuration: SandboxConfiguration, profile: SandboxProfile, logger: Logger) {
        // A worker that dies mid-request closes its pipe; the write must fail, not kill us.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.profile = profile
        self.pool = WorkerPool(configuration: configuration, profile: profile, logger: logger)
        self.logger = logger
    }

    /// Clears cgroups a killed supervisor left behind, then starts the warm workers.
    public func start() async {
        if configuration.useCgroups {
            let removed = CgroupJanitor.sweep()
            if removed > 0 { logger.notice("removed cgroups left by a previous supervisor", metadata: ["count": "\(removed)"]) }
        }
        await pool.refill()
    }

    public func shutdown() async {
        await pool.shutdown()
    }

    /// Runs `main(**arguments)` of approved code. Limits come from the profile only.
    public func execute(code: String, arguments: JSONValue, secrets: [String: String] = [:], egress: (any WorkerEgress)? = nil) async throws -> ExecutionOutcome {
        let request = JSONValue.object([
            "mode": .string("run"), "code": .string(code), "arguments": arguments,
            "secrets": .object(secrets.mapValues(JSONValue.string)),
            "stdout_bytes": .int(Int64(profile.limits.outputBytes)), "result_bytes": .int(Int64(profile.limits.resultBytes)),
        ])
        let raw = try await runInWorker(request, egress: egress)
        return OutcomeJudge.judge(raw, limits: profile.limits)
    }

    /// Parses code inside a worker (never in the supervisor) and derives its input schema.
    public func analyze(code: String) async throws -> CodeAnalysis {
        let raw = try await runInWorker(.object(["mode": .string("analyze"), "code": .string(code)]), egress: nil)
        guard let frame = raw.frame.flatMap(OutcomeJudge.decodeFrame) else {
            let outcome = OutcomeJudge.judge(raw, limits: profile.limits)
            throw SandboxError.protocolViolation("analysis produced no answer: \(outcome.error?.message ?? "unknown")")
        }
        guard frame["ok"] == .bool(true) else {
            let error = frame["error"]?.objectValue
            let type = error?["type"]?.stringValue ?? "Error"
            let message = error?["message"]?.stringValue ?? "the code could not be analysed"
            throw DomainError.invalidCode(type == "SyntaxError" ? "syntax error: \(message)" : message)
        }
        return CodeAnalysis(
            inputSchema: frame["schema"] ?? .object(["type": .string("object")]),
            imports: frame["imports"]?.strings ?? [],
            disallowedImports: frame["disallowed_imports"]?.strings ?? [],
            isAsync: frame["is_async"] == .bool(true))
    }

    public var activeWorkers: Int { get async { await pool.activeCount } }
    public var warmWorkers: Int { get async { await pool.warmCount } }

    private func runInWorker(_ request: JSONValue, egress: (any WorkerEgress)?) async throws -> RawOutcome {
        let limits = profile.limits
        let bytes = Array(request.encodedString().utf8)
        var raw: RawOutcome
        var attempts = 0
        repeat {
            // A fork server can end while idle; if it was gone before it took the request, nothing
            // ran, and one more worker is tried.
            attempts += 1
            let worker = try await pool.checkout()
            raw = try await BlockingIO.run {
                worker.run(request: bytes, wallMs: limits.wallMs, stdoutCap: limits.outputBytes,
                           frameCap: 8 * (limits.resultBytes + limits.outputBytes) + 65536, egress: egress)
            }
            await pool.finished(worker)
        } while raw.notStarted && attempts < 2
        // Stage failures belong in the supervisor log; diagnostics (the launcher's words, and the
        // worker's stderr, which tool code can write) only at debug level.
        if let stage = raw.status?.error {
            logger.error("worker setup failed", metadata: ["stage": "\(stage.stage)", "message": "\(stage.message)",
                                                           "diagnostics": "\(raw.diagnostics.prefix(2000))"])
        } else if !raw.diagnostics.isEmpty {
            logger.debug("launcher diagnostics", metadata: ["diagnostics": "\(raw.diagnostics.prefix(2000))"])
        }
        return raw
    }
}
