/// Checks tool arguments against the tool's input schema before any worker starts.
/// Supports the JSON Schema subset Warden derives from signatures: type (one or a list),
/// properties, required, additionalProperties, items, enum, minimum/maximum, minLength/maxLength.
///
/// Cost is linear in the arguments plus the schema (docs/design.md, cost budget): the schema is
/// compiled once per call (enums into hash sets), each argument value is visited once, and the
/// walk stops at the tenth problem. Messages are short: they never quote an enum or a long name.
public enum ArgumentValidator {
    public static let reportedProblems = 10

    public static func validate(_ arguments: JSONValue, against schema: JSONValue) throws {
        guard case .object = arguments else {
            throw DomainError.invalidArguments("arguments must be a JSON object")
        }
        var walk = Walk()
        walk.check(arguments, CompiledSchema(schema))
        if !walk.problems.isEmpty {
            throw DomainError.invalidArguments(walk.problems.joined(separator: "; "))
        }
    }

    /// One validation's state: where it is (rendered only for a problem) and what it found.
    private struct Walk {
        enum Step {
            case member(String)
            case index(Int)
        }
        var path: [Step] = []
        var problems: [String] = []
        var full: Bool { problems.count >= ArgumentValidator.reportedProblems }

        mutating func report(_ text: String) {
            guard !full else { return }
            var location = "arguments"
            for step in path {
                switch step {
                case .member(let name): location += "." + Self.shortened(name)
                case .index(let index): location += "[\(index)]"
                }
            }
            problems.append("\(location) \(text)")
        }

        static func shortened(_ name: String) -> String {
            name.utf8.count <= 64 ? name : String(decoding: name.utf8.prefix(60), as: UTF8.self) + "…"
        }

        mutating func check(_ value: JSONValue, _ schema: CompiledSchema) {
            guard !full else { return }
            if schema.rejectsAll {
                report("is not allowed")
                return
            }
            if let types = schema.types, !types.admits(value) {
                report("must be \(types.description), got \(Self.typeName(value))")
                return
            }
            if let options = schema.options, !options.contains(value) {
                let shown = schema.optionsShown
                report(
                    options.count <= 5
                        ? "must be one of \(shown)"
                        : "must be one of the \(options.count) allowed values, such as \(shown)")
            }
            switch value {
            case .object(let members): checkObject(members, schema)
            case .array(let elements):
                guard let items = schema.items else { return }
                for (index, element) in elements.enumerated() {
                    guard !full else { return }
                    path.append(.index(index))
                    check(element, items)
                    path.removeLast()
                }
            case .string(let text):
                guard schema.minLength != nil || schema.maxLength != nil else { return }
                // JSON Schema counts code points.
                let length = Double(text.unicodeScalars.count)
                if let min = schema.minLength, length < min { report("must have at least \(min) characters") }
                if let max = schema.maxLength, length > max { report("must have at most \(max) characters") }
            case .int, .double:
                let x = CompiledSchema.number(value)!
                if let min = schema.minimum, x < min { report("must be ≥ \(min)") }
                if let max = schema.maximum, x > max { report("must be ≤ \(max)") }
            default:
                break
            }
        }

        mutating func checkObject(_ members: [String: JSONValue], _ schema: CompiledSchema) {
            if !schema.required.isEmpty {
                // Counting present names costs O(members); the list is walked only when one is missing.
                let present = members.keys.reduce(0) { $0 + (schema.requiredSet.contains($1) ? 1 : 0) }
                if present < schema.requiredSet.count {
                    for name in schema.required where members[name] == nil {
                        guard !full else { return }
                        path.append(.member(name))
                        report("is required")
                        path.removeLast()
                    }
                }
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                guard !full else { return }
                path.append(.member(name))
                defer { path.removeLast() }
                if let propertySchema = schema.properties[name] {
                    check(member, propertySchema)
                } else {
                    switch schema.additional {
                    case .allowed: break
                    case .forbidden: report("is not a parameter of this tool")
                    case .schema(let extra): check(member, extra)
                    }
                }
            }
        }

        static func typeName(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case .bool: "boolean"
            case .int: "integer"
            case .double: "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
    }
}

/// A schema made ready for checking many values: sets instead of lists, children compiled once.
final class CompiledSchema {
    enum Additional {
        case allowed
        case forbidden
        case schema(CompiledSchema)
    }

    let rejectsAll: Bool
    let types: TypeSet?
    let options: Set<JSONValue>?
    /// A few allowed values for the message, in the schema's order, each cut short.
    let optionsShown: String
    let properties: [String: CompiledSchema]
    let required: [String]
    let requiredSet: Set<String>
    let additional: Additional
    let items: CompiledSchema?
    let minLength, maxLength, minimum, maximum: Double?

    init(_ schema: JSONValue) {
        let rules = schema.objectValue ?? [:]
        rejectsAll = schema == .bool(false)
        switch rules["type"] {
        case .string(let one)?: types = TypeSet([one])
        case .array(let many)?: types = TypeSet(many.compactMap(\.stringValue))
        default: types = nil
        }
        if case .array(let values)? = rules["enum"] {
            options = Set(values)
            optionsShown = values.prefix(5).map { value -> String in
                let text = value.encodedString()
                return text.utf8.count <= 40 ? text : String(decoding: text.utf8.prefix(36), as: UTF8.self) + "…"
            }.joined(separator: ", ")
        } else {
            options = nil
            optionsShown = ""
        }
        properties = (rules["properties"]?.objectValue ?? [:]).mapValues(CompiledSchema.init)
        if case .array(let names)? = rules["required"] {
            required = names.compactMap(\.stringValue)
        } else {
            required = []
        }
        requiredSet = Set(required)
        switch rules["additionalProperties"] {
        case nil, .bool(true)?: additional = .allowed
        case .bool(false)?: additional = .forbidden
        case let extra?: additional = .schema(CompiledSchema(extra))
        }
        items = rules["items"].map(CompiledSchema.init)
        minLength = Self.number(rules["minLength"])
        maxLength = Self.number(rules["maxLength"])
        minimum = Self.number(rules["minimum"])
        maximum = Self.number(rules["maximum"])
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let x)?: Double(x)
        case .double(let x)?: x
        default: nil
        }
    }
}

/// A schema's `type` as a set of the seven JSON Schema types: checked in constant time, however
/// long (or repetitive) the list in the schema.
struct TypeSet: CustomStringConvertible {
    static let names = ["null", "boolean", "integer", "number", "string", "array", "object"]
    private var bits: UInt8 = 0

    init(_ names: [String]) {
        for name in names {
            if let index = Self.names.firstIndex(of: name) { bits |= 1 << index }
        }
    }

    private func has(_ name: String) -> Bool { bits & (1 << Self.names.firstIndex(of: name)!) != 0 }

    func admits(_ value: JSONValue) -> Bool {
        switch value {
        case .null: has("null")
        case .bool: has("boolean")
        case .int: has("integer") || has("number")
        case .double(let x): has("number") || (has("integer") && x.rounded() == x)
        case .string: has("string")
        case .array: has("array")
        case .object: has("object")
        }
    }

    var description: String {
        let listed = Self.names.filter(has)
        return listed.isEmpty ? "of no known type" : listed.joined(separator: " or ")
    }
}
