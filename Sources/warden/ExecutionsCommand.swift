import ArgumentParser
import Foundation
import WardenDomain
import WardenStore

struct Executions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executions", abstract: "Manage the execution log.", subcommands: [Prune.self])

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished executions older than a period; the pruning is itself audited.")

        @Option(name: .customLong("older-than"), help: "A period such as 30d, 12h or 90m") var olderThan: String
        @OptionGroup var data: DataDirectoryOption

        func validate() throws {
            guard RetentionPeriod.parse(olderThan) != nil else {
                throw ValidationError("--older-than takes a period such as 30d, 12h, 90m or 3600s")
            }
        }

        func run() async throws {
            let period = RetentionPeriod.parse(olderThan)!
            let store = try await Installation.openStore(data)
            let cutoff = Timestamp.string(Date().addingTimeInterval(-TimeInterval(period.seconds)))
            let deleted = try await store.pruneExecutions(startedBefore: cutoff, by: "cli")
            print("pruned \(deleted) executions started before \(cutoff)")
        }
    }
}
