/// The approval workflow (docs/design.md §5, "Domain rules"). Pure functions: the store loads a tool, asks a rule,
/// and writes what the rule returned in one transaction with its audit event.
public enum ApprovalRules {
    /// A new definition for a tool (code, input schema, name, description: everything a model
    /// sees or runs). An identical definition makes no version and keeps the approval; any other
    /// is a new version that needs a new review. `definitionChanged` says whether anything but
    /// the code differs from the current version.
    public static func submitDefinition(_ state: ToolState, newCodeSHA256: String, definitionChanged: Bool)
        -> Transition
    {
        guard newCodeSHA256 != state.codeSHA256 || definitionChanged else {
            return Transition(state: state, newVersion: nil, changed: false)
        }
        let version = NewVersion(
            number: state.currentVersion + 1, codeSHA256: newCodeSHA256, source: .submit, rolledBackFrom: nil)
        return Transition(state: pendingReview(state, version), newVersion: version, changed: true)
    }

    /// Approve the version under review, by an approver other than its creator when four eyes
    /// are required (`WARDEN_REQUIRE_DISTINCT_APPROVER`).
    public static func approve(
        _ state: ToolState, version: Int, versionCreatedBy creator: String, approver: String,
        requireDistinctApprover: Bool
    ) throws -> Transition {
        if requireDistinctApprover && creator == approver {
            throw DomainError.forbidden(
                "four eyes: version \(version) was created by \(approver), so another admin must approve it")
        }
        return try approve(state, version: version)
    }

    /// Approve the version under review. Only the current version can be judged.
    public static func approve(_ state: ToolState, version: Int) throws -> Transition {
        try requireCurrent(state, version)
        var next = state
        next.approvalStatus = .approved
        next.approvedVersion = version
        return Transition(state: next, newVersion: nil, changed: next != state)
    }

    /// Reject the current version; rejecting an approved version withdraws the approval.
    public static func reject(_ state: ToolState, version: Int) throws -> Transition {
        try requireCurrent(state, version)
        var next = state
        next.approvalStatus = .rejected
        next.approvedVersion = nil
        return Transition(state: next, newVersion: nil, changed: next != state)
    }

    /// Roll back to an earlier version: a new version with that version's definition, marked as
    /// a rollback, waiting for review. `targetSHA256` is nil when the version does not exist;
    /// `sameDefinition` says whether it equals the current version's whole definition.
    public static func rollback(_ state: ToolState, to target: Int, targetSHA256: String?, sameDefinition: Bool) throws
        -> Transition
    {
        guard let targetSHA256, target >= 1, target <= state.currentVersion else {
            throw DomainError.notFound("version \(target) does not exist")
        }
        guard target != state.currentVersion else {
            throw DomainError.conflict("version \(target) is already the current version")
        }
        guard !sameDefinition else {
            throw DomainError.conflict(
                "version \(target) has the same definition as the current version \(state.currentVersion)")
        }
        let version = NewVersion(
            number: state.currentVersion + 1, codeSHA256: targetSHA256, source: .rollback, rolledBackFrom: target)
        return Transition(state: pendingReview(state, version), newVersion: version, changed: true)
    }

    /// Only an approved tool executes, and only the approved version's exact code.
    /// Returns the version to run.
    public static func executableVersion(_ state: ToolState) throws -> Int {
        guard state.approvalStatus == .approved, let approved = state.approvedVersion else {
            throw DomainError.toolNotApproved(
                "the tool is \(state.approvalStatus.rawValue); an admin must approve version \(state.currentVersion) first"
            )
        }
        guard approved == state.currentVersion else {
            throw DomainError.toolNotApproved(
                "the approved version \(approved) is not the current version \(state.currentVersion)")
        }
        return approved
    }

    private static func requireCurrent(_ state: ToolState, _ version: Int) throws {
        guard version == state.currentVersion else {
            throw DomainError.versionMismatch(requested: version, current: state.currentVersion)
        }
    }

    private static func pendingReview(_ state: ToolState, _ version: NewVersion) -> ToolState {
        ToolState(
            currentVersion: version.number, codeSHA256: version.codeSHA256, approvalStatus: .pendingReview,
            approvedVersion: nil)
    }
}
