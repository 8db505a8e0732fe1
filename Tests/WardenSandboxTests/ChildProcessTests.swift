import Foundation
import Testing
import WardenDomain

@testable import WardenSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// Helper commands started without Foundation's `Process`, which crashed the test process
/// reading `/proc/self/fd` with some 1,300 descriptors open.
@Suite struct ChildProcessTests {
    @Test func outputErrorsAndExitCodeComeBackApart() throws {
        let result = try ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.text == "out\n")
        #expect(result.errorText == "err\n")
        let merged = try ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2"], errors: .merged)
        #expect(merged.status == 0 && merged.text.contains("out\n") && merged.text.contains("err\n"))
    }

    @Test func aSignalEndingTheCommandIsReportedAbove128() throws {
        let result = try ChildProcess.run(["/bin/sh", "-c", "kill -TERM $$"])
        #expect(result.status == 128 + SIGTERM)
    }

    @Test func theEnvironmentIsTheOneGivenAndNoneByDefault() throws {
        let result = try ChildProcess.run(["/usr/bin/env"], environment: ["ONLY": "this"])
        #expect(result.text == "ONLY=this\n")
        #expect(try ChildProcess.run(["/usr/bin/env"]).text == "", "the supervisor's environment is not passed on")
        let inherited = try ChildProcess.run(["/usr/bin/env"], environment: ProcessInfo.processInfo.environment)
        #expect(inherited.text.contains("PATH="))
    }

    /// A command that ignores SIGTERM is killed two seconds after it was asked to stop.
    @Test func aCommandIgnoringTermIsKilled() throws {
        let stubborn = try ChildProcess.start(["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"])
        let start = ContinuousClock.now
        let result = stubborn.finish(stopWhen: { $0.contains("ready") })
        #expect(result.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    /// Thousands of open descriptors: none reaches the child, and starting it still works.
    @Test func noDescriptorButTheStandardThreeReachesTheChild() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let count = min(3000, Int(limit.rlim_cur) - 500)
        #expect(count > 500, "the descriptor limit (\(limit.rlim_cur)) leaves room for many")
        let opened = (0..<max(count, 0)).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { opened.filter { $0 >= 0 }.forEach { close($0) } }
        #expect(opened.allSatisfy { $0 >= 0 })
        let inheritable = open("/dev/null", O_RDONLY)  // not close-on-exec: closed by the spawn itself
        defer { close(inheritable) }
        for _ in 0..<5 {
            let result = try ChildProcess.run(["/bin/ls", "/proc/self/fd"])
            // ls itself holds the directory open as descriptor 3.
            #expect(result.text.split(separator: "\n") == ["0", "1", "2", "3"], "\(result.text)")
        }
    }

    @Test func inputPipeAndStopWhen() throws {
        let echo = try ChildProcess.start(["/bin/cat"], input: .pipe)
        let line = "hello\n"
        _ = line.withCString { write(echo.input!, $0, strlen($0)) }
        #expect(echo.readLine() == Array(line.utf8))
        echo.closeInput()
        #expect(echo.wait() == 0)

        let talker = try ChildProcess.start(["/bin/sh", "-c", "echo ready; exec sleep 30"])
        let start = ContinuousClock.now
        let result = talker.finish(stopWhen: { $0.contains("ready") })
        #expect(result.status == 128 + SIGTERM && result.text == "ready\n")
        #expect(ContinuousClock.now - start < .seconds(20), "stopped when it said ready, not after its sleep")
    }

    @Test func aMissingCommandIsAnError() {
        #expect(throws: SandboxError.self) { try ChildProcess.run(["/nonexistent/command"]) }
    }
}
