/// An upstream MCP tool as Warden pins it: the parts that change what an agent is told and sends.
public struct MCPToolDefinition: Equatable, Sendable {
    public var name: String
    public var description: String
    public var inputSchema: JSONValue
    public var annotations: JSONValue

    public init(name: String, description: String, inputSchema: JSONValue, annotations: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.annotations = annotations
    }

    /// From a `tools/list` entry; nil when it has no name.
    public init?(listed: JSONValue) {
        guard let object = listed.objectValue, let name = object["name"]?.stringValue else { return nil }
        self.init(
            name: name, description: object["description"]?.stringValue ?? "",
            inputSchema: object["inputSchema"] ?? .object(["type": .string("object")]),
            annotations: object["annotations"] ?? .null)
    }

    /// Sorted-key JSON of name, description, input schema and annotations: what approval pins.
    public var canonical: String {
        JSONValue.object([
            "name": .string(name), "description": .string(description), "inputSchema": inputSchema,
            "annotations": annotations,
        ]).encodedString()
    }

    public var sha256: String { Digest.sha256Hex(canonical) }

    /// A Warden tool name for an upstream name: lowercase, other characters as `_`.
    public var localName: String? {
        var mapped = String(
            name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
        if let first = mapped.first, !first.isLetter { mapped = "t_" + mapped }
        return Names.isValidResourceName(mapped) ? mapped : nil
    }
}
