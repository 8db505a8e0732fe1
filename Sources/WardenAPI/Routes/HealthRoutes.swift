import Hummingbird
import WardenDomain
import WardenStore

/// Liveness, and readiness: the database answers, this node holds its lease and the sandbox
/// self-test passed.
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
            // Past its lease, other nodes may already have interrupted this node's executions.
            let current = database ? try? await store.currentLease() : nil
            let lease = current?.lease
            let leaseHeld = current?.holds == true
            let ready = database && sandbox.ok && leaseHeld
            var body: [String: JSONValue] = [
                "status": .string(ready ? "ready" : "not_ready"),
                "database": .string(database ? "ok" : "unavailable"),
                "database_kind": .string(store.dialect.rawValue),
                "sandbox": .string(sandbox.ok ? "ok" : sandbox.detail),
                "node": .object([
                    "id": .string(store.nodeId),
                    "lease_expires_at": lease.map { .string($0.expiresAt) } ?? .null,
                    "lease": .string(leaseHeld ? "held" : "lost"),
                ]),
            ]
            if let hint = sandbox.hint { body["hint"] = .string(hint) }
            if let cgroup = readiness.cgroupKind { body["cgroup"] = .string(cgroup) }
            return try JSONResponse.make(JSONValue.object(body), status: ready ? .ok : .serviceUnavailable)
        }
    }
}
