import Foundation
import WardenDomain

/// One numbered `.sql` file from `migrations/`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    public var checksum: String

    /// Reads `NNNN_name.sql` files in order. Gaps and duplicates are refused.
    public static func load(from directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        let migrations = try names.map { name -> Migration in
            guard let number = Int(name.prefix { $0.isNumber }), name.first?.isNumber == true else {
                throw MigrationError.badFileName(name)
            }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            return Migration(
                version: number, name: name, sql: String(decoding: data, as: UTF8.self),
                checksum: Digest.sha256Hex(Array(data)))
        }.sorted { $0.version < $1.version }
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            throw MigrationError.notContiguous(migration.name, expected: index + 1)
        }
        return migrations
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case notContiguous(String, expected: Int)
    case changedAfterApplied(String, recorded: String, found: String)
    case databaseIsNewer(databaseVersion: Int, known: Int)

    public var description: String {
        switch self {
        case .badFileName(let name):
            "migration file \(name) must be named NNNN_description.sql"
        case .notContiguous(let name, let expected):
            "migration \(name) is out of sequence; expected number \(expected)"
        case .changedAfterApplied(let name, let recorded, let found):
            "migration \(name) was changed after it was applied (recorded sha256 \(recorded), file has \(found)); restore the original file and add a new migration instead"
        case .databaseIsNewer(let databaseVersion, let known):
            "this database was written by a newer Warden (schema version \(databaseVersion); this build knows up to \(known)); refusing to start rather than damage it"
        }
    }
}

/// Applies pending migrations in one transaction and records each with its checksum. On
/// PostgreSQL the write lock serialises nodes that start together.
public enum MigrationRunner {
    @discardableResult
    public static func migrate(_ database: any SQLDatabase, migrations: [Migration]) async throws -> [Migration] {
        try await database.write { db in try apply(db, migrations: migrations) }
    }

    static func apply(_ db: any SQLConnection, migrations: [Migration]) throws -> [Migration] {
        try db.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)
            """)
        let applied = try db.fetchAll(sql: "SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        let known = migrations.last?.version ?? 0
        if let newest = applied.last?["version"] as Int?, newest > known {
            throw MigrationError.databaseIsNewer(databaseVersion: newest, known: known)
        }
        for row in applied {
            let version: Int = row["version"]
            let recorded: String = row["checksum"]
            let file = migrations[version - 1]
            guard file.checksum == recorded else {
                throw MigrationError.changedAfterApplied(file.name, recorded: recorded, found: file.checksum)
            }
        }
        let pending = Array(migrations.dropFirst(applied.count))
        for migration in pending {
            try db.executeScript(migration.sql)
            try db.execute(
                sql: "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                arguments: [migration.version, migration.name, migration.checksum, Timestamp.now()])
        }
        return pending
    }

    /// The newest applied migration, 0 on an empty database.
    public static func schemaVersion(_ db: any SQLConnection) throws -> Int {
        try db.fetchValue(Int.self, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0
    }
}
