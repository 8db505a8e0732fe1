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
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
