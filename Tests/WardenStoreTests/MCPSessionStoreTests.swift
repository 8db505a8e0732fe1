import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

/// MCP sessions do not grow without bound: client info is capped, idle and ended sessions are
/// deleted, and sessions starting and ending are in the audit trail.
@Suite struct MCPSessionStoreTests {
    @Test(arguments: TestDatabase.all) func capsClientInfoExpiresIdleSessionsAndAuditsBoth(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let huge = JSONValue.object([
            "name": "client", "version": "1", "padding": .string(String(repeating: "x", count: 900_000)),
        ])
        let big = try await store.createMCPSession(
            owner: "key:a", serverFilter: nil, protocolVersion: "2025-11-25", clientInfo: huge)
        let kept = try await store.database.read { db in
            try db.fetchValue(
                String.self, sql: "SELECT client_info FROM mcp_sessions WHERE id = ?", arguments: [big.id])
        }
        #expect((kept?.utf8.count ?? .max) <= Store.clientInfoBytes)
        #expect(kept?.contains("\"truncated\":true") == true)

        let ended = try await store.createMCPSession(
            owner: "key:a", serverFilter: nil, protocolVersion: "2025-11-25", clientInfo: .null)
        #expect(try await store.endMCPSession(id: ended.id, owner: "key:a"))
        #expect(try await !store.endMCPSession(id: ended.id, owner: "key:a"), "ending twice changes nothing")
        try await store.database.write { db in
            try db.execute(
                sql: "UPDATE mcp_sessions SET last_seen_at = '2020-01-01T00:00:00.000Z' WHERE id = ?",
                arguments: [big.id])
        }
        let live = try await store.createMCPSession(
            owner: "key:b", serverFilter: nil, protocolVersion: "2025-11-25", clientInfo: .null)
        #expect(try await store.deleteIdleMCPSessions(idle: 1800) == 2)
        #expect(try await store.deleteIdleMCPSessions(idle: 1800) == 0)
        #expect(try await store.activeMCPSession(id: live.id, owner: "key:b", idle: 1800) != nil)

        let types = try await store.auditEvents(AuditFilter(), after: nil, limit: 50).items.map(\.type)
        #expect(types.filter { $0 == "mcp.session_started" }.count == 3)
        #expect(types.filter { $0 == "mcp.session_ended" }.count == 1)
        #expect(types.filter { $0 == "mcp.sessions_expired" }.count == 1)
        #expect(try await store.verifyAuditChain().ok)
        await handle.cleanup()
    }
}
