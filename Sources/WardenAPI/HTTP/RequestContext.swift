import Hummingbird
import NIOCore
import WardenDomain

/// Per-request context: who is calling, once the auth middleware has resolved the credential.
public struct WardenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Set when the caller presented a session token rather than an API key.
    public var session: SessionTokens.Verified?
    /// The peer's IP address, for limits on failed authentication.
    public let clientAddress: String
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
