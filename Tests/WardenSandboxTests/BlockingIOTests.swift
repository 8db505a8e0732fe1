import Foundation
import Testing

@testable import WardenSandbox

/// Blocking work (a worker's pipes, waitpid) runs on threads that grow as it blocks: with two
/// cores, two long executions waiting on their workers must not hold up everyone else's spawns
/// and pipe reads (seen as requests timing out across the test suite).
@Suite struct BlockingIOTests {
    /// How many pieces are blocked at once, and the most there ever were.
    final class Occupancy: @unchecked Sendable {
        private let lock = NSLock()
        private var inside = 0
        private(set) var most = 0

        func enter() {
            lock.withLock {
                inside += 1
                most = max(most, inside)
            }
        }

        func leave() { lock.withLock { inside -= 1 } }
        var highest: Int { lock.withLock { most } }
    }

    @Test func blockedPiecesAllRunAtOnce() async throws {
        let blockers = ProcessInfo.processInfo.activeProcessorCount * 4
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<blockers {
                group.addTask {
                    _ = try await BlockingIO.run { () -> Bool in
                        occupancy.enter()
                        // Each piece blocks until all are in at once, or 5 s pass.
                        for _ in 0..<500 where occupancy.highest < blockers { usleep(10_000) }
                        occupancy.leave()
                        return true
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.highest == blockers, "blocked pieces ran at most \(occupancy.highest) at a time")
    }
}
