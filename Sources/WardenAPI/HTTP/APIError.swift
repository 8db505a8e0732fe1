import Foundation
import Hummingbird
import NIOCore
import WardenDomain
import WardenStore

/// An error in the contract's shape: `{"error": {"code", "message"}}` with its status.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func unauthorized(_ message: String) -> APIError {
        APIError(
            status: .unauthorized, code: "unauthorized", message: message,
            headers: [.wwwAuthenticate: "Bearer realm=\"warden\""])
    }

    public static func invalidRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_request", message: message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])])
            .encodedString()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Maps any error to the contract. Unknown errors become a 500 that says nothing of internals.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DomainError:
            return from(error)
        case let error as CredentialError:
            return .unauthorized(error.message)
        case SandboxError.busy(let retryAfter) as SandboxError:
            return APIError(
                status: .serviceUnavailable, code: "busy", message: "all workers are busy; retry shortly",
                headers: [.retryAfter: String(retryAfter)])
        case is SandboxError:
            return APIError(
                status: .serviceUnavailable, code: "sandbox_unavailable",
                message: "the sandbox could not start a worker; see /readyz", headers: [.retryAfter: "5"])
        case SecretError.cannotDecrypt as SecretError:
            return APIError(
                status: .serviceUnavailable, code: "secrets_unavailable",
                message:
                    "this server's secrets do not open with the configured encryption key; an operator must set WARDEN_ENCRYPTION_KEY (and WARDEN_ENCRYPTION_KEY_OLD during a rotation) and run `warden secrets rotate`",
                headers: [.retryAfter: "60"])
        case let error as HTTPError:
            return from(error)
        case is NIOTooManyBytesError:
            return APIError(
                status: .contentTooLarge, code: "payload_too_large", message: "request body is larger than the limit")
        default:
            return APIError(
                status: .internalServerError, code: "internal", message: "internal error; the event was logged")
        }
    }

    private static func from(_ error: DomainError) -> APIError {
        switch error {
        case .invalidRequest(let m): APIError(status: .badRequest, code: "invalid_request", message: m)
        case .notFound(let m): APIError(status: .notFound, code: "not_found", message: m)
        case .conflict(let m): APIError(status: .conflict, code: "conflict", message: m)
        case .versionMismatch(let requested, let current):
            APIError(
                status: .conflict, code: "version_mismatch",
                message: "version \(requested) is not the current version \(current); review version \(current)")
        case .toolNotApproved(let m): APIError(status: .conflict, code: "tool_not_approved", message: m)
        case .toolDefinitionChanged(let m): APIError(status: .conflict, code: "tool_definition_changed", message: m)
        case .upstreamUnavailable(let m): APIError(status: .badGateway, code: "upstream_unavailable", message: m)
        case .invalidArguments(let m): APIError(status: .unprocessableContent, code: "invalid_arguments", message: m)
        case .invalidCode(let m): APIError(status: .unprocessableContent, code: "invalid_code", message: m)
        case .invalidSchema(let m): APIError(status: .unprocessableContent, code: "invalid_schema", message: m)
        case .payloadTooLarge(let m): APIError(status: .contentTooLarge, code: "payload_too_large", message: m)
        case .forbidden(let m): APIError(status: .forbidden, code: "forbidden", message: m)
        }
    }

    private static func from(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound: return .notFound("no such endpoint")
        case .methodNotAllowed:
            return APIError(
                status: .methodNotAllowed, code: "method_not_allowed", message: "method not allowed on this endpoint")
        case .contentTooLarge:
            return APIError(
                status: .contentTooLarge, code: "payload_too_large", message: "request body is larger than the limit")
        case .unauthorized: return .unauthorized(error.body ?? "unauthorized")
        case let status where status.code < 500:
            return APIError(status: status, code: "invalid_request", message: error.body ?? status.reasonPhrase)
        default:
            return APIError(
                status: .internalServerError, code: "internal", message: "internal error; the event was logged")
        }
    }
}
