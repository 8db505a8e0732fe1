import Foundation
import HTTPTypes
import Hummingbird
import WardenDomain
import WardenStore

/// The admin console at `/ui/`: server-rendered pages over the same store operations and role
/// rules as REST, signed in with an API key, every form carrying the session's CSRF token.
struct ConsoleRoutes {
    let console: Console
    let store: Store
    let executions: ExecutionService
    let limiter: RateLimiter
    let limits: Limits
    let review: ToolReview
    static let cookie = "warden_console"

    func add(to router: Router<WardenRequestContext>) {
        router.get("ui") { request, _ in
            await signedIn(request) == nil ? Self.redirect("/ui/login") : Self.redirect("/ui/queue")
        }
        router.get("ui/static/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: console.stylesheet)))
        }
        router.get("ui/login") { request, context in loginPage(request, context) }
        router.post("ui/login") { request, context in try await signIn(request, context) }
        router.post("ui/logout") { request, _ in
            try await action(request) { session, _ in
                guard let id = Self.cookieValue(request) else { return Self.redirect("/ui/login") }
                await console.sessions.end(id)
                try await store.recordAudit(
                    type: "console.signed_out", actor: session.principal.actor, subject: "console")
                var response = Self.redirect("/ui/login")
                response.headers[.setCookie] = "\(Self.cookie)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict"
                return response
            }
        }
        router.get("ui/queue") { request, _ in
            try await view(request, "queue", .readRegistry) { _ in
                let page = Int(Query(request).string("page") ?? "0") ?? 0
                guard (0...100_000).contains(page) else { throw DomainError.invalidRequest("page must be 0 or more") }
                return try await ConsolePages(store: store).queue(page: page)
            }
        }
        router.get("ui/tools") { request, _ in
            try await view(request, "tools", .readRegistry) { _ in
                let query = Query(request)
                return try await ConsolePages(store: store).tools(
                    serverId: query.string("server_id"), status: try query.enumValue("status", ApprovalStatus.self))
            }
        }
        router.get("ui/tools/:id") { request, context in
            try await view(request, "tool", .readRegistry) { session in
                var values = try await ConsolePages(store: store).tool(id: try context.parameters.require("id"))
                values["can_rollback"] = AccessPolicy.allows(session.principal.role, .rollbackTools)
                return values
            }
        }
        router.get("ui/tools/:id/review") { request, context in
            try await view(request, "review", .readRegistry) { session in
                var values = try await review(try context.parameters.require("id"), session)
                if let id = Self.cookieValue(request), let flash = await console.sessions.takeFlash(id) {
                    values["flash"] = flash
                }
                return values
            }
        }
        router.post("ui/tools/:id/versions/:version/test-run") { request, context in
            try await action(request) { session, form in
                let id = try context.parameters.require("id")
                guard let number = Int(try context.parameters.require("version")) else {
                    throw DomainError.invalidRequest("bad version")
                }
                let arguments = try JSONValue.decode(form["arguments"].flatMap { $0.isEmpty ? nil : $0 } ?? "{}")
                let run = try await executions.testRun(
                    toolId: id, version: number, arguments: arguments, caller: session.principal,
                    withSecrets: form["with_secrets"] == "on")
                var values = try await review(id, session)
                values["test_result"] = ConsolePages.execution(run)
                return html(console.render("review", common(session).merging(values) { $1 }))
            }
        }
        router.post("ui/tools/:id/approve") { request, context in
            try await action(request) { session, form in
                let id = try context.parameters.require("id")
                let version = Int(form["version"] ?? "") ?? 0
                _ = try await review.approve(
                    toolId: id, version: version, note: form["note"].flatMap { $0.isEmpty ? nil : $0 },
                    acknowledgeWarnings: form["acknowledge_warnings"] == "on", by: session.principal)
                return await done(request, "Version \(version) approved.", then: "/ui/tools/\(id)/review")
            }
        }
        router.post("ui/tools/:id/reject") { request, context in
            try await action(request) { session, form in
                let id = try context.parameters.require("id")
                let version = Int(form["version"] ?? "") ?? 0
                _ = try await review.reject(
                    toolId: id, version: version, reason: form["reason"] ?? "", by: session.principal)
                return await done(request, "Version \(version) rejected.", then: "/ui/tools/\(id)/review")
            }
        }
        router.post("ui/tools/:id/rollback") { request, context in
            try await action(request) { session, form in
                try session.principal.require(.rollbackTools)
                let id = try context.parameters.require("id")
                guard form["confirm"] == "on" else {
                    throw DomainError.invalidRequest(
                        "tick the box to confirm: a rollback creates a new version that needs review")
                }
                let tool = try await store.rollbackTool(
                    id: id, to: Int(form["to_version"] ?? "") ?? 0, by: session.principal.actor)
                return await done(
                    request, "Rolled back: version \(tool.currentVersion) waits for review.",
                    then: "/ui/tools/\(id)/review")
            }
        }
        router.get("ui/servers") { request, _ in
            try await view(request, "servers", .readRegistry) { session in
                try await ConsolePages(store: store).servers(
                    showSecrets: AccessPolicy.allows(session.principal.role, .listSecrets))
            }
        }
        router.get("ui/executions") { request, _ in
            try await view(request, "executions", .readExecutions) { _ in
                let query = Query(request)
                let filter = ExecutionFilter(
                    toolId: query.string("tool_id"), serverId: query.string("server_id"),
                    status: try query.enumValue("status", ExecutionStatus.self), caller: query.string("caller"),
                    since: try query.time("since"), until: try query.time("until"))
                return try await ConsolePages(store: store).executions(
                    filter, cursor: try PageCursor.parse(query.string("cursor")),
                    query: request.uri.query ?? "")
            }
        }
        router.get("ui/executions/:id") { request, context in
            try await view(request, "execution", .readExecutions) { _ in
                ConsolePages.execution(try await store.execution(id: try context.parameters.require("id")))
            }
        }
        router.get("ui/audit") { request, _ in
            try await view(request, "audit", .readAudit) { _ in
                let query = Query(request)
                let filter = AuditFilter(
                    type: query.string("type"), actor: query.string("actor"), subject: query.string("subject"),
                    since: try query.time("since"), until: try query.time("until"))
                return try await ConsolePages(store: store).audit(
                    filter, cursor: try PageCursor.parse(query.string("cursor")),
                    query: request.uri.query ?? "")
            }
        }
        router.post("ui/audit/verify") { request, _ in
            try await action(request) { session, _ in
                try session.principal.require(.readAudit)
                let chain = try await store.verifyAuditChain()
                var values = try await ConsolePages(store: store).audit(AuditFilter(), cursor: nil, query: "")
                values["verify"] =
                    chain.ok
                    ? "Chain intact: \(chain.checked) events verified; head \(chain.head.map(\.description) ?? "none")."
                    : "Chain broken at entry \(chain.firstBreak ?? 0): \(chain.reason ?? "")."
                return html(console.render("audit", common(session).merging(values) { $1 }))
            }
        }
    }

