import ArgumentParser
import Foundation

@main
struct Warden: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "Sandboxed tool execution with an approval workflow.",
        version: wardenVersion,
        subcommands: [Serve.self, Keys.self, Audit.self, Executions.self, Secrets.self, Backup.self, Restore.self])
}

/// Printed by `warden --version`.
let wardenVersion = "0.4.0"

/// `--data-dir`, shared by every command; `WARDEN_DATA_DIR` is the default.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data folder (default: $WARDEN_DATA_DIR or ./warden-data)")
    var dataDirectory: String?

    var url: URL {
        URL(fileURLWithPath: dataDirectory ?? ProcessInfo.processInfo.environment["WARDEN_DATA_DIR"] ?? "warden-data")
    }
}
