import Foundation
import WardenDomain

/// What the pool hands out for one execution: a freshly spawned worker, or a fork server that
/// forks a fresh child for it. All methods block: call them from `BlockingIO`.
protocol Worker: AnyObject, Sendable {
    var slot: Int { get }
    /// Whether an idle worker can still take a request (a fork server may have ended meanwhile).
    var available: Bool { get }
    /// Whether the pool may hand it out again after a request: only a fork server that is still sound.
    var reusable: Bool { get }
    /// `cancel` stops the request from another thread (the caller cancelled it); the outcome then says `cancelled`.
    func run(
        request: [UInt8], wallMs: Int, stdoutCap: Int, frameCap: Int, egress: (any WorkerEgress)?, cancel: CancelGate
    ) -> RawOutcome
    func discard()
}