    // MARK: sign-in

    private func signIn(_ request: Request, _ context: WardenRequestContext) async throws -> Response {
        try await limiter.admitAuthAttempt(address: context.clientAddress)
        let form = try await FormBody.decode(request, limit: limits.requestBodyBytes)
        // Only this console's own form signs in: same origin, and the token of the page it came from.
        guard LoginGuard.sameOrigin(request, secure: secure(context)),
            let token = form["login_token"], let expected = Self.cookieValue(request, name: LoginGuard.cookie),
            Self.constantTimeEquals(token, expected)
        else {
            // Counted like a wrong key: a post that skips the page is no sign-in anyone meant.
            await limiter.chargeAuthFailure(address: context.clientAddress)
            var page = loginPage(
                request, context, error: "The sign-in form has expired or did not come from this console. Try again.")
            page.status = .forbidden
            return page
        }
        let principal: Principal
        do {
            principal = try await store.authenticate(
                apiKey: form["api_key"]?.trimmingCharacters(in: .whitespaces) ?? "")
        } catch {
            await limiter.chargeAuthFailure(address: context.clientAddress)
            try? await store.recordAudit(
                type: "console.sign_in_failed", actor: "anonymous", subject: "console",
                details: .object(["address": .string(context.clientAddress)]))
            var page = loginPage(request, context, error: "That key was not accepted.")
            page.status = .unauthorized
            return page
        }
        let (id, _) = await console.sessions.start(principal)
        try await store.recordAudit(type: "console.signed_in", actor: principal.actor, subject: "console")
        var response = Self.redirect("/ui/queue")
        let idle = Int(console.sessions.idle.components.seconds)
        response.headers[.setCookie] =
            "\(Self.cookie)=\(id); Path=/ui; Max-Age=\(idle); HttpOnly; SameSite=Strict\(secure(context) ? "; Secure" : "")"
        return response
    }

