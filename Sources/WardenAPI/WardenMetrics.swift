import Metrics
import WardenDomain

/// Warden's own measurements, named for Prometheus.
enum WardenMetrics {
    static func execution(_ execution: Execution) {
        Counter(label: "warden_executions_total", dimensions: [("status", execution.status.rawValue)]).increment()
        if let duration = execution.durationMs {
            Timer(label: "warden_execution_duration_seconds", dimensions: [("status", execution.status.rawValue)])
                .recordMilliseconds(duration)
        }
    }

    static func rateLimited(_ scope: String) {
        Counter(label: "warden_rate_limited_total", dimensions: [("scope", scope)]).increment()
    }
}
