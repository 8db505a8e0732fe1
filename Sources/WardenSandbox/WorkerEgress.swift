/// Answers a worker's egress frames (the `http` object in tool code) for one execution.
/// Frames are JSON without their length prefix; the worker loop does the framing.
public protocol WorkerEgress: Sendable {
    /// `budget` is what is left of the execution's wall clock; the answer must come within it.
    func handle(_ request: [UInt8], within budget: Duration) async -> [UInt8]
}
