import Foundation
import NIOCore
import WardenDomain

/// A client for an upstream MCP server over Streamable HTTP, under the egress rules. It sends
/// only Warden's own credential for that source, never the caller's.
public struct MCPUpstream: Sendable {
    public struct CallResult: Sendable {
        public var isError: Bool
        public var result: JSONValue
        public var text: String
    }

    let url: String
    let bearer: String?
    let http: PinnedHTTP
    let timeout: TimeAmount
    let allowLoopback: Bool
    /// Every text the upstream says passes it before it leaves this type: an upstream can echo
    /// the credential it was sent, or any secret a tool gave it.
    let redactor: Redactor
    /// Upstream error text kept in a message, after redaction.
    static let messageBytes = 1024
    /// What an upstream answers is parsed within these bounds, stream-safe text included
    /// (docs/design.md §12b): a response body is at most 1 MiB already.
    static let answers = BoundedJSON(maxDepth: 64, maxElements: 100_000, maxStringBytes: 1 << 20)
    /// Tools read from one listing, over every page: a listing past it is refused, not cut,
    /// so a pinned tool is never "missing" because it came late.
    public static let maxListedTools = 1000

    /// `secretValues`: the server's secrets (the bearer is always among those redacted).
    public init(
        url: String, bearer: String?, allowedHosts: [String], settings: EgressSettings, secretValues: [String] = []
    ) {
        self.url = url
        self.bearer = bearer
        self.redactor = Redactor(secretValues: secretValues + [bearer].compactMap { $0 })
        self.http = PinnedHTTP(allowedHosts: allowedHosts, settings: settings)
        self.timeout = settings.requestTimeout
        self.allowLoopback = settings.allowLoopback
    }

    /// Refuses a URL the egress rules would refuse, before anything is stored.
    public func check() async throws {
        do {
            _ = try await http.admit(url)
        } catch let denial as EgressDenial {
            throw DomainError.invalidRequest(denial.message)
        }
    }

    public func listTools() async throws -> [MCPToolDefinition] {
        try await withSession { session in
            var tools: [MCPToolDefinition] = []
            var cursor: JSONValue?
            for _ in 0..<20 {
                let params: JSONValue = cursor.map { .object(["cursor": $0]) } ?? .object([:])
                let result = try await session.request("tools/list", params)
                let listed = result.objectValue?["tools"].map(\.arrayItems) ?? []
                guard tools.count + listed.count <= Self.maxListedTools else {
                    throw EgressDenial(
                        "upstream lists more than \(Self.maxListedTools) tools; Warden reads at most that many")
                }
                tools += listed.compactMap(MCPToolDefinition.init(listed:))
                cursor = result.objectValue?["nextCursor"]
                if cursor == nil || cursor == .null { break }
            }
            return tools
        }
    }

    public func callTool(name: String, arguments: JSONValue) async throws -> CallResult {
        try await withSession { session in
            let result = try await session.request(
                "tools/call", .object(["name": .string(name), "arguments": arguments]))
            let object = result.objectValue ?? [:]
            let text = (object["content"].map(\.arrayItems) ?? []).compactMap { $0.objectValue?["text"]?.stringValue }
                .joined(separator: "\n")
            let value: JSONValue =
                object["structuredContent"] ?? (try? MCPUpstream.answers.parse(Array(text.utf8))) ?? .string(text)
            return CallResult(isError: object["isError"] == .bool(true), result: value, text: text)
        }
    }

    private func withSession<T>(_ body: (Session) async throws -> T) async throws -> T {
        // A secret never leaves over plain http, whatever was stored before this rule.
        if bearer != nil { try SecretTransport.requireSecure(url, allowLoopback: allowLoopback) }
        let session = Session(upstream: self)
        do {
            try await session.open()
            let value = try await body(session)
            await session.close()
            return value
        } catch let denial as EgressDenial {
            await session.close()
            throw DomainError.upstreamUnavailable(said(denial.message))
        } catch let error as DomainError {
            await session.close()
            throw error.redacted(by: redactor, limit: Self.messageBytes)
        } catch {
            await session.close()
            throw DomainError.upstreamUnavailable(said("upstream MCP server: \(PinnedHTTP.describe(error))"))
        }
    }

    private func said(_ text: String) -> String {
        LogTruncation.prefix(redactor.redact(text), limit: Self.messageBytes).0
    }

    final class Session: @unchecked Sendable {
        let upstream: MCPUpstream
        var id: String?
        var nextId: Int64 = 1
        /// The negotiated revision; nil until `initialize` has answered (which carries no header).
        var version: String?
        static let preferredVersion = "2025-11-25"
        static let statelessVersion = "2026-07-28"
        static let clientInfo: JSONValue = .object(["name": .string("warden"), "version": .string("0.4.0")])
        /// The upstream speaks the stateless revision: no session, the version on every request.
        var stateless = false
        /// The method and tool name of the request being sent, for the stateless revision's headers.
        private var current: (method: String, name: String?)?

