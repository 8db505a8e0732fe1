import ArgumentParser
import Foundation
import WardenStore

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a consistent online snapshot of the database (SQLite backup API) with a checksummed manifest.")

    @Option(help: "Snapshot file to write; the manifest goes to FILE.manifest.json") var output: String
    @Flag(help: "Replace an existing snapshot") var force = false
    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        guard try data.postgresURL(ProcessInfo.processInfo.environment) == nil else {
            throw ValidationFailure(BackupError.notSQLite.description)
        }
        let store = try await Installation.openStore(data)
        let manifest = try await store.backup(to: URL(fileURLWithPath: output), force: force)
        print(
            "backup written: \(output) (\(manifest.bytes) bytes, sha256 \(manifest.sha256), schema \(manifest.schemaVersion), \(manifest.auditEvents) audit events)"
        )
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check a backup (manifest checksum, integrity check, audit chain) and only then replace the data. Stop the server first."
    )

    @Option(help: "Snapshot file written by `warden backup`") var input: String
    @Flag(help: "Check the backup before restoring (always done; accepted for clarity)") var verify = false
    @Flag(name: .customLong("dry-run"), help: "Only check the backup; replace nothing") var dryRun = false
    @Flag(help: "Replace an existing database") var force = false
    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let home = try Installation.home()
        let keyFile = data.url.appendingPathComponent("audit.key")
        let environment = ProcessInfo.processInfo.environment
        let key = try KeyFile.load(
            variable: "WARDEN_AUDIT_KEY", file: keyFile, environment: environment,
            guarding: "a backup whose audit chain must be verified with it"
        ) { false }
        let snapshot = URL(fileURLWithPath: input)
        let verified = try await Store.verifyBackup(
            snapshot, signer: AuditSigner(keyBytes: key),
            migrationsDirectory: home.appendingPathComponent("migrations"))
        print(
            "backup verified: sha256 \(verified.manifest.sha256) matches, integrity ok, audit chain walked: \(verified.chain.checked) events verified, head \(verified.chain.head.map(\.description) ?? "none") equals the manifest's"
        )
        if dryRun { return }
        let database = data.url.appendingPathComponent("warden.db")
        let exists = FileManager.default.fileExists(atPath: database.path)
        if exists && !force {
            throw ValidationFailure("\(database.path) exists; pass --force to replace it (stop the server first)")
        }
        try FileManager.default.createDirectory(
            at: data.url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Copy beside the database first; the old one goes only once the new one is complete.
        let staged = data.url.appendingPathComponent("warden.db.restoring")
        try? FileManager.default.removeItem(at: staged)
        // Exactly the bytes that were verified: the file on disk is not read again.
        guard
            FileManager.default.createFile(
                atPath: staged.path, contents: verified.bytes, attributes: [.posixPermissions: 0o600])
        else {
            throw ValidationFailure("could not write \(staged.path)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        guard rename(staged.path, database.path) == 0 else {
            throw ValidationFailure("could not move the restored database into place")
        }
        print("restored \(input) into \(database.path)")
    }
}
