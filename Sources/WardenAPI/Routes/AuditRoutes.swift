import Hummingbird
import WardenDomain
import WardenStore

struct AuditRoutes {
    let store: Store
    let limits: Limits

    func add(to router: some RouterMethods<WardenRequestContext>) {
        router.get("audit-events") { request, context in
            _ = try context.require(.readAudit)
            let query = Query(request)
            try query.requireKnown(["limit", "cursor", "type", "actor", "subject", "since", "until"])
            let (cursor, limit) = try query.page(limits)
            let filter = AuditFilter(
                type: query.string("type"), actor: query.string("actor"), subject: query.string("subject"),
                since: try query.time("since"), until: try query.time("until"))
            return try JSONResponse.list(try await store.auditEvents(filter, after: cursor, limit: limit))
        }
        router.get("audit-events/verify") { request, context in
            _ = try context.require(.readAudit)
            let query = Query(request)
            try query.requireKnown(["expect_head"])
            var expected: AuditHead?
            if let text = query.string("expect_head") {
                guard let head = AuditHead(text) else {
                    throw DomainError.invalidRequest("expect_head must be SEQ:HASH (a head reported earlier)")
                }
                expected = head
            }
            return try JSONResponse.make(try await store.verifyAuditChain(expectedHead: expected))
        }
    }
}
