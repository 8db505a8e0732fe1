import Hummingbird
import WardenDomain
import WardenStore

struct APIKeyRoutes {
    let store: Store
    let limits: Limits

    struct CreateBody: RequestBody {
        static let fields: Set<String> = ["name", "role", "expires_in_seconds"]
        var name: String
        var role: String
        var expiresInSeconds: Int?
        enum CodingKeys: String, CodingKey {
            case name, role
            case expiresInSeconds = "expires_in_seconds"
        }
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.post("api-keys") { request, context in
            let principal = try context.require(.manageKeys)
            let body = try await JSONBody.decode(CreateBody.self, from: request, limit: limits.requestBodyBytes)
            try Names.requireResourceName(body.name, field: "name")
            guard let role = Role(rawValue: body.role) else {
                throw DomainError.invalidRequest(
                    "role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let seconds = body.expiresInSeconds, seconds < 1 || seconds > 10 * 365 * 86400 {
                throw DomainError.invalidRequest("expires_in_seconds must be from 1 to 315360000")
            }
            let key = try await store.createAPIKey(
                name: body.name, role: role, expiresInSeconds: body.expiresInSeconds, by: principal.actor)
            return try JSONResponse.make(key, status: .created)
        }
        router.get("api-keys") { request, context in
            _ = try context.require(.manageKeys)
            let query = Query(request)
            try query.requireKnown(["limit", "cursor"])
            let (cursor, limit) = try query.page(limits)
            return try JSONResponse.list(try await store.apiKeys(after: cursor, limit: limit))
        }
        router.delete("api-keys/:id") { _, context in
            let principal = try context.require(.manageKeys)
            try await store.revokeAPIKey(id: try context.parameters.require("id"), by: principal.actor)
            return Response(status: .noContent)
        }
    }
}
