import Foundation
import WardenDomain
import WardenEgress
import WardenStore

/// The one path every execution takes, REST or MCP: approval and hash check, argument
/// validation, the log row before the worker starts, the confined run, the redacted record.
public struct ExecutionService: Sendable {
    let store: Store
    let sandbox: any ToolSandbox
    let secretBox: SecretBox
    let limiter: RateLimiter
    let egressSettings: EgressSettings
    let egressLimiter: EgressLimiter
    let limits: Limits

    public func execute(toolId: String, arguments: JSONValue, caller: Principal) async throws -> Execution {
        let context = try await store.executionContext(toolId: toolId)
        let (executable, server) = (context.executable, context.server)
        // The rate limit comes first: validation costs CPU, so it is counted like a run.
        try await limiter.execution(serverId: executable.tool.serverId)
        try requireValid(arguments, schema: executable.tool.inputSchema)
        // Only this tool's server's secrets, decrypted for this execution alone.
        let secrets = try context.secrets.open(with: secretBox)
        var upstream: (MCPUpstream, String)?
        if executable.tool.kind == .mcpPassthrough {
            upstream = try await pinnedUpstream(executable, server: server, secrets: secrets)
        }
        let run = Run(
            tool: executable.tool, version: executable.version, code: executable.code,
            codeSha256: executable.codeSha256,
            secrets: secrets, allowedHosts: server.allowedHosts, upstream: upstream, test: false)
        return try await perform(run, arguments: arguments, caller: caller)
    }

    /// A test run of any version, approved or not, in the same confinement as an execution. It
    /// gets no secrets and no egress unless an admin asks for them (`withSecrets`): whoever
    /// submitted unapproved code must not be able to run it against real secrets.
    public func testRun(toolId: String, version number: Int, arguments: JSONValue, caller: Principal, withSecrets: Bool)
        async throws -> Execution
    {
        if withSecrets && caller.role != .admin {
            throw DomainError.forbidden("only an admin may test-run with the server's secrets and egress")
        }
        let tool = try await store.tool(id: toolId)
        guard tool.deletedAt == nil else { throw DomainError.notFound("tool \(toolId) was deleted") }
        guard tool.kind == .python else {
            throw DomainError.invalidRequest(
                "a passthrough tool runs on its MCP source; only Python tools can be test-run")
        }
        let version = try await store.version(toolId: toolId, number: number)
        try ToolOwnership.requireMayTestRun(versionCreatedBy: version.createdBy, caller)
        guard let definition = version.definition else {
            throw DomainError.notFound("tool \(toolId) has no version \(number)")
        }
        try await limiter.execution(serverId: tool.serverId)
        try requireValid(arguments, schema: definition.inputSchema)
        var secrets: [String: String] = [:]
        var allowedHosts: [String]?
        if withSecrets {
            secrets = try await store.secretValues(serverId: tool.serverId, box: secretBox)
            allowedHosts = try await store.server(id: tool.serverId).allowedHosts
        }
        let run = Run(
            tool: tool, version: number, code: definition.code, codeSha256: version.codeSha256,
            secrets: secrets, allowedHosts: allowedHosts, upstream: nil, test: true)
        return try await perform(run, arguments: arguments, caller: caller)
    }

    /// Writes how an execution ended even when its caller was cancelled (a cancelled task
    /// would make the database write refuse, and leave the row `running`). An outcome the
    /// database refuses is recorded as `failed` with the reason, never left `running`.
    private static func record(_ execution: Execution, in store: Store) async throws {
        try await Task {
            do {
                try await store.finishExecution(execution)
            } catch {
                var failed = execution
                failed.status = .failed
                failed.reason = nil
                failed.result = nil
                failed.stdout = ""
                failed.egress = .array([])
                failed.error = ExecutionError(
                    type: "UnstorableOutcome", message: "the execution's outcome could not be stored, so it was dropped"
                )
                try await store.finishExecution(failed)
                throw error
            }
        }.value
    }

