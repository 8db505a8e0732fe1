import Foundation
import Logging
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// Fork servers and tenants: a server's fork server serves that server only, nothing a child
/// does reaches its fork server, and a child cannot signal its fork server.
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"), .serialized)
struct TenantIsolationTests {
    static let reach = WorkerTests.reach
    /// What a child can see of the server it came from: /tmp's device, its pid, what is in /tmp.
    static let probe =
        reach
        + "def main(mark: str = ''):\n    posix = _posix('posix')\n    if mark:\n        fd = posix.open('/tmp/' + mark, 65, 0o600)\n        posix.write(fd, mark.encode())\n        posix.close(fd)\n        _posix('builtins').warden_mark = mark\n    return {'dev': posix.stat('/tmp').st_dev, 'pid': posix.getpid(), 'tmp': sorted(posix.listdir('/tmp')), 'inherited': getattr(_posix('builtins'), 'warden_mark', '')}\n"

    /// A sandbox of its own with one worker slot busy at a time, on host uids no other suite uses.
    static func sandbox(uidBase: Int, idleServers: Int) async throws -> Sandbox {
        let shared = try #require(TestSandbox.shared)
        var configuration = shared.configuration
        try #require(configuration.forkServerFilterPath != nil, "the shared sandbox runs fork servers")
        configuration.maxActiveWorkers = 1
        configuration.warmWorkers = 0
        configuration.idleServers = idleServers
        configuration.uidBase = uidBase
        let sandbox = Sandbox(
            configuration: configuration, profile: shared.profile, logger: Logger(label: "tenant-test"))
        try await sandbox.start()
        return sandbox
    }

    static func run(_ sandbox: Sandbox, tenant: String, mark: String = "") async throws -> [String: JSONValue] {
        let outcome = try await sandbox.execute(
            code: probe, arguments: .object(["mark": .string(mark)]), tenant: tenant)
        return try #require(outcome.result?.objectValue, "\(outcome.status) \(outcome.error?.message ?? "")")
    }

    /// Two tenants alternating on one slot, and a pool that keeps one idle server: each request
    /// of the other tenant must get a fork server of its own, never the one the first just used.
    /// A fresh server's first child always has the same pid in the server's namespace; a reused
    /// server's children count up.
    @Test func tenantsAlternatingOnOneSlotNeverShareAForkServer() async throws {
        let sandbox = try await Self.sandbox(uidBase: 230_000, idleServers: 1)
        defer { Task { await sandbox.shutdown() } }
        var pids: Set<JSONValue> = []
        for round in 0..<3 {
            for tenant in ["a", "b"] {
                let mark = "mark-\(tenant)-\(round)-\(UInt32.random(in: 0...UInt32.max))"
                let seen = try await Self.run(sandbox, tenant: tenant, mark: mark)
                #expect(seen["tmp"]?.strings == [mark], "round \(round), \(tenant): \(seen)")
                #expect(seen["inherited"] == .string(mark))
                pids.insert(seen["pid"] ?? .null)
            }
        }
        #expect(pids.count == 1, "every request must be the first child of a fresh fork server: \(pids)")
    }

    /// With room for both, each tenant keeps its own warm server and gets it back.
    @Test func eachTenantKeepsItsOwnWarmServer() async throws {
        let sandbox = try await Self.sandbox(uidBase: 232_000, idleServers: 2)
        defer { Task { await sandbox.shutdown() } }
        let a1 = try await Self.run(sandbox, tenant: "a")
        let b1 = try await Self.run(sandbox, tenant: "b")
        let a2 = try await Self.run(sandbox, tenant: "a")
        let b2 = try await Self.run(sandbox, tenant: "b")
        #expect(a1["pid"] == b1["pid"], "both first children of fresh servers")
        guard case .int(let first)? = a1["pid"], case .int(let again)? = a2["pid"], case .int(let other)? = b2["pid"]
        else {
            Issue.record("no pids: \(a1) \(a2) \(b2)")
            return
        }
        #expect(again > first && other > first, "each tenant's second request went to its own warm server")
        #expect(await sandbox.tenantsWithIdleServers == ["a", "b"])
    }

