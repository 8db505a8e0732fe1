/// Answers a worker's egress frames (the `http` object in tool code) for one execution.
/// Frames are JSON without their length prefix; the worker loop does the framing.
public protocol WorkerEgress: Sendable {
    func handle(_ request: [UInt8]) async -> [UInt8]
}
