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
        #expect(allowed == [.readRegistry, .submitTools, .executeTools])
    }

    @Test func auditorIsReadOnlyAndNeverSeesSecretValues() {
        let allowed = Set(Action.allCases.filter { AccessPolicy.allows(.auditor, $0) })
        #expect(allowed == [.readRegistry, .readExecutions, .readAudit, .listSecrets])
    }
}
