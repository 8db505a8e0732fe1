import Foundation
import Hummingbird
import WardenDomain
import WardenStore

struct ExecutionRoutes {
    let store: Store
    let executions: ExecutionService
    let limits: Limits

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["arguments"]
        var arguments: JSONValue?
    }

    struct TestRunBody: RequestBody {
        static let fields: Set<String> = ["arguments", "with_secrets"]
        var arguments: JSONValue?
        var withSecrets: Bool?
        enum CodingKeys: String, CodingKey {
            case arguments
            case withSecrets = "with_secrets"
        }
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("tools/:id/executions") { request, context in
            let principal = try context.require(.executeTools)
            let body = try await JSONBody.decode(CreateBody.self, from: request, limit: limits.requestBodyBytes)
            let execution = try await executions.execute(
                toolId: try context.parameters.require("id"), arguments: body.arguments ?? .object([:]),
                caller: principal)
            return try JSONResponse.make(execution)
        }
        router.post("tools/:id/versions/:version/test-run") { request, context in
            let principal = try context.require(.readRegistry)  // who may run which version: ToolOwnership
            let body = try await JSONBody.decode(TestRunBody.self, from: request, limit: limits.requestBodyBytes)
            guard let number = Int(try context.parameters.require("version")), number >= 1 else {
                throw DomainError.invalidRequest("version must be a whole number from 1")
            }
            let execution = try await executions.testRun(
                toolId: try context.parameters.require("id"), version: number,
                arguments: body.arguments ?? .object([:]),
                caller: principal, withSecrets: body.withSecrets ?? false)
            return try JSONResponse.make(execution)
        }
        router.get("executions") { request, context in
            _ = try context.require(.readExecutions)
            let query = Query(request)
            try query.requireKnown([
                "limit", "cursor", "tool_id", "server_id", "status", "caller", "version", "since", "until", "format",
            ])
            let (cursor, limit) = try query.page(limits)
            var version: Int?
            if let raw = query.string("version") {
                guard let number = Int(raw), number >= 1 else {
                    throw DomainError.invalidRequest("version must be a whole number from 1")
                }
                version = number
            }
            let filter = ExecutionFilter(
                toolId: query.string("tool_id"), serverId: query.string("server_id"),
                status: try query.enumValue("status", ExecutionStatus.self), caller: query.string("caller"),
                version: version,
                since: try query.time("since"), until: try query.time("until"))
            let wantsLines =
                query.string("format") == "ndjson" || request.headers[.accept]?.contains("application/x-ndjson") == true
            if let format = query.string("format"), format != "ndjson", format != "json" {
                throw DomainError.invalidRequest("format must be json or ndjson")
            }
            if wantsLines { return exportLines(filter, after: cursor) }
            return try JSONResponse.list(try await store.executions(filter, before: cursor, limit: limit))
        }
        router.get("executions/:id") { _, context in
            _ = try context.require(.readExecutions)
            return try JSONResponse.make(try await store.execution(id: try context.parameters.require("id")))
        }
    }

    /// JSON Lines of the whole filtered set, newest first, read page by page so memory stays
    /// bounded however many rows match; the writer waits for the client between pages.
    private func exportLines(_ filter: ExecutionFilter, after start: PageCursor?) -> Response {
        let store = self.store
        let body = ResponseBody { writer in
            var cursor = start
            repeat {
                let page = try await store.executions(filter, before: cursor, limit: 1000)
                var buffer = ByteBuffer()
                for execution in page.items {
                    buffer.writeBytes(try JSONEncoder().encode(execution))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
                cursor = try PageCursor.parse(page.nextCursor)
            } while cursor != nil
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}
