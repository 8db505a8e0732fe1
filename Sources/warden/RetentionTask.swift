import Foundation
import WardenDomain
import WardenStore

/// The daily pruning that `WARDEN_EXECUTION_RETENTION` turns on in `warden serve`.
struct RetentionTask {
    let store: Store
    let period: RetentionPeriod

    func run() async {
        while !Task.isCancelled {
            let cutoff = Timestamp.string(Date().addingTimeInterval(-TimeInterval(period.seconds)))
            _ = try? await store.pruneExecutions(startedBefore: cutoff, by: "system")
            try? await Task.sleep(for: .seconds(86_400))
        }
    }
}
