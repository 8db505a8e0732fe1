import Foundation
import WardenDomain
import WardenStore

/// Signed-in console users, held by this supervisor process: a random session id in an
/// HttpOnly cookie, a CSRF token for every form, and a short idle expiry.
public actor ConsoleSessions {
    struct Session: Sendable {
        var principal: Principal
        var csrf: String
        var lastSeen: ContinuousClock.Instant
        /// A message for the next page this session sees ("Version 2 approved."), shown once.
        var flash: String?
    }

    private var sessions: [String: Session] = [:]
    let idle: Duration

    public init(idle: Duration = .seconds(1800)) {
        self.idle = idle
    }

    func start(_ principal: Principal) -> (id: String, csrf: String) {
        sweep()
        let id = Hex.encode(RandomBytes.make(32))
        let csrf = Hex.encode(RandomBytes.make(32))
        sessions[id] = Session(principal: principal, csrf: csrf, lastSeen: .now, flash: nil)
        return (id, csrf)
    }

    /// The live session for `id`, kept alive by the call; nil when unknown or idle too long.
    func session(_ id: String) -> Session? {
        guard var session = sessions[id] else { return nil }
        guard ContinuousClock.now - session.lastSeen < idle else {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = .now
        sessions[id] = session
        return session
    }

    func setFlash(_ id: String, _ text: String) {
        sessions[id]?.flash = text
    }

    func takeFlash(_ id: String) -> String? {
        defer { sessions[id]?.flash = nil }
        return sessions[id]?.flash
    }

    func end(_ id: String) {
        sessions[id] = nil
    }

    private func sweep() {
        let now = ContinuousClock.now
        sessions = sessions.filter { now - $0.value.lastSeen < idle }
    }
}
