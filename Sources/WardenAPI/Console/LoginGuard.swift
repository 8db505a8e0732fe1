import Foundation
import HTTPTypes
import Hummingbird
import WardenDomain

/// What keeps another site from signing a browser in (login CSRF): the form carries a token that
/// must match a cookie only this console's login page sets, and a browser's Origin (or
/// Sec-Fetch-Site) must say the post came from this console.
enum LoginGuard {
    static let cookie = "warden_login"

    /// 24 bytes from the system's secure generator (getrandom on Linux).
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A browser sends Origin on every cross-site post: it must be this host. Without Origin
    /// (an old browser, a script), a Sec-Fetch-Site other than same-origin is refused too.
    static func sameOrigin(_ request: Request, secure: Bool) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            return false
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "https://\(host)" || (!secure && origin == "http://\(host)")
    }
}
