import CWardenShim
import Foundation
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// A helper command (the launcher's compile and probe commands; the tests' tools) started with
/// posix_spawn, its output read through pipes. Not Foundation's `Process`: on Linux it copies
/// each `/proc/self/fd` entry's whole 256-byte name, which can read past the end of the
/// directory buffer and crash the supervisor when many descriptors are open.
/// All methods block: from async code use `run(...) async`, which waits on a Dispatch thread.
public final class ChildProcess: @unchecked Sendable {
    public enum Input: Sendable { case null, pipe }
    /// Standard error: discarded, read apart from the output, merged into it, or this process's own.
    public enum Errors: Sendable { case null, separate, merged, inherit }

    public let pid: pid_t
    /// Our end of the child's standard input, with `Input.pipe`; closing it ends the input.
    public private(set) var input: Int32?
    private let output: Int32
    private let errors: Int32?
    /// Set once the process is reaped, under `lock`: after that its pid may belong to another.
    private var exitStatus: Int32?
    private let lock = NSLock()

    /// What a finished command said. `status` is the exit code, or 128 + the signal that ended it.
    public struct Result: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var errors: [UInt8]
        public var text: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: errors, as: UTF8.self) }
    }

    private init(pid: pid_t, input: Int32?, output: Int32, errors: Int32?) {
        self.pid = pid
        self.input = input
        self.output = output
        self.errors = errors
    }

    deinit {
        [input, output, errors].compactMap { $0 }.forEach { close($0) }
        if exitStatus == nil {  // dropped while running: end it rather than leave a zombie
            kill(pid, SIGKILL)
            wait()
        }
    }

    /// Starts `arguments[0]` (an absolute path) with exactly `environment` (none by default: a
    /// helper gets only what it is given, never the supervisor's keys).
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], input: Input = .null,
        errors: Errors = .separate
    ) throws -> ChildProcess {
        var pipes: [[Int32]] = []
        defer { pipes.joined().forEach { close($0) } }
        for _ in 0..<3 {
            var fds: [Int32] = [-1, -1]
            guard warden_pipe_cloexec(&fds) == 0 else { throw SandboxError.spawn("pipe: \(errnoText())") }
            pipes.append(fds)
        }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw SandboxError.spawn("/dev/null: \(errnoText())") }
        defer { close(devNull) }
        let stdin = input == .pipe ? pipes[0][0] : devNull
        let stderr: Int32
        switch errors {
        case .null: stderr = devNull
        case .separate: stderr = pipes[2][1]
        case .merged: stderr = pipes[1][1]
        case .inherit: stderr = STDERR_FILENO
        }
        let variables = environment.map { "\($0.key)=\($0.value)" }
        let pid = try spawn(arguments, environment: variables, descriptors: [stdin, pipes[1][1], stderr])
        let child = ChildProcess(
            pid: pid, input: input == .pipe ? pipes[0][1] : nil, output: pipes[1][0],
            errors: errors == .separate ? pipes[2][0] : nil)
        // Ours stay open; the deferred close releases the child's ends and the unused pipes.
        pipes = [
            [pipes[0][0], pipes[1][1], pipes[2][1]], input == .pipe ? [] : [pipes[0][1]],
            errors == .separate ? [] : [pipes[2][0]],
        ]
        return child
    }

    /// Starts, reads everything the command writes, and waits for it to end.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], errors: Errors = .separate
    ) throws -> Result {
        try start(arguments, environment: environment, errors: errors).finish()
    }

    /// `run` from async code: the reading and waiting happen on a Dispatch thread of their own.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], errors: Errors = .separate
    ) async throws -> Result {
        try await BlockingIO.run { try run(arguments, environment: environment, errors: errors) }
    }

    /// posix_spawn of `arguments[0]`: `descriptors[i]` becomes descriptor i, all others close.
    /// `environment` is a list of `NAME=value`; nil starts the command with an empty one.
    static func spawn(_ arguments: [String], environment: [String]?, descriptors: [Int32]) throws -> pid_t {
        var pid: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withOptionalCStrings(environment) { envp in
                descriptors.withUnsafeBufferPointer { fds in
                    warden_spawn(arguments[0], argv, envp, fds.baseAddress, Int32(fds.count), &pid)
                }
            }
        }
        guard rc == 0 else { throw SandboxError.spawn("posix_spawn \(arguments[0]): \(errnoText(rc))") }
        return pid
    }

    /// One line of standard output (with its newline), or what came before end of file.
    public func readLine(limit: Int = 64 << 10) -> [UInt8] {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let n = read(output, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { break }
            line.append(byte)
            if byte == UInt8(ascii: "\n") { break }
        }
        return line
    }

    /// Reads standard output and standard error until both close, or until `stopWhen` accepts
    /// the output so far or `withinSeconds` passes (the command is then stopped); then waits.
    public func finish(stopWhen: ((String) -> Bool)? = nil, withinSeconds: Double = 600) -> Result {
        closeInput()
        var collected: [Int32: [UInt8]] = [:]
        var open = [output] + (errors.map { [$0] } ?? [])
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(withinSeconds * 1e9)
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var stopped = false
        while !open.isEmpty {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else {
                stopped = true
                break
            }
            var entries = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&entries, nfds_t(entries.count), Int32(min((deadline - now) / 1_000_000 + 1, 1000)))
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else {
                stopped = true
                break
            }
            for entry in entries where entry.revents != 0 {
                let n = read(entry.fd, &chunk, chunk.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    open.removeAll { $0 == entry.fd }
                } else {
                    collected[entry.fd, default: []].append(contentsOf: chunk[0..<n])
                }
            }
            if let stopWhen, stopWhen(String(decoding: collected[output] ?? [], as: UTF8.self)) {
                stopped = true
                break
            }
        }
        if stopped { stop() }
        return Result(
            status: wait(), output: collected[output] ?? [], errors: errors.flatMap { collected[$0] } ?? [])
    }

    public func closeInput() {
        if let input { close(input) }
        input = nil
    }

    /// Waits for the command to end; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        var info = siginfo_t()
        // Wait without reaping, so the pid stays ours until the reap and its record happen together.
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        return lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { return -1 }
            }
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
            exitStatus = code
            return code
        }
    }

    /// SIGTERM, unless it has already been reaped (its pid may be another process's by then).
    public func terminate() {
        lock.withLock {
            if exitStatus == nil { _ = kill(pid, SIGTERM) }
        }
    }

    /// SIGTERM, then SIGKILL if it is still there after two seconds.
    private func stop() {
        terminate()
        for _ in 0..<200 {
            if warden_has_exited(pid) != 0 { return }
            usleep(10_000)
        }
        lock.withLock {
            if exitStatus == nil { _ = kill(pid, SIGKILL) }
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R)
        -> R
    {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(&pointers)
    }

    private static func withOptionalCStrings<R>(
        _ strings: [String]?, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R
    ) -> R {
        guard let strings else { return body(nil) }
        return withCStrings(strings) { body($0) }
    }
}
