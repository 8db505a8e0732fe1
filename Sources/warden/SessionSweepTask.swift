import Logging
import WardenStore

/// Deletes MCP sessions that ended or went idle, every few minutes, so the table does not grow
/// with every client that ever connected.
struct SessionSweepTask {
    let store: Store
    let logger: Logger
    var idle: Double = 1800
    var interval: Duration = .seconds(300)

    func run() async {
        while !Task.isCancelled {
            do {
                let deleted = try await store.deleteIdleMCPSessions(idle: idle)
                if deleted > 0 { logger.info("deleted idle MCP sessions", metadata: ["count": "\(deleted)"]) }
            } catch {
                logger.warning("could not delete idle MCP sessions", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
