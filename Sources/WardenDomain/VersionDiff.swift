/// What changed between two versions of a tool, for a reviewer: every definition field that
/// differs with its old and new value, and a unified diff of the code. `from` nil compares
/// against nothing (a new tool).
public struct VersionDiff: Encodable, Equatable, Sendable {
    public struct Change: Encodable, Equatable, Sendable {
        public var field: String
        public var old: JSONValue
        public var new: JSONValue
    }

    public var fromVersion: Int?
    public var toVersion: Int
    public var changed: [String]
    public var changes: [Change]
    public var codeDiff: String

    enum CodingKeys: String, CodingKey {
        case fromVersion = "from"
        case toVersion = "to"
        case changed, changes
        case codeDiff = "code_diff"
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
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fromVersion, forKey: .fromVersion)
        try c.encode(toVersion, forKey: .toVersion)
        try c.encode(changed, forKey: .changed)
        try c.encode(changes, forKey: .changes)
        try c.encode(codeDiff, forKey: .codeDiff)
    }
}
