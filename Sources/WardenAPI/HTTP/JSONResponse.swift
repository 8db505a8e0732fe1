import Foundation
import Hummingbird
import WardenDomain

/// JSON responses with the contract's keys, sorted so the same answer reads the same every
/// time; lists as `{items, next_cursor}`.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let bytes = JSONWriter.bytes(try JSONValueEncoder.encode(value))
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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
