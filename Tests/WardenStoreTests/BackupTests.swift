import Foundation
import GRDB
import Testing
import WardenDomain
import WardenStore
import WardenTestSupport

@Suite("Backup and restore")
struct BackupTests {
    let migrations = TestSandbox.repositoryRoot.appendingPathComponent("migrations")
    let key = RandomBytes.make(32)

    func filledStore() async throws -> (Store, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warden-bk-\(UUID().uuidString)")
        let store = try Store.open(
            dataDirectory: dir, migrationsDirectory: migrations, signer: AuditSigner(keyBytes: key))
        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "t")
        let tool = try await store.createTool(
            serverId: server.id,
            ToolDraft(
                name: "t", description: "", code: "def main():\n    return 1\n",
                inputSchema: .object([:]), schemaExplicit: true), by: "t")
        _ = try await store.approveTool(id: tool.id, version: 1, note: nil, by: "t")
        return (store, dir)
    }

    /// Edits a snapshot with `sql`; with `fixingChecksum`, also the manifest's checksum, as an
    /// intruder with both files would: then only the audit chain (and the manifest's head) tells.
    func tamper(_ snapshot: URL, _ sql: String, fixingChecksum: Bool = true) async throws {
        let queue = try DatabaseQueue(path: snapshot.path)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
        guard fixingChecksum else { return }
        let manifestURL = BackupManifest.url(for: snapshot)
        var manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: manifestURL))
        manifest.sha256 = Digest.sha256Hex(Array(try Data(contentsOf: snapshot)))
        try JSONEncoder().encode(manifest).write(to: manifestURL)
    }

    @Test func snapshotVerifiesAndRefusesToOverwrite() async throws {
        let (store, dir) = try await filledStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let snapshot = dir.appendingPathComponent("backup.db")
        let manifest = try await store.backup(to: snapshot, force: false)
        #expect(manifest.auditEvents == 3)
        #expect(manifest.schemaVersion >= 6)
        await #expect(throws: BackupError.self) { _ = try await store.backup(to: snapshot, force: false) }
        _ = try await store.backup(to: snapshot, force: true)
        let verified = try await Store.verifyBackup(
            snapshot, signer: AuditSigner(keyBytes: key), migrationsDirectory: migrations)
        #expect(verified.manifest.auditEvents == 3 && verified.chain.checked == 3)
        #expect(
            verified.chain.head?.hash == manifest.auditHead || verified.manifest.auditHead == verified.chain.head?.hash)
        #expect(verified.bytes == (try Data(contentsOf: snapshot)))
        for file in [snapshot, BackupManifest.url(for: snapshot)] {
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent) holds key hashes and encrypted secrets: owner only")
        }
        let restored = try DatabaseQueue(path: snapshot.path)
        let status = try await restored.read { db in try String.fetchOne(db, sql: "SELECT approval_status FROM tools") }
        #expect(status == "approved", "the approval is in the snapshot")
    }

    @Test func tamperedOrForeignBackupsAreRefused() async throws {
        let (store, dir) = try await filledStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let snapshot = dir.appendingPathComponent("backup.db")
        _ = try await store.backup(to: snapshot, force: false)
        await #expect(throws: BackupError.self) {
            _ = try await Store.verifyBackup(
                snapshot, signer: AuditSigner(keyBytes: RandomBytes.make(32)), migrationsDirectory: migrations)
        }
        // Edit the snapshot's audit trail and fix up the manifest's checksum: the chain still tells.
        let edit = "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"
        try await tamper(snapshot, edit, fixingChecksum: false)
        await #expect(throws: BackupError.self, "the checksum no longer matches") {
            _ = try await Store.verifyBackup(
                snapshot, signer: AuditSigner(keyBytes: key), migrationsDirectory: migrations)
        }
        try await tamper(snapshot, edit)
        do {
            _ = try await Store.verifyBackup(
                snapshot, signer: AuditSigner(keyBytes: key), migrationsDirectory: migrations)
            Issue.record("a tampered audit trail must not verify")
        } catch let error as BackupError {
            #expect("\(error)".contains("entry 2"))
        }
    }

    /// A snapshot whose newest audit events were deleted (and the checksum fixed up) still has an
    /// intact chain; the manifest's head and count catch it.
    @Test func aTruncatedAuditTailIsCaughtByTheManifestsHead() async throws {
        let (store, dir) = try await filledStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let snapshot = dir.appendingPathComponent("backup.db")
        _ = try await store.backup(to: snapshot, force: false)
        try await tamper(snapshot, "DELETE FROM audit_events WHERE seq = 3")
        do {
            _ = try await Store.verifyBackup(
                snapshot, signer: AuditSigner(keyBytes: key), migrationsDirectory: migrations)
            Issue.record("a truncated audit trail must not verify")
        } catch let error as BackupError {
            #expect("\(error)".contains("entry 3 is missing"), "\(error)")
        }
    }
}
