import Hummingbird
import WardenDomain
import WardenStore

struct ToolRoutes {
    let store: Store
    let analyzer: any CodeAnalyzer
    let limits: Limits
    let review: ToolReview

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "code", "input_schema"]
        var name: String
        var description: String?
        var code: String
        var inputSchema: JSONValue?
        enum CodingKeys: String, CodingKey {
            case name, description, code
            case inputSchema = "input_schema"
        }
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "code", "input_schema"]
        var name: String?
        var description: String?
        var code: String?
        var inputSchema: JSONValue?
        enum CodingKeys: String, CodingKey {
            case name, description, code
            case inputSchema = "input_schema"
        }
    }

    struct ApproveBody: RequestBody {
        static let fields: Set<String> = ["version", "note", "acknowledge_warnings"]
        var version: Int
        var note: String?
        var acknowledgeWarnings: Bool?
        enum CodingKeys: String, CodingKey {
            case version, note
            case acknowledgeWarnings = "acknowledge_warnings"
        }
    }

    struct RejectBody: RequestBody {
        static let fields: Set<String> = ["version", "reason"]
        var version: Int
        var reason: String
    }

    struct RollbackBody: RequestBody {
        static let fields: Set<String> = ["to_version"]
        var toVersion: Int
        enum CodingKeys: String, CodingKey { case toVersion = "to_version" }
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("servers/:id/tools") { request, context in
            let principal = try context.require(.submitTools)
            let body = try await JSONBody.decode(CreateBody.self, from: request, limit: limits.requestBodyBytes)
            try Names.requireResourceName(body.name, field: "name")
            try limits.requireDescription(body.description)
            let serverId = try context.parameters.require("id")
            _ = try await store.server(id: serverId)
            let schema = try await schemaFor(code: body.code, explicit: body.inputSchema, tenant: serverId)
            let tool = try await store.createTool(
                serverId: serverId,
                ToolDraft(
                    name: body.name, description: body.description ?? "", code: body.code, inputSchema: schema,
                    schemaExplicit: body.inputSchema != nil),
                by: principal.actor)
            return try JSONResponse.make(tool, status: .created)
        }
        router.get("tools") { request, context in
            _ = try context.require(.readRegistry)
            let query = Query(request)
            try query.requireKnown(["limit", "cursor", "server_id", "approval_status", "include_deleted"])
            let (cursor, limit) = try query.page(limits)
            let filter = ToolFilter(
                serverId: query.string("server_id"),
                approvalStatus: try query.enumValue("approval_status", ApprovalStatus.self),
                includeDeleted: try query.bool("include_deleted"))
            return try JSONResponse.list(try await store.tools(filter, after: cursor, limit: limit))
        }
        router.get("tools/:id") { _, context in
            _ = try context.require(.readRegistry)
            return try JSONResponse.make(try await store.tool(id: try context.parameters.require("id")))
        }
        router.patch("tools/:id") { request, context in
            let principal = try context.require(.submitTools)
            let body = try await JSONBody.decode(UpdateBody.self, from: request, limit: limits.requestBodyBytes)
            if let name = body.name { try Names.requireResourceName(name, field: "name") }
            try limits.requireDescription(body.description)
            let id = try context.parameters.require("id")
            let existing = try await store.tool(id: id)
            try ToolOwnership.requireMayChange(toolCreatedBy: try await store.toolCreator(id: id), principal)
            if existing.kind == .mcpPassthrough, body.code != nil || body.inputSchema != nil || body.description != nil
            {
                throw DomainError.invalidRequest(
                    "a passthrough tool's description, schema and code are its MCP source's pinned definition; change them upstream"
                )
            }
            var changes = ToolChanges(
                name: body.name, description: body.description, code: body.code,
                inputSchema: body.inputSchema, schemaExplicit: body.inputSchema != nil)
            if let code = body.code {
                changes.inputSchema = try await schemaFor(
                    code: code, explicit: body.inputSchema, tenant: existing.serverId)
            } else if let schema = body.inputSchema {
                try requireSchemaShape(schema)
            }
            return try JSONResponse.make(try await store.updateTool(id: id, changes, by: principal.actor))
        }
        router.delete("tools/:id") { _, context in
            let principal = try context.require(.deleteTools)
            let id = try context.parameters.require("id")
            try ToolOwnership.requireMayChange(toolCreatedBy: try await store.toolCreator(id: id), principal)
            try await store.deleteTool(id: id, by: principal.actor)
            return Response(status: .noContent)
        }
        router.get("tools/:id/versions") { request, context in
            _ = try context.require(.readRegistry)
            let query = Query(request)
            try query.requireKnown(["limit", "cursor"])
            let (cursor, limit) = try query.page(limits)
            return try JSONResponse.list(
                try await store.versions(toolId: try context.parameters.require("id"), after: cursor, limit: limit))
        }
        router.get("tools/:id/versions/:version") { _, context in
            _ = try context.require(.readRegistry)
            guard let number = Int(try context.parameters.require("version")), number >= 1 else {
                throw DomainError.invalidRequest("version must be a whole number from 1")
            }
            return try JSONResponse.make(
                try await store.version(toolId: try context.parameters.require("id"), number: number))
        }
        router.get("tools/:id/diff") { request, context in
            _ = try context.require(.readRegistry)
            let query = Query(request)
            try query.requireKnown(["from", "to"])
            func number(_ name: String) throws -> Int? {
                guard let raw = query.string(name) else { return nil }
                guard let value = Int(raw), value >= 1 else {
                    throw DomainError.invalidRequest("\(name) must be a whole number from 1")
                }
                return value
            }
            return try JSONResponse.make(
                try await review.diff(
                    toolId: try context.parameters.require("id"), from: try number("from"), to: try number("to")))
        }
        router.post("tools/:id/approve") { request, context in
            let principal = try context.require(.judgeTools)
            let body = try await JSONBody.decode(ApproveBody.self, from: request, limit: limits.requestBodyBytes)
            return try JSONResponse.make(
                try await review.approve(
                    toolId: try context.parameters.require("id"), version: body.version, note: body.note,
                    acknowledgeWarnings: body.acknowledgeWarnings ?? false, by: principal))
        }
        router.post("tools/:id/reject") { request, context in
            let principal = try context.require(.judgeTools)
            let body = try await JSONBody.decode(RejectBody.self, from: request, limit: limits.requestBodyBytes)
            return try JSONResponse.make(
                try await review.reject(
                    toolId: try context.parameters.require("id"), version: body.version, reason: body.reason,
                    by: principal))
        }
        router.post("tools/:id/rollback") { request, context in
            let principal = try context.require(.rollbackTools)
            let body = try await JSONBody.decode(RollbackBody.self, from: request, limit: limits.requestBodyBytes)
            return try JSONResponse.make(
                try await store.rollbackTool(
                    id: try context.parameters.require("id"), to: body.toVersion, by: principal.actor))
        }
    }

    /// Parses the code in a sandbox; an explicit schema wins over the derived one.
    private func schemaFor(code: String, explicit: JSONValue?, tenant: String) async throws -> JSONValue {
        try limits.requireCodeSize(code)
        let analysis = try await analyzer.analyze(code: code, tenant: WorkerTenancy.untested(tenant))
        try analysis.requireAllowedImports()
        guard let explicit else {
            try limits.requireSchemaWithinBounds(analysis.inputSchema)
            return analysis.inputSchema
        }
        try requireSchemaShape(explicit)
        return explicit
    }

    private func requireSchemaShape(_ schema: JSONValue) throws {
        guard let object = schema.objectValue, object["type"] == nil || object["type"] == .string("object") else {
            throw DomainError.invalidRequest("input_schema must be a JSON Schema object with \"type\": \"object\"")
        }
        try limits.requireSchemaWithinBounds(schema)
    }
}
