import Foundation
import Testing
import WardenDomain
import WardenSandbox
import WardenTestSupport

/// Hostile tools in real confined workers. Each file in `Tests/hostile/` starts with
/// `# expect: OUTCOME`; every attack must fail that way, and a normal tool must still run after it.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct HostileTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var code: String
        var expectation: String
        var testDescription: String { name }
    }

    static let directory = TestSandbox.repositoryRoot.appendingPathComponent("Tests/hostile")
    /// Helpers shared by the attacks (reaching `posix` and `ctypes`), run before each one.
    static let prelude =
        (try? String(contentsOf: directory.appendingPathComponent("_prelude.py"), encoding: .utf8)) ?? ""

    static let cases: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".py") }.sorted().compactMap { name in
            guard let code = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                let header = code.split(separator: "\n").first, header.hasPrefix("# expect:")
            else { return nil }
            return Case(
                name: name, code: prelude + "\n" + code,
                expectation: header.dropFirst("# expect:".count).trimmingCharacters(in: .whitespaces))
        }
    }()

    @Test func thereAreAtLeastThirtyAttacks() {
        #expect(Self.cases.count >= 30)
    }

    enum Mode: String, Sendable, CaseIterable {
        case fork, spawn
    }

    @Test(arguments: cases, Mode.allCases)
    func attackFails(_ attack: Case, mode: Mode) async throws {
        let sandbox = try #require(mode == .fork ? TestSandbox.shared : TestSandbox.spawnMode)
        let outcome = try await sandbox.execute(
            code: attack.code, arguments: .object([:]), secrets: ["DEMO_TOKEN": "s3cret-demo"], tenant: "t")
        let summary =
            "\(outcome.status) \(outcome.reason?.rawValue ?? "") cpu=\(outcome.cpuMs ?? -1) wall=\(outcome.durationMs) \(outcome.result?.encodedString().prefix(400) ?? "") \(outcome.error.map { "\($0.type): \($0.message)" } ?? "")"
        switch attack.expectation {
        case "blocked":
            #expect(outcome.status == .succeeded, "\(summary)")
            #expect(outcome.result?.objectValue?["escaped"] == .bool(false), "\(summary)")
        case "failed":
            #expect(outcome.status == .failed, "\(summary)")
        case "timeout":
            #expect(outcome.status == .timeout, "\(summary)")
        case "truncated":
            #expect(outcome.stdoutTruncated || outcome.reason == .output, "\(summary)")
            #expect(outcome.stdout.utf8.count <= sandbox.profile.limits.outputBytes)
        case "killed:cpu" where outcome.status == .timeout:
            // On a loaded machine the wall clock (10 s) can run out before 5 s of CPU: stopped either way.
            #expect(outcome.error?.type == "Timeout", "\(summary)")
        case let expected where expected.hasPrefix("killed:"):
            #expect(outcome.status == .killed, "\(summary)")
            #expect(outcome.reason?.rawValue == String(expected.dropFirst("killed:".count)), "\(summary)")
        default:
            Issue.record("unknown expectation \(attack.expectation) in \(attack.name)")
        }
        let after = try await sandbox.execute(
            code: "def main():\n    return {'ok': 1}\n", arguments: .object([:]), tenant: "t")
        #expect(after.status == .succeeded)
        #expect(after.result == .object(["ok": .int(1)]))
    }
}
