import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// Without a usable cgroup, workers fail closed: the launcher refuses to run one and `warden
/// serve` refuses to start, unless WARDEN_ALLOW_NO_CGROUP=1 accepts rlimits only. A host without
/// cgroups is made by covering /sys/fs/cgroup with an empty tmpfs in a private mount namespace
/// of the command alone (`unshare -m`): the host's mounts are untouched.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"), .serialized)
struct CgroupPolicyTests {
    static let binaries = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    /// Runs `command` with no cgroup filesystem; returns its exit status and everything it printed.
    static func withoutCgroups(
        _ command: [String], environment: [String: String] = [:], stopWhen: String? = nil,
        within seconds: Double = 60
    ) throws -> (status: Int32, output: String) {
        let process = try ChildProcess.start(
            [
                "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs none /sys/fs/cgroup && exec \"$@\"", "sh",
            ] + command, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, errors: .merged)
        let result = process.finish(stopWhen: { text in stopWhen.map(text.contains) ?? false }, withinSeconds: seconds)
        return (result.status, result.text)
    }

    @Test func theLauncherFindsNoCgroupAndRefusesToRunWithoutOne() throws {
        let launcher = Self.binaries.appendingPathComponent("warden-launcher").path
        let probe = try Self.withoutCgroups([launcher, "cgroup-probe", "--cgroup-name", "w\(getpid())-nocg"])
        #expect(probe.output.split(separator: "\n").last == "none", "\(probe.output)")
        let kind = try ChildProcess.run([launcher, "cgroup-probe", "--cgroup-name", "w\(getpid())-withcg"]).text
        #expect(["v1\n", "v2\n"].contains(kind), "this host has cgroups: the probe must find them (\(kind))")

        let sandbox = try #require(TestSandbox.shared)
        var configuration = sandbox.configuration
        configuration.forkServerFilterPath = nil
        let run = configuration.launcherArguments(
            profile: sandbox.profile, slot: 0, cgroupName: "w\(getpid())-nocg-run")
        #expect(run.contains("--cgroup-policy") && run.contains("required"))
        // The status line goes to descriptor 4: send it to standard output for this check.
        let refused = try Self.withoutCgroups(
            ["/bin/sh", "-c", "exec \"$@\" 3>/dev/null 4>&1 5>/dev/null </dev/null", "sh"] + run)
        #expect(
            refused.output.contains("\"stage\": \"cgroup\"") && refused.output.contains("WARDEN_ALLOW_NO_CGROUP=1"),
            "\(refused.output)")
    }

    @Test func serveRefusesToStartWithoutACgroupUnlessAllowed() throws {
        let warden = Self.binaries.appendingPathComponent("warden").path
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("warden-nocg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let port = String(Int.random(in: 20_000...40_000))
        let refused = try Self.withoutCgroups([warden, "serve", "--data-dir", data.path, "--port", port])
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.output.contains("WARDEN_ALLOW_NO_CGROUP=1"), "\(refused.output)")
        let allowed = try Self.withoutCgroups(
            [warden, "serve", "--data-dir", data.path, "--port", port],
            environment: ["WARDEN_ALLOW_NO_CGROUP": "1"], stopWhen: "self-test")
        #expect(
            allowed.output.contains("sandbox self-test passed") && allowed.output.contains("cgroup=none"),
            "\(allowed.output)")
    }
}
