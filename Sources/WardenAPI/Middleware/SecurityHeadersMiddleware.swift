import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Headers every response carries, and a request id echoed to the client and put in the log.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Only when Warden itself serves TLS: HSTS over plain HTTP would mean nothing.
    let strictTransportSecurity: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let requestId = Self.acceptable(request.headers[.xRequestId]) ?? UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = "\(requestId)"
        var response = try await next(request, context)
        response.headers[.xRequestId] = requestId
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        // The console's pages load one stylesheet from here and post forms here; nothing else.
        response.headers[.contentSecurityPolicy] =
            request.uri.path.hasPrefix("/ui")
            ? "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
            : "default-src 'none'; frame-ancestors 'none'"
        // The sign-in page alone says `same-origin`: under `no-referrer` a browser sends its form's
        // post with `Origin: null`, and the sign-in checks that the Origin is this console's.
        response.headers[.referrerPolicy] = request.uri.path == "/ui/login" ? "same-origin" : "no-referrer"
        if strictTransportSecurity { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// A client's own id is echoed only if it is short and plain, so logs cannot be forged with it.
    static func acceptable(_ value: String?) -> String? {
        guard let value, (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({
                $0 < 128
                    && (Character(UnicodeScalar($0)).isLetter || Character(UnicodeScalar($0)).isNumber
                        || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "."))
            })
        else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let xRequestId = Self("X-Request-Id")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
