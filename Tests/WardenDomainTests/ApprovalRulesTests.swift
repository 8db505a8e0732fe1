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

    static func history(_ creators: [String], rollbacks: [Int: Int] = [:], approvals: [(Int, String)] = [])
        -> ApprovalRules.Authorship
    {
        var versions: [Int: ApprovalRules.Authorship.Version] = [:]
        for (index, creator) in creators.enumerated() {
            versions[index + 1] = .init(createdBy: creator, rolledBackFrom: rollbacks[index + 1])
        }
        return ApprovalRules.Authorship(
            versions: versions, approvals: approvals.map { .init(version: $0.0, by: $0.1) }, passthrough: nil)
    }

    @Test func fourEyesRefuseTheCreatorOnlyWhenRequired() throws {
        let mine = Self.history(["key:a"])
        #expect(throws: DomainError.self) {
            try ApprovalRules.approve(
                v1, version: 1, authorship: mine, approver: "key:a", requireDistinctApprover: true)
        }
        #expect(
            try ApprovalRules.approve(
                v1, version: 1, authorship: mine, approver: "key:b", requireDistinctApprover: true
            )
            .state.approvalStatus == .approved)
        #expect(
            try ApprovalRules.approve(
                v1, version: 1, authorship: mine, approver: "key:a", requireDistinctApprover: false
            ).state.approvalStatus == .approved)
    }

    /// The outside review's three cases, each once refused and once allowed to someone else.
    @Test func fourEyesCountEveryPartTheApproverAuthored() throws {
        // (a) The admin's code in v2, the agent's description edit in v3: v3 carries the admin's code.
        let edited = Self.history(["key:agent", "key:admin", "key:agent"])
        #expect(throws: DomainError.self) { try ApprovalRules.requireNotAuthor("key:admin", of: 3, edited) }
        try ApprovalRules.requireNotAuthor("key:other", of: 3, edited)
        // Once another admin approved v2, only what came after counts.
        let reviewed = Self.history(["key:agent", "key:admin", "key:agent"], approvals: [(2, "key:other")])
        try ApprovalRules.requireNotAuthor("key:admin", of: 3, reviewed)
        // (b) The admin wrote v4 and v5; the operator's rollback v6 restores v4.
        let rolledBack = Self.history(
            ["key:x", "key:x", "key:x", "key:admin", "key:admin", "key:operator"], rollbacks: [6: 4],
            approvals: [(5, "key:other")])
        #expect(
            throws: DomainError.forbidden(
                "four eyes: version 6 restores version 4, which you created, so another admin must approve it")
        ) {
            try ApprovalRules.requireNotAuthor("key:admin", of: 6, rolledBack)
        }
        try ApprovalRules.requireNotAuthor("key:third", of: 6, rolledBack)
        // A rollback of a rollback leads back to the original author.
        let twice = Self.history(["key:admin", "key:b", "key:op", "key:op"], rollbacks: [3: 1, 4: 3])
        #expect(throws: DomainError.self) { try ApprovalRules.requireNotAuthor("key:admin", of: 4, twice) }
        // (c) A passthrough tool: its importer and its source's registrant never approve it.
        var imported = Self.history(["key:importer", "system"], approvals: [(1, "key:b")])
        imported.passthrough = .init(sourceRegisteredBy: "key:registrant", importedBy: "key:importer")
        #expect(throws: DomainError.self) { try ApprovalRules.requireNotAuthor("key:importer", of: 2, imported) }
        #expect(throws: DomainError.self) { try ApprovalRules.requireNotAuthor("key:registrant", of: 2, imported) }
        try ApprovalRules.requireNotAuthor("key:b", of: 2, imported)
    }
}
