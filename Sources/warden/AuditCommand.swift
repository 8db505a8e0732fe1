import ArgumentParser
import Foundation
import WardenStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the whole audit chain; exit 0 when intact, 1 naming the first break.")
        @OptionGroup var data: DataDirectoryOption
        @Option(
            name: .customLong("expect-head"),
            help:
                "SEQ:HASH of a head recorded earlier (log line, backup manifest): fail if the chain no longer holds it")
        var expectHead: String?

        func validate() throws {
            if let expectHead, AuditHead(expectHead) == nil {
                throw ValidationError("--expect-head must be SEQ:HASH, as printed by this command")
            }
        }

        func run() async throws {
            let store = try await Installation.openStore(data)
            let result = try await store.verifyAuditChain(expectedHead: expectHead.flatMap(AuditHead.init))
            if result.ok {
                print(
                    "audit chain intact: \(result.checked) events verified; head \(result.head.map(\.description) ?? "none (empty chain)")"
                )
            } else {
                print(
                    "audit chain broken at entry \(result.firstBreak ?? 0): \(result.reason ?? "unknown"); \(result.checked) events verified before it"
                )
                throw ExitCode(1)
            }
        }
    }
}
