import Foundation
import WardenDomain

/// Finds the launcher and the real interpreter and compiles the seccomp policy once, at start-up.
public enum SandboxSetup {
    /// The real interpreter behind `/usr/bin/python3` (a `python3` on PATH may be a user shim).
    public static func resolvePython(_ path: String = "/usr/bin/python3") throws -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard FileManager.default.isExecutableFile(atPath: resolved) else {
            throw SandboxError.setup("no Python interpreter at \(path); install python3 (apt-get install -y python3)")
        }
        return resolved
    }

    /// `warden-launcher` next to the running executable, or the one named (`WARDEN_LAUNCHER`).
    public static func locateLauncher(explicit: String? = nil) throws -> String {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("warden-launcher").path)
        guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw SandboxError.setup(
                "warden-launcher not found (looked at \(candidates.joined(separator: ", "))); build it with `swift build` or set WARDEN_LAUNCHER"
            )
        }
        return found
    }

    /// Compiles the profile's policy to raw BPF in `directory`; workers load that file. With
    /// The filters one policy compiles to.
    public enum FilterKind: String, Sendable {
        /// Every worker's (and every fork server's child's).
        case strict
        /// The wider filter of fork servers (the policy's `zygote` rules included).
        case forkServer = "fork-server"
        /// What a fork server's janitor stacks (the policy's `janitor` rules over `allow`).
        case janitor
    }

    public static func compileSeccomp(
        launcher: String, profile: SandboxProfile, into directory: URL, kind: FilterKind = .strict
    ) throws -> String {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let output = directory.appendingPathComponent(
            "seccomp-\(profile.sha256.prefix(16))\(kind == .strict ? "" : "-" + kind.rawValue).bpf"
        ).path
        let flag: [String]
        switch kind {
        case .strict: flag = []
        case .forkServer: flag = ["--zygote"]
        case .janitor: flag = ["--janitor"]
        }
        let compiled = try ChildProcess.run(
            [launcher, "compile-seccomp", "--policy", profile.seccompPolicy.path, "--output", output] + flag,
            environment: [:])
        guard compiled.status == 0 else {
            throw SandboxError.setup(
                "seccomp policy \(profile.seccompPolicy.path) did not compile: \(compiled.errorText)")
        }
        return output
    }

    /// How the operator asked the sandbox to run; `warden serve` parses these from its settings
    /// (`ServeSettings`), tests take the defaults.
    public struct Options: Sendable {
        public enum WorkerMode: String, Sendable { case fork, spawn }
        public var launcher: String?
        public var python = "/usr/bin/python3"
        public var workerMode = WorkerMode.fork
        public var maxWorkers: Int?
        public var maxWorkersPerTenant: Int?
        public var warmWorkers: Int?
        public var idleServers: Int?
        /// `WARDEN_ALLOW_NO_CGROUP=1`: rlimits alone are accepted.
        public var allowNoCgroup = false

        public init() {}
    }

    /// Everything the sandbox needs, ready to start workers.
    public static func configure(profileDirectory: URL, runtimeDirectory: URL, options: Options = Options()) throws -> (
        SandboxProfile, SandboxConfiguration
    ) {
        let profile = try SandboxProfile.load(from: profileDirectory)
        let launcher = try locateLauncher(explicit: options.launcher)
        let python = try resolvePython(options.python)
        let filter = try compileSeccomp(launcher: launcher, profile: profile, into: runtimeDirectory)
        var configuration = SandboxConfiguration(launcherPath: launcher, pythonPath: python, seccompFilterPath: filter)
        if options.workerMode == .fork {
            configuration.forkServerFilterPath = try compileSeccomp(
                launcher: launcher, profile: profile, into: runtimeDirectory, kind: .forkServer)
            configuration.janitorFilterPath = try compileSeccomp(
                launcher: launcher, profile: profile, into: runtimeDirectory, kind: .janitor)
        }
        if let workers = options.maxWorkers { configuration.maxActiveWorkers = workers }
        configuration.maxWorkersPerTenantSetting = options.maxWorkersPerTenant
        if let warm = options.warmWorkers { configuration.warmWorkers = warm }
        if let idle = options.idleServers { configuration.idleServers = idle }
        configuration.requireCgroup = !options.allowNoCgroup
        (configuration.cgroupKind, configuration.cgroupParent) = CgroupJanitor.probe(launcher: launcher)
        return (profile, configuration)
    }
}

/// The start-up self-test behind `/readyz`: a trivial tool must run confined.
enum SelfTest {
    /// The tenant the self-test runs as: no server id has this form.
    static let tenant = "warden:self-test"

    static func run(_ sandbox: Sandbox) async -> SelfTestReport {
        do {
            let outcome = try await sandbox.execute(
                code: "def main():\n    return {'ok': 1}\n", arguments: .object([:]), tenant: tenant)
            if outcome.status == .succeeded, outcome.result == .object(["ok": .int(1)]) {
                return SelfTestReport(
                    ok: true, detail: "confined worker ran a trivial tool", hint: nil, cgroup: sandbox.cgroupKind)
            }
            let message = outcome.error?.message ?? outcome.status.rawValue
            return SelfTestReport(ok: false, detail: message, hint: hint(for: message), cgroup: sandbox.cgroupKind)
        } catch {
            return SelfTestReport(
                ok: false, detail: "\(error)", hint: hint(for: "\(error)"), cgroup: sandbox.cgroupKind)
        }
    }

    static func hint(for message: String) -> String {
        if message.contains("no usable cgroup") {
            return
                "give Warden a delegated cgroup (systemd: Delegate=yes; Docker: a cgroup v2 host and the compose file's cgroup settings, see docs/operations.md), or set WARDEN_ALLOW_NO_CGROUP=1 to accept rlimits only"
        }
        if message.contains("userns") || message.contains("clone") {
            return
                "user namespaces are blocked: enable kernel.unprivileged_userns_clone / user.max_user_namespaces, allow them in AppArmor (Ubuntu ≥ 23.10), or run the container with a seccomp profile that permits clone/unshare/mount (see docs/operations.md)"
        }
        if message.contains("seccomp") {
            return "the kernel refused the seccomp filter: a kernel with CONFIG_SECCOMP_FILTER is required"
        }
        if message.contains("mount") {
            return
                "mounts inside the sandbox failed: a container needs CAP_SYS_ADMIN and an unconfined seccomp/AppArmor profile"
        }
        return "see the supervisor log for the launcher's message"
    }
}
