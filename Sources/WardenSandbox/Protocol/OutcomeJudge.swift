import Foundation
import WardenDomain

/// Turns what a worker produced into an execution outcome. Pure, so every case is unit-tested.
public enum OutcomeJudge {
    static let sigkill: Int32 = 9
    static let sigxcpu: Int32 = 24

    public static func judge(_ raw: RawOutcome, limits: SandboxLimits) -> ExecutionOutcome {
        var outcome = ExecutionOutcome(
            status: .failed, durationMs: raw.durationMs, cpuMs: raw.status?.cpuMs, maxRssKb: raw.status?.maxRssKb)
        let frame = raw.frame.flatMap { decodeFrame($0, limits: limits) }
        if let frame {
            // The frame may come from hostile code writing to fd 3 itself: enforce the caps here too.
            let (stdout, cut) = LogTruncation.prefix(frame["stdout"]?.stringValue ?? "", limit: limits.outputBytes)
            outcome.stdout = stdout
            outcome.stdoutTruncated = cut || frame["stdout_truncated"] == .bool(true)
        } else {
            outcome.stdout = String(decoding: raw.stdout.prefix(limits.outputBytes), as: UTF8.self)
        }
        switch raw.killedFor {
        case .timeout?:
            outcome.status = .timeout
            outcome.error = ExecutionError(
                type: "Timeout", message: "the tool ran longer than \(limits.wallMs) ms and was stopped")
            return outcome
        case .cancelled?:
            outcome.status = .cancelled
            outcome.error = ExecutionError(
                type: "Cancelled", message: "the caller cancelled the call; its worker was stopped")
            return outcome
        case .output?:
            outcome.status = .killed
            outcome.reason = .output
            outcome.error = ExecutionError(
                type: "OutputLimit", message: "the tool wrote more than the output limit and was stopped")
            return outcome
        case .egressProtocol?:
            outcome.status = .killed
            outcome.reason = .egress
            outcome.error = ExecutionError(
                type: "EgressProtocol",
                message: "the tool was stopped: \(raw.violation ?? "it broke the egress protocol")")
            return outcome
        case nil:
            break
        }
        if let stage = raw.status?.error {
            outcome.error = ExecutionError(
                type: "SandboxError", message: "the sandbox could not start (\(stage.stage): \(stage.message))")
            return outcome
        }
        if let signal = raw.status?.signal {
            outcome.status = .killed
            // The kernel's CPU accounting is finer than rusage's, which can read a few percent low.
            let cpuSpent = (raw.status?.cpuMs ?? 0) >= limits.cpuMs * 9 / 10
            if signal == sigxcpu || (signal == sigkill && cpuSpent) {
                outcome.reason = .cpu
                outcome.error = ExecutionError(
                    type: "CPULimit", message: "the tool used more than \(limits.cpuMs) ms of CPU and was stopped")
            } else if raw.status?.oomKilled == true {
                outcome.reason = .memory
                outcome.error = ExecutionError(
                    type: "MemoryLimit",
                    message: "the tool used more than \(limits.memoryBytes >> 20) MiB and was stopped")
            } else {
                outcome.reason = .signal
                outcome.error = ExecutionError(type: "Killed", message: "the worker was ended by signal \(signal)")
            }
            return outcome
        }
        guard let frame else {
            if raw.frame != nil {
                outcome.error = ExecutionError(
                    type: "MalformedReply",
                    message:
                        "the worker's reply was not a JSON object within the limits (\(maxDepth) levels, \(maxElements) values, \(frameCap(limits)) bytes)"
                )
                return outcome
            }
            outcome.error = ExecutionError(
                type: "NoResult",
                message:
                    "the worker exited (code \(raw.status?.exitCode.map(String.init) ?? "unknown")) without a result")
            return outcome
        }
        if frame["ok"] == .bool(true) {
            let result = frame["result"] ?? .null
            guard result.encodedString().utf8.count <= limits.resultBytes else {
                outcome.error = ExecutionError(
                    type: "ResultTooLarge", message: "the result is larger than \(limits.resultBytes) bytes")
                return outcome
            }
            outcome.status = .succeeded
            outcome.result = result
            return outcome
        }
        let error = frame["error"]?.objectValue
        let type = error?["type"]?.stringValue ?? "Error"
        let message = error?["message"]?.stringValue ?? ""
        if type == "MemoryError" {
            outcome.status = .killed
            outcome.reason = .memory
            outcome.error = ExecutionError(
                type: "MemoryLimit", message: "the tool ran out of its \(limits.memoryBytes >> 20) MiB memory limit")
        } else {
            outcome.error = ExecutionError(type: type, message: message)
        }
        return outcome
    }

    /// The largest reply frame an honest runner writes: the result and the tool's output (its JSON
    /// escapes counted, as the runner does), and room for the rest. A worker writing more is stopped.
    public static func frameCap(_ limits: SandboxLimits) -> Int {
        limits.resultBytes + limits.outputBytes + 64 << 10
    }

    /// A frame is a 4-byte big-endian length and exactly that many bytes of JSON, decoded with
    /// limits so that the supervisor's cost is bounded by the frame cap, whatever the worker wrote.
    static func decodeFrame(_ bytes: [UInt8], limits: SandboxLimits) -> [String: JSONValue]? {
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard bytes.count == 4 + length, length <= frameCap(limits) else { return nil }
        let parser = BoundedJSON(maxDepth: maxDepth, maxElements: maxElements, maxStringBytes: frameCap(limits))
        return (try? parser.parse(bytes[4...]))?.objectValue
    }

    /// Deep and wide enough for the results tools return; a reply beyond either is refused as
    /// malformed, and decoding one costs the supervisor a few tens of milliseconds at most.
    static let maxDepth = 256
    static let maxElements = 100_000
}
