import Foundation
import Logging
import Metrics
import Synchronization

/// Bounds how many workers run at once and keeps a few started, confined workers waiting. A
/// spawned worker runs one request and exits; a fork server comes back after each request,
/// having forked a fresh child for it.
actor WorkerPool {
    private let configuration: SandboxConfiguration
    private let profile: SandboxProfile
    private let logger: Logger
    /// Started workers waiting for a request: the warm ones, and fork servers back from one.
    private var idle: [any Worker] = []
    private var starting = 0
    private var active = 0
    private var freeSlots: [Int]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Error>)] = []
    private var nextWaiter: UInt64 = 0
    /// Per process, not per pool: cgroup names must not repeat across sandboxes in one process.
    private static let spawned = Atomic<UInt64>(0)
    private var closed = false

    init(configuration: SandboxConfiguration, profile: SandboxProfile, logger: Logger) {
        self.configuration = configuration
        self.profile = profile
        self.logger = logger
        // One spare slot: a worker being ended still holds its slot (and host uid) until it is gone.
        self.freeSlots = Array((0..<(configuration.maxActiveWorkers + configuration.warmWorkers + 1)).reversed())
    }

    /// Waits for room to run (up to the queue timeout), then hands out a fresh worker.
    func checkout() async throws -> any Worker {
        if active >= configuration.maxActiveWorkers {
            let start = ContinuousClock.now
            defer { Timer(label: "warden_worker_queue_wait_seconds").record(duration: ContinuousClock.now - start) }
            try await waitForRoom()  // the waker counts us in
        } else {
            active += 1
        }
        Gauge(label: "warden_workers_active").record(active)
        while let worker = idle.popLast() {
            guard worker.available else {
                retire(worker)   // a fork server that ended while idle
                continue
            }
            refill()
            return worker
        }
        do {
            let worker = try await spawn()
            refill()
            return worker
        } catch {
            active -= 1
            wakeOne()
            throw error
        }
    }

    /// The worker has ended, or is a fork server ready for the next request; its place in the
    /// bound is free again.
    func finished(_ worker: any Worker) {
        if worker.reusable && !closed {
            idle.append(worker)
        } else if worker.reusable {
            retire(worker)
        } else {
            freeSlots.append(worker.slot)
        }
        active -= 1
        Gauge(label: "warden_workers_active").record(active)
        wakeOne()
        refill()
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
    var warmCount: Int { idle.count }

    func shutdown() async {
        closed = true
        let waiting = idle
        idle.removeAll()
        for worker in waiting {
            _ = try? await BlockingIO.run { worker.discard() }
        }
        for waiter in waiters { waiter.continuation.resume(throwing: SandboxError.busy(retryAfterSeconds: 1)) }
        waiters.removeAll()
    }

    /// Starts workers in the background until the warm target is met.
    func refill() {
        while !closed && idle.count + starting < configuration.warmWorkers && !freeSlots.isEmpty {
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
            idle.append(worker)
        }
    }

    private func spawn() async throws -> any Worker {
        guard let slot = freeSlots.popLast() else { throw SandboxError.busy(retryAfterSeconds: 1) }
        let number = Self.spawned.add(1, ordering: .relaxed).newValue
        let arguments = configuration.launcherArguments(profile: profile, slot: slot,
                                                        cgroupName: "w\(ProcessInfo.processInfo.processIdentifier)-\(number)")
        do {
            if configuration.forkServerFilterPath != nil {
                return try await BlockingIO.run { try ForkServer.spawn(arguments: arguments, slot: slot) }
            }
            return try await BlockingIO.run { try WorkerProcess.spawn(arguments: arguments, slot: slot) }
        } catch {
            freeSlots.append(slot)
            logger.error("worker spawn failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    private func waitForRoom() async throws {
        nextWaiter += 1
        let id = nextWaiter
        let timeout = configuration.queueTimeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expire(id)
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { continuation in
            waiters.append((id, continuation))
        }
    }

    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        let seconds = Int(configuration.queueTimeout.components.seconds) + 1
        waiter.continuation.resume(throwing: SandboxError.busy(retryAfterSeconds: max(1, seconds)))
    }

    private func wakeOne() {
        guard active < configuration.maxActiveWorkers, !waiters.isEmpty else { return }
        active += 1
        waiters.removeFirst().continuation.resume()
    }
}
