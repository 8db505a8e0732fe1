import ArgumentParser
import Foundation
import WardenDomain
import WardenStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print it once on standard output. Works with the server stopped.")

        @Option(help: "admin, operator, agent or auditor") var role: String
        @Option(help: "A name for the key (a-z, 0-9, _ and -)") var name: String
        @Option(name: .customLong("expires-in"), help: "Seconds until the key expires") var expiresIn: Int?
        @OptionGroup var data: DataDirectoryOption

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard Names.isValidResourceName(name) else {
                throw ValidationError("--name must match ^[a-z][a-z0-9_-]{0,63}$")
            }
            if let expiresIn, expiresIn < 1 {
                throw ValidationError("--expires-in must be a positive number of seconds")
            }
        }

        func run() async throws {
            let store = try await Installation.openStore(data, create: true)  // the first admin key
            let key = try await store.createAPIKey(
                name: name, role: Role(rawValue: role)!, expiresInSeconds: expiresIn, by: "cli")
            print(key.key ?? "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API keys (never the keys themselves): id, role, name, created, expires, revoked.")
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let store = try await Installation.openStore(data)
            var cursor: PageCursor?
            repeat {
                let page = try await store.apiKeys(after: cursor, limit: 500)
                for key in page.items {
                    print(
                        [
                            key.id, key.role.rawValue, key.name, key.createdAt, key.expiresAt ?? "-",
                            key.revokedAt ?? "-",
                        ].joined(separator: "\t"))
                }
                cursor = try PageCursor.parse(page.nextCursor)
            } while cursor != nil
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key by id; its session tokens end with it.")
        @Argument(help: "The key's id (from `warden keys list`)") var id: String
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let store = try await Installation.openStore(data)
            try await store.revokeAPIKey(id: id, by: "cli")
            print("revoked \(id)")
        }
    }
}
