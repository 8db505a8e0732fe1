/// Keeps credentials out of execution logs: arguments whose names look sensitive, and any
/// known secret value wherever it appears.
public struct Redactor: Sendable {
    public static let marker = "[REDACTED]"
    static let sensitiveWords: Set<String> = [
        "password", "passwd", "secret", "token", "apikey", "authorization", "cookie", "session",
    ]
    static let sensitivePairs: Set<String> = [
        "api_key", "auth_token", "access_token", "refresh_token", "private_key", "client_secret",
    ]

    /// Secret values to blank out, longest first. New secrets are at least 8 characters (shorter
    /// ones would hide ordinary words); any older, shorter one is still redacted: leaking beats garbling.
    private let secretValues: [[UInt8]]
    public static let minimumSecretLength = 8
    private static let markerBytes = Array(marker.utf8)

    public init(secretValues: [String] = []) {
        self.secretValues = secretValues.filter { !$0.isEmpty }.map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// `author` and `keyword` are not sensitive; `github_token`, `apiKey`, `X-Api-Key` are.
    public static func isSensitiveName(_ name: String) -> Bool {
        let parts = words(name)
        if sensitiveWords.contains(parts.joined()) || sensitivePairs.contains(parts.joined(separator: "_")) {
            return true
        }
        if parts.contains(where: sensitiveWords.contains) { return true }
        return zip(parts, parts.dropFirst()).contains { sensitivePairs.contains("\($0)_\($1)") }
    }

    /// Redacts sensitive keys at any depth (lists included) and secret values in every string.
    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members {
                out[redact(key)] = Self.isSensitiveName(key) ? .string(Self.marker) : redact(member)
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(redact))
        case .string(let text):
            return .string(redact(text))
        default:
            return value
        }
    }

    /// Secret values in free text (results, stdout, error messages), found byte for byte by
    /// Knuth-Morris-Pratt: linear in the text, so a secret like `aaa…b` cannot make it quadratic.
    public func redact(_ text: String) -> String {
        guard !secretValues.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in secretValues where secret.count <= bytes.count {
            if let replaced = Self.replacing(secret, in: bytes) {
                bytes = replaced
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// `bytes` with every occurrence of `secret` replaced by the marker; nil when there is none.
    static func replacing(_ secret: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
        // For each prefix of the secret, the length of its longest proper border.
        var border = [Int](repeating: 0, count: secret.count)
        var k = 0
        for i in 1..<max(secret.count, 1) {
            while k > 0 && secret[i] != secret[k] { k = border[k - 1] }
            if secret[i] == secret[k] { k += 1 }
            border[i] = k
        }
        var out: [UInt8]?
        var copied = 0
        var matched = 0
        for (index, byte) in bytes.enumerated() {
            while matched > 0 && byte != secret[matched] { matched = border[matched - 1] }
            if byte == secret[matched] { matched += 1 }
            if matched == secret.count {
                let start = index + 1 - secret.count
                if out == nil { out = [] }
                out!.append(contentsOf: bytes[copied..<start])
                out!.append(contentsOf: markerBytes)
                copied = index + 1
                matched = 0
            }
        }
        out?.append(contentsOf: bytes[copied...])
        return out
    }

    /// Lowercase words of a name split at `_`, `-`, `.`, spaces and camelCase boundaries.
    static func words(_ name: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var previousWasLower = false
        for ch in name {
            if ch == "_" || ch == "-" || ch == "." || ch == " " {
                if !current.isEmpty { parts.append(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if ch.isUppercase && previousWasLower {
                parts.append(current)
                current = ""
            }
            current += ch.lowercased()
            previousWasLower = ch.isLowercase || ch.isNumber
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}

/// Bounds what the log keeps of one field.
public enum LogTruncation {
    /// The longest prefix of at most `limit` UTF-8 bytes that ends on a character boundary.
    public static func prefix(_ text: String, limit: Int) -> (String, truncated: Bool) {
        guard text.utf8.count > limit else { return (text, false) }
        var bytes = Array(text.utf8.prefix(limit))
        // A cut inside a multi-byte character leaves at most three stray bytes.
        for _ in 0..<4 {
            if let valid = String(validating: bytes, as: UTF8.self) { return (valid, true) }
            bytes.removeLast()
        }
        return (String(decoding: bytes, as: UTF8.self), true)
    }
}
