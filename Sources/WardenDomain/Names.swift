/// Name rules of docs/design.md §4, checked without regex engines so they cost nothing on hot paths.
public enum Names {
    /// Servers and tools: `^[a-z][a-z0-9_-]{0,63}$`.
    public static func isValidResourceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isLower(first) else { return false }
        return bytes.dropFirst().allSatisfy {
            isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    /// Secrets: `^[A-Z_][A-Z0-9_]{0,63}$`.
    public static func isValidSecretName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isUpper(first) || first == UInt8(ascii: "_") else {
            return false
        }
        return bytes.dropFirst().allSatisfy { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    public static func requireResourceName(_ name: String, field: String) throws {
        guard isValidResourceName(name) else {
            throw DomainError.invalidRequest(
                "\(field) must match ^[a-z][a-z0-9_-]{0,63}$ (lowercase letter first, then up to 63 of a-z 0-9 _ -)")
        }
    }

    private static func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
    private static func isUpper(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

/// Entries of a server's `allowed_hosts`: a host name or IP literal, optionally with `:port`.
public enum HostEntry {
    public static func isValid(_ entry: String) -> Bool {
        var host = Substring(entry)
        if let colon = entry.lastIndex(of: ":"), !entry.hasPrefix("[") {
            guard let port = Int(entry[entry.index(after: colon)...]), (1...65535).contains(port) else { return false }
            host = entry[..<colon]
        } else if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { return false }
            let rest = entry[entry.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":", let port = Int(rest.dropFirst()), (1...65535).contains(port) else {
                    return false
                }
            }
            return entry[entry.index(after: entry.startIndex)..<close].allSatisfy {
                $0.isHexDigit || $0 == ":" || $0 == "."
            }
        }
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
        }
    }

    public static func requireValid(_ entries: [String]) throws {
        if let bad = entries.first(where: { !isValid($0) }) {
            throw DomainError.invalidRequest("allowed_hosts entry \"\(bad)\" is not a host name or host:port")
        }
    }
}
