import Foundation
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenSandbox

/// The janitor's own filter, compiled from the policy and loaded in a real process: it still lists
/// and unlinks files, and can no longer fork, wait or signal (each tried in a way that is
/// harmless if the filter failed: a fork's child exits at once, the signal is 0 to itself).
@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct JanitorFilterTests {
    static let probe = #"""
        import ctypes, json, os, sys
        program = open(sys.argv[1], "rb").read()
        class Prog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        code = ctypes.create_string_buffer(program, len(program))
        prog = Prog(len(program) // 8, ctypes.addressof(code))
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.prctl(38, 1, 0, 0, 0) == 0          # PR_SET_NO_NEW_PRIVS
        assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0, ctypes.get_errno()
        out = {}
        def attempt(name, action):
            try:
                action()
                out[name] = "allowed"
            except PermissionError:
                out[name] = "EPERM"
            except OSError as e:
                out[name] = "errno %d" % e.errno
        path = os.path.join(sys.argv[2], "janitor-probe-%d" % os.getpid())
        open(path, "x").close()
        attempt("listdir", lambda: os.listdir(sys.argv[2]))
        attempt("unlink", lambda: os.unlink(path))
        def fork():
            if os.fork() == 0:
                os._exit(0)
        attempt("fork", fork)
        attempt("wait", lambda: os.waitpid(-1, os.WNOHANG))
        attempt("kill", lambda: os.kill(os.getpid(), 0))
        attempt("dup2", lambda: os.dup2(0, 40))
        print(json.dumps(out))
        """#

    @Test func theJanitorListsAndUnlinksButNeverForksWaitsOrSignals() throws {
        let shared = try #require(TestSandbox.shared)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("janitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let filter = try SandboxSetup.compileSeccomp(
            launcher: shared.configuration.launcherPath, profile: shared.profile, into: directory, kind: .janitor)
        let script = directory.appendingPathComponent("probe.py")
        try Self.probe.write(to: script, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run(["/usr/bin/python3", "-I", script.path, filter, directory.path])
        #expect(run.status == 0, "\(run.errorText)")
        let result = (try JSONValue.decode(String(decoding: run.output, as: UTF8.self))).objectValue ?? [:]
        #expect(result["listdir"] == "allowed" && result["unlink"] == "allowed", "\(result)")
        for refused in ["fork", "wait", "kill", "dup2"] {
            #expect(result[refused] == "EPERM", "\(refused): \(result)")
        }
    }
}
