import Logging
import WardenStore

/// Logs the audit chain's head at start-up and whenever it has moved on by `every` events, so
/// an operator keeps checkpoints outside the database: `warden audit verify --expect-head SEQ:HASH`
/// then catches a deleted tail.
struct AuditCheckpointTask {
    let store: Store
    let logger: Logger
    var every: Int64 = 1000
    var interval: Duration = .seconds(30)

    func run() async {
        var logged: Int64 = -every
        while !Task.isCancelled {
            if let head = try? await store.auditHead(), head.seq - logged >= every || logged < 0 {
                logger.notice("audit checkpoint", metadata: ["head": "\(head)"])
                logged = head.seq
            }
            try? await Task.sleep(for: interval)
        }
    }
}
