import Foundation
import Hummingbird
import WardenDomain

/// An `application/x-www-form-urlencoded` body, as browsers send forms.
struct FormBody {
    let fields: [String: String]

    static func decode(_ request: Request, limit: Int) async throws -> FormBody {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        let fields = parse(String(buffer: buffer))
        if let field = fields.first(where: { $0.key.contains("\u{0}") || $0.value.contains("\u{0}") })?.key {
            throw DomainError.invalidRequest(StoredText.nulRefusal(field: field))
        }
        return FormBody(fields: fields)
    }

    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decoded(name)] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }

    subscript(_ name: String) -> String? { fields[name] }
}
