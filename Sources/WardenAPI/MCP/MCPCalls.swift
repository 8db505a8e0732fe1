import WardenDomain

/// The `tools/call` requests running on this supervisor, by who sent them and their JSON-RPC id,
/// so a `notifications/cancelled` naming one stops its execution.
actor MCPCalls {
    private var running: [String: Task<JSONValue, any Error>] = [:]

    static func key(owner: String, requestId: JSONValue) -> String {
        "\(owner) \(requestId.encodedString())"
    }

    /// Runs `body` as a cancellable call; cancelling the caller's task cancels it too.
    func run(_ key: String, _ body: @escaping @Sendable () async throws -> JSONValue) async throws -> JSONValue {
        let task = Task { try await body() }
        running[key] = task
        defer { running[key] = nil }
        let value = try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
        if task.isCancelled { throw CancellationError() }  // it finished, but as a cancelled call
        return value
    }

    /// Cancels the call; false when no such call is running here.
    @discardableResult
    func cancel(_ key: String) -> Bool {
        guard let task = running[key] else { return false }
        task.cancel()
        return true
    }
}
