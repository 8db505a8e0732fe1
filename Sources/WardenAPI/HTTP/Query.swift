import Foundation
import Hummingbird
import WardenDomain

struct Query {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            parameters[String(key)] = String(value)
        }
        self.parameters = parameters
    }

    func string(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func requireKnown(_ names: Set<String>) throws {
        if let unknown = parameters.keys.sorted().first(where: { !names.contains($0) }) {
            throw DomainError.invalidRequest(
                "unknown query parameter \"\(unknown)\"; expected some of: \(names.sorted().joined(separator: ", "))")
        }
    }

    func enumValue<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T?
    where T.RawValue == String {
        guard let raw = string(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw DomainError.invalidRequest(
                "\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func time(_ name: String) throws -> String? {
        guard let raw = string(name) else { return nil }
        guard let value = Timestamp.parse(raw) else {
            throw DomainError.invalidRequest(
                "\(name) must be an RFC 3339 time from year 1 to 9999, such as 2026-01-31T12:00:00Z, or a date such as 2026-01-31"
            )
        }
        return value
    }

    func bool(_ name: String) throws -> Bool {
        switch string(name) {
        case nil, "false": return false
        case "true": return true
        default: throw DomainError.invalidRequest("\(name) must be true or false")
        }
    }

    func page(_ limits: Limits) throws -> (cursor: PageCursor?, limit: Int) {
        (try PageCursor.parse(string("cursor")), try limits.pageSize(string("limit")))
    }
}
