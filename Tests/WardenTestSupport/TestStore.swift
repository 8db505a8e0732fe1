import Foundation
import WardenDomain
import WardenStore

/// The databases the store's tests run against: SQLite always, PostgreSQL when
/// `WARDEN_TEST_POSTGRES_URL` names a throw-away cluster (`scripts/test.sh` starts one). Under
/// `CI=true` PostgreSQL is always listed, so a missing cluster fails instead of skipping.
public enum TestDatabase: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgresql

    public var description: String { rawValue }

    public static let postgresURL = ProcessInfo.processInfo.environment["WARDEN_TEST_POSTGRES_URL"]

    public static var all: [TestDatabase] {
        if postgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true" { return [.sqlite, .postgresql] }
        print("note: WARDEN_TEST_POSTGRES_URL is not set; store tests run on SQLite only (scripts/test.sh sets it)")
        return [.sqlite]
    }

    /// A new, empty PostgreSQL database in the test cluster; its URL.
    public static func freshPostgres() async throws -> DatabaseURL {
        guard let text = postgresURL else {
            throw SandboxUnavailable("WARDEN_TEST_POSTGRES_URL is not set (CI must run the store tests on PostgreSQL)")
        }
        var url = try DatabaseURL(text)
        let admin = PostgreSQLDatabase(url: url, poolSize: 1)
        let name = "warden_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try await admin.read { db in try db.execute(sql: "CREATE DATABASE \(name)") }
        try await admin.close()
        url.database = name
        return url
    }
}

/// A fresh store on a real database (an SQLite file in a temporary folder, or a new PostgreSQL
/// database), with the repository's migrations.
public enum TestStore {
    public static let migrations = TestSandbox.repositoryRoot.appendingPathComponent("migrations")

    /// A store on `database`, its PostgreSQL URL (for a second node), and what removes it.
    public struct Handle: Sendable {
        public let store: Store
        public let postgresURL: DatabaseURL?
        let directory: URL?

        public func cleanup() async {
            await store.close()
            if let directory { try? FileManager.default.removeItem(at: directory) }
        }
    }

    public static func make(_ database: TestDatabase, auditKey: [UInt8] = RandomBytes.make(32), nodeId: String? = nil)
        async throws -> Handle
    {
        switch database {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "warden-store-\(UUID().uuidString)")
            let store = try Store.open(
                dataDirectory: directory, migrationsDirectory: migrations, signer: AuditSigner(keyBytes: auditKey),
                nodeId: nodeId)
            return Handle(store: store, postgresURL: nil, directory: directory)
        case .postgresql:
            let url = try await TestDatabase.freshPostgres()
            let store = try await Store.open(
                databaseURL: url, poolSize: 4, migrationsDirectory: migrations, signer: AuditSigner(keyBytes: auditKey),
                nodeId: nodeId)
            return Handle(store: store, postgresURL: url, directory: nil)
        }
    }

    /// Another node on the same PostgreSQL database.
    public static func secondNode(of url: DatabaseURL, auditKey: [UInt8], nodeId: String) async throws -> Store {
        try await Store.open(
            databaseURL: url, poolSize: 4, migrationsDirectory: migrations, signer: AuditSigner(keyBytes: auditKey),
            nodeId: nodeId)
    }
}
