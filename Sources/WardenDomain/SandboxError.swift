/// Failures of the sandbox machinery itself (not of the tool code it runs).
public enum SandboxError: Error, CustomStringConvertible, Sendable {
    case spawn(String)
    case setup(String)
    case busy(retryAfterSeconds: Int)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .spawn(let m): "could not start a worker: \(m)"
        case .setup(let m): "sandbox setup failed: \(m)"
        case .busy: "all workers are busy"
        case .protocolViolation(let m): "worker broke the protocol: \(m)"
        }
    }
}
