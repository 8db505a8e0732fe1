import Foundation
import Logging
import WardenDomain
import WardenStore

/// Keeps this node's lease and, on each renewal, hands the running executions of nodes whose
/// lease ran out to `interrupted` (docs/design.md §11.3).
struct NodeLeaseTask {
    let store: Store
    let seconds: TimeInterval
    let logger: Logger
    /// This node's own executions still `running` this long after they started are lost (a
    /// write that failed, a task that died): the longest run plus a grace period.
    var staleAfter: TimeInterval?
    /// Waiting for a worker and upstream calls come on top of the wall clock.
    static let staleGraceSeconds: TimeInterval = 300

    /// At start-up: the lease first, then the executions earlier nodes left running. One
    /// process owns an SQLite file, so there every earlier node is gone.
    func start() async throws {
        try await store.renewLease(seconds: seconds)
        try await recover(everyOtherNode: store.dialect == .sqlite, startingUp: true)
        logger.info("node lease taken", metadata: ["node": "\(store.nodeId)", "lease_seconds": "\(seconds)"])
    }

    func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(seconds / 3))
            } catch {
                return  // shutting down
            }
            do {
                try await store.renewLease(seconds: seconds)
                try await recover(everyOtherNode: false, startingUp: false)
            } catch {
                logger.error("node lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func recover(everyOtherNode: Bool, startingUp: Bool) async throws {
        let interrupted = try await store.interruptExecutionsOfLostNodes(
            everyOtherNode: everyOtherNode, startingUp: startingUp)
        if interrupted > 0 {
            logger.warning(
                "marked executions of nodes that stopped (crash or lost lease) as interrupted",
                metadata: ["count": "\(interrupted)"])
        }
        guard let staleAfter, !startingUp else { return }
        let lost = try await store.interruptOwnStaleExecutions(
            startedBefore: Timestamp.string(Date().addingTimeInterval(-staleAfter)))
        if lost > 0 {
            logger.warning(
                "marked this node's executions running past their deadline as interrupted (lost)",
                metadata: ["count": "\(lost)"])
        }
    }
}
