import Dispatch
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves a host name to every address it has, off the cooperative pool. The proxy checks
/// all of them and connects to the one it checked, so a second lookup cannot change the answer.
enum Resolver {
    /// A serial queue per lookup runs on Dispatch's overcommitting threads, so slow lookups do
    /// not queue behind each other about one per core (see BlockingIO in WardenSandbox).
    private static func queue() -> DispatchQueue { DispatchQueue(label: "warden.egress.resolve") }

    static func resolve(_ host: String) async -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return await withCheckedContinuation { continuation in
            queue().async { continuation.resume(returning: lookup(host)) }
        }
    }

    private static func lookup(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET, let raw = entry.pointee.ai_addr {
                let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                if let ip = IPAddress(bytes: withUnsafeBytes(of: address) { Array($0) }) { addresses.append(ip) }
            } else if entry.pointee.ai_family == AF_INET6, let raw = entry.pointee.ai_addr {
                let address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                if let ip = IPAddress(bytes: withUnsafeBytes(of: address) { Array($0) }) { addresses.append(ip) }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
