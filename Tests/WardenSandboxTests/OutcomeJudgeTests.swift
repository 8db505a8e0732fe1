import Foundation
import Testing
import WardenDomain

@testable import WardenSandbox

@Suite("Outcome judging")
struct OutcomeJudgeTests {
    let limits = SandboxLimits(
        wallMs: 10_000, cpuMs: 5_000, memoryBytes: 256 << 20, outputBytes: 1 << 20, tmpBytes: 16 << 20,
        resultBytes: 1 << 20, nofile: 64, fsizeBytes: 16 << 20, stackBytes: 8 << 20, pids: 8)

    func frame(_ json: String) -> [UInt8] {
        let body = Array(json.utf8)
        let n = body.count
        return [UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + body
    }

    func raw(
        frame: [UInt8]? = nil, stdout: String = "",
        status: LauncherStatus? = LauncherStatus(exitCode: 0, signal: nil, cpuMs: 10, maxRssKb: 9000, error: nil),
        killedFor: KillCause? = nil
    ) -> RawOutcome {
        RawOutcome(
            frame: frame, stdout: Array(stdout.utf8), diagnostics: "", status: status, killedFor: killedFor,
            durationMs: 12)
    }

    @Test func success() {
        let outcome = OutcomeJudge.judge(
            raw(frame: frame(#"{"ok":true,"result":{"a":1},"stdout":"hi\n","stdout_truncated":false}"#)), limits: limits
        )
        #expect(outcome.status == .succeeded)
        #expect(outcome.result == .object(["a": .int(1)]))
        #expect(outcome.stdout == "hi\n")
        #expect(outcome.cpuMs == 10)
    }

    @Test func forgedFramesCannotExceedTheCaps() {
        var small = limits
        small.resultBytes = 10
        small.outputBytes = 4
        let outcome = OutcomeJudge.judge(
            raw(frame: frame(#"{"ok":true,"result":"0123456789abcdef","stdout":"123456789"}"#)), limits: small)
        #expect(outcome.status == .failed)
        #expect(outcome.error?.type == "ResultTooLarge")
        #expect(outcome.stdout == "1234")
        #expect(outcome.stdoutTruncated)
    }

    @Test func toolErrorIsFailed() {
        let outcome = OutcomeJudge.judge(
            raw(frame: frame(#"{"ok":false,"error":{"type":"ValueError","message":"bad"},"stdout":""}"#)),
            limits: limits)
        #expect(outcome.status == .failed)
        #expect(outcome.error == ExecutionError(type: "ValueError", message: "bad"))
    }

    @Test func memoryErrorIsKilledForMemory() {
        let outcome = OutcomeJudge.judge(
            raw(frame: frame(#"{"ok":false,"error":{"type":"MemoryError","message":""}}"#)), limits: limits)
        #expect(outcome.status == .killed)
        #expect(outcome.reason == .memory)
    }

    @Test func cpuKill() {
        let status = LauncherStatus(exitCode: nil, signal: 9, cpuMs: 5_001, maxRssKb: 9000, error: nil)
        let outcome = OutcomeJudge.judge(raw(status: status), limits: limits)
        #expect(outcome.status == .killed)
        #expect(outcome.reason == .cpu)
    }

    @Test func cgroupOOMKillIsMemory() {
        let status = LauncherStatus(exitCode: nil, signal: 9, cpuMs: 30, maxRssKb: 262_000, oomKilled: true, error: nil)
        let outcome = OutcomeJudge.judge(raw(status: status), limits: limits)
        #expect(outcome.status == .killed)
        #expect(outcome.reason == .memory)
    }

    @Test func otherSignal() {
        let status = LauncherStatus(exitCode: nil, signal: 31, cpuMs: 3, maxRssKb: 9000, error: nil)
        #expect(OutcomeJudge.judge(raw(status: status), limits: limits).reason == .signal)
    }

    @Test func timeoutAndOutput() {
        #expect(OutcomeJudge.judge(raw(status: nil, killedFor: .timeout), limits: limits).status == .timeout)
        let output = OutcomeJudge.judge(raw(status: nil, killedFor: .output), limits: limits)
        #expect(output.status == .killed)
        #expect(output.reason == .output)
    }

    @Test func forgedOrMalformedFramesAreNotResults() {
        // A frame whose length does not match, or trailing bytes after it, is not a result.
        var bad = frame(#"{"ok":true,"result":1}"#)
        bad.append(0x20)
        #expect(OutcomeJudge.judge(raw(frame: bad), limits: limits).status == .failed)
        #expect(OutcomeJudge.judge(raw(frame: Array("{\"ok\":true}".utf8)), limits: limits).status == .failed)
        // Result-looking text on stdout is only stdout.
        let printed = OutcomeJudge.judge(
            raw(stdout: String(decoding: frame(#"{"ok":true,"result":1}"#), as: UTF8.self)), limits: limits)
        #expect(printed.status == .failed)
        #expect(printed.result == nil)
    }

    @Test func launcherStageErrorIsReported() {
        let status = LauncherStatus(
            exitCode: nil, signal: nil, cpuMs: 0, maxRssKb: 0,
            error: .init(stage: "userns", errno: 1, message: "clone: Operation not permitted"))
        let outcome = OutcomeJudge.judge(raw(status: status), limits: limits)
        #expect(outcome.status == .failed)
        #expect(outcome.error?.type == "SandboxError")
        #expect(outcome.error?.message.contains("userns") == true)
    }
}

@Suite("Cgroup janitor")
struct CgroupJanitorTests {
    @Test func namesAndStaleDirectories() throws {
        #expect(CgroupJanitor.supervisorPid("w123-4") == 123)
        #expect(CgroupJanitor.supervisorPid("w123") == nil)
        #expect(CgroupJanitor.supervisorPid("system.slice") == nil)
        #expect(CgroupJanitor.supervisorPid("wx-1") == nil)
        // A folder shaped like a cgroup tree: a dead supervisor's worker folder goes, others stay.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cg-\(UUID().uuidString)")
        let fm = FileManager.default
        for name in ["pids/w999999-1", "pids/w\(getpid())-2", "pids/other", "memory/w999999-3"] {
            try fm.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        defer { try? fm.removeItem(at: root) }
        #expect(CgroupJanitor.sweep(root: root.path) == 2)
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("pids/w999999-1").path))
        #expect(fm.fileExists(atPath: root.appendingPathComponent("pids/w\(getpid())-2").path))
        #expect(fm.fileExists(atPath: root.appendingPathComponent("pids/other").path))
    }
}
