import WardenDomain

/// The names of the stateless revision (2026-07-28): the `_meta` keys every request carries,
/// its error codes, and what `server/discover` answers.
enum StatelessMCP {
    static let version = "2026-07-28"
    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"
    static let subscriptionKey = "io.modelcontextprotocol/subscriptionId"
    static let headerMismatch = -32020
    static let unsupportedVersion = -32022

    static func discoverResult() -> [String: JSONValue] {
        [
            "supportedVersions": .array([.string(version)]),
            "capabilities": .object(["tools": .object(["listChanged": .bool(true)])]),
            "instructions": .string(MCPMethods.instructions),
            "ttlMs": .int(0),
            "cacheScope": "private",
            "_meta": .object([serverInfoKey: .object(["name": "warden", "version": .string(MCPMethods.serverVersion)])]
            ),
        ]
    }
}
