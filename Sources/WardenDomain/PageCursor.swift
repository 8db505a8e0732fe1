/// Opaque list cursor: the sequence number of the last item served, so pages stay stable
/// while rows are added.
public struct PageCursor: Equatable, Sendable {
    public var after: Int64

    public init(after: Int64) { self.after = after }

    public var token: String {
        Base64URL.encode(Array("c1:\(after)".utf8))
    }

    public static func parse(_ token: String?) throws -> PageCursor? {
        guard let token else { return nil }
        guard let bytes = Base64URL.decode(token), let text = String(bytes: bytes, encoding: .utf8),
            text.hasPrefix("c1:"), let value = Int64(text.dropFirst(3)), value >= 0
        else {
            throw DomainError.invalidRequest(
                "cursor is not one this service issued; pass next_cursor from a previous page")
        }
        return PageCursor(after: value)
    }
}

/// One page of a list, as the contract shapes it.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
