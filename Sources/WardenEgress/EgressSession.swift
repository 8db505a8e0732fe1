import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import WardenDomain
import WardenSandbox

/// The egress proxy for one execution: the tool's server's `allowed_hosts`, the SSRF guard on
/// every resolved address, a connection pinned to the checked address, redirects returned as they
/// are, bounded bodies and time, rate limits, and a record of each request.
public final class EgressSession: WorkerEgress, @unchecked Sendable {
    private let allowedHosts: [String]
    private let serverId: String
    private let toolId: String
    private let settings: EgressSettings
    private let limiter: EgressLimiter
    private let lock = NSLock()
    private var records: [EgressRecord] = []

    public init(allowedHosts: [String], serverId: String, toolId: String, settings: EgressSettings, limiter: EgressLimiter) {
        self.allowedHosts = allowedHosts
        self.serverId = serverId
        self.toolId = toolId
        self.settings = settings
        self.limiter = limiter
    }

    /// What the tool did, in order, for the execution record.
    public var log: [EgressRecord] {
        lock.withLock { records }
    }

    public func handle(_ request: [UInt8]) async -> [UInt8] {
        let start = DispatchTime.now().uptimeNanoseconds
        var record = EgressRecord(method: "?", host: "?", port: 0, address: nil, status: nil, bytes: 0, error: nil, durationMs: 0)
        let reply: JSONValue
        do {
            reply = try await perform(request, &record)
        } catch let denial as EgressDenial {
            record.error = denial.message
            reply = .object(["error": .object(["type": .string("EgressError"), "message": .string(denial.message)])])
        } catch {
            record.error = "request failed"
            reply = .object(["error": .object(["type": .string("EgressError"), "message": .string("request failed: \(Self.describe(error))")])])
        }
        record.durationMs = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        lock.withLock { records.append(record) }
        return Array(reply.encodedString().utf8)
    }

    private func perform(_ frame: [UInt8], _ record: inout EgressRecord) async throws -> JSONValue {
        let count = lock.withLock { records.count }
        guard count < settings.maxRequestsPerExecution else {
            throw EgressDenial("this execution already made \(settings.maxRequestsPerExecution) requests, the limit")
        }
        guard let object = (try? JSONValue.decode(String(decoding: frame, as: UTF8.self)))?.objectValue,
              let method = object["method"]?.stringValue?.uppercased(), let url = object["url"]?.stringValue else {
            throw EgressDenial("malformed egress request")
        }
        guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(method) else { throw EgressDenial("method \(method) is not allowed") }
        record.method = method
        let target: EgressTarget
        do {
            target = try EgressTarget.parse(url)
        } catch DomainError.invalidRequest(let message) {
            throw EgressDenial(message)
        }
        record.host = target.host
        record.port = target.port
        guard target.isAllowed(by: allowedHosts) else {
            throw EgressDenial("host \(target.host):\(target.port) is not in this server's allowed_hosts")
        }
        if let limit = await limiter.admit(serverId: serverId, toolId: toolId) {
            throw EgressDenial("egress rate limit of this \(limit) reached; slow down")
        }
        let addresses = await Resolver.resolve(target.host)
        guard let address = addresses.first else { throw EgressDenial("host \(target.host) does not resolve") }
        for candidate in addresses {
            if case .forbidden(let why) = AddressPolicy.check(candidate, allowLoopback: settings.allowLoopback) {
                throw EgressDenial("host \(target.host) resolves to \(candidate), a \(why); refused")
            }
        }
        record.address = address.description

        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: method)
        for case let (name, .string(value)) in object["headers"]?.objectValue ?? [:] {
            guard !Self.hopByHop.contains(name.lowercased()) else { continue }
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else { throw EgressDenial("header \(name) is malformed") }
            outgoing.headers.add(name: name, value: value)
        }
        outgoing.headers.replaceOrAdd(name: "User-Agent", value: "warden-egress")
        if let body = object["body"]?.stringValue {
            guard body.utf8.count <= settings.maxRequestBodyBytes else { throw EgressDenial("request body is larger than \(settings.maxRequestBodyBytes) bytes") }
            outgoing.body = .bytes(ByteBuffer(string: body))
        }
        let timeout = object["timeout_ms"].flatMap { value -> TimeAmount? in
            if case .int(let ms) = value, ms > 0 { return .milliseconds(min(ms, settings.requestTimeout.nanoseconds / 1_000_000)) }
            return nil
        } ?? settings.requestTimeout

        // Pin the connection to the checked address; TLS still verifies the host name.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: timeout))
        if IPAddress(target.host) == nil { configuration.dnsOverride = [target.host: address.description] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            var body = ByteBuffer()
            var truncated = false
            for try await chunk in response.body {
                let room = settings.maxResponseBodyBytes - body.readableBytes
                if chunk.readableBytes > room {
                    var part = chunk
                    if room > 0, let slice = part.readSlice(length: room) { body.writeImmutableBuffer(slice) }
                    truncated = true
                    break
                }
                body.writeImmutableBuffer(chunk)
            }
            try? await client.shutdown()
            record.status = Int(response.status.code)
            record.bytes = body.readableBytes
            var headers: [String: JSONValue] = [:]
            for header in response.headers { headers[header.name.lowercased()] = .string(header.value) }
            return .object([
                "status": .int(Int64(response.status.code)), "headers": .object(headers),
                "body": .string(String(decoding: body.readableBytesView, as: UTF8.self)), "truncated": .bool(truncated),
                "url": .string(url),
            ])
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static let hopByHop: Set<String> = ["host", "connection", "keep-alive", "proxy-authorization", "proxy-connection",
                                                "te", "trailer", "transfer-encoding", "upgrade", "content-length"]

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "timed out" }
            if error == .connectTimeout { return "connect timed out" }
        }
        return String(describing: type(of: error))
    }
}

struct EgressDenial: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
