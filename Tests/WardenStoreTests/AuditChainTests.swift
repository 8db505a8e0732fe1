import Foundation
import Testing
import WardenDomain
import WardenSandbox
import WardenTestSupport

@testable import WardenStore

@Suite("Audit chain")
struct AuditChainTests {
    static let key: [UInt8] = Array(repeating: 7, count: 32)

    func filled(_ database: TestDatabase, _ count: Int) async throws -> TestStore.Handle {
        let handle = try await TestStore.make(database, auditKey: Self.key)
        for i in 0..<count {
            try await handle.store.recordAudit(
                type: "test.event", actor: "tester", subject: "s\(i)", details: .object(["i": .int(Int64(i))]))
        }
        return handle
    }

    /// Another store on the same database, as another process (or node) would open it.
    func reopened(_ handle: TestStore.Handle, key: [UInt8]) async throws -> Store {
        if let url = handle.postgresURL {
            return try await TestStore.secondNode(of: url, auditKey: key, nodeId: "other")
        }
        let file = try #require((handle.store.database as? SQLiteDatabase)?.pool.path)
        return try Store.open(
            dataDirectory: URL(fileURLWithPath: file).deletingLastPathComponent(),
            migrationsDirectory: TestStore.migrations, signer: AuditSigner(keyBytes: key))
    }

    @Test(arguments: TestDatabase.all) func concurrentWritersKeepOneChain(_ database: TestDatabase) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<25 {
                        try await store.recordAudit(type: "test.concurrent", actor: "w\(worker)", subject: "\(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let result = try await store.verifyAuditChain()
        #expect(result.ok)
        #expect(result.checked == 200)
        await handle.cleanup()
    }

    /// Pages of four, so the walk across pages (and a break past the first) is checked too.
    @Test(arguments: TestDatabase.all) func editedContentIsNamed(_ database: TestDatabase) async throws {
        let handle = try await filled(database, 14)
        try await handle.store.database.write { db in
            try db.execute(sql: "UPDATE audit_events SET actor = 'mallory' WHERE seq = 10")
        }
        let intact = try await handle.store.verifyAuditChain(expectedHead: nil, pageSize: 4)
        #expect(!intact.ok)
        #expect(intact.firstBreak == 10)
        #expect(intact.checked == 9)
        #expect(intact.reason?.contains("changed") == true)
        #expect(try await handle.store.verifyAuditChain().firstBreak == 10, "the same with the default page")
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func deletedEntryIsNamed(_ database: TestDatabase) async throws {
        let handle = try await filled(database, 10)
        try await handle.store.database.write { db in try db.execute(sql: "DELETE FROM audit_events WHERE seq = 6") }
        let result = try await handle.store.verifyAuditChain()
        #expect(result.firstBreak == 6)
        #expect(result.reason?.contains("missing") == true)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func swappedEntriesAreNamed(_ database: TestDatabase) async throws {
        let handle = try await filled(database, 10)
        try await handle.store.database.write { db in
            try db.execute(sql: "UPDATE audit_events SET seq = -1 WHERE seq = 3")
            try db.execute(sql: "UPDATE audit_events SET seq = 3 WHERE seq = 5")
            try db.execute(sql: "UPDATE audit_events SET seq = 5 WHERE seq = -1")
        }
        let result = try await handle.store.verifyAuditChain()
        #expect(result.firstBreak == 3)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func wrongKeyFailsAtTheFirstEntry(_ database: TestDatabase) async throws {
        let handle = try await filled(database, 3)
        let other = try await reopened(handle, key: Array(repeating: 9, count: 32))
        let result = try await other.verifyAuditChain()
        #expect(result.firstBreak == 1)
        let same = try await reopened(handle, key: Self.key).verifyAuditChain()
        #expect(same.ok && same.checked == 3)
        await other.close()
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func registryChangesAndTheirEventsCommitTogether(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        _ = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        await #expect(throws: DomainError.self) {
            _ = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        }
        #expect(try await store.auditEventCount() == 1)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func toolVersionsAreImmutableInTheDatabase(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let server = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        let tool = try await store.createTool(
            serverId: server.id,
            ToolDraft(
                name: "t", description: "", code: "def main():\n    return 1\n", inputSchema: .object([:]),
                schemaExplicit: true), by: "t")
        await #expect(throws: (any Error).self) {
            try await store.database.write { db in
                try db.execute(sql: "UPDATE tool_versions SET code = 'x' WHERE tool_id = ?", arguments: [tool.id])
            }
        }
        await #expect(throws: (any Error).self) {
            try await store.database.write { db in
                try db.execute(sql: "DELETE FROM tool_versions WHERE tool_id = ?", arguments: [tool.id])
            }
        }
        let code = try await store.database.read { db in
            try db.fetchValue(
                String.self, sql: "SELECT code FROM tool_versions WHERE tool_id = ?", arguments: [tool.id])
        }
        #expect(code == "def main():\n    return 1\n")
        await handle.cleanup()
    }

    /// Deleting the newest events leaves a chain that verifies on its own; the head recorded
    /// earlier names the missing range. On SQLite the rows are deleted with the sqlite3 shell,
    /// as an intruder with the file would; on PostgreSQL by a plain connection.
    @Test(arguments: TestDatabase.all) func deletingTheTailIsCaughtAgainstARecordedHead(_ database: TestDatabase)
        async throws
    {
        let handle = try await filled(database, 10)
        let store = handle.store
        let before = try await store.verifyAuditChain()
        let head = try #require(before.head)
        let stored = try await store.auditHead()
        #expect(before.ok && head.seq == 10 && head == stored)
        #expect(AuditHead(head.description) == head)

        if let sqlite = store.database as? SQLiteDatabase {
            let shell = try await ChildProcess.run(
                ["/usr/bin/sqlite3", sqlite.pool.path, "DELETE FROM audit_events WHERE seq > 7;"])
            #expect(shell.status == 0, "\(shell.errorText)")
        } else {
            try await store.database.read { db in try db.execute(sql: "DELETE FROM audit_events WHERE seq > 7") }
        }

        let alone = try await store.verifyAuditChain()
        #expect(alone.ok && alone.checked == 7, "without a recorded head a truncated chain still verifies")
        let against = try await store.verifyAuditChain(expectedHead: head)
        #expect(!against.ok)
        #expect(against.firstBreak == 8)
        #expect(against.reason?.contains("entries 8 to 10 are missing") == true, "\(against.reason ?? "")")

        // A chain rewritten from the head on (same length, other content) is caught too.
        try await store.recordAudit(type: "forged", actor: "x", subject: "y")
        try await store.recordAudit(type: "forged", actor: "x", subject: "y")
        try await store.recordAudit(type: "forged", actor: "x", subject: "y")
        let rewritten = try await store.verifyAuditChain(expectedHead: head)
        #expect(!rewritten.ok && rewritten.firstBreak == 10, "\(rewritten)")
        #expect(AuditHead("10:abc") == nil && AuditHead("x:" + head.hash) == nil)
        await handle.cleanup()
    }
}
