/// The part of a tool that the approval rules decide on.
public struct ToolState: Equatable, Sendable {
    public var currentVersion: Int
    public var codeSHA256: String
    public var approvalStatus: ApprovalStatus
    public var approvedVersion: Int?

    public init(currentVersion: Int, codeSHA256: String, approvalStatus: ApprovalStatus, approvedVersion: Int?) {
        self.currentVersion = currentVersion
        self.codeSHA256 = codeSHA256
        self.approvalStatus = approvalStatus
        self.approvedVersion = approvedVersion
    }

    /// A new tool: version 1, waiting for review.
    public static func new(codeSHA256: String) -> ToolState {
        ToolState(currentVersion: 1, codeSHA256: codeSHA256, approvalStatus: .pendingReview, approvedVersion: nil)
    }
}

/// The version a rule asks the store to append.
public struct NewVersion: Equatable, Sendable {
    public var number: Int
    public var codeSHA256: String
    public var source: VersionSource
    public var rolledBackFrom: Int?

    public init(number: Int, codeSHA256: String, source: VersionSource, rolledBackFrom: Int?) {
        self.number = number
        self.codeSHA256 = codeSHA256
        self.source = source
        self.rolledBackFrom = rolledBackFrom
    }
}

/// What a rule decided: the tool's next state and, when the code changed, the version to append.
public struct Transition: Equatable, Sendable {
    public var state: ToolState
    public var newVersion: NewVersion?
    /// False when nothing changes (identical code resubmitted).
    public var changed: Bool
}