        init(upstream: MCPUpstream) { self.upstream = upstream }

        func open() async throws {
            let result: JSONValue
            do {
                result = try await request(
                    "initialize",
                    .object([
                        "protocolVersion": .string(Self.preferredVersion), "capabilities": .object([:]),
                        "clientInfo": Self.clientInfo,
                    ]))
            } catch let refusal as OffersOnly where refusal.versions.contains(Self.statelessVersion) {
                // An upstream that speaks only the stateless revision: no handshake, no session;
                // every request then says its version in headers and `_meta`.
                stateless = true
                version = Self.statelessVersion
                return
            }
            // From here on, every request says the version the upstream chose.
            version = result.objectValue?["protocolVersion"]?.stringValue ?? Self.preferredVersion
            _ = try await post(.object(["jsonrpc": .string("2.0"), "method": .string("notifications/initialized")]))
        }

        func close() async {
            guard id != nil else { return }
            _ = try? await upstream.http.send(
                method: "DELETE", url: upstream.url, headers: headers(), body: nil, timeout: .seconds(2))
        }

        func request(_ method: String, _ params: JSONValue) async throws -> JSONValue {
            let requestId = nextId
            nextId += 1
            var params = params
            if stateless, var object = params.objectValue {
                object["_meta"] = .object([
                    "io.modelcontextprotocol/protocolVersion": .string(Self.statelessVersion),
                    "io.modelcontextprotocol/clientInfo": Self.clientInfo,
                    "io.modelcontextprotocol/clientCapabilities": .object([:]),
                ])
                params = .object(object)
            }
            current = (method, params.objectValue?["name"]?.stringValue)
            defer { current = nil }
            let response = try await post(
                .object(["jsonrpc": .string("2.0"), "id": .int(requestId), "method": .string(method), "params": params])
            )
            guard !response.truncated else {
                throw EgressDenial("upstream answered \(method) with more than the response limit; not read")
            }
            guard let message = Self.findResponse(response, id: requestId) else {
                throw EgressDenial("upstream gave no answer to \(method) (HTTP \(response.status))")
            }
            if let error = message["error"]?.objectValue {
                throw EgressDenial("upstream refused \(method): \(error["message"]?.stringValue ?? "error")")
            }
            return message["result"] ?? .null
        }

        private func post(_ message: JSONValue) async throws -> PinnedHTTP.Response {
            let response = try await upstream.http.send(
                method: "POST", url: upstream.url, headers: headers(),
                body: ByteBuffer(string: message.encodedString()), timeout: upstream.timeout)
            if let session = response.header("Mcp-Session-Id") { id = session }
            if (300..<400).contains(response.status) {
                throw EgressDenial("upstream answered with a redirect (\(response.status)); not followed")
            }
            if response.status == 401 || response.status == 403 {
                throw EgressDenial("upstream refused Warden's credential (HTTP \(response.status))")
            }
            guard response.status < 400 else {
                // -32022 names the revisions the upstream does speak.
                let error = (try? MCPUpstream.answers.parse(response.body.readableBytesView))?
                    .objectValue?["error"]?.objectValue
                if error?["code"] == .int(-32022) {
                    throw OffersOnly(versions: error?["data"]?.objectValue?["supported"]?.strings ?? [])
                }
                throw EgressDenial("upstream answered HTTP \(response.status)")
            }
            return response
        }

        private func headers() -> [(String, String)] {
            var headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
            if let version { headers.append(("MCP-Protocol-Version", version)) }
            if stateless, let current {
                headers.append(("Mcp-Method", current.method))
                if current.method == "tools/call", let name = current.name { headers.append(("Mcp-Name", name)) }
            }
            if let id { headers.append(("Mcp-Session-Id", id)) }
            if let bearer = upstream.bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
            return headers
        }

        /// The JSON-RPC response with `id`, from a JSON body or from the events of an SSE body.
        static func findResponse(_ response: PinnedHTTP.Response, id: Int64) -> [String: JSONValue]? {
            let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
            var candidates: [String] = []
            if response.header("Content-Type")?.lowercased().hasPrefix("text/event-stream") == true {
                candidates = ServerSentEvents.dataOfEvents(text)
            } else {
                candidates.append(text)
            }
            for candidate in candidates {
                if let object = (try? MCPUpstream.answers.parse(Array(candidate.utf8)))?.objectValue,
                    object["id"] == .int(id)
                {
                    return object
                }
            }
            return nil
        }
    }
}

/// An upstream refused the handshake and named the revisions it speaks (JSON-RPC -32022).
struct OffersOnly: Error {
    let versions: [String]
}
