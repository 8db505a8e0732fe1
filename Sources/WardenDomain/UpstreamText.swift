/// What an upstream MCP server says is untrusted text: it may echo the credential it was sent,
/// or a secret a tool passed to it.
public enum UpstreamText {
    /// Whether any of `secretValues` appears anywhere in the definition (name, description,
    /// schema): such a definition is never stored, shown to a reviewer or listed to a model.
    public static func holdsSecret(_ definition: MCPToolDefinition, among secretValues: [String]) -> Bool {
        holdsSecret(definition, Redactor(secretValues: secretValues))
    }

    public static func holdsSecret(_ definition: MCPToolDefinition, _ redactor: Redactor) -> Bool {
        redactor.redact(definition.canonical) != definition.canonical
    }
}
