import Foundation
import Hummingbird
import NIOCore
import WardenDomain

/// A request body type: decoded from JSON, with its known fields so typos are reported.
protocol RequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

enum JSONBody {
    /// Every body is parsed by the strict parser first, within these bounds (docs/design.md §12b).
    static let bounds = BoundedJSON(maxDepth: 64, maxElements: 200_000, maxStringBytes: 1 << 20)

    /// Reads at most the body limit (413 past it), then decodes with messages a person can act on.
    static func decode<T: RequestBody>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw DomainError.payloadTooLarge("request body is larger than \(limit) bytes")
        }
        let data = Data(buffer.readableBytesView)
        let document: JSONValue
        do {
            document = try bounds.parse(buffer.readableBytesView)
        } catch .invalid(_, let reason) where !data.isEmpty {
            throw DomainError.invalidRequest("request body is not valid JSON: \(reason)")
        } catch .invalid {
            throw DomainError.invalidRequest("request body is empty; expected a JSON object")
        } catch {
            throw DomainError.invalidRequest(
                "request body is nested deeper than \(bounds.maxDepth) levels or holds more than \(bounds.maxElements) values"
            )
        }
        guard let object = document.objectValue else {
            throw DomainError.invalidRequest("request body must be a JSON object")
        }
        if let field = object.first(where: { $0.key != "arguments" && StoredText.containsNUL($0.value) })?.key {
            throw DomainError.invalidRequest(StoredText.nulRefusal(field: field))
        }
        if let unknown = object.keys.sorted().first(where: { !T.fields.contains($0) }) {
            throw DomainError.invalidRequest(
                "unknown field \"\(unknown)\"; expected some of: \(T.fields.sorted().joined(separator: ", "))")
        }
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[.parsedDocument] = document
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw DomainError.invalidRequest(describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \"\(path(context, key))\""
        case .typeMismatch(let type, let context):
            return "field \"\(path(context))\" must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context))\" must be \(typeName(type)), not null"
        case .dataCorrupted(let context):
            return "field \"\(path(context))\" is invalid: \(context.debugDescription)"
        @unknown default:
            return "request body does not match the expected shape"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type, is [Any].Type: "an array"
        default: "a value of type \(type)"
        }
    }
}
