import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import Testing
import WardenAPI
import WardenDomain
import WardenStore
import WardenTestSupport
import X509

/// A throwaway certificate authority and the certificates it signs, written as PEM files.
struct TestPKI {
    let name: String
    let key = P256.Signing.PrivateKey()
    let certificate: Certificate

    init(name: String) throws {
        self.name = name
        let subject = try DistinguishedName { CommonName(name) }
        certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    /// A leaf for `commonName`, valid for 127.0.0.1 as a server and as a client.
    func issue(_ commonName: String, secondCommonName: String? = nil) throws -> (
        certificate: Certificate, key: P256.Signing.PrivateKey
    ) {
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600),
            issuer: certificate.subject,
            subject: try DistinguishedName {
                CommonName(commonName)
                if let secondCommonName { CommonName(secondCommonName) }
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
            },
            issuerPrivateKey: .init(key))
        return (leaf, leafKey)
    }

    static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString }
}

@Suite
struct TLSTests {
    struct Identity {
        var certificate: Certificate
        var key: P256.Signing.PrivateKey
    }

    static func client(trusting ca: TestPKI, as identity: Identity?) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([
            try NIOSSLCertificate(bytes: Array(TestPKI.pem(ca.certificate).utf8), format: .pem)
        ])
        if let identity {
            tls.certificateChain = [
                .certificate(try NIOSSLCertificate(bytes: Array(TestPKI.pem(identity.certificate).utf8), format: .pem))
            ]
            tls.privateKey = .privateKey(
                try NIOSSLPrivateKey(bytes: Array(identity.key.pemRepresentation.utf8), format: .pem))
        }
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(10))))
    }

    /// Status and headers, or nil when the connection itself was refused (no handshake).
    static func get(_ client: HTTPClient, _ url: String, key: String? = nil) async -> HTTPClientResponse? {
        var request = HTTPClientRequest(url: url)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        return try? await client.execute(request, timeout: .seconds(10))
    }

    @Test func servesTLSAndMapsClientCertificatesToRoles() async throws {
        let ca = try TestPKI(name: "Warden Test CA")
        let stranger = try TestPKI(name: "Someone Else's CA")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("warden-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let serverLeaf = try ca.issue("warden.test")
        func write(_ name: String, _ text: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        var tls = TLSSettings(
            certificateChainFile: try write("server.pem", TestPKI.pem(serverLeaf.certificate)),
            privateKeyFile: try write("server.key", serverLeaf.key.pemRepresentation),
            clientCAFile: try write("clients-ca.pem", TestPKI.pem(ca.certificate)))
        tls.clientRoles = try IdentityRoles.parse("auditor-robot=auditor")

        var server = try await TestServer.make()
        server.services.tls = tls
        let admin = try await server.key(.admin)
        let services = server.services
        let robot = try ca.issue("auditor-robot")
        let unmapped = try ca.issue("unlisted")
        let forged = try stranger.issue("auditor-robot")
        let twoNames = try ca.issue("unlisted", secondCommonName: "auditor-robot")

        try await RunningApp.serve({ running in
            try WardenApplication.make(
                services, host: "127.0.0.1", port: 0, logger: Logger(label: "tls-test"), onServerRunning: running)
        }) { port in
            let base = "https://127.0.0.1:\(port)"
            let asRobot = try Self.client(trusting: ca, as: Identity(certificate: robot.certificate, key: robot.key))
            let asUnmapped = try Self.client(
                trusting: ca, as: Identity(certificate: unmapped.certificate, key: unmapped.key))
            let asForger = try Self.client(trusting: ca, as: Identity(certificate: forged.certificate, key: forged.key))
            let asTwoNames = try Self.client(
                trusting: ca, as: Identity(certificate: twoNames.certificate, key: twoNames.key))
            let anonymous = try Self.client(trusting: ca, as: nil)
            let plain = HTTPClient(eventLoopGroupProvider: .singleton)

            // The certificate alone is the credential: an auditor reads the trail and may not change the registry.
            let audit = await Self.get(asRobot, "\(base)/v1/audit-events")
            #expect(audit?.status.code == 200)
            #expect(audit?.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")
            var create = HTTPClientRequest(url: "\(base)/v1/servers")
            create.method = .POST
            create.headers.add(name: "Content-Type", value: "application/json")
            create.body = .bytes(ByteBuffer(string: #"{"name":"from-cert"}"#))
            #expect(try await asRobot.execute(create, timeout: .seconds(10)).status.code == 403)
            // An explicit API key wins over the certificate.
            #expect(await Self.get(asRobot, "\(base)/v1/api-keys", key: admin)?.status.code == 200)
            #expect(await Self.get(asRobot, "\(base)/v1/api-keys")?.status.code == 403)

            #expect(
                await Self.get(asUnmapped, "\(base)/v1/tools")?.status.code == 403,
                "a certificate with no role gets nothing")
            #expect(
                await Self.get(asTwoNames, "\(base)/v1/tools")?.status.code == 401, "two common names are ambiguous")
            #expect(
                await Self.get(asForger, "\(base)/v1/tools") == nil, "a certificate from another CA fails the handshake"
            )
            #expect(await Self.get(anonymous, "\(base)/healthz") == nil, "mutual TLS: no certificate, no connection")
            #expect(
                await Self.get(plain, "http://127.0.0.1:\(port)/healthz")?.status.code != 200,
                "plain HTTP is not served")
            let refusals = try await server.store.auditEvents(
                AuditFilter(type: "auth.forbidden"), after: nil, limit: 10
            ).items
            #expect(refusals.map(\.actor) == ["cert:unlisted"])
            for client in [asRobot, asUnmapped, asTwoNames, asForger, anonymous, plain] { try? await client.shutdown() }
        }
    }
}
