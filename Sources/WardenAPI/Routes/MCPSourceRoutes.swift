import Foundation
import Hummingbird
import WardenDomain
import WardenEgress
import WardenStore

/// Upstream MCP servers: register, discover their tools, import them as passthrough tools
/// that need approval like any other.
struct MCPSourceRoutes {
    let store: Store
    let secretBox: SecretBox
    let egressSettings: EgressSettings
    let limits: Limits

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "url", "auth_secret"]
        var name: String
        var url: String
        var authSecret: String?
        enum CodingKeys: String, CodingKey {
            case name, url
            case authSecret = "auth_secret"
        }
    }

    struct ImportBody: RequestBody {
        static let fields: Set<String> = ["tools"]
        var tools: [String]
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("servers/:id/mcp-sources") { request, context in
            let principal = try context.require(.manageEgressPolicy)
            let body = try await JSONBody.decode(CreateBody.self, from: request, limit: limits.requestBodyBytes)
            try Names.requireResourceName(body.name, field: "name")
            if let secret = body.authSecret {
                guard Names.isValidSecretName(secret) else {
                    throw DomainError.invalidRequest(
                        "auth_secret must name a secret of this server (^[A-Z_][A-Z0-9_]{0,63}$)")
                }
                try SecretTransport.requireSecure(body.url, allowLoopback: egressSettings.allowLoopback)
            }
            let server = try await store.server(id: try context.parameters.require("id"))
            try await MCPUpstream(
                url: body.url, bearer: nil, allowedHosts: server.allowedHosts, settings: egressSettings
            ).check()
            let source = try await store.createMCPSource(
                serverId: server.id, name: body.name, url: body.url, authSecret: body.authSecret,
                by: principal.actor)
            return try JSONResponse.make(source, status: .created)
        }
        router.post("mcp-sources/:id/discover") { _, context in
            _ = try context.require(.manageMCPSources)
            let (client, redactor) = try await upstream(try context.parameters.require("id"))
            let definitions = try await client.listTools()
            // Upstream text is untrusted: redacted and bounded here, reviewed in full (by diff) after import.
            let tools = definitions.prefix(Self.discoveredTools).map { definition in
                JSONValue.object([
                    "name": .string(
                        redactor.redact(LogTruncation.prefix(definition.name, limit: Self.nameCharacters).0)),
                    "description": .string(
                        redactor.redact(
                            LogTruncation.prefix(definition.description, limit: Self.descriptionCharacters).0)),
                    "input_schema": definition.inputSchema.encodedString().utf8.count <= Self.schemaBytes
                        ? redactor.redact(definition.inputSchema) : .object([:]),
                    "definition_sha256": .string(definition.sha256),
                ])
            }
            return try JSONResponse.make(JSONValue.object(["tools": .array(tools)]))
        }
        router.post("mcp-sources/:id/import") { request, context in
            let principal = try context.require(.manageMCPSources)
            let body = try await JSONBody.decode(ImportBody.self, from: request, limit: limits.requestBodyBytes)
            guard !body.tools.isEmpty else {
                throw DomainError.invalidRequest("tools must name at least one upstream tool")
            }
            let id = try context.parameters.require("id")
            let source = try await store.mcpSource(id: id)
            let (client, redactor) = try await upstream(id)
            let offered = try await client.listTools()
            let chosen = try body.tools.map { name in
                guard let definition = offered.first(where: { $0.name == name }) else {
                    throw DomainError.notFound(
                        "the upstream server does not offer a tool named \(redactor.redact(String(name.prefix(128))))")
                }
                guard !UpstreamText.holdsSecret(definition, redactor) else {
                    throw DomainError.invalidRequest(
                        "upstream tool \(redactor.redact(definition.name)) has a definition that holds a secret of this server; it is not imported"
                    )
                }
                try limits.requireSchemaWithinBounds(definition.inputSchema)
                return definition
            }
            let tools = try await store.importPassthroughTools(source: source, definitions: chosen, by: principal.actor)
            return try JSONResponse.make(
                JSONValue.object([
                    "items": .array(
                        tools.map { tool in
                            (try? JSONValue.decode(String(decoding: JSONEncoder().encode(tool), as: UTF8.self)))
                                ?? .null
                        })
                ]), status: .created)
        }
    }

    static let discoveredTools = 200, nameCharacters = 128, descriptionCharacters = 4096, schemaBytes = 16 << 10

    /// A client for the source, and the redactor of its server's secrets for what it says.
    private func upstream(_ sourceId: String) async throws -> (MCPUpstream, Redactor) {
        let source = try await store.mcpSource(id: sourceId)
        let server = try await store.server(id: source.serverId)
        let secrets = try await store.secretValues(serverId: server.id, box: secretBox)
        var bearer: String?
        if let secret = source.authSecret {
            bearer = secrets[secret]
            guard bearer != nil else {
                throw DomainError.invalidRequest("auth_secret \(secret) is not set on server \(server.name)")
            }
        }
        let client = MCPUpstream(
            url: source.url, bearer: bearer, allowedHosts: server.allowedHosts, settings: egressSettings,
            secretValues: Array(secrets.values))
        return (client, Redactor(secretValues: Array(secrets.values)))
    }
}
