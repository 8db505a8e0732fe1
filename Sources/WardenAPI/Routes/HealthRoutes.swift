import Hummingbird
import WardenDomain
import WardenStore

/// Liveness, and readiness: the database answers and the sandbox self-test passed.
struct HealthRoutes {
    let store: Store
    let readiness: Readiness

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.get("healthz") { _, _ in
            try JSONResponse.make(JSONValue.object(["status": .string("ok")]))
        }
        router.get("readyz") { _, _ in
            let database = await store.ping()
            let sandbox = await readiness.sandboxReport()
            let ready = database && sandbox.ok
            var body: [String: JSONValue] = [
                "status": .string(ready ? "ready" : "not_ready"),
                "database": .string(database ? "ok" : "unavailable"),
                "sandbox": .string(sandbox.ok ? "ok" : sandbox.detail),
            ]
            if let hint = sandbox.hint { body["hint"] = .string(hint) }
            if let cgroup = readiness.cgroupKind { body["cgroup"] = .string(cgroup) }
            return try JSONResponse.make(JSONValue.object(body), status: ready ? .ok : .serviceUnavailable)
        }
    }
}
