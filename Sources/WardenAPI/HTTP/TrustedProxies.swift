import Foundation
import HTTPTypes
import Hummingbird

#if canImport(Glibc)
    import Glibc
#endif

/// `WARDEN_TRUSTED_PROXIES`: the addresses (or CIDR ranges) of the reverse proxies in front of
/// Warden. Only from those peers are `X-Forwarded-For` and `X-Forwarded-Proto` believed; from
/// anyone else they are ignored, so a client cannot choose the address it is limited and logged by.
public struct TrustedProxies: Sendable {
    struct Range: Sendable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = prefix
            for (a, b) in zip(address, bytes) where left > 0 {
                let bits = min(8, left)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if a & mask != b & mask { return false }
                left -= bits
            }
            return true
        }
    }

    let ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    /// Parses a comma-separated list; nil names the first entry that is not an address or range.
    public static func parse(_ text: String) -> Result<TrustedProxies, ParseError> {
        var ranges: [Range] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(parts[0]) else { return .failure(ParseError(entry: entry)) }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else {
                return .failure(ParseError(entry: entry))
            }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    public struct ParseError: Error {
        public var entry: String
    }

    func trusts(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.bytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client behind the proxies: walking `X-Forwarded-For` from the right, the first address
    /// that is not itself a trusted proxy. `peer` when the peer is not trusted or says nothing.
    func client(peer: String, forwardedFor: String?) -> String {
        guard trusts(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard Self.bytes(hop) != nil else { return peer }  // garbage: believe nothing further
            if !trusts(hop) { return hop }
        }
        return hops.first ?? peer
    }

    /// Whether the client reached the proxy over TLS, as a trusted proxy says.
    func forwardedHTTPS(peer: String, forwardedProto: String?) -> Bool {
        trusts(peer)
            && forwardedProto?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces)
                .lowercased() == "https"
    }

    static func bytes(_ address: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, address, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, address, &v6) == 1 {
            // An IPv4-mapped address is the IPv4 address.
            if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == 0xFF && v6[11] == 0xFF { return Array(v6[12..<16]) }
            return v6
        }
        return nil
    }
}

/// Resolves the client's address (and whether it came over TLS) behind trusted proxies, for the
/// rate limits, the logs and the console's cookie.
struct ForwardedMiddleware: RouterMiddleware {
    typealias Context = WardenRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard !proxies.ranges.isEmpty else { return try await next(request, context) }
        var context = context
        let peer = context.clientAddress
        let forwardedFor = request.headers[HTTPField.Name("X-Forwarded-For")!]
        context.clientAddress = proxies.client(peer: peer, forwardedFor: forwardedFor)
        context.forwardedHTTPS = proxies.forwardedHTTPS(
            peer: peer, forwardedProto: request.headers[HTTPField.Name("X-Forwarded-Proto")!])
        context.logger[metadataKey: "client"] = "\(context.clientAddress)"
        return try await next(request, context)
    }
}
