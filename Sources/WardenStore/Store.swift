import Foundation
import Logging
import WardenDomain

/// The registry's persistence: every state change is one transaction together with its audit
/// event, on SQLite or PostgreSQL through the same SQL (docs/design.md §11.1).
public final class Store: Sendable {
    let database: any SQLDatabase
    let signer: AuditSigner
    public let limits: Limits
    /// This supervisor's name in the shared database: its executions and its lease carry it.
    public let nodeId: String

    init(database: any SQLDatabase, signer: AuditSigner, nodeId: String? = nil, limits: Limits = .standard) {
        self.database = database
        self.signer = signer
        self.nodeId = nodeId ?? Identifier.make("node")
        self.limits = limits
    }

    public var dialect: SQLDialect { database.dialect }

    /// Opens `warden.db` in the data folder and applies pending migrations from `migrations/sqlite`.
    public static func open(
        dataDirectory: URL, migrationsDirectory: URL, signer: AuditSigner, nodeId: String? = nil, logger: Logger? = nil
    ) throws -> Store {
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let database = try SQLiteDatabase(path: dataDirectory.appendingPathComponent("warden.db").path)
        let migrations = try Migration.load(
            from: migrationsDirectory.appendingPathComponent(SQLDialect.sqlite.rawValue))
        let applied = try database.pool.write { db in
            try MigrationRunner.apply(SQLiteConnection(db: db), migrations: migrations)
        }
        log(applied, logger)
        return Store(database: database, signer: signer, nodeId: nodeId)
    }

    /// Connects to PostgreSQL and applies pending migrations from `migrations/postgresql`.
    public static func open(
        databaseURL: DatabaseURL, poolSize: Int = 8, migrationsDirectory: URL, signer: AuditSigner,
        nodeId: String? = nil, logger: Logger? = nil
    ) async throws -> Store {
        let database = PostgreSQLDatabase(url: databaseURL, poolSize: poolSize)
        do {
            let migrations = try Migration.load(
                from: migrationsDirectory.appendingPathComponent(SQLDialect.postgresql.rawValue))
            log(try await MigrationRunner.migrate(database, migrations: migrations), logger)
        } catch {
            try? await database.close()
            throw error
        }
        return Store(database: database, signer: signer, nodeId: nodeId)
    }

    private static func log(_ applied: [Migration], _ logger: Logger?) {
        for migration in applied {
            logger?.info("applied migration", metadata: ["migration": "\(migration.name)"])
        }
    }

    public func close() async {
        try? await database.close()
    }
}

extension Store {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await database.read(body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await database.write(body)
    }
}

extension Store {
    /// Whether the database answers (readiness).
    public func ping() async -> Bool {
        (try? await read { db in try db.fetchValue(Int.self, sql: "SELECT 1") == 1 }) ?? false
    }

    /// Whether any secret is stored: then the encryption key must not change unnoticed.
    public func hasSecrets() async throws -> Bool {
        try await read { db in try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM server_secrets") ?? 0 } > 0
    }
}

extension SQLRow {
    /// Decodes a JSON text column.
    func json(_ column: String) -> JSONValue {
        guard let text: String = self[column] else { return .null }
        return (try? JSONValue.decode(text)) ?? .null
    }
}

/// Pages a query ordered by `seq`: fetches one row more than asked to know whether more follow.
func page<Item>(_ rows: [SQLRow], limit: Int, map: (SQLRow) throws -> Item) rethrows -> Page<Item> {
    let visible = rows.prefix(limit)
    let next = rows.count > limit ? visible.last.map { PageCursor(after: $0["seq"]).token } : nil
    return Page(items: try visible.map(map), nextCursor: next)
}
