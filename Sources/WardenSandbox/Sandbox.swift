import Foundation
import Logging
import Synchronization
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// The supervisor's way into confined workers: analysis of submitted code and execution of
/// approved code, each in a fresh worker.
public final class Sandbox: ToolSandbox, Sendable {
    public let profile: SandboxProfile
    public let configuration: SandboxConfiguration
    private let pool: WorkerPool
    private let logger: Logger
    private let cgroup = Mutex<String?>(nil)

    public init(configuration: SandboxConfiguration, profile: SandboxProfile, logger: Logger) {
        // A worker that dies mid-request closes its pipe; the write must fail, not kill us.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.profile = profile
        self.pool = WorkerPool(configuration: configuration, profile: profile, logger: logger)
        self.logger = logger
    }

    /// Clears cgroups a killed supervisor left behind, finds which kind of cgroup workers get
    /// (refusing to go on without one unless the configuration accepts rlimits only), then
    /// starts the warm workers.
    public func start() async throws {
        if configuration.useCgroups {
            let removed = CgroupJanitor.sweep()
            if removed > 0 {
                logger.notice("removed cgroups left by a previous supervisor", metadata: ["count": "\(removed)"])
            }
            var kind = configuration.cgroupKind
            if kind == nil {
                let launcher = configuration.launcherPath
                kind = try await BlockingIO.run { CgroupJanitor.probe(launcher: launcher).kind }
            }
            cgroup.withLock { $0 = kind }
            if kind == "none" && configuration.requireCgroup {
                throw SandboxError.setup(
                    "no usable cgroup for workers (a delegated cgroup v2 subtree with memory and pids, or writable v1 memory and pids controllers): run Warden with one (systemd: Delegate=yes; see docs/operations.md), or set WARDEN_ALLOW_NO_CGROUP=1 to accept rlimits only"
                )
            }
        } else {
            cgroup.withLock { $0 = "none" }
        }
        await pool.refill()
    }

    public func selfTest() async -> SelfTestReport {
        await SelfTest.run(self)
    }

    /// The kind of cgroup workers run in (v2, v1 or none), once `start` has found out.
    public var cgroupKind: String? { cgroup.withLock { $0 } }

    public func shutdown() async {
        await pool.shutdown()
    }

    /// Runs `main(**arguments)` of approved code for `tenant` (the tool's server id), in a worker
    /// that has served no other tenant. Limits come from the profile only.
    public func execute(
        code: String, arguments: JSONValue, secrets: [String: String] = [:], egress: (any WorkerEgress)? = nil,
        tenant: String
    ) async throws -> ExecutionOutcome {
        var request: [String: JSONValue] = [
            "mode": .string("run"), "code": .string(code), "arguments": arguments,
            "secrets": .object(secrets.mapValues(JSONValue.string)),
            "stdout_bytes": .int(Int64(profile.limits.outputBytes)),
            "result_bytes": .int(Int64(profile.limits.resultBytes)),
        ]
        if let egress { request["egress_frame_bytes"] = .int(Int64(egress.frameLimit)) }
        let raw = try await runInWorker(.object(request), egress: egress, tenant: tenant)
        let limits = profile.limits
        // Decoding what the worker wrote is bounded by the frame cap, and kept off the cooperative pool.
        return try await BlockingIO.run { OutcomeJudge.judge(raw, limits: limits) }
    }

    /// Parses code inside a worker of `tenant` (never in the supervisor) and derives its input schema.
    public func analyze(code: String, tenant: String) async throws -> CodeAnalysis {
        let raw = try await runInWorker(
            .object(["mode": .string("analyze"), "code": .string(code)]), egress: nil, tenant: tenant)
        let limits = profile.limits
        let decoded = try await BlockingIO.run { raw.frame.flatMap { OutcomeJudge.decodeFrame($0, limits: limits) } }
        guard let frame = decoded else {
            let outcome = try await BlockingIO.run { OutcomeJudge.judge(raw, limits: limits) }
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
    /// Tenants that have an idle fork server of their own waiting.
    public var tenantsWithIdleServers: Set<String> { get async { await pool.tenantsWithIdleServers } }

    private func runInWorker(_ request: JSONValue, egress: (any WorkerEgress)?, tenant: String) async throws
        -> RawOutcome
    {
        let limits = profile.limits
        let bytes = Array(request.encodedString().utf8)
        var raw: RawOutcome
        var attempts = 0
        repeat {
            // A fork server can end while idle; if it was gone before it took the request, nothing
            // ran, and one more worker is tried.
            attempts += 1
            try Task.checkCancellation()
            let worker = try await pool.checkout(tenant: tenant)
            let gate = CancelGate()
            raw = try await withTaskCancellationHandler {
                try await BlockingIO.run {
                    worker.run(
                        request: bytes, wallMs: limits.wallMs, stdoutCap: limits.outputBytes,
                        frameCap: OutcomeJudge.frameCap(limits), egress: egress, cancel: gate)
                }
            } onCancel: {
                gate.cancel()
            }
            await pool.finished(worker, tenant: tenant)
        } while raw.notStarted && attempts < 2 && !Task.isCancelled
        // Stage failures belong in the supervisor log; diagnostics (the launcher's words, and the
        // worker's stderr, which tool code can write) only at debug level.
        if let stage = raw.status?.error {
            logger.error(
                "worker setup failed",
                metadata: [
                    "stage": "\(stage.stage)", "message": "\(stage.message)",
                    "diagnostics": "\(raw.diagnostics.prefix(2000))",
                ])
        } else if !raw.diagnostics.isEmpty {
            logger.debug("launcher diagnostics", metadata: ["diagnostics": "\(raw.diagnostics.prefix(2000))"])
        }
        return raw
    }
}
