import Foundation

/// Reads a pipe to its end on a Dispatch thread. Never on Swift's cooperative pool: a read that
/// blocks there for a long-running helper stalls every task in the process (two cores, two threads).
public enum PipeReader {
    public static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}
