import NIOCore
import NIOSSL
import WardenDomain
import WardenStore
import X509

/// Mutual TLS: the peer certificate, already verified by the TLS layer against the configured
/// client CA, names a caller by its subject common name; the role table decides its role.
struct ClientCertificates: Sendable {
    let roles: IdentityRoles

    /// The caller behind the connection's certificate; nil when the connection has none.
    func principal(on channel: any Channel) async throws -> Principal? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        guard let parsed = try? Certificate(derEncoded: try certificate.toDERBytes()) else {
            throw CredentialError.identityRejected("the client certificate cannot be read")
        }
        // Counted before decoding, so a second common name in another string type cannot hide.
        let attributes = parsed.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
        guard attributes.count == 1, let name = String(attributes[0].value), !name.isEmpty else {
            throw CredentialError.identityRejected("the client certificate must carry exactly one common name")
        }
        guard case .role(let role) = roles.resolve([name]) else {
            throw IdentityWithoutRole(
                actor: "cert:\(name)", reason: "client certificate \(name) has no Warden role (WARDEN_TLS_CLIENT_ROLES)"
            )
        }
        return Principal(id: name, name: name, role: role, kind: .certificate)
    }
}
