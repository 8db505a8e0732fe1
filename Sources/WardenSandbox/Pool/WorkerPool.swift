import Foundation
import Logging
import Metrics
import Synchronization
import WardenDomain

/// Bounds how many workers run at once and keeps started, confined workers waiting. A spawned
/// worker runs one request and exits; a fork server comes back after each request, having forked
/// a fresh child for it.
///
/// A fork server belongs to the tenant (server id) whose request it first served, for the rest of
/// its life: its children share its layout, hash seed and /tmp, so it never serves another tenant.
/// Workers that have served nobody yet are tenant-free spares. Idle fork servers are kept per
/// tenant up to a bound; past it the least recently used one of a tenant that has more than one
/// is ended (ending a tenant's only server would cost its next request a cold start).
actor WorkerPool {
    private let configuration: SandboxConfiguration
    private let profile: SandboxProfile
    private let logger: Logger
    /// Started workers that have served no one: any tenant may take one.
    private var spares: [any Worker] = []
    /// Fork servers back from a request, each waiting for its own tenant's next one, oldest first.
    private var idle: [String: [IdleServer]] = [:]
    private var tick: UInt64 = 0
    private var starting = 0
    private var active = 0
    /// Running workers per server: test runs and approved calls of one server count together.
    private var activeByOwner: [String: Int] = [:]
    private var freeSlots: [Int]
    private var waiters: [(id: UInt64, owner: String, continuation: CheckedContinuation<Void, Error>)] = []
    private var nextWaiter: UInt64 = 0
    /// Per process, not per pool: cgroup names must not repeat across sandboxes in one process.
    private static let spawned = Atomic<UInt64>(0)
    private var closed = false
    /// Starts a confined worker in a slot, given the launcher's arguments (blocking).
    typealias Starter = @Sendable (_ arguments: [String], _ slot: Int) throws -> any Worker
    private let start: Starter

    init(configuration: SandboxConfiguration, profile: SandboxProfile, logger: Logger, start: Starter? = nil) {
        self.configuration = configuration
        self.profile = profile
        self.logger = logger
        let forkServers = configuration.forkServerFilterPath != nil
        self.start =
            start ?? { arguments, slot -> any Worker in
                if forkServers { return try ForkServer.spawn(arguments: arguments, slot: slot) }
                return try WorkerProcess.spawn(arguments: arguments, slot: slot)
            }
        // One spare slot: a worker being ended still holds its slot (and host uid) until it is gone.
        let slots = configuration.maxActiveWorkers + configuration.idleServers + configuration.warmWorkers + 1
        self.freeSlots = Array((0..<slots).reversed())
    }

    /// Waits for room to run (up to the queue timeout), then hands out a worker for `tenant`: one
    /// of its own idle fork servers, a spare, or a new one.
    func checkout(tenant: String) async throws -> any Worker {
        let owner = Self.owner(of: tenant)
        // Room is handed to eligible waiters as soon as it frees, so none waits while this may run.
        if mayRun(owner) {
            active += 1
            activeByOwner[owner, default: 0] += 1
        } else {
            let start = ContinuousClock.now
            defer { Timer(label: "warden_worker_queue_wait_seconds").record(duration: ContinuousClock.now - start) }
            try await waitForRoom(owner)  // the waker counts us in
        }
        Gauge(label: "warden_workers_active").record(active)
        if let worker = takeIdle(tenant: tenant) ?? takeSpare() {
            refill()
            return worker
        }
        do {
            if freeSlots.isEmpty { await evictLeastRecentlyUsed() }
            let worker = try await spawn()
            refill()
            return worker
        } catch {
            release(owner)
            throw error
        }
    }

    /// Fair share (docs/sandbox.md): one server may hold at most `maxWorkersPerTenant` of the
    /// running workers, so a flood from one tenant always leaves room for the others.
    private func mayRun(_ owner: String) -> Bool {
        active < configuration.maxActiveWorkers && activeByOwner[owner, default: 0] < configuration.maxWorkersPerTenant
    }

    private func release(_ owner: String) {
        active -= 1
        let left = activeByOwner[owner, default: 1] - 1
        activeByOwner[owner] = left > 0 ? left : nil
        wakeEligible()
    }

    /// The pool key without its tenancy suffix (`srv_1#untested` belongs to `srv_1`).
    static func owner(of tenant: String) -> String {
        tenant.firstIndex(of: "#").map { String(tenant[..<$0]) } ?? tenant
    }

    /// The worker has ended, or is a fork server ready for `tenant`'s next request; its place in
    /// the bound is free again.
    func finished(_ worker: any Worker, tenant: String) {
        if worker.reusable && !closed {
            tick += 1
            idle[tenant, default: []].append(IdleServer(worker: worker, returned: tick))
            while idleCount > configuration.idleServers, let victim = leastRecentlyUsedIdle() {
                retire(victim)
            }
        } else if worker.reusable {
            retire(worker)
        } else {
            freeSlots.append(worker.slot)
        }
        release(Self.owner(of: tenant))
        Gauge(label: "warden_workers_active").record(active)
        refill()
    }

    private var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }

    private func takeIdle(tenant: String) -> (any Worker)? {
        while let worker = idle[tenant]?.popLast()?.worker {
            if idle[tenant]?.isEmpty == true { idle[tenant] = nil }
            if worker.available { return worker }
            retire(worker)  // a fork server that ended while idle
        }
        return nil
    }

    private func takeSpare() -> (any Worker)? {
        while let worker = spares.popLast() {
            if worker.available { return worker }
            retire(worker)
        }
        return nil
    }

    /// The idle server to end: the least recently returned one among tenants that have more than
    /// one; when every tenant has a single one, the least recently returned of all.
    private func leastRecentlyUsedIdle() -> (any Worker)? {
        let crowded = idle.filter { $0.value.count > 1 }
        guard
            let tenant = (crowded.isEmpty ? idle : crowded).min(by: { $0.value[0].returned < $1.value[0].returned })?
                .key
        else { return nil }
        let victim = idle[tenant]?.removeFirst().worker
        if idle[tenant]?.isEmpty == true { idle[tenant] = nil }
        return victim
    }

    /// Makes room for a new worker by ending the least recently used idle server, waiting until it is gone.
    private func evictLeastRecentlyUsed() async {
        guard let victim = leastRecentlyUsedIdle() ?? spares.popLast() else { return }
        _ = try? await BlockingIO.run { victim.discard() }
        freeSlots.append(victim.slot)
    }

    /// Ends a worker off the actor; its slot (and so its host uid) is free only once it is gone.
    private func retire(_ worker: any Worker) {
        Task {
            _ = try? await BlockingIO.run { worker.discard() }
            self.slotFreed(worker.slot)
        }
    }

    private func slotFreed(_ slot: Int) {
        freeSlots.append(slot)
        refill()
    }

    var activeCount: Int { active }
    var warmCount: Int { spares.count + idleCount }
    /// Tenants with an idle fork server waiting for them.
    var tenantsWithIdleServers: Set<String> { Set(idle.keys) }

    func shutdown() async {
        closed = true
        let waiting = spares + idle.values.joined().map(\.worker)
        spares.removeAll()
        idle.removeAll()
        for worker in waiting {
            _ = try? await BlockingIO.run { worker.discard() }
        }
        for waiter in waiters { waiter.continuation.resume(throwing: SandboxError.busy(retryAfterSeconds: 1)) }
        waiters.removeAll()
    }

    /// Starts spares in the background until the warm target is met.
    func refill() {
        while !closed && spares.count + starting < configuration.warmWorkers && !freeSlots.isEmpty {
            starting += 1
            Task {
                let worker = try? await self.spawn()
                self.warmed(worker)
            }
        }
    }

    private func warmed(_ worker: (any Worker)?) {
        starting -= 1
        guard let worker else { return }
        if closed {
            retire(worker)
        } else {
            spares.append(worker)
        }
    }

    private func spawn() async throws -> any Worker {
        guard let slot = freeSlots.popLast() else { throw SandboxError.busy(retryAfterSeconds: 1) }
        let number = Self.spawned.add(1, ordering: .relaxed).newValue
        let arguments = configuration.launcherArguments(
            profile: profile, slot: slot,
            cgroupName: "w\(ProcessInfo.processInfo.processIdentifier)-\(number)")
        // Each start costs a cold, confined interpreter: a climbing count means churn.
        Counter(label: "warden_workers_started_total").increment()
        do {
            return try await BlockingIO.run { [start] in try start(arguments, slot) }
        } catch {
            freeSlots.append(slot)
            logger.error("worker spawn failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    private func waitForRoom(_ owner: String) async throws {
        nextWaiter += 1
        let id = nextWaiter
        let timeout = configuration.queueTimeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expire(id)
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { continuation in
            waiters.append((id, owner, continuation))
        }
    }

    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        let seconds = Int(configuration.queueTimeout.components.seconds) + 1
        waiter.continuation.resume(throwing: SandboxError.busy(retryAfterSeconds: max(1, seconds)))
    }

    /// Hands free room to waiters: first to the server running the fewest workers (the oldest
    /// waiter among equals), never to one at its share.
    private func wakeEligible() {
        while active < configuration.maxActiveWorkers {
            let eligible = waiters.indices.filter {
                activeByOwner[waiters[$0].owner, default: 0] < configuration.maxWorkersPerTenant
            }
            guard
                let next = eligible.min(by: {
                    activeByOwner[waiters[$0].owner, default: 0] < activeByOwner[waiters[$1].owner, default: 0]
                })
            else { return }
            let waiter = waiters.remove(at: next)
            active += 1
            activeByOwner[waiter.owner, default: 0] += 1
            waiter.continuation.resume()
        }
    }
}

/// A fork server waiting for its tenant, and when it came back (a tick of the pool's clock).
private struct IdleServer {
    let worker: any Worker
    let returned: UInt64
}
