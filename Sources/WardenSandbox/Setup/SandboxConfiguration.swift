import Foundation

/// Where the sandbox's parts are and how many workers may run.
public struct SandboxConfiguration: Sendable {
    public var launcherPath: String
    public var pythonPath: String
    /// The strict filter every worker (or fork server child) runs tool code under.
    public var seccompFilterPath: String
    /// When set, workers are fork servers confined by this wider filter (it adds fork, wait4,
    /// dup2, unlink), and each child stacks the strict filter before reading its request.
    public var forkServerFilterPath: String?
    /// With fork servers: the filter their janitor stacks.
    public var janitorFilterPath: String?
    public var readOnlyBinds: [String]
    /// Workers map to host uids `uidBase + slot`: unprivileged, distinct from the supervisor's.
    public var uidBase: Int
    public var maxActiveWorkers: Int
    /// How many of the running workers one server (tenant) may hold; nil: all but one, so a
    /// flood from one tenant always leaves a worker for the others.
    public var maxWorkersPerTenantSetting: Int?
    public var maxWorkersPerTenant: Int { maxWorkersPerTenantSetting ?? max(1, maxActiveWorkers - 1) }
    /// Started workers that have served no tenant yet, kept ready for any.
    public var warmWorkers: Int
    /// Fork servers kept idle for the tenants they belong to, least recently used ended first.
    public var idleServers: Int
    public var queueTimeout: Duration
    public var useCgroups: Bool
    /// Workers refuse to start without a usable cgroup, unless the operator accepted rlimits only
    /// (`WARDEN_ALLOW_NO_CGROUP=1`).
    public var requireCgroup: Bool
    /// The cgroup kind workers get (v2, v1 or none), found at set-up; nil when not probed.
    public var cgroupKind: String?
    /// v2: the folder worker cgroups are made in (the supervisor's own cgroup, made a parent).
    public var cgroupParent: String?

    public init(
        launcherPath: String, pythonPath: String, seccompFilterPath: String, readOnlyBinds: [String] = ["/usr"],
        uidBase: Int = 200_000, maxActiveWorkers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount * 2),
        warmWorkers: Int = 2, idleServers: Int = 32, queueTimeout: Duration = .seconds(5), useCgroups: Bool = true,
        requireCgroup: Bool = true
    ) {
        self.launcherPath = launcherPath
        self.pythonPath = pythonPath
        self.seccompFilterPath = seccompFilterPath
        self.readOnlyBinds = readOnlyBinds
        self.uidBase = uidBase
        self.maxActiveWorkers = maxActiveWorkers
        self.warmWorkers = warmWorkers
        self.idleServers = idleServers
        self.queueTimeout = queueTimeout
        self.useCgroups = useCgroups
        self.requireCgroup = requireCgroup
    }

    func launcherArguments(profile: SandboxProfile, slot: Int, cgroupName: String) -> [String] {
        let limits = profile.limits
        var arguments = [launcherPath, "run", "--uid", String(uidBase + slot), "--gid", String(uidBase + slot)]
        if let forkServerFilterPath {
            arguments += ["--seccomp", forkServerFilterPath, "--child-seccomp", seccompFilterPath]
            if let janitorFilterPath { arguments += ["--janitor-seccomp", janitorFilterPath] }
        } else {
            arguments += ["--seccomp", seccompFilterPath]
        }
        arguments += ["--python", pythonPath]
        for path in readOnlyBinds { arguments += ["--bind-ro", path] }
        arguments += [
            "--runner-dir", profile.runnerDirectory.path, "--profile-dir", profile.directory.path,
            "--tmp-bytes", String(limits.tmpBytes), "--cpu-ms", String(limits.cpuMs),
            "--memory-bytes", String(limits.memoryBytes), "--nofile", String(limits.nofile),
            "--fsize-bytes", String(limits.fsizeBytes), "--stack-bytes", String(limits.stackBytes),
            "--pids", String(limits.pids),
        ]
        if useCgroups {
            arguments += ["--cgroup-name", cgroupName, "--cgroup-policy", requireCgroup ? "required" : "optional"]
            if let cgroupParent { arguments += ["--cgroup-parent", cgroupParent] }
        }
        // The egress channel; a fork server gets one per child.
        if forkServerFilterPath == nil { arguments += ["--pass-fd", "5"] }
        arguments += ["--", "-I", "-S", "-B", "/runner/runner.py"]  // the launcher supplies argv[0]
        if forkServerFilterPath != nil { arguments.append("--fork-server") }
        return arguments
    }
}
