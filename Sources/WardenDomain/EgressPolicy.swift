/// An IP address as raw bytes: 4 for IPv4, 16 for IPv6.
public struct IPAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted IPv4 or (bracketless) IPv6 text; nil for anything else, including host names.
    public init?(_ text: String) {
        if let v4 = IPAddress.parseV4(Substring(text)) {
            self.bytes = v4
        } else if let v6 = IPAddress.parseV6(text) {
            self.bytes = v6
        } else {
            return nil
        }
    }

    public var isV4: Bool { bytes.count == 4 }

    public var description: String {
        if isV4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    private static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                !(part.count > 1 && part.hasPrefix("0")), let value = UInt8(part)
            else { return nil }
            out.append(value)
        }
        return out
    }

    private static func parseV6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var v4Tail: [UInt8] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, into out: inout [UInt16], allowV4: Bool) -> Bool {
            guard !part.isEmpty else { return true }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowV4, index == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece) {
                    v4Tail = v4
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return false }
                out.append(value)
            }
            return true
        }
        guard groups(halves[0], into: &head, allowV4: halves.count == 1),
            halves.count == 1 || groups(halves[1], into: &tail, allowV4: true)
        else { return nil }
        let total = head.count + tail.count + v4Tail.count / 2
        if halves.count == 1 { guard total == 8 else { return nil } } else { guard total < 8 else { return nil } }
        let middle = [UInt16](repeating: 0, count: 8 - total)
        var out: [UInt8] = []
        for group in head + middle + tail { out += [UInt8(group >> 8), UInt8(group & 0xff)] }
        return out + v4Tail
    }
}

/// Which destinations the egress proxy may connect to, decided on resolved addresses.
public enum AddressPolicy {
    public enum Verdict: Equatable, Sendable {
        case allowed
        case forbidden(String)
    }

    /// Everything but the public unicast internet is refused; loopback, and private networks, only
    /// when a development setting allows them. Link-local, metadata and multicast never pass.
    public static func check(_ address: IPAddress, allowLoopback: Bool = false, allowPrivate: Bool = false) -> Verdict {
        let verdict = strictCheck(address, allowLoopback: allowLoopback || allowPrivate)
        if allowPrivate, case .forbidden(let why) = verdict,
            why.hasPrefix("private address") || why.hasPrefix("unique local address")
        {
            return .allowed
        }
        return verdict
    }

    private static func strictCheck(_ address: IPAddress, allowLoopback: Bool) -> Verdict {
        let b = address.bytes
        if address.isV4 { return checkV4(b, allowLoopback: allowLoopback) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return .forbidden("IPv4-mapped IPv6 address")
        }
        if b.allSatisfy({ $0 == 0 }) { return .forbidden("unspecified address") }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 {
            return allowLoopback ? .allowed : .forbidden("loopback address")
        }
        if b[0..<12].allSatisfy({ $0 == 0 }) { return .forbidden("IPv4-compatible IPv6 address") }
        if b[0] & 0xfe == 0xfc { return .forbidden("unique local address (fc00::/7)") }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .forbidden("link-local address (fe80::/10)") }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .forbidden("site-local address (fec0::/10)") }
        if b[0] == 0xff { return .forbidden("multicast address") }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b {
            return .forbidden("NAT64 address (64:ff9b::/96)")
        }
        if b[0] == 0x20 && b[1] == 0x02 { return .forbidden("6to4 address (2002::/16)") }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 { return .forbidden("Teredo address (2001::/32)") }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 {
            return .forbidden("documentation address (2001:db8::/32)")
        }
        if b[0] == 0x01 && b[1..<8].allSatisfy({ $0 == 0 }) { return .forbidden("discard-only address (100::/64)") }
        return b[0] & 0xe0 == 0x20 ? .allowed : .forbidden("not a global unicast address")
    }

    private static func checkV4(_ b: [UInt8], allowLoopback: Bool) -> Verdict {
        switch (b[0], b[1]) {
        case (127, _): return allowLoopback ? .allowed : .forbidden("loopback address")
        case (0, _): return .forbidden("\"this network\" address (0.0.0.0/8)")
        case (10, _): return .forbidden("private address (10.0.0.0/8)")
        case (172, 16...31): return .forbidden("private address (172.16.0.0/12)")
        case (192, 168): return .forbidden("private address (192.168.0.0/16)")
        case (169, 254): return .forbidden("link-local or cloud metadata address (169.254.0.0/16)")
        case (100, 64...127): return .forbidden("carrier-grade NAT address (100.64.0.0/10)")
        case (192, 0) where b[2] == 0 || b[2] == 2: return .forbidden("IETF reserved or documentation address")
        case (198, 18...19): return .forbidden("benchmarking address (198.18.0.0/15)")
        case (198, 51) where b[2] == 100: return .forbidden("documentation address")
        case (203, 0) where b[2] == 113: return .forbidden("documentation address")
        case (224...239, _): return .forbidden("multicast address")
        case (240...255, _): return .forbidden("reserved or broadcast address")
        default: return .allowed
        }
    }
}

/// A request a tool asked for, checked against its server's `allowed_hosts`.
public struct EgressTarget: Equatable, Sendable {
    public var scheme: String
    public var host: String
    public var port: Int

    public init(scheme: String, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses an absolute http(s) URL; refuses user info and anything but http and https.
    public static func parse(_ url: String) throws -> EgressTarget {
        guard let schemeEnd = url.range(of: "://") else {
            throw DomainError.invalidRequest("URL must be absolute: \(url.prefix(200))")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw DomainError.invalidRequest("only http and https URLs are allowed")
        }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw DomainError.invalidRequest("URLs with user info are not allowed") }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw DomainError.invalidRequest("bad IPv6 literal in URL")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw DomainError.invalidRequest("bad port in URL")
                }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw DomainError.invalidRequest("bad port in URL")
            }
            port = p
            host = String(authority[..<colon])
        }
        // The host is matched, resolved and pinned exactly as written, so it must be written in its
        // one canonical form: another spelling could slip past the connection pin.
        guard host == host.lowercased(), !host.hasSuffix("."), !host.contains("%") else {
            throw DomainError.invalidRequest("write the URL's host in lowercase, without a trailing dot")
        }
        guard !host.isEmpty else { throw DomainError.invalidRequest("URL has no host") }
        return EgressTarget(scheme: scheme, host: host, port: port)
    }

    /// `host` allows the scheme's default port; `host:port` allows exactly that port.
    public func isAllowed(by allowedHosts: [String]) -> Bool {
        let defaultPort = scheme == "https" ? 443 : 80
        return allowedHosts.contains { entry in
            let entry = entry.lowercased()
            if entry == host || entry == "[\(host)]" { return port == defaultPort }
            return entry == "\(host):\(port)" || entry == "[\(host)]:\(port)"
        }
    }
}

/// Where a server's secret may travel as an MCP source's credential: over https only. Plain
/// http only to a loopback host, and only when loopback egress is allowed (tests, development).
public enum SecretTransport {
    public static func requireSecure(_ url: String, allowLoopback: Bool) throws {
        let target = try EgressTarget.parse(url)
        if target.scheme == "https" { return }
        let loopback = target.host == "localhost" || target.host == "::1" || target.host.hasPrefix("127.")
        guard allowLoopback && loopback else {
            throw DomainError.invalidRequest(
                "an MCP source that is sent a secret must use https (plain http only to loopback with WARDEN_EGRESS_ALLOW_LOOPBACK=1)"
            )
        }
    }
}