    private func requireValid(_ arguments: JSONValue, schema: JSONValue) throws {
        guard arguments.encodedString().utf8.count <= limits.argumentsBytes else {
            throw DomainError.payloadTooLarge("arguments are larger than \(limits.argumentsBytes) bytes")
        }
        try ArgumentValidator.validate(arguments, against: schema)
    }

    /// What one run needs once it has been allowed. `allowedHosts` nil: no egress at all.
    private struct Run {
        var tool: Tool
        var version: Int
        var code: String
        var codeSha256: String
        var secrets: [String: String]
        var allowedHosts: [String]?
        var upstream: (MCPUpstream, String)?
        var test: Bool

        /// Which fork servers may run it (docs/design.md, worker tenancy).
        var tenancy: String {
            guard test else { return WorkerTenancy.approved(tool.serverId) }
            return secrets.isEmpty && allowedHosts == nil
                ? WorkerTenancy.untested(tool.serverId) : WorkerTenancy.untestedWithSecrets(tool.serverId)
        }
    }

    /// The log row before the worker starts, the confined run (or the upstream call), the redacted record.
    private func perform(_ run: Run, arguments: JSONValue, caller: Principal) async throws -> Execution {
        let redactor = Redactor(secretValues: Array(run.secrets.values))
        var execution = Execution(
            id: Identifier.make("exe"), toolId: run.tool.id, serverId: run.tool.serverId,
            version: run.version, codeSha256: run.codeSha256, caller: caller.actor, status: .running,
            arguments: redactor.redact(arguments), startedAt: Timestamp.now())
        execution.test = run.test
        try await store.beginExecution(execution)
        let egress = run.allowedHosts.map {
            EgressSession(
                allowedHosts: $0, serverId: run.tool.serverId, toolId: run.tool.id, settings: egressSettings,
                limiter: egressLimiter)
        }
        let outcome: ExecutionOutcome
        do {
            if let (client, name) = run.upstream {
                outcome = await callUpstream(client, name: name, arguments: arguments)
            } else {
                outcome = try await sandbox.execute(
                    code: run.code, arguments: arguments, secrets: run.secrets, egress: egress,
                    tenant: run.tenancy)
            }
        } catch {
            // Cancelled while it waited for a worker: it never ran, and nobody waits for it.
            let cancelled = error is CancellationError || Task.isCancelled
            execution.status = cancelled ? .cancelled : .failed
            execution.error =
                cancelled
                ? ExecutionError(type: "Cancelled", message: "the caller cancelled the call before it ran")
                : ExecutionError(type: "SandboxError", message: "\(error)")
            execution.finishedAt = Timestamp.now()
            try await Self.record(execution, in: store)
            if !run.test { WardenMetrics.execution(execution) }
            throw error
        }
        execution.status = outcome.status
        execution.reason = outcome.reason
        execution.durationMs = outcome.durationMs
        execution.cpuMs = outcome.cpuMs
        execution.maxRssKb = outcome.maxRssKb
        execution.finishedAt = Timestamp.now()
        if let egress {
            // Hosts and denial messages come from tool code: redacted like everything else it wrote.
            execution.egress = redactor.redact(
                (try? JSONValue.decode(String(decoding: JSONEncoder().encode(egress.log), as: UTF8.self))) ?? .array([])
            )
        }
        // The caller gets the whole (redacted) result; the log keeps a bounded copy.
        var response = execution
        response.result = outcome.result.map(redactor.redact)
        response.error = outcome.error.map {
            ExecutionError(
                type: LogTruncation.prefix(redactor.redact($0.type), limit: 200).0, message: redactor.redact($0.message)
            )
        }
        response.stdout = redactor.redact(outcome.stdout)
        response.truncated = outcome.stdoutTruncated
        try await Self.record(logged(response), in: store)
        if !run.test { WardenMetrics.execution(response) }  // agents' calls only
        return response
    }

