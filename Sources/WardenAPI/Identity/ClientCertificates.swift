import NIOCore
import NIOSSL
import WardenDomain
import X509

/// Mutual TLS: the peer certificate, already verified by the TLS layer against the configured
/// client CA, names a caller by its subject common name; the role table decides its role.
struct ClientCertificates: Sendable {
    let roles: IdentityRoles

    enum Failure: Error {
        case noRole(String)
    }

    /// The caller behind the connection's certificate; nil when the connection has none.
    func principal(on channel: any Channel) async throws -> Principal? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
        let names = parsed.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.compactMap { String($0.value) }
        guard let name = names.first, names.count == 1 else {
            throw Failure.noRole("the client certificate must carry exactly one common name")
        }
        guard case .role(let role) = roles.resolve([name]), !roles.table.isEmpty else {
            throw Failure.noRole("client certificate \(name) has no Warden role (WARDEN_TLS_CLIENT_ROLES)")
        }
        return Principal(id: name, name: name, role: role, kind: .certificate)
    }
}
