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

    /// Approve the version under review; with four eyes (`WARDEN_REQUIRE_DISTINCT_APPROVER`),
    /// only by an approver who authored no part of it (`requireNotAuthor`).
    public static func approve(
        _ state: ToolState, version: Int, authorship: Authorship, approver: String, requireDistinctApprover: Bool
    ) throws -> Transition {
        if requireDistinctApprover { try requireNotAuthor(approver, of: state.currentVersion, authorship) }
        return try approve(state, version: version)
    }

    /// Four eyes by authorship: the approver authored no part of what `version` would approve.
    /// That is none of the versions since the last one approved by someone else, not a version a
    /// rollback among them restored (followed back through rollbacks of rollbacks), and, for a
    /// passthrough tool, neither the registration of its MCP source nor its import.
    public static func requireNotAuthor(_ approver: String, of version: Int, _ authorship: Authorship) throws {
        if let passthrough = authorship.passthrough {
            if passthrough.sourceRegisteredBy == approver {
                throw DomainError.forbidden(
                    "four eyes: you registered this passthrough tool's MCP source, so another admin must approve it")
            }
            if passthrough.importedBy == approver {
                throw DomainError.forbidden(
                    "four eyes: you imported this passthrough tool, so another admin must approve it")
            }
        }
        let base = authorship.approvals.filter { $0.by != approver && $0.version <= version }.map(\.version).max() ?? 0
        guard base < version else { return }
        for number in (base + 1)...version {
            guard let entry = authorship.versions[number] else { continue }
            if entry.createdBy == approver {
                throw DomainError.forbidden(
                    "four eyes: you created version \(number), part of what version \(version) would approve (every change since \(base == 0 ? "the first version" : "version \(base), the last one another admin approved")), so another admin must approve it"
                )
            }
            var restored = entry.rolledBackFrom
            var hops = 0
            while let target = restored, hops < authorship.versions.count {
                guard let original = authorship.versions[target] else { break }
                if original.createdBy == approver {
                    throw DomainError.forbidden(
                        "four eyes: version \(number) restores version \(target), which you created, so another admin must approve it"
                    )
                }
                restored = original.rolledBackFrom
                hops += 1
            }
        }
    }

    /// Who made each part of a tool's history, as four eyes needs it.
    public struct Authorship: Sendable {
        public struct Version: Sendable {
            public var createdBy: String
            public var rolledBackFrom: Int?
            public init(createdBy: String, rolledBackFrom: Int?) {
                self.createdBy = createdBy
                self.rolledBackFrom = rolledBackFrom
            }
        }
        public struct Approval: Sendable {
            public var version: Int
            public var by: String
            public init(version: Int, by: String) {
                self.version = version
                self.by = by
            }
        }
        public struct Passthrough: Sendable {
            /// Nil when no record says (a source registered before this was kept).
            public var sourceRegisteredBy: String?
            public var importedBy: String
            public init(sourceRegisteredBy: String?, importedBy: String) {
                self.sourceRegisteredBy = sourceRegisteredBy
                self.importedBy = importedBy
            }
        }
        public var versions: [Int: Version]
        /// Every approval decision of the tool's history.
        public var approvals: [Approval]
        public var passthrough: Passthrough?

        public init(versions: [Int: Version], approvals: [Approval], passthrough: Passthrough?) {
            self.versions = versions
            self.approvals = approvals
            self.passthrough = passthrough
        }
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

    /// A version whose text hides something (bidirectional controls, zero-width or look-alike
    /// characters) is approved only with an explicit acknowledgement.
    public static func requireWarningsAcknowledged(
        _ warnings: [InvisibleText.Warning], acknowledged: Bool, version: Int
    ) throws {
        guard !warnings.isEmpty, !acknowledged else { return }
        let listed = warnings.prefix(5).map { "\($0.kind) in \($0.field)\($0.line.map { " line \($0)" } ?? "")" }
        throw DomainError.conflict(
            "version \(version) has \(warnings.count) warning\(warnings.count == 1 ? "" : "s") (\(listed.joined(separator: ", "))): read them in the diff, then approve with acknowledge_warnings: true"
        )
    }

    /// A rejection says why: the author reads it to revise.
    public static func requireReason(_ reason: String) throws {
        guard reason.contains(where: { !$0.isWhitespace }) else {
            throw DomainError.invalidRequest("reason must say why the version is rejected")
        }
    }

    /// A model calls a tool by `<server>__<tool>`: a rename that would change what it sees for an
    /// approved tool is refused (docs/design.md §3); without approved tools it is free.
    public static func requireRenameKeepsApprovedNames(from old: String, to new: String, approvedTools: [String])
        throws
    {
        guard old != new, let first = approvedTools.first else { return }
        let count = approvedTools.count
        throw DomainError.conflict(
            "renaming server \(old) to \(new) would change the name models call \(count) approved tool\(count == 1 ? "" : "s") by (\(old)__\(first) would become \(new)__\(first)) without a review; create a new server, or withdraw the approvals first"
        )
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