    /// A child leaves files with a distinctive name; then the fork server's own memory, read from
    /// outside as root, holds no trace of it (so no later child can inherit it) while its janitor's,
    /// which emptied /tmp, does; and the next child finds an empty /tmp.
    @Test func nothingAChildLeavesReachesTheForkServer() async throws {
        let sandbox = try await Self.sandbox(uidBase: 234_000, idleServers: 1)
        defer { Task { await sandbox.shutdown() } }
        let mark = "zqleft" + (0..<24).map { _ in String("abcdefghijklmnopqrstuvwxyz".randomElement()!) }.joined()
        let first = try await Self.run(sandbox, tenant: "a", mark: mark)
        let server = try #require(ProcessMemory.forkServer(hostUidRange: 234_000..<234_010), "no fork server found")
        let memory = try ProcessMemory.contains(pid: server, Array(mark.utf8))
        #expect(memory.scanned > 1 << 20, "read \(memory.scanned) bytes of the fork server")
        #expect(!memory.found, "the fork server's memory holds the name a child left in /tmp")
        // The janitor listed /tmp: it is where the name went, which shows the scan can find it.
        let janitor = try #require(ProcessMemory.janitor(of: server, hostUidRange: 234_000..<234_010), "no janitor")
        #expect(try ProcessMemory.contains(pid: janitor, Array(mark.utf8)).found, "the janitor's memory holds the name")
        let next = try await Self.run(sandbox, tenant: "a")
        #expect(next["dev"] == first["dev"] && next["pid"] != first["pid"], "the same fork server, a new child")
        #expect(next["tmp"] == .array([]))
        #expect(next["inherited"] == .string(""))
    }

    /// SIGSTOP, SIGKILL and SIGINT aimed at PID 1 (the fork server) are refused, and the same
    /// server serves the next execution; signalling itself still works.
    @Test func aChildCannotSignalItsForkServer() async throws {
        let sandbox = try await Self.sandbox(uidBase: 236_000, idleServers: 1)
        defer { Task { await sandbox.shutdown() } }
        let before = try await Self.run(sandbox, tenant: "a")
        let attack =
            Self.reach
            + "def main():\n    posix = _posix('posix')\n    out = {}\n    for sig in (19, 9, 2, 0):\n        try:\n            posix.kill(1, sig)\n            out[str(sig)] = 'sent'\n        except OSError as e:\n            out[str(sig)] = e.errno\n    try:\n        posix.kill(posix.getpid(), 0)\n        out['self'] = 'ok'\n    except OSError as e:\n        out['self'] = e.errno\n    return out\n"
        let outcome = try await sandbox.execute(code: attack, arguments: .object([:]), tenant: "a")
        let answers = try #require(outcome.result?.objectValue, "\(outcome.status) \(outcome.error?.message ?? "")")
        for sig in ["19", "9", "2", "0"] {
            #expect(answers[sig] == .int(1), "kill(1, \(sig)) must fail with EPERM: \(answers)")
        }
        #expect(answers["self"] == .string("ok"))
        let after = try await Self.run(sandbox, tenant: "a")
        #expect(after["dev"] == before["dev"], "the fork server survived and served the next child")
    }
}

/// Reads another process's memory as root, through /proc, to look for a byte string.
enum ProcessMemory {
    /// Processes running `runner.py --fork-server` as one of these host uids: fork servers and
    /// their janitors (forked from them); each with its parent's pid.
    static func forkServerProcesses(hostUidRange: Range<Int>) -> [(pid: pid_t, parent: pid_t)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: cmdline, as: UTF8.self).contains("--fork-server"),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { return nil }
            let lines = status.split(separator: "\n")
            func field(_ name: String) -> Int? {
                lines.first(where: { $0.hasPrefix(name) })?.split(separator: "\t").dropFirst().first.flatMap { Int($0) }
            }
            guard let uid = field("Uid:"), hostUidRange.contains(uid), let parent = field("PPid:") else { return nil }
            return (pid, pid_t(parent))
        }
    }

    /// The fork server itself: the one whose parent is not a fork server too.
    static func forkServer(hostUidRange: Range<Int>) -> pid_t? {
        let found = forkServerProcesses(hostUidRange: hostUidRange)
        return found.first { process in !found.contains { $0.pid == process.parent } }?.pid
    }

    /// The janitor the fork server forked before its first child.
    static func janitor(of server: pid_t, hostUidRange: Range<Int>) -> pid_t? {
        forkServerProcesses(hostUidRange: hostUidRange).first { $0.parent == server }?.pid
    }

    static func contains(pid: pid_t, _ needle: [UInt8]) throws -> (found: Bool, scanned: Int) {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let memory = open("/proc/\(pid)/mem", O_RDONLY)
        guard memory >= 0 else { throw POSIXError(.EACCES) }
        defer { close(memory) }
        var scanned = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("r") else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard bounds.count == 2, bounds[1] - bounds[0] <= 1 << 30 else { continue }
            var region = [UInt8](repeating: 0, count: Int(bounds[1] - bounds[0]))
            let n = region.withUnsafeMutableBytes {
                pread(memory, $0.baseAddress, $0.count, off_t(Int64(bitPattern: bounds[0])))
            }
            guard n > 0 else { continue }
            scanned += n
            if region[0..<n].firstRange(of: needle) != nil { return (true, scanned) }
        }
        return (false, scanned)
    }
}
