import CWardenShim
import Foundation
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// Starting, reading and reaping a `warden-launcher` process. Blocking: call from `BlockingIO`.
enum LauncherProcess {
    /// posix_spawn with an empty environment; `descriptors[i]` becomes descriptor i, all others close.
    static func spawn(_ arguments: [String], descriptors: [Int32]) throws -> pid_t {
        try ChildProcess.spawn(arguments, environment: nil, descriptors: descriptors)
    }

    /// Waits up to `withinMs` for the process to end (it was asked to), then SIGKILLs and reaps it.
    static func reap(_ pid: pid_t, withinMs: Int) {
        var status: Int32 = 0
        for _ in 0..<(withinMs / 10) {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        if waitpid(pid, &status, WNOHANG) == pid { return }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Bytes from `fd` until a newline, end of file, or the deadline; at most `limit`.
    static func readLine(_ fd: Int32, withinMs: Int, limit: Int = 64 << 10) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(withinMs) * 1_000_000
        while !bytes.contains(UInt8(ascii: "\n")) && bytes.count < limit {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            let ready = poll(&entry, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            let n = read(fd, &chunk, min(chunk.count, limit - bytes.count))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// The launcher's one JSON status line, once its sandbox has ended.
    static func readStatus(_ fd: Int32, withinMs: Int) -> LauncherStatus? {
        try? JSONDecoder().decode(LauncherStatus.self, from: Data(readLine(fd, withinMs: withinMs)))
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
