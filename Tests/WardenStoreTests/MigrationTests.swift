import Foundation
import Testing
import WardenStore
import WardenTestSupport

@Suite("Migrations")
struct MigrationTests {
    /// An empty database of the given kind, and what removes it.
    func scratch(_ kind: TestDatabase) async throws -> (database: any SQLDatabase, migrations: URL, cleanup: () -> Void)
    {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warden-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let database: any SQLDatabase
        switch kind {
        case .sqlite: database = try SQLiteDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        case .postgresql: database = PostgreSQLDatabase(url: try await TestDatabase.freshPostgres(), poolSize: 2)
        }
        let migrations = dir.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        return (database, migrations, { try? FileManager.default.removeItem(at: dir) })
    }

    func write(_ files: [String: String], to directory: URL) throws {
        for (name, sql) in files {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    func exists(_ table: String, in database: any SQLDatabase) async -> Bool {
        (try? await database.read { db in try db.fetchAll(sql: "SELECT * FROM \(table) LIMIT 1") }) != nil
    }

    @Test(arguments: TestDatabase.all) func appliesInOrderOnceAndRecordsChecksums(_ kind: TestDatabase) async throws {
        let (database, dir, cleanup) = try await scratch(kind)
        defer { cleanup() }
        try write(
            [
                "0001_a.sql": "CREATE TABLE a (x INTEGER PRIMARY KEY);",
                "0002_b.sql": "CREATE TABLE b (y INTEGER REFERENCES a(x));",
            ],
            to: dir)
        let migrations = try Migration.load(from: dir)
        #expect(try await MigrationRunner.migrate(database, migrations: migrations).map(\.version) == [1, 2])
        #expect(try await MigrationRunner.migrate(database, migrations: migrations).isEmpty)
        let recorded = try await database.read { db in
            try db.fetchValues(String.self, sql: "SELECT checksum FROM schema_migrations ORDER BY version")
        }
        #expect(recorded == migrations.map(\.checksum))
        try await database.close()
    }

    @Test(arguments: TestDatabase.all) func editedAppliedMigrationStopsStartUp(_ kind: TestDatabase) async throws {
        let (database, dir, cleanup) = try await scratch(kind)
        defer { cleanup() }
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER);"], to: dir)
        try await MigrationRunner.migrate(database, migrations: try Migration.load(from: dir))
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER, z TEXT);"], to: dir)
        await #expect {
            try await MigrationRunner.migrate(database, migrations: try Migration.load(from: dir))
        } throws: { error in
            "\(error)".contains("0001_a.sql was changed after it was applied")
        }
        try await database.close()
    }

    @Test(arguments: TestDatabase.all) func newerDatabaseIsRefusedAndLeftAlone(_ kind: TestDatabase) async throws {
        let (database, dir, cleanup) = try await scratch(kind)
        defer { cleanup() }
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER);", "0002_b.sql": "CREATE TABLE b (y INTEGER);"], to: dir)
        try await MigrationRunner.migrate(database, migrations: try Migration.load(from: dir))
        let older = Array(try Migration.load(from: dir).prefix(1))
        await #expect(throws: MigrationError.databaseIsNewer(databaseVersion: 2, known: 1)) {
            try await MigrationRunner.migrate(database, migrations: older)
        }
        #expect(await exists("b", in: database))
        try await database.close()
    }

    @Test(arguments: TestDatabase.all) func failingMigrationRollsBackWhole(_ kind: TestDatabase) async throws {
        let (database, dir, cleanup) = try await scratch(kind)
        defer { cleanup() }
        try write(
            [
                "0001_a.sql": "CREATE TABLE a (x INTEGER);",
                "0002_b.sql": "CREATE TABLE b (y INTEGER); THIS IS NOT SQL;",
            ], to: dir)
        await #expect(throws: (any Error).self) {
            try await MigrationRunner.migrate(database, migrations: try Migration.load(from: dir))
        }
        #expect(await !exists("a", in: database))
        #expect(await !exists("b", in: database))
        try await database.close()
    }

    /// Each dialect's folder builds the full schema; where PostgreSQL is at hand, both build the
    /// same tables with the same columns, so the store's one SQL fits both.
    @Test func projectMigrationsBuildTheSameSchemaInBothDialects() async throws {
        var columns: [TestDatabase: [String: Set<String>]] = [:]
        for kind in TestDatabase.all {
            let (database, _, cleanup) = try await scratch(kind)
            defer { cleanup() }
            let folder = TestStore.migrations.appendingPathComponent(kind == .sqlite ? "sqlite" : "postgresql")
            let applied = try await MigrationRunner.migrate(database, migrations: try Migration.load(from: folder))
            #expect(!applied.isEmpty)
            let sql =
                kind == .sqlite
                ? """
                SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                """
                : """
                SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'
                """
            let rows = try await database.read { db in try db.fetchAll(sql: sql) }
            var tables: [String: Set<String>] = [:]
            for row in rows { tables[row["table_name"], default: []].insert(row["column_name"]) }
            #expect(tables["tool_versions"] != nil && tables["executions"]?.contains("node_id") == true)
            columns[kind] = tables
            try await database.close()
        }
        if let sqlite = columns[.sqlite], let postgres = columns[.postgresql] {
            #expect(sqlite == postgres)
        }
    }
}
