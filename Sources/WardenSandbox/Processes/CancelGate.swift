import Synchronization

/// Lets another thread stop a worker's request, and only while it runs: a stop that comes after
/// the worker was reaped could otherwise signal a process that reused its pid.
final class CancelGate: Sendable {
    private let state = Mutex<(running: Bool, cancelled: Bool)>((false, false))

    /// The request starts; false if it was cancelled before it could.
    func begin() -> Bool {
        state.withLock { state in
            state.running = !state.cancelled
            return state.running
        }
    }

    /// The request ended (before the worker is reaped); whether it was cancelled.
    func end() -> Bool {
        state.withLock { state in
            state.running = false
            return state.cancelled
        }
    }

    func cancel(stop: () -> Void) {
        state.withLock { state in
            state.cancelled = true
            if state.running { stop() }
        }
    }
}
