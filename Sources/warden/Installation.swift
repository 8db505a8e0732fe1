import Foundation
import Logging
import WardenDomain
import WardenStore

/// Where Warden's own files are: `migrations/` and `sandbox-profiles/`. `WARDEN_HOME` names the
/// folder holding both; otherwise the folders above the executable and the working directory are searched.
enum Installation {
    static func home(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit = environment["WARDEN_HOME"] { return URL(fileURLWithPath: explicit) }
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        guard let found = candidates.first(where: isHome) else {
            throw ValidationFailure(
                "cannot find migrations/ and sandbox-profiles/; set WARDEN_HOME to the folder that holds them")
        }
        return found
    }

    private static func isHome(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("migrations").path)
            && FileManager.default.fileExists(atPath: url.appendingPathComponent("sandbox-profiles").path)
    }

    /// Opens the store: PostgreSQL when a database URL is given, else SQLite in the data folder.
    static func openStore(
        _ data: DataDirectoryOption, create: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger? = nil
    ) async throws -> Store {
        guard let url = try data.postgresURL(environment) else {
            return try openStore(dataDirectory: data.url, create: create, environment: environment, logger: logger)
        }
        let home = try home(environment: environment)
        // Settings first, so a typo is named before anything is opened.
        let poolSize = try poolSize(environment)
        let node = try nodeId(environment)
        // Every node signs the one chain: the key is given, never made up by one node.
        let key = try KeyFile.load(
            variable: "WARDEN_AUDIT_KEY", file: data.url.appendingPathComponent("audit.key"), environment: environment,
            guarding:
                "the audit chain every node signs (on PostgreSQL the key is always given, never made up by one node)"
        ) { false }
        return try await Store.open(
            databaseURL: url, poolSize: poolSize, migrationsDirectory: home.appendingPathComponent("migrations"),
            signer: AuditSigner(keyBytes: key), nodeId: node, logger: logger)
    }

    static func poolSize(_ environment: [String: String]) throws -> Int {
        guard let text = environment["WARDEN_DATABASE_POOL_SIZE"] else { return 8 }
        guard let size = Int(text), (1...200).contains(size) else {
            throw ValidationFailure("WARDEN_DATABASE_POOL_SIZE must be a whole number from 1 to 200")
        }
        return size
    }

    static func nodeId(_ environment: [String: String]) throws -> String? {
        guard let id = environment["WARDEN_NODE_ID"] else { return nil }
        guard !id.isEmpty, id.count <= 64,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { throw ValidationFailure("WARDEN_NODE_ID must be 1 to 64 letters, digits, '-', '_' or '.'") }
        return id
    }

    /// Opens the store in `dataDirectory`, loading (or creating, on a fresh database) the audit key.
    /// Only `serve` and the first `keys create` may start a new installation (`create`); every
    /// other command refuses a folder that holds no database, so a typo cannot look like an
    /// empty, intact installation.
    static func openStore(
        dataDirectory: URL, create: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger? = nil
    ) throws -> Store {
        let home = try home(environment: environment)
        let keyFile = dataDirectory.appendingPathComponent("audit.key")
        let database = dataDirectory.appendingPathComponent("warden.db")
        guard create || FileManager.default.fileExists(atPath: database.path) else {
            throw ValidationFailure(
                "\(dataDirectory.path) holds no Warden database (no warden.db): check --data-dir; `warden serve` creates a new installation"
            )
        }
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = try KeyFile.load(
            variable: "WARDEN_AUDIT_KEY", file: keyFile, environment: environment,
            guarding: "signed audit events that cannot be verified without it"
        ) {
            !FileManager.default.fileExists(atPath: database.path)
        }
        return try Store.open(
            dataDirectory: dataDirectory, migrationsDirectory: home.appendingPathComponent("migrations"),
            signer: AuditSigner(keyBytes: key), nodeId: try nodeId(environment), logger: logger)
    }
}

extension Installation {
    /// The secrets' encryption key (`WARDEN_ENCRYPTION_KEY` or a 0600 `encryption.key` made on
    /// first use) and the optional old key of a rotation (`WARDEN_ENCRYPTION_KEY_OLD`).
    static func secretBox(
        dataDirectory: URL, store: Store, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> SecretBox {
        let hasSecrets = try await store.hasSecrets()
        let current = try KeyFile.load(
            variable: "WARDEN_ENCRYPTION_KEY", file: dataDirectory.appendingPathComponent("encryption.key"),
            environment: environment,
            guarding: store.dialect == .sqlite
                ? "encrypted secrets that cannot be read without it"
                : "secrets every node must open with one key (on PostgreSQL the key is always given)"
        ) { !hasSecrets && store.dialect == .sqlite }
        let old = try KeyFile.optional(variable: "WARDEN_ENCRYPTION_KEY_OLD", environment: environment)
        return SecretBox(currentKey: current, oldKey: old)
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
