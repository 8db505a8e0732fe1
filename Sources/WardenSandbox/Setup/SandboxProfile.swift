import Foundation
import WardenDomain

/// The fixed sandbox profile: seccomp policy, module allowlist, limits and the runner.
/// Loaded from `sandbox-profiles/`; its hash is recorded so a change is an audit event.
public struct SandboxProfile: Sendable {
    public var directory: URL
    public var limits: SandboxLimits
    public var allowedModules: [String]
    /// SHA-256 over every file of the profile, in path order.
    public var sha256: String
    /// Per-file hashes, to say what changed between two profiles.
    public var fileHashes: [String: String]

    public var seccompPolicy: URL { directory.appendingPathComponent("seccomp.policy") }
    public var runnerDirectory: URL { directory.appendingPathComponent("runner") }

    public static func load(from directory: URL) throws -> SandboxProfile {
        let limitsData = try Data(contentsOf: directory.appendingPathComponent("limits.json"))
        let limits = try JSONDecoder().decode(SandboxLimits.self, from: limitsData)
        let allowText = try String(contentsOf: directory.appendingPathComponent("modules.allow"), encoding: .utf8)
        let modules = allowText.split(separator: "\n").compactMap { line -> String? in
            let name =
                line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            return name.isEmpty ? nil : name
        }
        var hashes: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                !url.path.contains("__pycache__")
            else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            hashes[relative] = Digest.sha256Hex(Array(try Data(contentsOf: url)))
        }
        let combined = hashes.keys.sorted().map { "\($0)=\(hashes[$0]!)" }.joined(separator: "\n")
        return SandboxProfile(
            directory: directory, limits: limits, allowedModules: modules,
            sha256: Digest.sha256Hex(combined), fileHashes: hashes)
    }
}
