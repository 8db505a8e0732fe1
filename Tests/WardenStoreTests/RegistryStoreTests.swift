import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

/// The registry's rules as the store keeps them, on each database: what one backend does, the
/// other must do too.
@Suite("Registry store")
struct RegistryStoreTests {
    static let code = "def main(x: int = 1) -> int:\n    return x\n"

    func draft(_ name: String = "t", code: String = RegistryStoreTests.code) -> ToolDraft {
        ToolDraft(name: name, description: "d", code: code, inputSchema: .object([:]), schemaExplicit: true)
    }

    @Test(arguments: TestDatabase.all) func approvalBelongsToOneVersionAndRollbackResetsIt(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "op")
        var tool = try await store.createTool(serverId: server.id, draft(), by: "op")
        #expect(tool.approvalStatus == .pendingReview && tool.currentVersion == 1)
        await #expect(throws: DomainError.self) { _ = try await store.executableTool(id: tool.id) }

        tool = try await store.approveTool(id: tool.id, version: 1, note: nil, by: "admin")
        #expect(try await store.executableTool(id: tool.id).code == Self.code)

        // The same definition again changes nothing; a new description is a new version.
        #expect(try await store.updateTool(id: tool.id, ToolChanges(code: Self.code), by: "op").currentVersion == 1)
        tool = try await store.updateTool(id: tool.id, ToolChanges(description: "new"), by: "op")
        #expect(tool.currentVersion == 2 && tool.approvalStatus == .pendingReview)
        await #expect(throws: DomainError.versionMismatch(requested: 1, current: 2)) {
            _ = try await store.approveTool(id: tool.id, version: 1, note: nil, by: "admin")
        }
        tool = try await store.rejectTool(id: tool.id, version: 2, reason: "no", by: "admin")
        #expect(tool.approvalStatus == .rejected)

        tool = try await store.rollbackTool(id: tool.id, to: 1, by: "op")
        #expect(tool.currentVersion == 3 && tool.approvalStatus == .pendingReview)
        let rolled = try await store.version(toolId: tool.id, number: 3)
        #expect(rolled.source == .rollback && rolled.rolledBackFrom == 1)
        #expect(try await store.versions(toolId: tool.id, after: nil, limit: 10).items.map(\.version) == [1, 2, 3])
        #expect(try await store.lastApprovedVersion(toolId: tool.id) == 1)

        await #expect(throws: DomainError.self) {
            _ = try await store.createTool(serverId: server.id, draft(), by: "op")
        }
        let approved = try await store.tools(ToolFilter(approvalStatus: .approved), after: nil, limit: 10).items
        #expect(approved.isEmpty)
        #expect(try await store.verifyAuditChain().ok)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func keysSessionsAndSecretsKeepTheirRules(_ database: TestDatabase) async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let key = try await store.createAPIKey(name: "a", role: .agent, expiresInSeconds: nil, by: "admin")
        let secret = try #require(key.key)
        #expect(try await store.authenticate(apiKey: secret).role == .agent)
        try await store.revokeAPIKey(id: key.id, by: "admin")
        await #expect(throws: (any Error).self) { _ = try await store.authenticate(apiKey: secret) }

        try await store.revokeSession(jti: "j1", keyId: key.id, expiresAt: "2999-01-01T00:00:00.000Z")
        try await store.revokeSession(jti: "j1", keyId: key.id, expiresAt: "2999-01-01T00:00:00.000Z")
        #expect(try await store.isSessionRevoked(jti: "j1"))
        #expect(try await !store.isSessionRevoked(jti: "j2"))

        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "op")
        let box = SecretBox(currentKey: RandomBytes.make(32))
        _ = try await store.putSecret(serverId: server.id, name: "TOKEN", value: "v1", box: box, by: "op")
        _ = try await store.putSecret(serverId: server.id, name: "TOKEN", value: "v2", box: box, by: "op")
        #expect(try await store.secretValues(serverId: server.id, box: box) == ["TOKEN": "v2"])
        #expect(try await store.secrets(serverId: server.id).map(\.name) == ["TOKEN"])
        try await store.deleteSecret(serverId: server.id, name: "TOKEN", by: "op")
        await #expect(throws: DomainError.self) {
            try await store.deleteSecret(serverId: server.id, name: "TOKEN", by: "op")
        }
        #expect(try await store.verifyAuditChain().ok)
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func listsPageInOrderWithFilters(_ database: TestDatabase) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let server = try await store.createServer(ServerDraft(name: "s", description: "", allowedHosts: []), by: "op")
        var names: [String] = []
        for n in 0..<7 {
            let tool = try await store.createTool(serverId: server.id, draft("t\(n)"), by: "op")
            names.append(tool.name)
            if n % 2 == 0 { _ = try await store.approveTool(id: tool.id, version: 1, note: nil, by: "admin") }
        }
        var seen: [String] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.tools(ToolFilter(serverId: server.id), after: cursor, limit: 3)
            seen += page.items.map(\.name)
            cursor = try PageCursor.parse(page.nextCursor)
        } while cursor != nil
        #expect(seen == names)
        let approved = try await store.tools(ToolFilter(approvalStatus: .approved), after: nil, limit: 50).items
        #expect(approved.map(\.name) == ["t0", "t2", "t4", "t6"])
        #expect(try await store.approvedTools(serverId: server.id).map(\.tool.name) == ["t0", "t2", "t4", "t6"])
        await handle.cleanup()
    }
}
