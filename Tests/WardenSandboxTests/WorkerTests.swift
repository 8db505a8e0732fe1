import Foundation
import Logging
import Testing
import WardenDomain
import WardenSandbox
import WardenTestSupport

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct WorkerTests {
    /// Tool code that reaches `posix` and friends the way hostile code does.
    static let reach =
        "def _posix(name):\n    for c in object.__subclasses__():\n        if c.__name__ == 'BuiltinImporter':\n            return c.load_module(name)\n"

    @Test func syncAndAsyncMainWithArgumentsAndPrint() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let sync = try await sandbox.execute(
            code:
                "import json\ndef main(a: int, b: str = 'x'):\n    print('hello', a)\n    return {'sum': a + 1, 'b': b, 'j': json.dumps([a])}\n",
            arguments: .object(["a": .int(41)]), tenant: "t")
        #expect(sync.status == .succeeded)
        #expect(sync.result == .object(["sum": .int(42), "b": .string("x"), "j": .string("[41]")]))
        #expect(sync.stdout == "hello 41\n")
        #expect((sync.cpuMs ?? -1) >= 0)
        #expect((sync.maxRssKb ?? 0) > 0)
        let async = try await sandbox.execute(
            code: "import asyncio\nasync def main(n: int):\n    await asyncio.sleep(0.01)\n    return n * 2\n",
            arguments: .object(["n": .int(21)]), tenant: "t")
        #expect(async.status == .succeeded)
        #expect(async.result == .int(42))
    }

    /// Fork servers reuse one interpreter: nothing a child leaves in /tmp, in the interpreter's
    /// state or in the server's frames may reach the next child. One slot only, so every
    /// execution here is a child of the same server (the same /tmp device, growing pids).
    @Test func consecutiveExecutionsShareNothing() async throws {
        let shared = try #require(TestSandbox.shared)
        var configuration = shared.configuration
        try #require(configuration.forkServerFilterPath != nil, "the shared sandbox runs fork servers")
        configuration.maxActiveWorkers = 1
        configuration.warmWorkers = 0
        configuration.uidBase = 220_000  // host ids apart from the shared sandbox's workers
        let sandbox = Sandbox(configuration: configuration, profile: shared.profile, logger: Logger(label: "fork-test"))
        try await sandbox.start()
        let frames =
            "def _frames():\n    try:\n        raise RuntimeError\n    except RuntimeError as e:\n        f = e.__traceback__.tb_frame\n    names = set()\n    while f is not None:\n        names.update(f.f_locals)\n        f = f.f_back\n    return names\n"
        let leave =
            Self.reach
            + "def main(i: int):\n    posix = _posix('posix')\n    for name, mode in (('/tmp/left-%d' % i, 0o600), ('/tmp/.hidden-%d' % i, 0o600), ('/tmp/locked-%d' % i, 0)):\n        fd = posix.open(name, 65, mode)\n        posix.write(fd, b'secret')\n        posix.close(fd)\n    _posix('builtins').warden_leak = i\n    return {'tmp': sorted(posix.listdir('/tmp')), 'dev': posix.stat('/tmp').st_dev, 'pid': posix.getpid()}\n"
        let look =
            Self.reach + frames
            + "def main():\n    posix = _posix('posix')\n    return {'tmp': sorted(posix.listdir('/tmp')), 'leak': hasattr(_posix('builtins'), 'warden_leak'), 'dev': posix.stat('/tmp').st_dev, 'pid': posix.getpid(), 'report': bool({'report', 'usage', 'status'} & _frames())}\n"
        var device: JSONValue?
        var lastPid: Int64 = 0
        for round in 0..<4 {
            let left = try await sandbox.execute(
                code: leave, arguments: .object(["i": .int(Int64(round))]), tenant: "t")
            let wrote = try #require(left.result?.objectValue, "\(left.error?.message ?? "")")
            #expect(wrote["tmp"]?.strings == [".hidden-\(round)", "left-\(round)", "locked-\(round)"])
            let seen = try await sandbox.execute(code: look, arguments: .object([:]), tenant: "t")
            let after = try #require(seen.result?.objectValue, "\(seen.error?.message ?? "")")
            #expect(after["tmp"] == .array([]), "round \(round): /tmp must be empty for the next child")
            #expect(after["leak"] == .bool(false))
            #expect(after["report"] == .bool(false), "the previous child's status must not be reachable through frames")
            // The same server throughout: one /tmp, and each child's pid after the last one's.
            device = device ?? wrote["dev"]
            #expect(wrote["dev"] == device && after["dev"] == device)
            guard case .int(let first)? = wrote["pid"], case .int(let second)? = after["pid"] else {
                Issue.record("no pids")
                break
            }
            #expect(first > lastPid && second > first)
            lastPid = second
        }
        await sandbox.shutdown()
    }

    /// One launcher per execution (WARDEN_WORKER_MODE=spawn) still confines and answers.
    @Test func spawnedWorkersStillWork() async throws {
        let shared = try #require(TestSandbox.shared)
        var configuration = shared.configuration
        configuration.forkServerFilterPath = nil
        configuration.uidBase = 210_000  // host ids apart from the shared sandbox's workers
        configuration.warmWorkers = 1
        let sandbox = Sandbox(
            configuration: configuration, profile: shared.profile, logger: Logger(label: "spawn-test"))
        try await sandbox.start()
        let ok = try await sandbox.execute(code: "def main():\n    return 7\n", arguments: .object([:]), tenant: "t")
        #expect(ok.result == .int(7))
        let fork = try await sandbox.execute(
            code: Self.reach
                + "def main():\n    try:\n        if _posix('posix').fork() == 0:\n            _posix('posix')._exit(0)\n        return 'forked'\n    except OSError as e:\n        return e.errno\n",
            arguments: .object([:]), tenant: "t")
        #expect(
            fork.result == .int(1),
            "fork must fail with EPERM: \(fork.result.map { "\($0)" } ?? fork.error?.message ?? "")")
        await sandbox.shutdown()
    }

    @Test func exceptionsComeBackWithoutRunnerFrames() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let outcome = try await sandbox.execute(
            code: "def main():\n    raise ValueError('no such city')\n", arguments: .object([:]), tenant: "t")
        #expect(outcome.status == .failed)
        #expect(outcome.error?.type == "ValueError")
        #expect(outcome.error?.message.contains("no such city") == true)
        #expect(outcome.error?.message.contains("runner.py") == false)
    }

    @Test func secretsAreReadOnlyAndOnlyTheGivenOnes() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let code =
            "def main():\n    try:\n        secrets['X'] = '1'\n        writable = True\n    except TypeError:\n        writable = False\n    return {'keys': sorted(secrets.keys()), 'writable': writable}\n"
        let outcome = try await sandbox.execute(
            code: code, arguments: .object([:]), secrets: ["API_TOKEN": "abc123"], tenant: "t")
        #expect(outcome.result == .object(["keys": .array([.string("API_TOKEN")]), "writable": .bool(false)]))
    }

    @Test func analysisDerivesSchemaWithoutRunningCode() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let code = """
            import json
            from typing import Optional, List
            raise SystemExit('this module body must never run during analysis')
            async def main(city: str, days: int = 3, tags: List[str] = [], ratio: Optional[float] = None, verbose: bool = False):
                return 1
            """
        let analysis = try await sandbox.analyze(code: code, tenant: "t")
        #expect(analysis.isAsync)
        #expect(analysis.disallowedImports.isEmpty, "\(analysis.imports)")
        let schema = try #require(analysis.inputSchema.objectValue)
        #expect(schema["required"] == .array([.string("city")]))
        let properties = try #require(schema["properties"]?.objectValue)
        #expect(properties["city"]?.objectValue?["type"] == .string("string"))
        #expect(properties["days"]?.objectValue?["default"] == .int(3))
        #expect(properties["tags"]?.objectValue?["type"] == .string("array"))
        #expect(properties["verbose"]?.objectValue?["type"] == .string("boolean"))
        let disallowed = try await sandbox.analyze(
            code: "import os, subprocess\nfrom ctypes import CDLL\ndef main():\n    return 1\n", tenant: "t")
        #expect(Set(disallowed.disallowedImports) == ["os", "subprocess", "ctypes"])
    }

    @Test func importOutsideAllowlistFailsAtRunTimeToo() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let outcome = try await sandbox.execute(
            code: "def main():\n    import socket\n    return 1\n", arguments: .object([:]), tenant: "t")
        #expect(outcome.status == .failed)
        #expect(outcome.error?.type == "ImportError")
        #expect(outcome.error?.message.contains("socket") == true)
    }

    @Test func concurrentExecutionsAllSucceed() async throws {
        let sandbox = try #require(TestSandbox.shared)
        let results = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            for i in 0..<12 {
                group.addTask {
                    try await sandbox.execute(
                        code: "def main(i: int):\n    return i * i\n", arguments: .object(["i": .int(Int64(i))]),
                        tenant: "t"
                    ).result
                }
            }
            var all: [JSONValue?] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(Set(results.compactMap { $0 }) == Set((0..<12).map { JSONValue.int(Int64($0 * $0)) }))
    }
}
