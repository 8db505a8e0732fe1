import Foundation
import GRDB
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

@Suite("Audit chain")
struct AuditChainTests {
    func store(key: [UInt8] = Array(repeating: 7, count: 32), at directory: URL? = nil) throws -> (Store, URL) {
        let dir =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("warden-audit-\(UUID().uuidString)")
        let store = try Store.open(
            dataDirectory: dir, migrationsDirectory: TestSandbox.repositoryRoot.appendingPathComponent("migrations"),
            signer: AuditSigner(keyBytes: key))
        return (store, dir)
    }

    func filled(_ count: Int) async throws -> (Store, URL) {
        let (store, dir) = try store()
        for i in 0..<count {
            try await store.recordAudit(
                type: "test.event", actor: "tester", subject: "s\(i)", details: .object(["i": .int(Int64(i))]))
        }
        return (store, dir)
    }

    @Test func concurrentWritersKeepOneChain() async throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
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
    }

    @Test func editedContentIsNamed() async throws {
        let (store, dir) = try await filled(10)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE audit_events SET actor = 'mallory' WHERE seq = 4")
        }
        let result = try await store.verifyAuditChain()
        #expect(!result.ok)
        #expect(result.firstBreak == 4)
        #expect(result.reason?.contains("changed") == true)
    }

    @Test func deletedEntryIsNamed() async throws {
        let (store, dir) = try await filled(10)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await store.pool.write { db in try db.execute(sql: "DELETE FROM audit_events WHERE seq = 6") }
        let result = try await store.verifyAuditChain()
        #expect(result.firstBreak == 6)
        #expect(result.reason?.contains("missing") == true)
    }

    @Test func swappedEntriesAreNamed() async throws {
        let (store, dir) = try await filled(10)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE audit_events SET seq = -1 WHERE seq = 3")
            try db.execute(sql: "UPDATE audit_events SET seq = 3 WHERE seq = 5")
            try db.execute(sql: "UPDATE audit_events SET seq = 5 WHERE seq = -1")
        }
        let result = try await store.verifyAuditChain()
        #expect(result.firstBreak == 3)
    }

    @Test func wrongKeyFailsAtTheFirstEntry() async throws {
        let (store, dir) = try await filled(3)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = store
        let (other, _) = try self.store(key: Array(repeating: 9, count: 32), at: dir)
        let result = try await other.verifyAuditChain()
        #expect(result.firstBreak == 1)
    }

    @Test func registryChangesAndTheirEventsCommitTogether() async throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        await #expect(throws: DomainError.self) {
            _ = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        }
        #expect(try await store.auditEventCount() == 1)
    }

    @Test func toolVersionsAreImmutableInTheDatabase() async throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        let tool = try await store.createTool(
            serverId: server.id,
            ToolDraft(
                name: "t", description: "", code: "def main():\n    return 1\n", inputSchema: .object([:]),
                schemaExplicit: true), by: "t")
        await #expect(throws: (any Error).self) {
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE tool_versions SET code = 'x' WHERE tool_id = ?", arguments: [tool.id])
            }
        }
        await #expect(throws: (any Error).self) {
            try await store.pool.write { db in
                try db.execute(sql: "DELETE FROM tool_versions WHERE tool_id = ?", arguments: [tool.id])
            }
        }
    }

    /// Deleting the newest events leaves a chain that verifies on its own; the head recorded
    /// earlier names the missing range. The rows are deleted with the sqlite3 shell, as an
    /// intruder with the file would.
    @Test func deletingTheTailIsCaughtAgainstARecordedHead() async throws {
        let (store, dir) = try await filled(10)
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try await store.verifyAuditChain()
        let head = try #require(before.head)
        let stored = try await store.auditHead()
        #expect(before.ok && head.seq == 10 && head == stored)
        #expect(AuditHead(head.description) == head)

        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        shell.arguments = [dir.appendingPathComponent("warden.db").path, "DELETE FROM audit_events WHERE seq > 7;"]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)

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
    }
}
