/// Size limits of docs/design.md §4.
public struct Limits: Sendable {
    public var requestBodyBytes = 1 << 20
    public var codeBytes = 256 << 10
    public var argumentsBytes = 256 << 10
    public var resultBytes = 1 << 20
    public var loggedFieldBytes = 64 << 10
    public var descriptionBytes = 4 << 10
    /// An input schema is checked against every call's arguments: its size bounds that cost.
    public var schemaBytes = 64 << 10
    public var schemaDepth = 16
    public var defaultPageSize = 50
    public var maxPageSize = 500

    public init() {}

    public static let standard = Limits()

    public func requireCodeSize(_ code: String) throws {
        guard code.utf8.count <= codeBytes else {
            throw DomainError.payloadTooLarge("code is \(code.utf8.count) bytes; the limit is \(codeBytes)")
        }
    }

    public func requireDescription(_ text: String?) throws {
        guard let text, text.utf8.count > descriptionBytes else { return }
        throw DomainError.invalidRequest("description is longer than \(descriptionBytes) bytes")
    }

    /// Refuses a schema whose checking could cost more than the budget allows, saying what is too big.
    public func requireSchemaWithinBounds(_ schema: JSONValue) throws {
        let size = schema.encodedString().utf8.count
        guard size <= schemaBytes else {
            throw DomainError.invalidSchema("input_schema is \(size) bytes; the limit is \(schemaBytes)")
        }
        let depth = Self.depth(of: schema)
        guard depth <= schemaDepth else {
            throw DomainError.invalidSchema("input_schema nests \(depth) levels deep; the limit is \(schemaDepth)")
        }
    }

    private static func depth(of value: JSONValue) -> Int {
        switch value {
        case .object(let members): 1 + (members.values.lazy.map(depth).max() ?? 0)
        case .array(let elements): 1 + (elements.lazy.map(depth).max() ?? 0)
        default: 0
        }
    }

    /// `?limit=`: default when absent, 1...max when present.
    public func pageSize(_ raw: String?) throws -> Int {
        guard let raw else { return defaultPageSize }
        guard let value = Int(raw), value >= 1, value <= maxPageSize else {
            throw DomainError.invalidRequest("limit must be a whole number from 1 to \(maxPageSize)")
        }
        return value
    }
}
