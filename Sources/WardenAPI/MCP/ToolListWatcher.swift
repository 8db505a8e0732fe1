import WardenDomain

/// What one MCP client may see, watched by polling the database: a change made by any
/// supervisor sharing it (an approval, a rejection, a new approved version, a deletion, a
/// rename) is noticed, and nothing else is: an execution or a secret change leaves the list as
/// it was, so it sends no `list_changed`.
struct ToolListWatcher: Sendable {
    let methods: MCPMethods
    let serverFilter: String?

    /// A digest of the list `tools/list` would return now.
    func fingerprint() async throws -> String {
        Digest.sha256Hex(JSONValue.array(try await methods.visibleTools(serverFilter: serverFilter)).encodedString())
    }
}