    /// The sign-in page, with a fresh token in the form and in a cookie (checked together on post).
    private func loginPage(_ request: Request, _ context: WardenRequestContext, error: String? = nil) -> Response {
        let token = LoginGuard.newToken()
        var values: [String: Any] = ["login_token": token]
        if let error { values["error"] = error }
        var response = html(console.render("login", values))
        response.headers[.setCookie] =
            "\(LoginGuard.cookie)=\(token); Path=/ui/login; Max-Age=1800; HttpOnly; SameSite=Strict\(secure(context) ? "; Secure" : "")"
        return response
    }

    /// Cookies are `Secure` when Warden serves TLS, or a trusted proxy says the client used it.
    private func secure(_ context: WardenRequestContext) -> Bool {
        console.secureCookies || context.forwardedHTTPS
    }

    /// The session, while its API key is still valid: a revoked or expired key ends it on the
    /// next request, as it ends REST access.
    private func signedIn(_ request: Request) async -> ConsoleSessions.Session? {
        guard let id = Self.cookieValue(request), let session = await console.sessions.session(id) else { return nil }
        guard (try? await store.principal(keyId: session.principal.id)) != nil else {
            await console.sessions.end(id)
            return nil
        }
        return session
    }

    static func cookieValue(_ request: Request, name: String = cookie) -> String? {
        for part in (request.headers[.cookie] ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == name { return String(pair[1]) }
        }
        return nil
    }

    // MARK: pages

    /// A read-only page: signed in, allowed to `action`, rendered from `values`.
    private func view(
        _ request: Request, _ template: String, _ action: Action,
        _ values: @escaping (ConsoleSessions.Session) async throws -> [String: Any]
    ) async throws -> Response {
        try await page(request) { session, _ in
            try session.principal.require(action)
            return html(console.render(template, common(session).merging(try await values(session)) { $1 }))
        }
    }

    /// A form post: signed in and carrying the session's CSRF token.
    private func action(
        _ request: Request,
        _ body: @escaping (ConsoleSessions.Session, FormBody) async throws -> Response
    ) async throws -> Response {
        try await page(request) { session, form in
            guard let form else {
                return html(
                    console.render(
                        "error",
                        common(session).merging([
                            "status": 403,
                            "message":
                                "The form has expired or did not come from this console. Reload the page and try again.",
                        ]) { $1 }), status: .forbidden)
            }
            return try await body(session, form)
        }
    }

    /// Signed in, or sent to the sign-in page; a POST's form is checked against the session's CSRF
    /// token (nil when it does not match). Refusals render as pages with the REST status and message.
    private func page(
        _ request: Request,
        _ body: (ConsoleSessions.Session, FormBody?) async throws -> Response
    ) async throws -> Response {
        guard let session = await signedIn(request) else { return Self.redirect("/ui/login") }
        // The same per-identity budget as REST: a signed-in page is a request by that key.
        try await limiter.request(identity: session.principal.actor)
        var form: FormBody?
        if request.method == .post {
            let posted = try await FormBody.decode(request, limit: limits.requestBodyBytes)
            if let token = posted["csrf"], Self.constantTimeEquals(token, session.csrf) { form = posted }
        }
        do {
            return try await body(session, form)
        } catch {
            let refusal = APIError.from(error)
            return html(
                console.render(
                    "error",
                    common(session).merging([
                        "status": Int(refusal.status.code), "message": refusal.message,
                    ]) { $1 }), status: refusal.status)
        }
    }

    private func review(_ id: String, _ session: ConsoleSessions.Session) async throws -> [String: Any] {
        let diff = try await review.diff(toolId: id, from: nil, to: nil)
        var values = try await ConsolePages(store: store).review(id: id, diff: diff)
        let role = session.principal.role
        values["can_judge"] = AccessPolicy.allows(role, .judgeTools)
        values["can_test"] = role == .admin || (values["submitter"] as? String) == session.principal.actor
        values["is_admin"] = role == .admin
        return values
    }

    private func common(_ session: ConsoleSessions.Session) -> [String: Any] {
        [
            "role": session.principal.role.rawValue, "who": session.principal.name, "csrf": session.csrf,
            "can_read_executions": AccessPolicy.allows(session.principal.role, .readExecutions),
            "can_read_audit": AccessPolicy.allows(session.principal.role, .readAudit),
        ]
    }

    private func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// After a change: a one-time message for the session, and the page to see it on.
    private func done(_ request: Request, _ message: String, then location: String) async -> Response {
        if let id = Self.cookieValue(request) { await console.sessions.setFlash(id, message) }
        return Self.redirect(location)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
