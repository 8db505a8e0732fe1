import WardenDomain

/// One JSON-RPC 2.0 message as MCP sends it over Streamable HTTP.
struct JSONRPCMessage: Sendable {
    enum Kind: Sendable {
        case request(id: JSONValue, method: String, params: [String: JSONValue])
        case notification(method: String, params: [String: JSONValue])
        case response
    }

    let kind: Kind

    static func parse(_ value: JSONValue) throws -> JSONRPCMessage {
        guard let object = value.objectValue, object["jsonrpc"] == .string("2.0") else {
            throw JSONRPCError(
                code: JSONRPCError.invalidRequest, message: "expected a JSON-RPC 2.0 object (batches are not supported)"
            )
        }
        let params = object["params"]?.objectValue ?? [:]
        if case .string(let method)? = object["method"] {
            if let id = object["id"], id != .null {
                switch id {
                case .string, .int: return JSONRPCMessage(kind: .request(id: id, method: method, params: params))
                default:
                    throw JSONRPCError(code: JSONRPCError.invalidRequest, message: "id must be a string or an integer")
                }
            }
            return JSONRPCMessage(kind: .notification(method: method, params: params))
        }
        if object["result"] != nil || object["error"] != nil { return JSONRPCMessage(kind: .response) }
        throw JSONRPCError(code: JSONRPCError.invalidRequest, message: "message has neither method nor result")
    }

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "id": id, "result": result])
    }

    static func error(id: JSONValue, _ error: JSONRPCError) -> JSONValue {
        .object([
            "jsonrpc": .string("2.0"), "id": id,
            "error": .object(["code": .int(Int64(error.code)), "message": .string(error.message)]),
        ])
    }

    static func notification(_ method: String) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "method": .string(method)])
    }
}

struct JSONRPCError: Error, Sendable {
    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603

    var code: Int
    var message: String
}
