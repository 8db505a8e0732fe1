/// Checks tool arguments against the tool's input schema before any worker starts.
/// Supports the JSON Schema subset Warden derives from signatures: type (one or a list),
/// properties, required, additionalProperties, items, enum, minimum/maximum, minLength/maxLength.
public enum ArgumentValidator {
    public static func validate(_ arguments: JSONValue, against schema: JSONValue) throws {
        guard case .object = arguments else {
            throw DomainError.invalidArguments("arguments must be a JSON object")
        }
        var problems: [String] = []
        check(arguments, schema, path: "arguments", problems: &problems)
        if !problems.isEmpty {
            throw DomainError.invalidArguments(problems.prefix(10).joined(separator: "; "))
        }
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, path: String, problems: inout [String]) {
        guard let rules = schema.objectValue else {
            if schema == .bool(false) { problems.append("\(path) is not allowed") }
            return
        }
        if let types = allowedTypes(rules["type"]), !types.contains(where: { matches(value, $0) }) {
            problems.append("\(path) must be \(types.joined(separator: " or ")), got \(typeName(value))")
            return
        }
        if case .array(let options)? = rules["enum"], !options.contains(value) {
            problems.append("\(path) must be one of \(JSONValue.array(options).encodedString())")
        }
        switch value {
        case .object(let members):
            checkObject(members, rules, path: path, problems: &problems)
        case .array(let elements):
            if let itemSchema = rules["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, itemSchema, path: "\(path)[\(index)]", problems: &problems)
                }
            }
        case .string(let text):
            if let min = number(rules["minLength"]), Double(text.count) < min {
                problems.append("\(path) must have at least \(min) characters")
            }
            if let max = number(rules["maxLength"]), Double(text.count) > max {
                problems.append("\(path) must have at most \(max) characters")
            }
        case .int, .double:
            let x = number(value)!
            if let min = number(rules["minimum"]), x < min { problems.append("\(path) must be ≥ \(min)") }
            if let max = number(rules["maximum"]), x > max { problems.append("\(path) must be ≤ \(max)") }
        default:
            break
        }
    }

    private static func checkObject(
        _ members: [String: JSONValue], _ rules: [String: JSONValue], path: String, problems: inout [String]
    ) {
        let properties = rules["properties"]?.objectValue ?? [:]
        if case .array(let required)? = rules["required"] {
            for case .string(let name) in required where members[name] == nil {
                problems.append("\(path).\(name) is required")
            }
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[name] {
                check(member, propertySchema, path: "\(path).\(name)", problems: &problems)
            } else if let extra = rules["additionalProperties"] {
                if extra == .bool(false) {
                    problems.append("\(path).\(name) is not a parameter of this tool")
                } else {
                    check(member, extra, path: "\(path).\(name)", problems: &problems)
                }
            }
        }
    }

    private static func allowedTypes(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let one)?: return [one]
        case .array(let many)?: return many.compactMap(\.stringValue)
        default: return nil
        }
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object):
            return true
        case ("integer", .int), ("number", .int), ("number", .double): return true
        case ("integer", .double(let x)): return x.rounded() == x
        default: return false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
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

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let x)?: Double(x)
        case .double(let x)?: x
        default: nil
        }
    }
}
