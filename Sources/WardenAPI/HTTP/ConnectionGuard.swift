import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds on what one HTTP connection may hold (docs/design.md, cost budget).
public struct ConnectionLimits: Sendable {
    /// From the connection's start to its first whole request head.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of an answer to the next whole request head on a kept-alive connection.
    public var idleTimeout: Duration = .seconds(60)
    /// From the request head to the end of its body.
    public var bodyTimeout: Duration = .seconds(30)
    public var maxConnections = 4096
    public var maxConnectionsPerAddress = 256

    public init() {}
}

/// Who holds how many connections: shared by every channel of one server.
final class ConnectionCounts: Sendable {
    private let state = Mutex<(total: Int, perAddress: [String: Int])>((0, [:]))

    /// Counts a new connection, or says no when the total or its address is at the cap.
    func open(_ address: String, limits: ConnectionLimits) -> Bool {
        state.withLock { state in
            guard state.total < limits.maxConnections,
                state.perAddress[address, default: 0] < limits.maxConnectionsPerAddress
            else { return false }
            state.total += 1
            state.perAddress[address, default: 0] += 1
            return true
        }
    }

    func close(_ address: String) {
        state.withLock { state in
            state.total -= 1
            let left = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = left > 0 ? left : nil
        }
    }

    var total: Int { state.withLock { $0.total } }
}

/// Closes a connection whose request head or body is not complete in time (a slow client holds a
/// connection, never a thread), and refuses connections past the caps.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counts: ConnectionCounts
    private var address: String?
    private var deadline: Scheduled<Void>?
    /// A request head arrived and its end has not.
    private var receiving = false
    /// Requests whose answer has not ended (pipelined requests can be several).
    private var unanswered = 0

    init(limits: ConnectionLimits, counts: ConnectionCounts) {
        self.limits = limits
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard address == nil else { return }
        let key = Self.addressKey(context.channel.remoteAddress)
        guard counts.open(key, limits: limits) else {
            context.close(promise: nil)
            return
        }
        address = key
        arm(context, limits.headerTimeout)
    }

    /// One timer at a time: the body's while a request arrives, none while an answer is owed
    /// (a long call or a stream is not idle), the idle one once nothing is owed either way.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            receiving = true
            unanswered += 1
            arm(context, limits.bodyTimeout)
        case .end:
            receiving = false
            settle(context)
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if !receiving { settle(context) }
        }
        context.write(data, promise: promise)
    }

    /// Between requests: idle if every request has its whole answer, otherwise no timer.
    private func settle(_ context: ChannelHandlerContext) {
        if unanswered == 0 { arm(context, limits.idleTimeout) } else { disarm() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        disarm()
        if let address {
            counts.close(address)
            self.address = nil
        }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        disarm()
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    static func addressKey(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        return RateLimiter.clientKey(address.ipAddress ?? "unknown")
    }
}

extension HTTP1Channel.Configuration {
    /// Warden's HTTP/1 channels: the hang-up handler and the connection guard.
    static func warden(_ limits: ConnectionLimits, counts: ConnectionCounts) -> Self {
        .init(additionalChannelHandlers: [HangUpHandler(), ConnectionGuard(limits: limits, counts: counts)])
    }
}
