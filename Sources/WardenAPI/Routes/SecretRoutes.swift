import Hummingbird
import WardenDomain
import WardenStore

/// Write-only secrets: values go in, names and dates come out.
struct SecretRoutes {
    let store: Store
    let box: SecretBox
    let limits: Limits

    struct PutBody: RequestBody {
        static let fields: Set<String> = ["value"]
        var value: String
    }

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.put("servers/:id/secrets/:name") { request, context in
            let principal = try context.require(.manageSecrets)
            let name = try context.parameters.require("name")
            guard Names.isValidSecretName(name) else {
                throw DomainError.invalidRequest("secret names must match ^[A-Z_][A-Z0-9_]{0,63}$")
            }
            let body = try await JSONBody.decode(PutBody.self, from: request, limit: limits.requestBodyBytes)
            guard body.value.count >= Redactor.minimumSecretLength, body.value.utf8.count <= 64 * 1024 else {
                throw DomainError.invalidRequest(
                    "value must be \(Redactor.minimumSecretLength) characters to 65536 bytes: a shorter secret could not be told apart from ordinary text when logs are redacted"
                )
            }
            let info = try await store.putSecret(
                serverId: try context.parameters.require("id"), name: name, value: body.value,
                box: box, by: principal.actor)
            return try JSONResponse.make(info)
        }
        router.get("servers/:id/secrets") { _, context in
            _ = try context.require(.listSecrets)
            let items = try await store.secrets(serverId: try context.parameters.require("id"))
            return try JSONResponse.list(Page(items: items, nextCursor: nil))
        }
        router.delete("servers/:id/secrets/:name") { _, context in
            let principal = try context.require(.manageSecrets)
            try await store.deleteSecret(
                serverId: try context.parameters.require("id"), name: try context.parameters.require("name"),
                by: principal.actor)
            return Response(status: .noContent)
        }
    }
}
