import NIOSSL
import WardenDomain

/// Serving over TLS (`WARDEN_TLS_CERT`, `WARDEN_TLS_KEY`), and mutual TLS when a client CA is
/// set: every connection must then present a certificate signed by that CA.
public struct TLSSettings: Sendable {
    public var certificateChainFile: String
    public var privateKeyFile: String
    public var clientCAFile: String?
    /// Client certificate common name to role (`WARDEN_TLS_CLIENT_ROLES`); an unlisted name gets no role.
    public var clientRoles = IdentityRoles()

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }

    /// Loads the files now, so a missing or malformed one stops start-up with its name.
    public func configuration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAFile))
            configuration.certificateVerification = .noHostnameVerification
        }
        return configuration
    }
}
