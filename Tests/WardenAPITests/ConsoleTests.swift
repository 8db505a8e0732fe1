import Foundation
import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenAPI

/// The console's rules over real HTTP (the browser tests in Tests/console drive the pages in
/// Chromium): sign-in by API key, CSRF on every form, the same role rules as REST, escaping.
@Suite struct ConsoleTests {
    /// The sign-in page's token and the cookie that must come back with it.
    static func loginToken(_ client: TestServer.Client) async throws -> (cookie: String, token: String) {
        let page = try await client.form(.get, "/ui/login", cookie: nil)
        let setCookie = try #require(page.headers[.setCookie], "no login cookie")
        let marker = #"name="login_token" value=""#
        let start = try #require(page.body.range(of: marker), "\(page.body.prefix(500))")
        return (String(setCookie.prefix { $0 != ";" }), String(page.body[start.upperBound...].prefix { $0 != "\"" }))
    }

    static func postLogin(_ client: TestServer.Client, key: String, headers: HTTPFields = [:]) async throws
        -> TestServer.Reply
    {
        let (cookie, token) = try await loginToken(client)
        return try await client.form(
            .post, "/ui/login", cookie: cookie, fields: ["api_key": key, "login_token": token], headers: headers)
    }

    static func signIn(_ client: TestServer.Client, key: String) async throws -> (cookie: String, csrf: String) {
        let reply = try await postLogin(client, key: key)
        #expect(reply.status == 303 && reply.headers[.location] == "/ui/queue", "\(reply.status) \(reply.body)")
        let setCookie = try #require(reply.headers[.setCookie], "no session cookie")
        #expect(
            setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/ui"))
        let cookie = String(setCookie.prefix { $0 != ";" })
        let page = try await client.form(.get, "/ui/queue", cookie: cookie)
        let marker = #"name="csrf" value=""#
        let start = try #require(page.body.range(of: marker), "\(page.body.prefix(500))")
        return (cookie, String(page.body[start.upperBound...].prefix { $0 != "\"" }))
    }

    @Test func signInCSRFRolesAndSignOut() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        let auditor = try await server.key(.auditor)
        let agent = try await server.key(.agent)
        try await server.run { client in
            #expect(try await client.form(.get, "/ui/queue", cookie: nil).headers[.location] == "/ui/login")
            let refused = try await Self.postLogin(client, key: "wdn_nope")
            #expect(refused.status == 401 && refused.body.contains("That key was not accepted"))
            // Login CSRF: no token, a token without its cookie, or another site's Origin signs nobody in.
            let untokened = try await client.form(.post, "/ui/login", cookie: nil, fields: ["api_key": admin])
            #expect(untokened.status == 403 && untokened.headers[.setCookie]?.contains("warden_console=") != true)
            let (_, token) = try await Self.loginToken(client)
            let cookieless = try await client.form(
                .post, "/ui/login", cookie: nil, fields: ["api_key": admin, "login_token": token])
            #expect(cookieless.status == 403)
            let crossSite = try await Self.postLogin(client, key: admin, headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == 403 && crossSite.headers[.setCookie]?.contains("warden_console=") != true)
            let fetched = try await Self.postLogin(
                client, key: admin, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(fetched.status == 403)

            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"ui"}"#).string("id"))
            let tool = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: agent,
                body: .object(["name": "pending", "code": "def main(city):\n    return city\n"]))
            let toolId = try #require(tool.string("id"))

            let (cookie, csrf) = try await Self.signIn(client, key: admin)
            let queue = try await client.form(.get, "/ui/queue", cookie: cookie)
            #expect(queue.body.contains("/ui/tools/\(toolId)/review") && queue.body.contains("ui/pending"))
            #expect(queue.headers[.contentSecurityPolicy]?.contains("default-src 'none'; style-src 'self'") == true)
            #expect(queue.headers[.cacheControl] == "no-store")

            let history = try await client.form(.get, "/ui/tools/\(toolId)", cookie: cookie)
            #expect(history.body.contains("<td>1</td>"), "\(history.body)")

