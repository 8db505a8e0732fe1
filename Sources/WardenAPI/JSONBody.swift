import Foundation
import Hummingbird
import NIOCore
import WardenDomain

/// A request body type: decoded from JSON, with its known fields so typos are reported.
protocol RequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

enum JSONBody {
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
        let object: [String: JSONValue]
        do {
            guard let parsed = try JSONDecoder().decode(JSONValue.self, from: data).objectValue else {
                throw DomainError.invalidRequest("request body must be a JSON object")
            }
            object = parsed
        } catch let error as DomainError {
            throw error
        } catch {
            throw DomainError.invalidRequest(data.isEmpty ? "request body is empty; expected a JSON object" : "request body is not valid JSON")
        }
        if let unknown = object.keys.sorted().first(where: { !T.fields.contains($0) }) {
            throw DomainError.invalidRequest("unknown field \"\(unknown)\"; expected some of: \(T.fields.sorted().joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
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

/// JSON responses with the contract's keys; lists as `{items, next_cursor}`.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func list<Item: Encodable & Sendable>(_ page: Page<Item>) throws -> Response {
        try make(ListBody(items: page.items, nextCursor: page.nextCursor))
    }

    private struct ListBody<Item: Encodable>: Encodable {
        var items: [Item]
        var nextCursor: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(items, forKey: .items)
            try c.encode(nextCursor, forKey: .nextCursor)
        }

        enum Keys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
    }
}

/// Query-string readers that refuse values they do not understand.
struct Query {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            parameters[String(key)] = String(value)
        }
        self.parameters = parameters
    }

    func string(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func requireKnown(_ names: Set<String>) throws {
        if let unknown = parameters.keys.sorted().first(where: { !names.contains($0) }) {
            throw DomainError.invalidRequest("unknown query parameter \"\(unknown)\"; expected some of: \(names.sorted().joined(separator: ", "))")
        }
    }

    func enumValue<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let raw = string(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw DomainError.invalidRequest("\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func time(_ name: String) throws -> String? {
        guard let raw = string(name) else { return nil }
        guard let value = Timestamp.parse(raw) else {
            throw DomainError.invalidRequest("\(name) must be an RFC 3339 time such as 2026-01-31T12:00:00Z")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool {
        switch string(name) {
        case nil, "false": return false
        case "true": return true
        default: throw DomainError.invalidRequest("\(name) must be true or false")
        }
    }

    func page(_ limits: Limits) throws -> (cursor: PageCursor?, limit: Int) {
        (try PageCursor.parse(string("cursor")), try limits.pageSize(string("limit")))
    }
}
