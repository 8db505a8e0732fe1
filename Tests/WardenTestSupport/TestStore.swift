import Foundation
import WardenDomain
import WardenStore

/// A fresh store on a real SQLite file in a temporary folder, with the repository's migrations.
public enum TestStore {
    public static func make(auditKey: [UInt8] = RandomBytes.make(32)) throws -> (store: Store, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "warden-store-\(UUID().uuidString)")
        let store = try Store.open(
            dataDirectory: directory,
            migrationsDirectory: TestSandbox.repositoryRoot.appendingPathComponent("migrations"),
            signer: AuditSigner(keyBytes: auditKey))
        return (store, directory)
    }
}
