import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

@Suite("Execution log")
struct ExecutionLogTests {
    func seedTool(_ store: Store) async throws -> Tool {
        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "t")
        return try await store.createTool(
            serverId: server.id,
            ToolDraft(
                name: "t", description: "", code: "def main():\n    return 1\n",
                inputSchema: .object([:]), schemaExplicit: true), by: "t")
    }

    func record(
        _ tool: Tool, _ n: Int, status: ExecutionStatus = .succeeded, caller: String = "key:a",
        startedAt: String = Timestamp.now()
    ) -> Execution {
        Execution(
            id: "exe_\(n)_\(UUID().uuidString.prefix(8))", toolId: tool.id, serverId: tool.serverId, version: 1,
            codeSha256: tool.codeSha256,
            caller: caller, status: status, arguments: .object(["n": .int(Int64(n))]), startedAt: startedAt,
            finishedAt: startedAt)
    }

    func insert(_ store: Store, _ execution: Execution) async throws {
        var running = execution
        running.status = .running
        try await store.beginExecution(running)
        if execution.status != .running { try await store.finishExecution(execution) }
    }

    @Test(arguments: TestDatabase.all) func newestFirstPagesStayCorrectWhileRowsArrive(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let tool = try await seedTool(store)
        var ids: [String] = []
        for n in 0..<20 {
            let execution = record(tool, n)
            try await insert(store, execution)
            ids.append(execution.id)
        }
        var seen: [String] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.executions(ExecutionFilter(), before: cursor, limit: 6)
            seen += page.items.map(\.id)
            try await insert(store, record(tool, 100 + seen.count))  // arrives between pages
            cursor = try PageCursor.parse(page.nextCursor)
        } while cursor != nil
        #expect(seen == ids.reversed())
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func filters(_ database: TestDatabase) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let tool = try await seedTool(store)
        try await insert(
            store, record(tool, 1, status: .failed, caller: "key:x", startedAt: "2026-01-01T00:00:00.000Z"))
        try await insert(
            store, record(tool, 2, status: .succeeded, caller: "key:y", startedAt: "2026-02-01T00:00:00.000Z"))
        try await insert(
            store, record(tool, 3, status: .failed, caller: "key:y", startedAt: "2026-03-01T00:00:00.000Z"))
        func count(_ filter: ExecutionFilter) async throws -> Int {
            try await store.executions(filter, before: nil, limit: 50).items.count
        }
        #expect(try await count(ExecutionFilter(status: .failed)) == 2)
        #expect(try await count(ExecutionFilter(caller: "key:y")) == 2)
        #expect(try await count(ExecutionFilter(status: .failed, caller: "key:y")) == 1)
        #expect(
            try await count(ExecutionFilter(since: "2026-01-15T00:00:00.000Z", until: "2026-02-15T00:00:00.000Z")) == 1)
        #expect(try await count(ExecutionFilter(toolId: tool.id, version: 1)) == 3)
        #expect(try await count(ExecutionFilter(toolId: "tool_other")) == 0)
        #expect(try await count(ExecutionFilter(version: 2)) == 0)
        await handle.cleanup()
    }

    /// A node that stopped leaves `running` rows; the next node on the database (on SQLite: the
    /// next process) marks them `interrupted`, once, and leaves its own alone.
    @Test(arguments: TestDatabase.all) func executionsOfAGoneNodeBecomeInterrupted(_ database: TestDatabase)
        async throws
    {
        let key = RandomBytes.make(32)
        let handle = try await TestStore.make(database, auditKey: key, nodeId: "node-gone")
        let store = handle.store
        let tool = try await seedTool(store)
        let cut = record(tool, 1, status: .running)
        try await insert(store, cut)
        try await insert(store, record(tool, 2))
        let next: Store
        if let url = handle.postgresURL {
            next = try await TestStore.secondNode(of: url, auditKey: key, nodeId: "node-next")
        } else {
            let path = try #require((store.database as? SQLiteDatabase)?.pool.path)
            next = try Store.open(
                dataDirectory: URL(fileURLWithPath: path).deletingLastPathComponent(),
                migrationsDirectory: TestStore.migrations, signer: AuditSigner(keyBytes: key), nodeId: "node-next")
        }
        let own = record(tool, 3, status: .running)
        try await insert(next, own)
        #expect(try await next.interruptExecutionsOfLostNodes(everyOtherNode: true) == 1)
        #expect(try await next.execution(id: cut.id).status == .interrupted)
        #expect(try await next.execution(id: own.id).status == .running)
        #expect(try await next.interruptExecutionsOfLostNodes(everyOtherNode: true) == 0)
        let events = try await next.auditEvents(AuditFilter(type: "execution.interrupted"), after: nil, limit: 5).items
        #expect(events.first?.details.objectValue?["nodes"] == .array([.string("node-gone")]))
        #expect(try await next.verifyAuditChain().ok)
        await next.close()
        await handle.cleanup()
    }

    /// Leases are times on the database's clock, written as every other time is, so they
    /// compare as text on both databases.
    @Test(arguments: TestDatabase.all) func leasesRunOnTheDatabasesClock(_ database: TestDatabase) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let before = Timestamp.string(Date().addingTimeInterval(30 - 5))
        let lease = try await store.renewLease(seconds: 30)
        #expect(Timestamp.parse(lease.expiresAt) != nil, "\(lease.expiresAt)")
        #expect(lease.expiresAt.count == Timestamp.now().count && lease.expiresAt.hasSuffix("Z"), "\(lease.expiresAt)")
        #expect(lease.expiresAt > before && lease.expiresAt < Timestamp.string(Date().addingTimeInterval(30 + 5)))
        let current = try await store.currentLease()
        #expect(current?.lease == lease && current?.holds == true)
        try await store.renewLease(seconds: -1)
        #expect(try await store.currentLease()?.holds == false)
        await handle.cleanup()
    }

    /// A node restarted under the same id takes over its predecessor's lease, so it must treat
    /// its own `running` rows as left behind at start-up, and only then.
    @Test(arguments: TestDatabase.all) func aRestartUnderTheSameIdInterruptsItsOwnEarlierRuns(
        _ database: TestDatabase
    ) async throws {
        let handle = try await TestStore.make(database, nodeId: "node-same")
        let store = handle.store
        try await store.renewLease(seconds: 60)
        let tool = try await seedTool(store)
        let cut = record(tool, 1, status: .running)
        try await insert(store, cut)
        #expect(try await store.interruptExecutionsOfLostNodes() == 0)
        #expect(try await store.interruptExecutionsOfLostNodes(everyOtherNode: true) == 0)
        #expect(try await store.execution(id: cut.id).status == .running)
        #expect(try await store.interruptExecutionsOfLostNodes(startingUp: true) == 1)
        #expect(try await store.execution(id: cut.id).status == .interrupted)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func pruneDeletesOnlyOldFinishedRowsAndIsAudited(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let tool = try await seedTool(store)
        try await insert(store, record(tool, 1, startedAt: "2020-01-01T00:00:00.000Z"))
        try await insert(store, record(tool, 2, status: .running, startedAt: "2020-01-01T00:00:00.000Z"))
        try await insert(store, record(tool, 3))
        #expect(try await store.pruneExecutions(startedBefore: "2025-01-01T00:00:00.000Z", by: "test") == 1)
        #expect(try await store.executions(ExecutionFilter(), before: nil, limit: 50).items.count == 2)
        let events = try await store.auditEvents(AuditFilter(type: "executions.pruned"), after: nil, limit: 5).items
        #expect(events.first?.details.objectValue?["deleted"] == .int(1))
        #expect(try await store.verifyAuditChain().ok)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func noEventForAChangeThatDidNotHappen(_ database: TestDatabase) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let tool = try await seedTool(store)
        let done = record(tool, 1)
        try await insert(store, done)
        try await store.finishExecution(done)  // a second finish changes nothing
        let finished = try await store.auditEvents(AuditFilter(type: "execution.finished"), after: nil, limit: 5).items
        #expect(finished.count == 1)
        #expect(try await store.pruneExecutions(startedBefore: "2000-01-01T00:00:00.000Z", by: "test") == 0)
        #expect(try await store.auditEvents(AuditFilter(type: "executions.pruned"), after: nil, limit: 5).items.isEmpty)
        await handle.cleanup()
    }

    /// SQLite only: the paging is the same SQL on both databases (the page tests above run on
    /// both), and 200 MB through a PostgreSQL test cluster would slow every other suite.
    @Test func exportingAHundredThousandRowsPageByPageStaysBounded() async throws {
        let database = TestDatabase.sqlite
        let handle = try await TestStore.make(database)
        let store = handle.store
        let tool = try await seedTool(store)
        let filler = String(repeating: "x", count: 2000)
        // One statement in both dialects, so PostgreSQL's round trips do not dominate the test.
        try await store.database.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
                    INSERT INTO executions (id, tool_id, server_id, version, code_sha256, caller, status, arguments, stdout,
                                            started_at, finished_at)
                    SELECT 'exe_bulk_' || i, ?, ?, 1, '', 'key:a', 'succeeded', '{}', ?, '2026-01-01T00:00:00.000Z',
                           '2026-01-01T00:00:00.000Z'
                    FROM n
                    """, arguments: [tool.id, tool.serverId, filler])
        }
        // About 200 MB of stdout in all; reading it a page at a time must not hold it.
        let before = residentKB()
        var peak = before
        var rows = 0
        var cursor: PageCursor?
        repeat {
            let page = try await store.executions(ExecutionFilter(), before: cursor, limit: 1000)
            rows += page.items.count
            peak = max(peak, residentKB())
            cursor = try PageCursor.parse(page.nextCursor)
        } while cursor != nil
        #expect(rows == 100_000)
        #expect(peak - before < 80_000, "resident memory grew by \(peak - before) KiB")
        await handle.cleanup()
    }

    private func residentKB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    @Test(arguments: TestDatabase.all) func ownExecutionsRunningPastTheirDeadlineEndAsLost(_ database: TestDatabase)
        async throws
    {
        let key = RandomBytes.make(32)
        let handle = try await TestStore.make(database, auditKey: key)
        let store = handle.store
        let tool = try await seedTool(store)
        let old = record(tool, 1, status: .running, startedAt: Timestamp.string(Date().addingTimeInterval(-3600)))
        let recent = record(tool, 2, status: .running)
        try await insert(store, old)
        try await insert(store, recent)
        let count = try await store.interruptOwnStaleExecutions(
            startedBefore: Timestamp.string(Date().addingTimeInterval(-600)))
        #expect(count == 1)
        let lost = try await store.execution(id: old.id)
        #expect(lost.status == .interrupted && lost.reason == .lost && lost.finishedAt != nil)
        #expect(try await store.execution(id: recent.id).status == .running)
        // Another node's rows are its own to end: a second node on PostgreSQL leaves them be.
        if let url = handle.postgresURL {
            let other = try await TestStore.secondNode(of: url, auditKey: key, nodeId: "other-node")
            #expect(try await other.interruptOwnStaleExecutions(startedBefore: Timestamp.now()) == 0)
            await other.close()
        }
        await handle.cleanup()
    }
}
