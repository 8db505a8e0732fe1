import ArgumentParser
import Foundation
import WardenStore

struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Manage secret encryption.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Re-encrypt every secret under WARDEN_ENCRYPTION_KEY; secrets still under WARDEN_ENCRYPTION_KEY_OLD are moved in one transaction."
        )
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let store = try await Installation.openStore(data)
            let box = try await Installation.secretBox(dataDirectory: data.url, store: store)
            let moved = try await store.rotateSecrets(box: box, by: "cli")
            print("re-encrypted \(moved) secrets under the current key")
        }
    }
}
