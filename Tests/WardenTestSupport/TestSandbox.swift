import Foundation
import Logging
import WardenSandbox

/// The real sandbox for tests: the repository's profile, the launcher built beside the test
/// binary, the seccomp policy compiled once per test process.
public enum TestSandbox {
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Nil, with the reason printed, where this machine cannot confine workers.
    public static let shared: Sandbox? = {
        if let reason = unavailableReason {
            print("SKIP sandbox tests (loudly): \(reason); under CI=true they fail instead")
            return nil
        }
        do {
            let runtime = FileManager.default.temporaryDirectory.appendingPathComponent(
                "warden-test-\(UUID().uuidString)")
            var (profile, configuration) = try SandboxSetup.configure(
                profileDirectory: repositoryRoot.appendingPathComponent("sandbox-profiles"), runtimeDirectory: runtime)
            // Every sandbox suite shares these slots; several hold one for a whole wall-clock
            // timeout, so fewer would queue the rest past their clients' read timeouts.
            configuration.maxActiveWorkers = 8
            configuration.warmWorkers = 2
            configuration.queueTimeout = .seconds(60)
            var logger = Logger(label: "warden-test")
            logger.logLevel = .warning
            return Sandbox(configuration: configuration, profile: profile, logger: logger)
        } catch {
            print("SKIP sandbox tests: sandbox setup failed: \(error)")
            return nil
        }
    }()

    /// The same sandbox with one launcher per execution (WARDEN_WORKER_MODE=spawn), on host uids
    /// of its own.
    public static let spawnMode: Sandbox? = shared.map { fork in
        var configuration = fork.configuration
        configuration.forkServerFilterPath = nil
        configuration.uidBase = 250_000
        var logger = Logger(label: "warden-test-spawn")
        logger.logLevel = .warning
        return Sandbox(configuration: configuration, profile: fork.profile, logger: logger)
    }

    /// Whether the sandbox suites run. Under `CI=true` they always do: CI runs as root with user
    /// namespaces, so a sandbox that cannot start there must fail its suites, not skip them.
    public static var isAvailable: Bool {
        if shared == nil && ProcessInfo.processInfo.environment["CI"] == "true" {
            print("FAIL sandbox tests: CI=true but the sandbox is unavailable; the suites run and fail")
            return true
        }
        return shared != nil
    }

    /// Confinement needs root (to map workers to unprivileged host uids) and user namespaces.
    static var unavailableReason: String? {
        if getuid() != 0 { return "the launcher must run as root to map workers to unprivileged host uids" }
        if let text = try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8),
            Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) == 0
        {
            return "user namespaces are disabled (user.max_user_namespaces = 0)"
        }
        return nil
    }
}
