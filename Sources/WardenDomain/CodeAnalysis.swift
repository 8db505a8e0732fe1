/// What parsing a tool's code found, without running it.
public struct CodeAnalysis: Equatable, Sendable {
    public var inputSchema: JSONValue
    public var imports: [String]
    public var disallowedImports: [String]
    public var isAsync: Bool

    public init(inputSchema: JSONValue, imports: [String], disallowedImports: [String], isAsync: Bool) {
        self.inputSchema = inputSchema
        self.imports = imports
        self.disallowedImports = disallowedImports
        self.isAsync = isAsync
    }

    /// Submission fails when the code imports anything the profile does not allow.
    public func requireAllowedImports() throws {
        guard disallowedImports.isEmpty else {
            throw DomainError.invalidCode("imports outside the allowlist: \(disallowedImports.joined(separator: ", "))")
        }
    }
}

/// Parses tool code (in a sandbox, never in the supervisor) and derives its input schema.
public protocol CodeAnalyzer: Sendable {
    /// Throws `DomainError.invalidCode` naming the line for syntax errors or a missing `main`.
    /// `tenant` is the server the code belongs to: its analysis runs in that server's workers.
    func analyze(code: String, tenant: String) async throws -> CodeAnalysis
}
