/// Text that is stored as text: PostgreSQL's `text` cannot hold U+0000, and both databases keep
/// the same rule, so what one node accepts every node can store.
public enum StoredText {
    /// Whether any string (or key) in `value` holds a NUL; arguments are stored as escaped JSON
    /// and may.
    public static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.utf8.contains(0)
        case .array(let elements): elements.contains(where: containsNUL)
        case .object(let members): members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        default: false
        }
    }

    public static func nulRefusal(field: String) -> String {
        "field \"\(field.prefix(64))\" holds a NUL character (U+0000), which Warden does not store; remove it"
    }

    /// What a tool wrote, made storable: each NUL becomes U+FFFD, which says a character was replaced.
    public static func storable(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }
}
