import Hummingbird
import NIOCore
import WardenDomain

/// Per-request context: who is calling, once the auth middleware has resolved the credential.
public struct WardenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Set when the caller presented a session token rather than an API key.
    public var session: SessionTokens.Verified?
    /// The client's IP address, for rate limits and logs: the peer's, or behind a trusted proxy
    /// the address it forwarded (`ForwardedMiddleware`).
    public internal(set) var clientAddress: String
    /// A trusted proxy says the client came over TLS (the console's cookie is then `Secure`).
    public internal(set) var forwardedHTTPS = false
    /// The connection, for the client certificate under mutual TLS.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.session = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.channel = source.channel
    }

    /// The authenticated caller, refused unless their role allows the action.
    public func require(_ action: Action) throws -> Principal {
        guard let principal else { throw APIError.unauthorized("missing bearer credential") }
        try principal.require(action)
        return principal
    }
}
