import HTTPTypes
import HummingbirdCore
import NIOCore
import Synchronization

/// Notices a client that hangs up while its request is still being answered. The server allows
/// half-closed connections, so a hang-up arrives as "input closed" on a channel that stays open;
/// this handler passes it on to whoever is waiting (an MCP call to cancel).
final class HangUpHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Any  // passed on untouched: only events matter here
    typealias InboundOut = Any

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            HangUps.shared.hungUp(ObjectIdentifier(context.channel))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        HangUps.shared.hungUp(ObjectIdentifier(context.channel))
        HangUps.shared.forget(ObjectIdentifier(context.channel))
        context.fireChannelInactive()
    }
}

/// Who waits for which connection to hang up.
final class HangUps: Sendable {
    static let shared = HangUps()
    private let state = Mutex<(waiting: [ObjectIdentifier: [@Sendable () -> Void]], gone: Set<ObjectIdentifier>)>(
        ([:], []))

    /// Runs `action` once the client on `channel` hangs up (at once if it already has).
    func onHangUp(_ channel: any Channel, _ action: @escaping @Sendable () -> Void) {
        let id = ObjectIdentifier(channel)
        let now = state.withLock { state -> Bool in
            if state.gone.contains(id) { return true }
            state.waiting[id, default: []].append(action)
            return false
        }
        if now { action() }
    }

    /// The request is answered: nothing to do on a later hang-up.
    func stopWaiting(_ channel: any Channel) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func hungUp(_ id: ObjectIdentifier) {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            state.gone.insert(id)
            return state.waiting.removeValue(forKey: id) ?? []
        }
        actions.forEach { $0() }
    }

    func forget(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.gone.remove(id) }
    }
}
