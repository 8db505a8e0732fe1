import WardenDomain

/// The sandbox self-test, re-run at most every `interval` so `/readyz` notices a host that
/// stopped allowing namespaces without letting anonymous callers start a worker per request.
public actor Readiness {
    private let sandbox: any ToolSandbox
    private let interval: Duration
    private var report: (SelfTestReport, ContinuousClock.Instant)?
    private var running: Task<SelfTestReport, Never>?

    /// Which cgroup kind workers run in (v2, v1, none), known once the sandbox has started.
    public nonisolated var cgroupKind: String? { sandbox.cgroupKind }

    public init(sandbox: any ToolSandbox, interval: Duration = .seconds(30)) {
        self.sandbox = sandbox
        self.interval = interval
    }

    /// One self-test at a time: callers arriving while it runs wait for the same answer.
    public func sandboxReport() async -> SelfTestReport {
        if let (cached, at) = report, ContinuousClock.now - at < interval { return cached }
        if let running { return await running.value }
        let sandbox = self.sandbox
        let task = Task { await sandbox.selfTest() }
        running = task
        let fresh = await task.value
        running = nil
        report = (fresh, ContinuousClock.now)
        return fresh
    }
}
