import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

/// Two supervisors on one PostgreSQL database: one registry, one audit chain, and crash
/// recovery that touches only nodes whose lease expired.
@Suite("Shared database")
struct SharedDatabaseTests {
    struct Nodes {
        let a: Store
        let b: Store
        let handle: TestStore.Handle

        func close() async {
            await b.close()
            await handle.cleanup()
        }
    }

    func twoNodes() async throws -> Nodes {
        let key = RandomBytes.make(32)
        let handle = try await TestStore.make(.postgresql, auditKey: key, nodeId: "node-a")
        let url = try #require(handle.postgresURL)
        let b = try await TestStore.secondNode(of: url, auditKey: key, nodeId: "node-b")
        return Nodes(a: handle.store, b: b, handle: handle)
    }

    static var enabled: Bool { TestDatabase.all.contains(.postgresql) }

    @Test(.enabled(if: enabled, "needs WARDEN_TEST_POSTGRES_URL")) func writesFromBothNodesFormOneChain()
        async throws
    {
        let nodes = try await twoNodes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [nodes.a, nodes.b].enumerated() {
                group.addTask {
                    for i in 0..<20 {
                        _ = try await store.createServer(
                            ServerDraft(name: "n\(index)-\(i)", description: "", allowedHosts: []), by: "node\(index)")
                        try await store.recordAudit(type: "test.node", actor: "node\(index)", subject: "\(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let fromA = try await nodes.a.verifyAuditChain()
        let fromB = try await nodes.b.verifyAuditChain()
        #expect(fromA.ok && fromA.checked == 80)
        #expect(fromA.head == fromB.head)
        // The same name on both nodes at once: exactly one wins.
        let results = await withTaskGroup(of: Bool.self) { group in
            for store in [nodes.a, nodes.b] {
                group.addTask {
                    (try? await store.createServer(
                        ServerDraft(name: "same", description: "", allowedHosts: []), by: "x"))
                        != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        await nodes.close()
    }

    /// A server with one tool, version 1 awaiting review, made on `node`.
    static func unapprovedTool(on node: Store) async throws -> Tool {
        let server = try await node.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "op")
        return try await node.createTool(
            serverId: server.id,
            ToolDraft(
                name: "t", description: "", code: "def main():\n    return 1\n", inputSchema: .object([:]),
                schemaExplicit: true), by: "op")
    }

    @Test(.enabled(if: enabled, "needs WARDEN_TEST_POSTGRES_URL")) func approvedOnOneNodeRunsOnTheOther() async throws {
        let nodes = try await twoNodes()
        let tool = try await Self.unapprovedTool(on: nodes.a)
        await #expect(throws: DomainError.self) { _ = try await nodes.b.executableTool(id: tool.id) }
        _ = try await nodes.a.approveTool(id: tool.id, version: 1, note: nil, by: "admin")
        #expect(try await nodes.b.executableTool(id: tool.id).version == 1)
        await nodes.close()
    }

    /// Node A stops holding its lease: its running execution stays `running` while the lease
    /// holds, then node B marks it `interrupted`; B's own execution is never touched.
    @Test(.enabled(if: enabled, "needs WARDEN_TEST_POSTGRES_URL")) func onlyExpiredLeasesLoseTheirExecutions()
        async throws
    {
        let nodes = try await twoNodes()
        try await nodes.b.renewLease(seconds: 60)
        let tool = try await Self.unapprovedTool(on: nodes.a)
        func running(_ id: String) -> Execution {
            Execution(
                id: id, toolId: tool.id, serverId: tool.serverId, version: 1, codeSha256: tool.codeSha256,
                caller: "key:a",
                status: .running, arguments: .object([:]), startedAt: Timestamp.now(), finishedAt: nil)
        }
        try await nodes.a.beginExecution(running("exe_a"))
        try await nodes.b.beginExecution(running("exe_b"))
        // Taken last, so a loaded machine still checks well inside it.
        let lease = try await nodes.a.renewLease(seconds: 5)
        #expect(try await nodes.b.interruptExecutionsOfLostNodes() == 0)
        #expect(try await nodes.b.execution(id: "exe_a").status == .running)
        #expect(Timestamp.now() < lease.expiresAt, "the checks above ran while A's lease held")
        try await Task.sleep(for: .milliseconds(5300))
        #expect(try await nodes.b.interruptExecutionsOfLostNodes() == 1)
        #expect(try await nodes.b.execution(id: "exe_a").status == .interrupted)
        #expect(try await nodes.b.execution(id: "exe_b").status == .running)
        // Node A finishing late changes nothing: the row was already settled.
        var late = running("exe_a")
        late.status = .succeeded
        late.finishedAt = Timestamp.now()
        try await nodes.a.finishExecution(late)
        #expect(try await nodes.b.execution(id: "exe_a").status == .interrupted)
        #expect(try await nodes.a.verifyAuditChain().ok)
        await nodes.close()
    }
}
