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
        let transition = ApprovalRules.submitDefinition(state, newCodeSHA256: "aaa", definitionChanged: false)
        #expect(!transition.changed)
        #expect(transition.newVersion == nil)
        #expect(transition.state == state)
        #expect(try ApprovalRules.executableVersion(transition.state) == 1)
    }

    @Test func codeChangeMakesVersionAndResetsApproval() throws {
        let state = try approved(v1)
        let transition = ApprovalRules.submitDefinition(state, newCodeSHA256: "bbb", definitionChanged: false)
        #expect(transition.newVersion == NewVersion(number: 2, codeSHA256: "bbb", source: .submit, rolledBackFrom: nil))
        #expect(transition.state.approvalStatus == .pendingReview)
        #expect(transition.state.approvedVersion == nil)
        #expect(
            throws: DomainError.toolNotApproved("the tool is pending_review; an admin must approve version 2 first")
        ) {
            try ApprovalRules.executableVersion(transition.state)
        }
    }

    @Test func schemaChangeAloneIsANewVersion() throws {
        let transition = ApprovalRules.submitDefinition(try approved(v1), newCodeSHA256: "aaa", definitionChanged: true)
        #expect(transition.newVersion?.number == 2)
        #expect(transition.state.approvalStatus == .pendingReview)
    }

    @Test func approveNamesTheCurrentVersion() throws {
        let v2 = ApprovalRules.submitDefinition(v1, newCodeSHA256: "bbb", definitionChanged: false).state
        #expect(throws: DomainError.versionMismatch(requested: 1, current: 2)) {
            try ApprovalRules.approve(v2, version: 1)
        }
        #expect(throws: DomainError.versionMismatch(requested: 3, current: 2)) {
            try ApprovalRules.approve(v2, version: 3)
        }
        let approvedV2 = try ApprovalRules.approve(v2, version: 2).state
        #expect(approvedV2.approvalStatus == .approved)
        #expect(approvedV2.approvedVersion == 2)
        #expect(try ApprovalRules.executableVersion(approvedV2) == 2)
    }

    @Test func rejectStaleVersionIsAMismatch() {
        let v2 = ApprovalRules.submitDefinition(v1, newCodeSHA256: "bbb", definitionChanged: false).state
        #expect(throws: DomainError.versionMismatch(requested: 1, current: 2)) {
            try ApprovalRules.reject(v2, version: 1)
        }
    }

    @Test func rejectThenEditGoesBackToPending() throws {
        let rejected = try ApprovalRules.reject(v1, version: 1).state
        #expect(rejected.approvalStatus == .rejected)
        #expect(throws: DomainError.self) { try ApprovalRules.executableVersion(rejected) }
        let edited = ApprovalRules.submitDefinition(rejected, newCodeSHA256: "bbb", definitionChanged: false).state
        #expect(edited.approvalStatus == .pendingReview)
        #expect(edited.currentVersion == 2)
    }

    @Test func rejectingAnApprovedVersionWithdrawsApproval() throws {
        let withdrawn = try ApprovalRules.reject(try approved(v1), version: 1).state
        #expect(withdrawn.approvalStatus == .rejected)
        #expect(withdrawn.approvedVersion == nil)
    }

    @Test func rollbackOfApprovedToolIsNewPendingVersion() throws {
        let v2 = try approved(
            ApprovalRules.submitDefinition(try approved(v1), newCodeSHA256: "bbb", definitionChanged: false).state)
        #expect(v2.approvalStatus == .approved)
        let transition = try ApprovalRules.rollback(v2, to: 1, targetSHA256: "aaa", sameDefinition: false)
        #expect(transition.newVersion == NewVersion(number: 3, codeSHA256: "aaa", source: .rollback, rolledBackFrom: 1))
        #expect(transition.state.currentVersion == 3)
        #expect(transition.state.codeSHA256 == "aaa")
        #expect(transition.state.approvalStatus == .pendingReview)
        #expect(transition.state.approvedVersion == nil)
    }

    @Test func rollbackToCurrentVersionIsAConflict() {
        let v2 = ApprovalRules.submitDefinition(v1, newCodeSHA256: "bbb", definitionChanged: false).state
        #expect(throws: DomainError.conflict("version 2 is already the current version")) {
            try ApprovalRules.rollback(v2, to: 2, targetSHA256: "bbb", sameDefinition: true)
        }
    }

    @Test func rollbackToVersionWithSameDefinitionIsAConflict() {
        let v3 = ApprovalRules.submitDefinition(
            ApprovalRules.submitDefinition(v1, newCodeSHA256: "bbb", definitionChanged: false).state,
            newCodeSHA256: "aaa", definitionChanged: false
        ).state
        #expect(throws: DomainError.self) {
            try ApprovalRules.rollback(v3, to: 1, targetSHA256: "aaa", sameDefinition: true)
        }
    }

    @Test func rollbackToMissingVersionIsNotFound() {
        #expect(throws: DomainError.notFound("version 7 does not exist")) {
            try ApprovalRules.rollback(v1, to: 7, targetSHA256: nil, sameDefinition: false)
        }
        #expect(throws: DomainError.notFound("version 0 does not exist")) {
            try ApprovalRules.rollback(v1, to: 0, targetSHA256: "x", sameDefinition: false)
        }
    }

    @Test func approvedVersionMustBeCurrentToExecute() {
        let inconsistent = ToolState(currentVersion: 3, codeSHA256: "c", approvalStatus: .approved, approvedVersion: 2)
        #expect(throws: DomainError.self) { try ApprovalRules.executableVersion(inconsistent) }
    }

    @Test func descriptionOrNameChangeAloneIsANewVersion() throws {
        let transition = ApprovalRules.submitDefinition(try approved(v1), newCodeSHA256: "aaa", definitionChanged: true)
        #expect(transition.newVersion == NewVersion(number: 2, codeSHA256: "aaa", source: .submit, rolledBackFrom: nil))
        #expect(transition.state.approvalStatus == .pendingReview)
        #expect(transition.state.approvedVersion == nil)
    }

    @Test func rollbackToADefinitionThatDiffersOnlyInDescriptionIsAllowed() throws {
        let v2 = try approved(
            ApprovalRules.submitDefinition(try approved(v1), newCodeSHA256: "aaa", definitionChanged: true).state)
        let transition = try ApprovalRules.rollback(v2, to: 1, targetSHA256: "aaa", sameDefinition: false)
        #expect(transition.newVersion == NewVersion(number: 3, codeSHA256: "aaa", source: .rollback, rolledBackFrom: 1))
        #expect(transition.state.approvalStatus == .pendingReview)
    }

    @Test func fourEyesRefuseTheCreatorOnlyWhenRequired() throws {
        #expect(throws: DomainError.self) {
            try ApprovalRules.approve(
                v1, version: 1, versionCreatedBy: "key:a", approver: "key:a", requireDistinctApprover: true)
        }
        #expect(
            try ApprovalRules.approve(
                v1, version: 1, versionCreatedBy: "key:a", approver: "key:b", requireDistinctApprover: true
            ).state.approvalStatus == .approved)
        #expect(
            try ApprovalRules.approve(
                v1, version: 1, versionCreatedBy: "key:a", approver: "key:a", requireDistinctApprover: false
            ).state.approvalStatus == .approved)
    }
}
