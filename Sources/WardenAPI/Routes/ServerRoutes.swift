import Hummingbird
import WardenDomain
import WardenStore

struct ServerRoutes {
    let store: Store
    let limits: Limits

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "allowed_hosts"]
        var name: String
        var description: String?
        var allowedHosts: [String]?
        enum CodingKeys: String, CodingKey {
            case name, description
            case allowedHosts = "allowed_hosts"
        }
    }

    struct UpdateBody: RequestBody {
        static let fields: Set<String> = ["name", "description", "allowed_hosts"]
        var name: String?
        var description: String?
        var allowedHosts: [String]?
        enum CodingKeys: String, CodingKey {
            case name, description
            case allowedHosts = "allowed_hosts"
        }
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("servers") { request, context in
            let principal = try context.require(.manageServers)
            let body = try await JSONBody.decode(CreateBody.self, from: request, limit: limits.requestBodyBytes)
            if body.allowedHosts?.isEmpty == false { try principal.require(.manageEgressPolicy) }
            try Names.requireResourceName(body.name, field: "name")
            try limits.requireDescription(body.description)
            try HostEntry.requireValid(body.allowedHosts ?? [])
            let server = try await store.createServer(
                ServerDraft(
                    name: body.name, description: body.description ?? "", allowedHosts: body.allowedHosts ?? []),
                by: principal.actor)
            return try JSONResponse.make(server, status: .created)
        }
        router.get("servers") { request, context in
            _ = try context.require(.readRegistry)
            let query = Query(request)
            try query.requireKnown(["limit", "cursor"])
            let (cursor, limit) = try query.page(limits)
            return try JSONResponse.list(try await store.servers(after: cursor, limit: limit))
        }
        router.get("servers/:id") { _, context in
            _ = try context.require(.readRegistry)
            return try JSONResponse.make(try await store.server(id: try context.parameters.require("id")))
        }
        router.patch("servers/:id") { request, context in
            let principal = try context.require(.manageServers)
            let body = try await JSONBody.decode(UpdateBody.self, from: request, limit: limits.requestBodyBytes)
            if body.allowedHosts != nil { try principal.require(.manageEgressPolicy) }
            if let name = body.name { try Names.requireResourceName(name, field: "name") }
            try limits.requireDescription(body.description)
            try HostEntry.requireValid(body.allowedHosts ?? [])
            let server = try await store.updateServer(
                id: try context.parameters.require("id"),
                ServerChanges(name: body.name, description: body.description, allowedHosts: body.allowedHosts),
                by: principal.actor)
            return try JSONResponse.make(server)
        }
        router.delete("servers/:id") { _, context in
            let principal = try context.require(.manageServers)
            try await store.deleteServer(id: try context.parameters.require("id"), by: principal.actor)
            return Response(status: .noContent)
        }
    }
}
