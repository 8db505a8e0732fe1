import GRDB
import Hummingbird
import WardenDomain
import WardenSandbox
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
            let database: Bool
            do {
                database = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 }
            } catch {
                database = false
            }
            let sandbox = await readiness.sandboxReport()
            let ready = database && sandbox.ok
            var body: [String: JSONValue] = [
                "status": .string(ready ? "ready" : "not_ready"),
                "database": .string(database ? "ok" : "unavailable"),
                "sandbox": .string(sandbox.ok ? "ok" : sandbox.detail),
            ]
            if let hint = sandbox.hint { body["hint"] = .string(hint) }
            return try JSONResponse.make(JSONValue.object(body), status: ready ? .ok : .serviceUnavailable)
        }
    }
}

/// Holds the start-up self-test result, re-running it while it has not passed.
public actor Readiness {
    private let sandbox: Sandbox
    private var report: SelfTestReport?

    public init(sandbox: Sandbox) {
        self.sandbox = sandbox
    }

    public func sandboxReport() async -> SelfTestReport {
        if let report, report.ok { return report }
        let fresh = await SelfTestReport.run(sandbox)
        report = fresh
        return fresh
    }
}
