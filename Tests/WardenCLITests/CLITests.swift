import Foundation
import Testing
import WardenSandbox
import WardenTestSupport

@testable import warden

/// The `warden` command's own rules, checked on the built binary and its parts.
@Suite struct CLITests {
    static let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("warden").path

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(
            [binary] + arguments,
            environment: ProcessInfo.processInfo.environment.merging([
                "WARDEN_HOME": TestSandbox.repositoryRoot.path
            ]) { $1 }, errors: .merged)
        return (result.status, result.text)
    }

    @Test func commandsOtherThanServeRefuseAFolderWithoutADatabase() throws {
        let typo = FileManager.default.temporaryDirectory.appendingPathComponent("warden-typo-\(UUID().uuidString)")
            .path
        for command in [
            ["audit", "verify"], ["keys", "list"], ["executions", "prune", "--older-than", "30d"],
            ["secrets", "rotate"],
        ] {
            let result = try Self.run(command + ["--data-dir", typo])
            #expect(result.status != 0, "\(command): \(result.output)")
            #expect(result.output.contains("holds no Warden database"), "\(command): \(result.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo), "nothing was created")
        // The first admin key starts an installation; then the other commands work on it.
        let created = try Self.run(["keys", "create", "--role", "admin", "--name", "first", "--data-dir", typo])
        defer { try? FileManager.default.removeItem(atPath: typo) }
        #expect(created.status == 0 && created.output.hasPrefix("wdn_"), "\(created.output)")
        let listed = try Self.run(["keys", "list", "--data-dir", typo])
        #expect(listed.status == 0 && listed.output.contains("\tadmin\tfirst\t"), "\(listed.output)")
        let id = String(listed.output.split(separator: "\t").first ?? "")
        #expect(try Self.run(["keys", "revoke", id, "--data-dir", typo]).status == 0)
        #expect(
            try Self.run(["keys", "list", "--data-dir", typo]).output.split(separator: "\t").last != "-\n", "revoked")
        let verified = try Self.run(["audit", "verify", "--data-dir", typo])
        #expect(verified.status == 0 && verified.output.contains("head 2:"), "\(verified.output)")
        #expect(try Self.run(["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == wardenVersion)
    }

    /// `warden migrate` applies what is pending and says where the schema is; on SQLite it needs
    /// an installation, on PostgreSQL it prepares an empty database, after which the other
    /// commands work there with the keys given in the environment and nowhere else.
    @Test func migrateOnEachDatabase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("warden-mig-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let refused = try Self.run(["migrate", "--data-dir", folder])
        #expect(refused.status != 0 && refused.output.contains("holds no Warden database"), "\(refused.output)")
        #expect(try Self.run(["keys", "create", "--role", "admin", "--name", "a", "--data-dir", folder]).status == 0)
        let current = try Self.run(["migrate", "--data-dir", folder])
        #expect(current.status == 0 && current.output.contains("sqlite schema at version 13"), "\(current.output)")
        #expect(!current.output.contains("applied "), "nothing was pending")

        guard TestDatabase.all.contains(.postgresql) else { return }
        let url = try await TestDatabase.freshPostgres()
        let address = "postgres://\(url.user)@\(url.host):\(url.port)/\(url.database)"
        let migrated = try Self.run(["migrate", "--database-url", address])
        #expect(migrated.status == 0, "\(migrated.output)")
        #expect(migrated.output.contains("applied 0001_schema.sql"), "\(migrated.output)")
        #expect(try Self.run(["migrate", "--database-url", address]).output.contains("postgresql schema at version 2"))
        // No node makes up a key for a shared database.
        let keyless = try Self.run([
            "keys", "create", "--role", "admin", "--name", "a", "--database-url", address, "--data-dir",
            folder + "-none",
        ])
        #expect(keyless.status != 0 && keyless.output.contains("WARDEN_AUDIT_KEY"), "\(keyless.output)")
        #expect(
            try Self.run(["backup", "--output", folder + ".db", "--database-url", address]).output.contains("pg_dump"))
    }

    /// Node settings that cannot be right stop the command with the variable's name.
    @Test func nodeSettingsAreCheckedBeforeAnythingOpens() throws {
        #expect(try Installation.poolSize([:]) == 8)
        #expect(try Installation.poolSize(["WARDEN_DATABASE_POOL_SIZE": "16"]) == 16)
        for bad in ["lots", "0", "201", ""] {
            #expect(throws: ValidationFailure.self) { try Installation.poolSize(["WARDEN_DATABASE_POOL_SIZE": bad]) }
        }
        #expect(try Installation.nodeId(["WARDEN_NODE_ID": "warden-a.1"]) == "warden-a.1")
        #expect(try Installation.nodeId([:]) == nil)
        for bad in ["", "a b", "a/b", String(repeating: "n", count: 65), "nöde"] {
            #expect(throws: ValidationFailure.self) { try Installation.nodeId(["WARDEN_NODE_ID": bad]) }
        }
    }

    @Test func textLogsEscapeControlCharacters() {
        #expect(TextLogHandler.escaped("alice\n2026-01-01 critical forged") == "alice\\n2026-01-01 critical forged")
        #expect(
            TextLogHandler.escaped("a\rb\tc\u{1B}[31m\u{7F}\u{85}\u{2028}")
                == "a\\rb\\tc\\u{1B}[31m\\u{7F}\\u{85}\\u{2028}")
        #expect(TextLogHandler.escaped("ünïcode ok") == "ünïcode ok")
    }
}
