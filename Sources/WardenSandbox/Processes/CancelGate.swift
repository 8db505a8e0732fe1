import Synchronization

/// One execution's cancellation: lets another thread stop the worker running it, and only while
/// it runs (a stop after the worker was reaped could signal a process that reused its pid). It
/// belongs to the execution, not the worker, so a cancel that arrives late reaches nobody else's
/// request on the same fork server.
final class CancelGate: Sendable {
    private struct State {
        var stop: (@Sendable () -> Void)?
        var cancelled = false
    }
    private let state = Mutex(State())

    /// The request starts, stoppable by `stop`; false if it was cancelled before it could.
    func begin(stop: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.stop = stop
            return true
        }
    }

    /// The request ended (before the worker is reaped); whether it was cancelled.
    func end() -> Bool {
        state.withLock { state in
            state.stop = nil
            return state.cancelled
        }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.stop?()
        }
    }
}
