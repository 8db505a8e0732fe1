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
            print("SKIP sandbox tests: \(reason)")
            return nil
        }
        do {
            let runtime = FileManager.default.temporaryDirectory.appendingPathComponent("warden-test-\(UUID().uuidString)")
            var (profile, configuration) = try SandboxSetup.configure(
                profileDirectory: repositoryRoot.appendingPathComponent("sandbox-profiles"), runtimeDirectory: runtime)
            configuration.maxActiveWorkers = 4
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

    public static var isAvailable: Bool { shared != nil }

    /// Confinement needs root (to map workers to unprivileged host uids) and user namespaces.
    static var unavailableReason: String? {
        if getuid() != 0 { return "the launcher must run as root to map workers to unprivileged host uids" }
        if let text = try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8),
           Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) == 0 {
            return "user namespaces are disabled (user.max_user_namespaces = 0)"
        }
        return nil
    }
}
