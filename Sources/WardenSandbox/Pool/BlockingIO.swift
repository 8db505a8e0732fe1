import Dispatch

/// Runs blocking work (spawning, polling pipes, waitpid) on Dispatch threads so Swift's
/// cooperative pool never blocks.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "warden.sandbox.io", attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
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
