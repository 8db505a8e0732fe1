import Foundation
import Logging
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// Which idle fork server the pool ends past its bound, with stand-in workers at the pool's start
/// seam (no process is started, so no root is needed).
@Suite struct IdlePoolPolicyTests {
    final class StandIn: Worker, @unchecked Sendable {
        let slot: Int
        let number: Int
        private let lock = NSLock()
        private var ended = false

        init(slot: Int, number: Int) {
            self.slot = slot
            self.number = number
        }

        var discarded: Bool { lock.withLock { ended } }
        var available: Bool { true }
        var reusable: Bool { true }
        func run(
            request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?,
            cancel: CancelGate
        ) -> RawOutcome {
            RawOutcome(frame: nil, stdout: [], diagnostics: "", status: nil, killedFor: nil, durationMs: 0)
        }
        func discard() { lock.withLock { ended = true } }
    }

    /// Every stand-in the pool started, in order.
    final class Started: @unchecked Sendable {
        private let lock = NSLock()
        private var workers: [StandIn] = []
        var all: [StandIn] { lock.withLock { workers } }

        func make(slot: Int) -> StandIn {
            lock.withLock {
                let worker = StandIn(slot: slot, number: workers.count)
                workers.append(worker)
                return worker
            }
        }
    }

    static func pool(idleServers: Int) throws -> (WorkerPool, Started) {
        let profile = try SandboxProfile.load(
            from: TestSandbox.repositoryRoot.appendingPathComponent("sandbox-profiles"))
        var configuration = SandboxConfiguration(
            launcherPath: "/nonexistent/warden-launcher", pythonPath: "/usr/bin/python3",
            seccompFilterPath: "/nonexistent/filter.bpf", maxActiveWorkers: 4, warmWorkers: 0,
            idleServers: idleServers)
        configuration.forkServerFilterPath = "/nonexistent/fork-server.bpf"
        let started = Started()
        let pool = WorkerPool(
            configuration: configuration, profile: profile, logger: Logger(label: "pool-policy")
        ) { _, slot in started.make(slot: slot) }
        return (pool, started)
    }

    static func checkout(_ pool: WorkerPool, _ tenant: String) async throws -> StandIn {
        try #require(try await pool.checkout(tenant: tenant) as? StandIn)
    }

    /// Retiring happens off the pool's actor: waits (boundedly) until `worker` has been ended.
    static func ended(_ worker: StandIn) async throws -> Bool {
        for _ in 0..<200 where !worker.discarded { try await Task.sleep(for: .milliseconds(10)) }
        return worker.discarded
    }

    @Test func pastTheBoundATenantsSurplusServerGoesBeforeAnotherTenantsOnlyOne() async throws {
        let (pool, started) = try Self.pool(idleServers: 3)
        let b1 = try await Self.checkout(pool, "b")
        let a1 = try await Self.checkout(pool, "a")
        let a2 = try await Self.checkout(pool, "a")
        await pool.finished(b1, tenant: "b")  // b's only server is the least recently returned
        await pool.finished(a1, tenant: "a")
        await pool.finished(a2, tenant: "a")
        let c1 = try await Self.checkout(pool, "c")
        #expect(started.all.count == 4, "c had no server of its own: a fourth was started")
        await pool.finished(c1, tenant: "c")  // four idle, bound three
        #expect(try await Self.ended(a1), "a's older server, of the two it had, goes")
        #expect(!b1.discarded && !a2.discarded && !c1.discarded)
        #expect(try await Self.checkout(pool, "b") === b1, "b got its own server back, warm")
        #expect(try await Self.checkout(pool, "a") === a2)
        #expect(started.all.count == 4, "no cold start")
    }

    @Test func whenEveryTenantHasOneTheLeastRecentlyReturnedGoes() async throws {
        let (pool, _) = try Self.pool(idleServers: 2)
        let a = try await Self.checkout(pool, "a")
        let b = try await Self.checkout(pool, "b")
        let c = try await Self.checkout(pool, "c")
        await pool.finished(b, tenant: "b")
        await pool.finished(a, tenant: "a")
        await pool.finished(c, tenant: "c")
        #expect(try await Self.ended(b), "b returned first")
        #expect(!a.discarded && !c.discarded)
        #expect(await pool.tenantsWithIdleServers == ["a", "c"])
    }

    @Test func aServerNeverGoesToAnotherTenant() async throws {
        let (pool, started) = try Self.pool(idleServers: 8)
        let a = try await Self.checkout(pool, "a")
        await pool.finished(a, tenant: "a")
        let b = try await Self.checkout(pool, "b")
        #expect(b !== a && started.all.count == 2, "b got a server of its own, not a's idle one")
        #expect(try await Self.checkout(pool, "a") === a)
    }

    /// A flood from one tenant (its test runs included) never takes the last worker: another
    /// tenant's call runs at once, and freed room goes to the tenant running the fewest.
    @Test func oneTenantNeverHoldsEveryWorker() async throws {
        let (pool, _) = try Self.pool(idleServers: 8)  // four workers; three at most per tenant
        var held: [StandIn] = []
        for tenant in ["a", "a#untested", "a"] { held.append(try await Self.checkout(pool, tenant)) }
        let queued = Task { try await Self.checkout(pool, "a") }  // a's fourth waits at its share
        try await Task.sleep(for: .milliseconds(50))
        let b = try await Self.checkout(pool, "b")  // the one left, taken at once
        let c = Task { try await Self.checkout(pool, "c") }  // every worker busy: c waits too
        try await Task.sleep(for: .milliseconds(50))
        await pool.finished(held[0], tenant: "a")
        // The freed worker goes to c (running none), not to a's older waiter (running two).
        let cWorker = try await c.value
        await pool.finished(b, tenant: "b")
        let aWorker = try await queued.value
        for worker in [cWorker, aWorker] { await pool.finished(worker, tenant: worker === cWorker ? "c" : "a") }
        for worker in held.dropFirst() { await pool.finished(worker, tenant: "a") }
    }
}