            // A form without the session's token is refused; with it, the approval is the REST one.
            let forged = try await client.form(
                .post, "/ui/tools/\(toolId)/approve", cookie: cookie, fields: ["version": "1"])
            #expect(
                forged.status == 403 && forged.body.contains("The form has expired or did not come from this console"))
            #expect(
                try await client.request(.get, "/v1/tools/\(toolId)", key: admin).string("approval_status")
                    == "pending_review")
            let stale = try await client.form(
                .post, "/ui/tools/\(toolId)/approve", cookie: cookie, fields: ["version": "2", "csrf": csrf])
            #expect(stale.status == 409 && stale.body.contains("version"), "\(stale.status)")
            let approved = try await client.form(
                .post, "/ui/tools/\(toolId)/approve", cookie: cookie, fields: ["version": "1", "csrf": csrf])
            #expect(approved.status == 303 && approved.headers[.location] == "/ui/tools/\(toolId)/review")
            #expect(
                try await client.request(.get, "/v1/tools/\(toolId)", key: admin).string("approval_status")
                    == "approved")
            let audit = try await client.request(.get, "/v1/audit-events?type=tool.approved", key: admin)
            #expect(audit["items"]?.arrayItems.first?.objectValue?["actor"]?.stringValue?.hasPrefix("key:") == true)

            // An auditor reads but cannot judge, even with a valid token.
            let (auditorCookie, auditorCSRF) = try await Self.signIn(client, key: auditor)
            let review = try await client.form(.get, "/ui/tools/\(toolId)/review", cookie: auditorCookie)
            #expect(review.status == 200 && !review.body.contains(#"id="approve""#))
            let denied = try await client.form(
                .post, "/ui/tools/\(toolId)/reject", cookie: auditorCookie,
                fields: ["version": "1", "reason": "no", "csrf": auditorCSRF])
            #expect(denied.status == 403)
            let verified = try await client.form(
                .post, "/ui/audit/verify", cookie: auditorCookie, fields: ["csrf": auditorCSRF])
            #expect(verified.body.contains("Chain intact"), "\(verified.body.suffix(800))")

            // Revoking the auditor's key ends its console session on the next request.
            let auditorKeyId = try #require(
                try await client.request(.get, "/v1/api-keys", key: admin)["items"]?.arrayItems
                    .first { $0.objectValue?["role"] == "auditor" }?.objectValue?["id"]?.stringValue)
            #expect(try await client.request(.delete, "/v1/api-keys/\(auditorKeyId)", key: admin).status == 204)
            #expect(try await client.form(.get, "/ui/queue", cookie: auditorCookie).headers[.location] == "/ui/login")

            // Roles see what REST shows them: secret names, never to an agent.
            _ = try await client.request(
                .put, "/v1/servers/\(serverId)/secrets/CONSOLE_TOKEN", key: admin,
                json: #"{"value":"console-secret-1"}"#)
            let (agentCookie, _) = try await Self.signIn(client, key: agent)
            let agentServers = try await client.form(.get, "/ui/servers", cookie: agentCookie)
            #expect(agentServers.status == 200 && !agentServers.body.contains("CONSOLE_TOKEN"), "\(agentServers.body)")
            let adminServers = try await client.form(.get, "/ui/servers", cookie: cookie)
            #expect(adminServers.body.contains("CONSOLE_TOKEN") && !adminServers.body.contains("console-secret-1"))

            // Signing out ends the session.
            #expect(try await client.form(.post, "/ui/logout", cookie: cookie, fields: ["csrf": csrf]).status == 303)
            #expect(try await client.form(.get, "/ui/queue", cookie: cookie).headers[.location] == "/ui/login")
        }
    }

    @Test func everythingARemoteUserWroteRendersAsText() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        try await server.run { client in
            let serverId = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"xss"}"#).string("id"))
            let attack = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>"
            let tool = try await client.request(
                .post, "/v1/servers/\(serverId)/tools", key: admin,
                body: .object([
                    "name": "xss", "description": .string(attack),
                    "code": .string("def main():\n    return '\(attack)'\n"),
                ]))
            let toolId = try #require(tool.string("id"))
            _ = try await client.request(
                .patch, "/v1/tools/\(toolId)", key: admin, body: .object(["description": .string(attack + " v2")]))
            let (cookie, _) = try await Self.signIn(client, key: admin)
            let review = try await client.form(.get, "/ui/tools/\(toolId)/review", cookie: cookie)
            #expect(review.status == 200)
            #expect(
                !review.body.contains("<script>alert(1)") && !review.body.contains("<img src=x"),
                "raw markup reached the page")
            #expect(review.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    /// The console's own sign-in covers its pages only: a path that merely starts with /ui and
    /// leads elsewhere still needs a bearer credential.
    @Test func pathsThatLeaveTheConsoleNeedACredential() async throws {
        let server = try await TestServer.make()
        _ = try await server.key(.admin)
        try await server.run { client in
            for path in [
                "/ui/../metrics", "/ui/../v1/api-keys", "/ui/%2e%2e/v1/api-keys", "/ui//v1/tools",
                "/ui/./../v1/servers",
            ] {
                let reply = try await client.request(.get, path)
                #expect(
                    reply.status == 401 || reply.status == 404, "\(path): \(reply.status) \(reply.body.prefix(200))")
                #expect(!reply.body.contains("warden_") && !reply.body.contains("\"items\""), "\(path)")
            }
        }
        #expect(AuthMiddleware.isUnder("/ui", "/ui/queue") && AuthMiddleware.isUnder("/ui", "/ui"))
        #expect(!AuthMiddleware.isUnder("/ui", "/uix") && !AuthMiddleware.isUnder("/ui", "/ui/../v1"))
    }
}
