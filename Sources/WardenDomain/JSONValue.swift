import Foundation

/// Any JSON value: tool arguments, results, input schemas, audit details.
public enum JSONValue: Codable, Equatable, Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        // A document parsed already (by `BoundedJSON`, with its bounds): take the value at this
        // path from it. Decoding it afresh tries each type in turn, and every failed try builds
        // an error with the whole coding path: values x depth.
        if let document = decoder.userInfo[.parsedDocument] as? JSONValue,
            let value = document.value(at: decoder.codingPath)
        {
            self = value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value a decoder's coding path leads to, if it leads anywhere.
    func value(at path: [any CodingKey]) -> JSONValue? {
        var current = self
        for key in path {
            switch current {
            case .object(let members):
                guard let next = members[key.stringValue] else { return nil }
                current = next
            case .array(let items):
                guard let index = key.intValue, items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an array; empty for anything else.
    public var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The string elements of an array; empty for anything else.
    public var strings: [String] { arrayItems.compactMap(\.stringValue) }

    /// Compact JSON text with sorted keys: stable for hashing and storage.
    public func encodedString() -> String {
        String(decoding: JSONWriter.bytes(self), as: UTF8.self)
    }

    /// Parses JSON text with the strict parser the sandbox frames use (no recursion, duplicate
    /// keys refused), which is also several times faster than `JSONDecoder` for stored values.
    public static func decode(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { bytes in try storedJSON.parse(bytes) }
    }

    private static let storedJSON: BoundedJSON = {
        var parser = BoundedJSON(maxDepth: 512, maxElements: .max, maxStringBytes: .max)
        parser.requireStreamSafeText = false  // rows stored before the bound must read back
        return parser
    }()
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension CodingUserInfoKey {
    /// With a `JSONValue` document under this key, a decoder's `JSONValue` fields come from it.
    public static let parsedDocument = CodingUserInfoKey(rawValue: "warden.parsed-document")!
}
