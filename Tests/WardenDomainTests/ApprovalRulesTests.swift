import Testing
import WardenDomain

@Suite("Approval rules")
struct ApprovalRulesTests {
    let v1 = ToolState.new(codeSHA256: "aaa")

    func approved(_ state: ToolState) throws -> ToolState {
        try ApprovalRules.approve(state, version: state.currentVersion).state
    }

    @Test func newToolStartsPendingAtVersionOne() {
        #expect(v1.currentVersion == 1)
        #expect(v1.approvalStatus == .pendingReview)
        #expect(v1.approvedVersion == nil)
        #expect(throws: DomainError.self) { try ApprovalRules.executableVersion(v1) }
    }

    @Test func identicalResubmitMakesNoVersionAndKeepsApproval() throws {
        let state = try approved(v1)
        let transition = ApprovalRules.submitCode(state, newCodeSHA256: "aaa")
        #expect(!transition.changed)
        #expect(transition.newVersion == nil)
        #expect(transition.state == state)
        #expect(try ApprovalRules.executableVersion(transition.state) == 1)
    }

    @Test func codeChangeMakesVersionAndResetsApproval() throws {
        let state = try approved(v1)
        let transition = ApprovalRules.submitCode(state, newCodeSHA256: "bbb")
        #expect(transition.newVersion == NewVersion(number: 2, codeSHA256: "bbb", source: .submit, rolledBackFrom: nil))
        #expect(transition.state.approvalStatus == .pendingReview)
        #expect(transition.state.approvedVersion == nil)
        #expect(throws: DomainError.toolNotApproved("the tool is pending_review; an admin must approve version 2 first")) {
            try ApprovalRules.executableVersion(transition.state)
        }
    }

    @Test func schemaChangeAloneIsANewVersion() throws {
        let transition = ApprovalRules.submitCode(try approved(v1), newCodeSHA256: "aaa", schemaChanged: true)
        #expect(transition.newVersion?.number == 2)
        #expect(transition.state.approvalStatus == .pendingReview)
    }

    @Test func approveNamesTheCurrentVersion() throws {
        let v2 = ApprovalRules.submitCode(v1, newCodeSHA256: "bbb").state
        #expect(throws: DomainError.versionMismatch(requested: 1, current: 2)) { try ApprovalRules.approve(v2, version: 1) }
        #expect(throws: DomainError.versionMismatch(requested: 3, current: 2)) { try ApprovalRules.approve(v2, version: 3) }
        let approvedV2 = try ApprovalRules.approve(v2, version: 2).state
        #expect(approvedV2.approvalStatus == .approved)
        #expect(approvedV2.approvedVersion == 2)
        #expect(try ApprovalRules.executableVersion(approvedV2) == 2)
    }

    @Test func rejectStaleVersionIsAMismatch() {
        let v2 = ApprovalRules.submitCode(v1, newCodeSHA256: "bbb").state
        #expect(throws: DomainError.versionMismatch(requested: 1, current: 2)) { try ApprovalRules.reject(v2, version: 1) }
    }

    @Test func rejectThenEditGoesBackToPending() throws {
        let rejected = try ApprovalRules.reject(v1, version: 1).state
        #expect(rejected.approvalStatus == .rejected)
        #expect(throws: DomainError.self) { try ApprovalRules.executableVersion(rejected) }
        let edited = ApprovalRules.submitCode(rejected, newCodeSHA256: "bbb").state
        #expect(edited.approvalStatus == .pendingReview)
        #expect(edited.currentVersion == 2)
    }

    @Test func rejectingAnApprovedVersionWithdrawsApproval() throws {
        let withdrawn = try ApprovalRules.reject(try approved(v1), version: 1).state
        #expect(withdrawn.approvalStatus == .rejected)
        #expect(withdrawn.approvedVersion == nil)
    }

    @Test func rollbackOfApprovedToolIsNewPendingVersion() throws {
        let v2 = try approved(ApprovalRules.submitCode(try approved(v1), newCodeSHA256: "bbb").state)
        #expect(v2.approvalStatus == .approved)
        let transition = try ApprovalRules.rollback(v2, to: 1, targetSHA256: "aaa")
        #expect(transition.newVersion == NewVersion(number: 3, codeSHA256: "aaa", source: .rollback, rolledBackFrom: 1))
        #expect(transition.state.currentVersion == 3)
        #expect(transition.state.codeSHA256 == "aaa")
        #expect(transition.state.approvalStatus == .pendingReview)
        #expect(transition.state.approvedVersion == nil)
    }

    @Test func rollbackToCurrentVersionIsAConflict() {
        let v2 = ApprovalRules.submitCode(v1, newCodeSHA256: "bbb").state
        #expect(throws: DomainError.conflict("version 2 is already the current version")) {
            try ApprovalRules.rollback(v2, to: 2, targetSHA256: "bbb")
        }
    }

    @Test func rollbackToVersionWithSameCodeIsAConflict() {
        let v3 = ApprovalRules.submitCode(ApprovalRules.submitCode(v1, newCodeSHA256: "bbb").state, newCodeSHA256: "aaa").state
        #expect(throws: DomainError.self) { try ApprovalRules.rollback(v3, to: 1, targetSHA256: "aaa") }
    }

    @Test func rollbackToMissingVersionIsNotFound() {
        #expect(throws: DomainError.notFound("version 7 does not exist")) { try ApprovalRules.rollback(v1, to: 7, targetSHA256: nil) }
        #expect(throws: DomainError.notFound("version 0 does not exist")) { try ApprovalRules.rollback(v1, to: 0, targetSHA256: "x") }
    }

    @Test func approvedVersionMustBeCurrentToExecute() {
        let inconsistent = ToolState(currentVersion: 3, codeSHA256: "c", approvalStatus: .approved, approvedVersion: 2)
        #expect(throws: DomainError.self) { try ApprovalRules.executableVersion(inconsistent) }
    }
}
