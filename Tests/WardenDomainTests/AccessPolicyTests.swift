import Testing
import WardenDomain

@Suite("Role table")
struct AccessPolicyTests {
    @Test(arguments: Action.allCases)
    func adminMayDoEverything(_ action: Action) {
        #expect(AccessPolicy.allows(.admin, action))
    }

    @Test func operatorMayNotJudgeOrManageKeys() {
        #expect(!AccessPolicy.allows(.operator, .judgeTools))
        #expect(!AccessPolicy.allows(.operator, .manageKeys))
        #expect(AccessPolicy.allows(.operator, .rollbackTools))
        #expect(AccessPolicy.allows(.operator, .manageSecrets))
        #expect(AccessPolicy.allows(.operator, .manageServers))
    }

    @Test func agentReadsSubmitsAndExecutesOnly() {
        let allowed = Set(Action.allCases.filter { AccessPolicy.allows(.agent, $0) })
        #expect(allowed == [.readRegistry, .submitTools, .deleteTools, .executeTools])
    }

    @Test func onlyAdminsChangeTheEgressPolicy() {
        #expect(Role.allCases.filter { AccessPolicy.allows($0, .manageEgressPolicy) } == [.admin])
    }

    @Test func agentsChangeOnlyTheirOwnTools() throws {
        let agent = Principal(id: "a", name: "a", role: .agent, kind: .apiKey)
        let operatorPrincipal = Principal(id: "o", name: "o", role: .operator, kind: .apiKey)
        try ToolOwnership.requireMayChange(toolCreatedBy: "key:a", agent)
        #expect(throws: DomainError.self) { try ToolOwnership.requireMayChange(toolCreatedBy: "key:b", agent) }
        try ToolOwnership.requireMayChange(toolCreatedBy: "key:b", operatorPrincipal)
    }

    @Test func testRunsByAdminsOrTheVersionsCreator() throws {
        let admin = Principal(id: "x", name: "x", role: .admin, kind: .apiKey)
        let creator = Principal(id: "a", name: "a", role: .agent, kind: .apiKey)
        let auditor = Principal(id: "a", name: "a", role: .auditor, kind: .apiKey)
        try ToolOwnership.requireMayTestRun(versionCreatedBy: "key:a", admin)
        try ToolOwnership.requireMayTestRun(versionCreatedBy: "key:a", creator)
        #expect(throws: DomainError.self) { try ToolOwnership.requireMayTestRun(versionCreatedBy: "key:b", creator) }
        #expect(throws: DomainError.self) { try ToolOwnership.requireMayTestRun(versionCreatedBy: "key:a", auditor) }
    }

    @Test func auditorIsReadOnlyAndNeverSeesSecretValues() {
        let allowed = Set(Action.allCases.filter { AccessPolicy.allows(.auditor, $0) })
        #expect(allowed == [.readRegistry, .readExecutions, .readAudit, .listSecrets])
    }
}
