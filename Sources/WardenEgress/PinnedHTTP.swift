import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WardenDomain

/// One HTTP exchange under the egress rules: the host must be allowed, every address it resolves
/// to must be public (or loopback in development), the connection goes to the address that was
/// checked, redirects come back unfollowed, and the body is bounded.
struct PinnedHTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: ByteBuffer
        var truncated: Bool
        var address: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let allowedHosts: [String]
    let settings: EgressSettings
    /// Development only, for an identity provider on this machine or a private network (never
    /// link-local or metadata addresses).
    var allowPrivateAddresses = false

    /// Checks the URL and its addresses; returns the target and the address to connect to.
    func admit(_ url: String) async throws -> (EgressTarget, IPAddress) {
        let target: EgressTarget
        do {
            target = try EgressTarget.parse(url)
        } catch DomainError.invalidRequest(let message) {
            throw EgressDenial(message)
        }
        guard target.isAllowed(by: allowedHosts) else {
            throw EgressDenial("host \(target.host):\(target.port) is not in this server's allowed_hosts")
        }
        let addresses = await Resolver.resolve(target.host)
        guard let address = addresses.first else { throw EgressDenial("host \(target.host) does not resolve") }
        for candidate in addresses {
            if case .forbidden(let why) = AddressPolicy.check(
                candidate, allowLoopback: settings.allowLoopback, allowPrivate: allowPrivateAddresses)
            {
                // The address itself stays private: the caller learns only its kind.
                throw EgressDenial("host \(target.host) resolves to a \(why); refused")
            }
        }
        return (target, address)
    }

    /// The whole exchange (resolving, connecting, the head and every byte of the body) within
    /// `timeout`: a server that trickles its body cannot hold the caller past it.
    func send(method: String, url: String, headers: [(String, String)], body: ByteBuffer?, timeout: TimeAmount)
        async throws -> Response
    {
        let client = HTTPClientBox()
        defer { Task { await client.shutdown() } }
        return try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask {
                try await self.exchange(
                    method: method, url: url, headers: headers, body: body, timeout: timeout, client: client)
            }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                await client.expire()  // ends a read that would otherwise wait on
                throw EgressDeadline()
            }
            defer { group.cancelAll() }
            do {
                return try await group.next()!
            } catch {
                // Whichever task noticed first, running out of time is the reason.
                if await client.expired { throw EgressDeadline() }
                throw error
            }
        }
    }

    private func exchange(
        method: String, url: String, headers: [(String, String)], body: ByteBuffer?, timeout: TimeAmount,
        client box: HTTPClientBox
    ) async throws -> Response {
        let (target, address) = try await admit(url)
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "User-Agent", value: "warden-egress")
        if let body { request.body = .bytes(body) }
        // Pin the connection to the checked address; TLS still verifies the host name.
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: timeout))
        if IPAddress(target.host) == nil { configuration.dnsOverride = [target.host: address.description] }
        guard let client = await box.start(configuration) else { throw EgressDeadline() }
        let response = try await client.execute(request, timeout: timeout)
        var collected = ByteBuffer()
        var truncated = false
        for try await chunk in response.body {
            let room = settings.maxResponseBodyBytes - collected.readableBytes
            if chunk.readableBytes > room {
                var part = chunk
                if room > 0, let slice = part.readSlice(length: room) { collected.writeImmutableBuffer(slice) }
                truncated = true
                break
            }
            collected.writeImmutableBuffer(chunk)
        }
        return Response(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: collected, truncated: truncated, address: address.description)
    }

    static func describe(_ error: any Error) -> String {
        if let denial = error as? EgressDenial { return denial.message }
        if error is EgressDeadline {
            return "timed out (the whole request, body included, must finish within its time limit)"
        }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "timed out" }
            if error == .connectTimeout { return "connect timed out" }
        }
        return "request failed (\(String(describing: type(of: error))))"
    }
}

struct EgressDenial: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The request's time ran out before its last byte arrived.
struct EgressDeadline: Error {}

/// One exchange's HTTP client, shut down once: by the exchange when it is done, or by the
/// deadline, which then makes every later start fail.
actor HTTPClientBox {
    private var client: HTTPClient?
    private(set) var expired = false

    func start(_ configuration: HTTPClient.Configuration) -> HTTPClient? {
        guard !expired else { return nil }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.client = client
        return client
    }

    /// The deadline passed: end the exchange where it is.
    func expire() async {
        expired = true
        await shutdown()
    }

    func shutdown() async {
        let ending = client
        client = nil
        try? await ending?.shutdown()
    }
}
