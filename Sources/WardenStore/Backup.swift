import Foundation
import GRDB
import WardenDomain

/// What a backup says about itself, written next to the snapshot as `<file>.manifest.json`.
public struct BackupManifest: Codable, Equatable, Sendable {
    public var format: Int
    public var createdAt: String
    public var sha256: String
    public var bytes: Int
    public var schemaVersion: Int
    public var auditEvents: Int
    public var auditHead: String?

    enum CodingKeys: String, CodingKey {
        case format
        case createdAt = "created_at"
        case sha256, bytes
        case schemaVersion = "schema_version"
        case auditEvents = "audit_events"
        case auditHead = "audit_head"
    }

    public static func url(for snapshot: URL) -> URL { URL(fileURLWithPath: snapshot.path + ".manifest.json") }
}

public enum BackupError: Error, CustomStringConvertible {
    case exists(String)
    case missingManifest(String)
    case checksum(expected: String, found: String)
    case integrity(String)
    case audit(String)
    case notSQLite

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists; pass --force to replace it"
        case .missingManifest(let path): "no manifest at \(path); a backup is the snapshot plus its .manifest.json"
        case .checksum(let expected, let found):
            "the snapshot does not match its manifest (sha256 \(found), manifest says \(expected))"
        case .integrity(let message): "PRAGMA integrity_check failed: \(message)"
        case .audit(let message): "the snapshot's audit chain does not verify: \(message)"
        case .notSQLite:
            "warden backup copies the embedded SQLite database; on PostgreSQL use pg_dump and record the audit head with `warden audit verify --database-url` (docs/operations.md, Several nodes)"
        }
    }
}

extension Store {
    /// A consistent online snapshot through SQLite's backup API, while the service keeps running.
    public func backup(to snapshot: URL, force: Bool) async throws -> BackupManifest {
        guard let sqlite = database as? SQLiteDatabase else { throw BackupError.notSQLite }
        let manifestURL = BackupManifest.url(for: snapshot)
        for url in [snapshot, manifestURL] where FileManager.default.fileExists(atPath: url.path) && !force {
            throw BackupError.exists(url.path)
        }
        let partial = URL(fileURLWithPath: snapshot.path + ".partial")
        try? FileManager.default.removeItem(at: partial)
        let destination = try DatabaseQueue(path: partial.path)
        try sqlite.pool.backup(to: destination)
        let (schema, events, head) = try await destination.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_events") ?? 0,
                try String.fetchOne(db, sql: "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            )
        }
        try destination.close()
        // Key hashes and encrypted secrets: readable by the owner only.
        chmod(partial.path, 0o600)
        // Replaces an older snapshot only now that the new one is complete.
        guard rename(partial.path, snapshot.path) == 0 else { throw BackupError.exists(snapshot.path) }
        let data = try Data(contentsOf: snapshot)
        let manifest = BackupManifest(
            format: 1, createdAt: Timestamp.now(), sha256: Digest.sha256Hex(Array(data)), bytes: data.count,
            schemaVersion: schema, auditEvents: events, auditHead: head)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifestPartial = URL(fileURLWithPath: manifestURL.path + ".partial")
        FileManager.default.createFile(
            atPath: manifestPartial.path, contents: try encoder.encode(manifest), attributes: [.posixPermissions: 0o600]
        )
        guard rename(manifestPartial.path, manifestURL.path) == 0 else { throw BackupError.exists(manifestURL.path) }
        return manifest
    }

    /// Checks a backup before anything is replaced: manifest checksum, integrity check, and the
    /// audit chain under this installation's audit key, against the manifest's head and count.
    /// The snapshot is read once: what is returned is exactly the bytes that were checked.
    public static func verifyBackup(_ snapshot: URL, signer: AuditSigner, migrationsDirectory: URL) async throws
        -> VerifiedBackup
    {
        let manifestURL = BackupManifest.url(for: snapshot)
        guard let manifestData = try? Data(contentsOf: manifestURL) else {
            throw BackupError.missingManifest(manifestURL.path)
        }
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: manifestData)
        let bytes = try Data(contentsOf: snapshot)
        let found = Digest.sha256Hex(Array(bytes))
        guard found == manifest.sha256 else { throw BackupError.checksum(expected: manifest.sha256, found: found) }
        // Work on a copy: opening a database can write to it, and the backup must stay as it was.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "warden-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }
        let copyURL = scratch.appendingPathComponent("warden.db")
        try bytes.write(to: copyURL)
        let copy = try DatabaseQueue(path: copyURL.path)
        let integrity = try await copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        guard integrity == ["ok"] else { throw BackupError.integrity(integrity.prefix(5).joined(separator: "; ")) }
        try copy.close()
        let store = try Store.open(dataDirectory: scratch, migrationsDirectory: migrationsDirectory, signer: signer)
        let expected = manifest.auditHead.map { AuditHead(seq: Int64(manifest.auditEvents), hash: $0) }
        let chain = try await store.verifyAuditChain(expectedHead: expected)
        guard chain.ok else {
            throw BackupError.audit("first break at entry \(chain.firstBreak ?? 0): \(chain.reason ?? "")")
        }
        guard chain.checked == Int64(manifest.auditEvents), chain.head?.hash == manifest.auditHead else {
            throw BackupError.audit(
                "the manifest records \(manifest.auditEvents) events ending at \(manifest.auditHead ?? "none"), the snapshot holds \(chain.checked) ending at \(chain.head?.hash ?? "none")"
            )
        }
        return VerifiedBackup(manifest: manifest, bytes: bytes, chain: chain)
    }
}

/// A backup that passed every check, with the very bytes that were checked.
public struct VerifiedBackup: Sendable {
    public var manifest: BackupManifest
    public var bytes: Data
    public var chain: ChainVerification
}
