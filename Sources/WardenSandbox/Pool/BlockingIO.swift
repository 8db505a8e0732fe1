import Dispatch

/// Runs blocking work (spawning, polling pipes, waitpid) on Dispatch threads so Swift's
/// cooperative pool never blocks. Each piece gets a serial queue of its own: serial queues run
/// on Dispatch's overcommitting threads, which grow as work blocks. A concurrent queue runs on
/// the non-overcommitting ones, about one per core, so two executions waiting on their workers
/// held up every other spawn and pipe read in the process (BlockingIOTests).
enum BlockingIO {
    static func queue() -> DispatchQueue { DispatchQueue(label: "warden.sandbox.io") }

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Waits, on a Dispatch thread, for async work (an egress request) to finish.
    static func await<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            box.value = await work()
            semaphore.signal()
        }
        semaphore.wait()
        return box.value!
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
