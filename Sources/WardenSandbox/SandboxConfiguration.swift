import Foundation

/// Where the sandbox's parts are and how many workers may run.
public struct SandboxConfiguration: Sendable {
    public var launcherPath: String
    public var pythonPath: String
    public var seccompFilterPath: String
    public var readOnlyBinds: [String]
    /// Workers map to host uids `uidBase + slot`: unprivileged, distinct from the supervisor's.
    public var uidBase: Int
    public var maxActiveWorkers: Int
    public var warmWorkers: Int
    public var queueTimeout: Duration
    public var useCgroups: Bool

    public init(launcherPath: String, pythonPath: String, seccompFilterPath: String, readOnlyBinds: [String] = ["/usr"],
                uidBase: Int = 200_000, maxActiveWorkers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount * 2),
                warmWorkers: Int = 2, queueTimeout: Duration = .seconds(5), useCgroups: Bool = true) {
        self.launcherPath = launcherPath
        self.pythonPath = pythonPath
        self.seccompFilterPath = seccompFilterPath
        self.readOnlyBinds = readOnlyBinds
        self.uidBase = uidBase
        self.maxActiveWorkers = maxActiveWorkers
        self.warmWorkers = warmWorkers
        self.queueTimeout = queueTimeout
        self.useCgroups = useCgroups
    }

    func launcherArguments(profile: SandboxProfile, slot: Int, cgroupName: String) -> [String] {
        let limits = profile.limits
        var arguments = [launcherPath, "run",
                         "--uid", String(uidBase + slot), "--gid", String(uidBase + slot),
                         "--seccomp", seccompFilterPath, "--python", pythonPath]
        for path in readOnlyBinds { arguments += ["--bind-ro", path] }
        arguments += ["--runner-dir", profile.runnerDirectory.path, "--profile-dir", profile.directory.path,
                      "--tmp-bytes", String(limits.tmpBytes), "--cpu-ms", String(limits.cpuMs),
                      "--memory-bytes", String(limits.memoryBytes), "--nofile", String(limits.nofile),
                      "--fsize-bytes", String(limits.fsizeBytes), "--stack-bytes", String(limits.stackBytes),
                      "--pids", String(limits.pids)]
        if useCgroups { arguments += ["--cgroup-name", cgroupName] }
        arguments += ["--pass-fd", "5"]  // the egress channel
        arguments += ["--", "-I", "-S", "-B", "/runner/runner.py"]  // the launcher supplies argv[0]
        return arguments
    }
}
