import Foundation
import GRDB
import Logging
import WardenDomain

/// The registry's persistence: every state change is one transaction together with its audit event.
public final class Store: Sendable {
    let pool: DatabasePool
    let signer: AuditSigner
    public let limits: Limits

    init(pool: DatabasePool, signer: AuditSigner, limits: Limits = .standard) {
        self.pool = pool
        self.signer = signer
        self.limits = limits
    }

    /// Opens `warden.db` in the data folder and applies pending migrations.
    public static func open(dataDirectory: URL, migrationsDirectory: URL, signer: AuditSigner, logger: Logger? = nil)
        throws -> Store
    {
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pool = try DatabaseFile.open(path: dataDirectory.appendingPathComponent("warden.db").path)
        let applied = try MigrationRunner.migrate(pool, migrations: try Migration.load(from: migrationsDirectory))
        for migration in applied {
            logger?.info("applied migration", metadata: ["migration": "\(migration.name)"])
        }
        return Store(pool: pool, signer: signer)
    }
}

extension Store {
    /// Reads only on GRDB's async path. Requiring `T: Sendable` here keeps Swift from quietly
    /// choosing GRDB's blocking `read`, which parks a cooperative thread on a semaphore (with two
    /// cores, two such waits deadlock the server).
    func read<T: Sendable>(_ body: @Sendable (GRDB.Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable (GRDB.Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }
}

extension Store {
    /// Whether the database answers (readiness).
    public func ping() async -> Bool {
        (try? await read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 }) ?? false
    }

    /// Whether any secret is stored: then the encryption key must not change unnoticed.
    public func hasSecrets() async throws -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM server_secrets") ?? 0 } > 0
    }
}

extension Row {
    /// Decodes a JSON text column.
    func json(_ column: String) -> JSONValue {
        guard let text: String = self[column] else { return .null }
        return (try? JSONValue.decode(text)) ?? .null
    }
}

/// Pages a query ordered by `seq`: fetches one row more than asked to know whether more follow.
func page<Item>(_ rows: [Row], limit: Int, map: (Row) throws -> Item) rethrows -> Page<Item> {
    let visible = rows.prefix(limit)
    let next = rows.count > limit ? visible.last.map { PageCursor(after: $0["seq"]).token } : nil
    return Page(items: try visible.map(map), nextCursor: next)
}
