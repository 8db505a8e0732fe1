import ArgumentParser
import Foundation
import WardenStore

/// Applies pending migrations without starting the service: once, before nodes of a new
/// version start (`serve` applies them too, under the same lock).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (PostgreSQL with --database-url, else the data folder's SQLite).")
    @OptionGroup var data: DataDirectoryOption

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let migrations = try Installation.home(environment: environment).appendingPathComponent("migrations")
        let database: any SQLDatabase
        if let url = try data.postgresURL(environment) {
            database = PostgreSQLDatabase(url: url, poolSize: 1)
        } else {
            let file = data.url.appendingPathComponent("warden.db")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw ValidationFailure(
                    "\(data.url.path) holds no Warden database (no warden.db): `warden serve` creates a new installation"
                )
            }
            database = try SQLiteDatabase(path: file.path)
        }
        let applied = try await MigrationRunner.migrate(
            database,
            migrations: try Migration.load(from: migrations.appendingPathComponent(database.dialect.rawValue)))
        let version = try await database.read { db in try MigrationRunner.schemaVersion(db) }
        try await database.close()
        for migration in applied { print("applied \(migration.name)") }
        print("\(database.dialect.rawValue) schema at version \(version)")
    }
}
