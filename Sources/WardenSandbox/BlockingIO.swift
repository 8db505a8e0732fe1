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
}
