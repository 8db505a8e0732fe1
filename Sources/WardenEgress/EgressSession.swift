import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import WardenDomain

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

    public init(
        allowedHosts: [String], serverId: String, toolId: String, settings: EgressSettings, limiter: EgressLimiter
    ) {
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

    /// A request's body (JSON-escaped at worst twice its size) and its method, URL and headers.
    public var frameLimit: Int { 2 * settings.maxRequestBodyBytes + 64 << 10 }

    public var requestQuota: Int { settings.maxRequestsPerExecution }

    public func handle(_ request: JSONValue, within budget: Duration) async -> EgressAnswer {
        // Not a request at all, or one too many: no record, the worker ends (docs/design.md, cost budget).
        guard let object = request.objectValue, object["method"]?.stringValue != nil,
            object["url"]?.stringValue != nil
        else { return .endWorker("it sent an egress frame that is not a request (method and url)") }
        guard lock.withLock({ records.count }) < settings.maxRequestsPerExecution else {
            return .endWorker("it sent more than \(settings.maxRequestsPerExecution) egress requests, the limit")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var record = EgressRecord(
            method: "?", host: "?", port: 0, address: nil, status: nil, bytes: 0, error: nil, durationMs: 0)
        let reply: JSONValue
        do {
            reply = try await perform(object, budget: budget, &record)
        } catch let denial as EgressDenial {
            record.error = EgressRecord.capped(denial.message)
            reply = .object(["error": .object(["type": .string("EgressError"), "message": .string(denial.message)])])
        } catch {
            record.error = "request failed"
            reply = .object([
                "error": .object(["type": .string("EgressError"), "message": .string(PinnedHTTP.describe(error))])
            ])
        }
        record.durationMs = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        Counter(
            label: "warden_egress_requests_total", dimensions: [("outcome", record.error == nil ? "sent" : "refused")]
        ).increment()
        lock.withLock { records.append(record) }
        return .reply(Array(reply.encodedString().utf8))
    }

    private func perform(_ object: [String: JSONValue], budget: Duration, _ record: inout EgressRecord)
        async throws -> JSONValue
    {
        let method = (object["method"]?.stringValue ?? "").uppercased()
        let url = object["url"]?.stringValue ?? ""
        guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(method) else {
            throw EgressDenial("method \(EgressRecord.capped(method, to: 16)) is not allowed")
        }
        record.method = method
        guard url.utf8.count <= EgressRecord.maxURLBytes else {
            throw EgressDenial("the URL is longer than \(EgressRecord.maxURLBytes) bytes")
        }
        if let target = try? EgressTarget.parse(url) {
            guard target.host.utf8.count <= EgressRecord.maxHostBytes else {
                throw EgressDenial("the host name is longer than \(EgressRecord.maxHostBytes) characters")
            }
            record.host = target.host
            record.port = target.port
        }
        if let limit = await limiter.admit(serverId: serverId, toolId: toolId) {
            throw EgressDenial("egress rate limit of this \(limit) reached; slow down")
        }
        var headers: [(String, String)] = []
        for case (let name, .string(let value)) in object["headers"]?.objectValue ?? [:] {
            guard !Self.hopByHop.contains(name.lowercased()) else { continue }
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else {
                throw EgressDenial("header \(name) is malformed")
            }
            headers.append((name, value))
        }
        var body: ByteBuffer?
        if let text = object["body"]?.stringValue {
            guard text.utf8.count <= settings.maxRequestBodyBytes else {
                throw EgressDenial("request body is larger than \(settings.maxRequestBodyBytes) bytes")
            }
            body = ByteBuffer(string: text)
        }
        let requested =
            object["timeout_ms"].flatMap { value -> TimeAmount? in
                if case .int(let ms) = value, ms > 0 {
                    return .milliseconds(min(ms, settings.requestTimeout.nanoseconds / 1_000_000))
                }
                return nil
            } ?? settings.requestTimeout
        let timeout = min(
            requested,
            .nanoseconds(
                Int64(budget.components.seconds) * 1_000_000_000 + budget.components.attoseconds / 1_000_000_000))
        let response = try await PinnedHTTP(allowedHosts: allowedHosts, settings: settings)
            .send(method: method, url: url, headers: headers, body: body, timeout: timeout)
        record.address = response.address
        record.status = response.status
        record.bytes = response.body.readableBytes
        var responseHeaders: [String: JSONValue] = [:]
        for (name, value) in response.headers { responseHeaders[name.lowercased()] = .string(value) }
        return .object([
            "status": .int(Int64(response.status)), "headers": .object(responseHeaders),
            "body": .string(String(decoding: response.body.readableBytesView, as: UTF8.self)),
            "truncated": .bool(response.truncated),
            "url": .string(url),
        ])
    }

    private static let hopByHop: Set<String> = [
        "host", "connection", "keep-alive", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade", "content-length",
    ]
}
