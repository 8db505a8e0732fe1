import Foundation
import NIOCore
import WardenDomain

/// Fetches an OIDC issuer's discovery document and key set under the same rules as tool egress:
/// public addresses only (unless the development setting allows private ones), the connection
/// pinned to the checked address, no redirects, bounded bodies.
public struct IssuerClient: Sendable {
    let allowPrivateAddresses: Bool
    let settings: EgressSettings

    public init(allowPrivateAddresses: Bool, timeout: TimeAmount = .seconds(5), maxBytes: Int = 512 * 1024) {
        self.allowPrivateAddresses = allowPrivateAddresses
        var settings = EgressSettings()
        settings.requestTimeout = timeout
        settings.maxResponseBodyBytes = maxBytes
        self.settings = settings
    }

    /// Refuses a URL that is not https (http only with the development setting) or that resolves
    /// to an address the rules refuse; the message says which.
    public func check(_ url: String) async throws {
        do {
            _ = try await http(for: url).admit(url)
        } catch let denial as EgressDenial {
            throw DomainError.invalidRequest(denial.message)
        }
    }

    public func getJSON(_ url: String) async throws -> JSONValue {
        let response: PinnedHTTP.Response
        do {
            response = try await http(for: url).send(
                method: "GET", url: url, headers: [("Accept", "application/json")],
                body: nil, timeout: settings.requestTimeout)
        } catch {
            throw DomainError.invalidRequest("\(url): \(PinnedHTTP.describe(error))")
        }
        guard response.status == 200 else {
            throw DomainError.invalidRequest("\(url) answered HTTP \(response.status)")
        }
        guard !response.truncated else {
            throw DomainError.invalidRequest("\(url) answered more than \(settings.maxResponseBodyBytes) bytes")
        }
        guard let value = try? BoundedJSON().parse(response.body.readableBytesView) else {
            throw DomainError.invalidRequest("\(url) did not answer JSON")
        }
        return value
    }

    private func http(for url: String) throws -> PinnedHTTP {
        let target: EgressTarget
        do {
            target = try EgressTarget.parse(url)
        } catch DomainError.invalidRequest(let message) {
            throw EgressDenial(message)
        }
        guard target.scheme == "https" || allowPrivateAddresses else {
            throw EgressDenial("\(url) must use https")
        }
        var http = PinnedHTTP(
            allowedHosts: [
                target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
            ],
            settings: settings)
        http.allowPrivateAddresses = allowPrivateAddresses
        return http
    }
}
