import Foundation
import WardenDomain

/// An in-process stand-in at the sandbox seam, for API tests that run no tool code: analysis
/// reads `main`'s parameter names (every one a string, none required), and an execution returns
/// what `answer` says without starting anything. Tests of confinement use the real sandbox.
public final class FakeSandbox: ToolSandbox, @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [(code: String, tenant: String)] = []
    public var answer: @Sendable (String, JSONValue) -> ExecutionOutcome

    public init(
        answer: @escaping @Sendable (String, JSONValue) -> ExecutionOutcome = { _, _ in
            ExecutionOutcome(status: .succeeded, result: .object(["ok": .int(1)]), durationMs: 1)
        }
    ) {
        self.answer = answer
    }

    /// What was "executed", in order.
    public var executed: [(code: String, tenant: String)] { lock.withLock { runs } }

    public var cgroupKind: String? { "none" }

    public func execute(
        code: String, arguments: JSONValue, secrets: [String: String], egress: (any WorkerEgress)?,
        tenant: String
    ) async throws -> ExecutionOutcome {
        lock.withLock { runs.append((code, tenant)) }
        return answer(code, arguments)
    }

    public func selfTest() async -> SelfTestReport {
        SelfTestReport(ok: true, detail: "fake sandbox", hint: nil, cgroup: cgroupKind)
    }

    public func analyze(code: String, tenant: String) async throws -> CodeAnalysis {
        guard let signature = code.range(of: #"def main\(([^)]*)\)"#, options: .regularExpression) else {
            throw DomainError.invalidCode("the tool must define a top-level `def main(...)` or `async def main(...)`")
        }
        let inside = code[signature].dropFirst("def main(".count).dropLast()
        var properties: [String: JSONValue] = [:]
        for parameter in inside.split(separator: ",") {
            let name =
                parameter.split(separator: ":").first?.split(separator: "=").first?.trimmingCharacters(in: .whitespaces)
                ?? ""
            if !name.isEmpty { properties[name] = .object(["type": "string"]) }
        }
        return CodeAnalysis(
            inputSchema: .object(["type": "object", "properties": .object(properties)]), imports: [],
            disallowedImports: [], isAsync: code.contains("async def main"))
    }
}
