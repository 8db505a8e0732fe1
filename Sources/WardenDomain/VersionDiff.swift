/// What changed between two versions of a tool, for a reviewer: every definition field that
/// differs with its old and new value, and a unified diff of the code. `from` nil compares
/// against nothing (a new tool).
public struct VersionDiff: Encodable, Equatable, Sendable {
    public struct Change: Encodable, Equatable, Sendable {
        public var field: String
        public var old: JSONValue
        public var new: JSONValue
    }

    /// A version rejected since `from`, with why and what it changed from `from`.
    public struct Rejected: Encodable, Equatable, Sendable {
        public var version: Int
        public var reason: String
        public var rejectedBy: String
        public var rejectedAt: String
        public var changed: [String]
        public var codeDiff: String

        enum CodingKeys: String, CodingKey {
            case version, reason, changed
            case rejectedBy = "rejected_by"
            case rejectedAt = "rejected_at"
            case codeDiff = "code_diff"
        }
    }

    /// How a version was judged, as the store recorded it.
    public struct Decision: Sendable {
        public var version: Int
        public var text: String
        public var by: String
        public var at: String
        public init(version: Int, text: String, by: String, at: String) {
            self.version = version
            self.text = text
            self.by = by
            self.at = at
        }
    }

    public var fromVersion: Int?
    public var toVersion: Int
    public var changed: [String]
    public var changes: [Change]
    public var codeDiff: String
    /// Invisible or look-alike text in the `to` version: approving it needs an acknowledgement.
    public var warnings: [InvisibleText.Warning]
    public var rejected: [Rejected] = []

    enum CodingKeys: String, CodingKey {
        case fromVersion = "from"
        case toVersion = "to"
        case changed, changes, warnings, rejected
        case codeDiff = "code_diff"
    }

    /// `rejections`: the versions rejected since `from` (each with its definition) and their decisions.
    public init(from old: ToolVersion?, to new: ToolVersion, rejections: [(ToolVersion, Decision)]) {
        self.init(from: old, to: new)
        rejected = rejections.map { version, decision in
            let diff = VersionDiff(from: old, to: version)
            return Rejected(
                version: version.version, reason: decision.text, rejectedBy: decision.by, rejectedAt: decision.at,
                changed: diff.changed, codeDiff: diff.codeDiff)
        }
    }

    public init(from old: ToolVersion?, to new: ToolVersion) {
        let before = old?.definition ?? ToolDefinition(name: "", description: "", code: "", inputSchema: .null)
        let after = new.definition ?? before
        fromVersion = old?.version
        toVersion = new.version
        var changes: [Change] = []
        if before.name != after.name {
            changes.append(Change(field: "name", old: .string(before.name), new: .string(after.name)))
        }
        if before.description != after.description {
            changes.append(
                Change(field: "description", old: .string(before.description), new: .string(after.description)))
        }
        if before.inputSchema != after.inputSchema {
            changes.append(Change(field: "input_schema", old: before.inputSchema, new: after.inputSchema))
        }
        let codeChanged = before.code != after.code
        self.changes = changes
        self.changed = changes.map(\.field) + (codeChanged ? ["code"] : [])
        self.codeDiff = LineDiff.unified(
            old: before.code, new: after.code,
            oldLabel: old.map { "version \($0.version)" } ?? "(none)", newLabel: "version \(new.version)")
        self.warnings = new.definition.map(InvisibleText.warnings(in:)) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fromVersion, forKey: .fromVersion)
        try c.encode(toVersion, forKey: .toVersion)
        try c.encode(changed, forKey: .changed)
        try c.encode(changes, forKey: .changes)
        try c.encode(codeDiff, forKey: .codeDiff)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(rejected, forKey: .rejected)
    }
}
