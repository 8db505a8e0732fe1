import Foundation
import GRDB
import Testing
import WardenStore
import WardenTestSupport

@Suite("Migrations")
struct MigrationTests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warden-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ files: [String: String], to directory: URL) throws {
        for (name, sql) in files {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    @Test func appliesInOrderOnceAndRecordsChecksums() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(
            ["0001_a.sql": "CREATE TABLE a (x INTEGER);", "0002_b.sql": "CREATE TABLE b (y INTEGER REFERENCES a(x));"],
            to: dir)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("db.sqlite").path)
        let migrations = try Migration.load(from: dir)
        #expect(try MigrationRunner.migrate(queue, migrations: migrations).map(\.version) == [1, 2])
        #expect(try MigrationRunner.migrate(queue, migrations: migrations).isEmpty)
        let recorded = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT checksum FROM schema_migrations ORDER BY version")
        }
        #expect(recorded == migrations.map(\.checksum))
    }

    @Test func editedAppliedMigrationStopsStartUp() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER);"], to: dir)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("db.sqlite").path)
        try MigrationRunner.migrate(queue, migrations: try Migration.load(from: dir))
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER, z TEXT);"], to: dir)
        #expect {
            try MigrationRunner.migrate(queue, migrations: try Migration.load(from: dir))
        } throws: { error in
            "\(error)".contains("0001_a.sql was changed after it was applied")
        }
    }

    @Test func newerDatabaseIsRefusedAndLeftAlone() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(["0001_a.sql": "CREATE TABLE a (x INTEGER);", "0002_b.sql": "CREATE TABLE b (y INTEGER);"], to: dir)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("db.sqlite").path)
        try MigrationRunner.migrate(queue, migrations: try Migration.load(from: dir))
        let older = Array(try Migration.load(from: dir).prefix(1))
        #expect(throws: MigrationError.databaseIsNewer(databaseVersion: 2, known: 1)) {
            try MigrationRunner.migrate(queue, migrations: older)
        }
        #expect(try queue.read { db in try db.tableExists("b") })
    }

    @Test func failingMigrationRollsBackWhole() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(
            [
                "0001_a.sql": "CREATE TABLE a (x INTEGER);",
                "0002_b.sql": "CREATE TABLE b (y INTEGER); THIS IS NOT SQL;",
            ], to: dir)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("db.sqlite").path)
        #expect(throws: (any Error).self) {
            try MigrationRunner.migrate(queue, migrations: try Migration.load(from: dir))
        }
        #expect(try queue.read { db in try !db.tableExists("a") && !db.tableExists("b") })
    }

    @Test func projectMigrationsApplyToAFreshDatabase() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let queue = try DatabaseQueue(path: dir.appendingPathComponent("db.sqlite").path)
        let applied = try MigrationRunner.migrate(
            queue, migrations: try Migration.load(from: TestSandbox.repositoryRoot.appendingPathComponent("migrations"))
        )
        #expect(applied.count >= 2)
        #expect(try queue.read { db in try db.tableExists("tool_versions") && db.tableExists("executions") })
    }
}