    /// The upstream client for a passthrough tool, after checking that the upstream definition is
    /// still the one that was approved. A changed definition becomes a new version awaiting review.
    private func pinnedUpstream(_ executable: ExecutableTool, server: Server, secrets: [String: String]) async throws
        -> (MCPUpstream, String)
    {
        let binding = try await store.passthroughBinding(toolId: executable.tool.id)
        let client = MCPUpstream(
            url: binding.source.url, bearer: binding.source.authSecret.flatMap { secrets[$0] },
            allowedHosts: server.allowedHosts, settings: egressSettings, secretValues: Array(secrets.values))
        guard let current = try await client.listTools().first(where: { $0.name == binding.upstreamName }) else {
            throw DomainError.toolDefinitionChanged("the upstream server no longer offers \(binding.upstreamName)")
        }
        guard current.sha256 == executable.codeSha256 else {
            // A definition that carries a secret is never stored, shown or put to a reviewer.
            do {
                try limits.requireSchemaWithinBounds(current.inputSchema)
            } catch DomainError.invalidSchema(let why) {
                throw DomainError.toolDefinitionChanged(
                    "the upstream definition of \(binding.upstreamName) changed, and its \(why); it was not recorded")
            }
            guard !UpstreamText.holdsSecret(current, among: Array(secrets.values)) else {
                throw DomainError.toolDefinitionChanged(
                    "the upstream definition of \(binding.upstreamName) changed and now holds a secret of this server; it was not recorded"
                )
            }
            let tool = try await store.recordDefinitionChange(
                toolId: executable.tool.id, definition: current, by: "system")
            throw DomainError.toolDefinitionChanged(
                "the upstream definition of \(binding.upstreamName) changed; it is now version \(tool.currentVersion), pending review"
            )
        }
        return (client, binding.upstreamName)
    }

    private func callUpstream(_ client: MCPUpstream, name: String, arguments: JSONValue) async -> ExecutionOutcome {
        let start = ContinuousClock.now
        func elapsed() -> Int { Int((ContinuousClock.now - start) / .milliseconds(1)) }
        do {
            let call = try await client.callTool(name: name, arguments: arguments)
            if call.isError {
                return ExecutionOutcome(
                    status: .failed, error: ExecutionError(type: "UpstreamToolError", message: call.text),
                    durationMs: elapsed())
            }
            return ExecutionOutcome(status: .succeeded, result: call.result, durationMs: elapsed())
        } catch  where Task.isCancelled {
            return ExecutionOutcome(
                status: .cancelled, error: ExecutionError(type: "Cancelled", message: "the caller cancelled the call"),
                durationMs: elapsed())
        } catch DomainError.upstreamUnavailable(let message) {
            return ExecutionOutcome(
                status: .failed, error: ExecutionError(type: "UpstreamUnavailable", message: message),
                durationMs: elapsed())
        } catch {
            return ExecutionOutcome(
                status: .failed, error: ExecutionError(type: "UpstreamUnavailable", message: "\(error)"),
                durationMs: elapsed())
        }
    }

    private func logged(_ execution: Execution) -> Execution {
        var logged = execution
        let cap = limits.loggedFieldBytes
        var truncated = execution.truncated
        let (stdout, stdoutCut) = LogTruncation.prefix(execution.stdout, limit: cap)
        logged.stdout = StoredText.storable(stdout)
        truncated = truncated || stdoutCut
        if let result = execution.result {
            let text = result.encodedString()
            if text.utf8.count > cap {
                logged.result = .string(LogTruncation.prefix(text, limit: cap).0)
                truncated = true
            }
        }
        if let error = execution.error {
            let (message, cut) = LogTruncation.prefix(error.message, limit: cap)
            logged.error = ExecutionError(type: StoredText.storable(error.type), message: StoredText.storable(message))
            truncated = truncated || cut
        }
        if execution.egress.encodedString().utf8.count > cap {
            // Records are few and short (docs/design.md, cost budget); this is the last guard.
            logged.egress = .array([.object(["error": .string("egress log over \(cap) bytes; not kept")])])
            truncated = true
        }
        logged.truncated = truncated
        return logged
    }
}
