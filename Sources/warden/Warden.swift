import ArgumentParser
import Foundation
import WardenStore

@main
struct Warden: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "Sandboxed tool execution with an approval workflow.",
        version: wardenVersion,
        subcommands: [
            Serve.self, Migrate.self, Keys.self, Audit.self, Executions.self, Secrets.self, Backup.self, Restore.self,
        ])
}

/// Printed by `warden --version`.
let wardenVersion = "0.4.0"

/// `--data-dir`, shared by every command; `WARDEN_DATA_DIR` is the default.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data folder (default: $WARDEN_DATA_DIR or ./warden-data)")
    var dataDirectory: String?

    @Option(
        name: .customLong("database-url"),
        help:
            "PostgreSQL, as postgres://user:password@host:5432/db (default: $WARDEN_DATABASE_URL; without it, SQLite in the data folder)"
    )
    var databaseURL: String?

    var url: URL {
        URL(fileURLWithPath: dataDirectory ?? ProcessInfo.processInfo.environment["WARDEN_DATA_DIR"] ?? "warden-data")
    }

    /// The PostgreSQL URL, if one is given; nil means SQLite in the data folder.
    func postgresURL(_ environment: [String: String]) throws -> DatabaseURL? {
        guard let text = databaseURL ?? environment["WARDEN_DATABASE_URL"], !text.isEmpty else { return nil }
        do {
            return try DatabaseURL(text)
        } catch {
            throw ValidationFailure("WARDEN_DATABASE_URL: \(error)")
        }
    }
}
