import Hummingbird
import Metrics
import Prometheus
import WardenDomain

/// Who may read `GET /metrics`: nobody (off), anyone (public), or any valid credential (key).
public enum MetricsAccess: String, Sendable {
    case off
    case `public`
    case key
}

struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}

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
