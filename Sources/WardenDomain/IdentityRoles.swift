/// Maps outside identities (an OIDC claim value, a client certificate's common name) to roles.
/// Written `value=role,value=role`. Only listed values grant a role: a claim that merely says
/// `admin` grants nothing, since users can often edit such claims at their provider.
public struct IdentityRoles: Equatable, Sendable {
    public enum Resolution: Equatable, Sendable {
        case role(Role)
        case unmapped
        /// The identity carries values that map to different roles: refused rather than guessed.
        case ambiguous([Role])
    }

    public private(set) var table: [String: Role]

    public init(_ table: [String: Role] = [:]) {
        self.table = table
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws -> IdentityRoles {
        var table: [String: Role] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Invalid(description: "entry '\(entry)' is not value=role")
            }
            guard let role = Role(rawValue: parts[1]) else {
                throw Invalid(description: "'\(parts[1])' is not a role (admin, operator, agent, auditor)")
            }
            guard table[parts[0]] == nil || table[parts[0]] == role else {
                throw Invalid(description: "'\(parts[0])' is mapped to two roles")
            }
            table[parts[0]] = role
        }
        return IdentityRoles(table)
    }

    /// One value (a common name, a string claim) or several (a groups claim): exactly one role must follow.
    public func resolve(_ values: [String]) -> Resolution {
        let roles = Set(values.compactMap { table[$0] })
        switch roles.count {
        case 0: return .unmapped
        case 1: return .role(roles.first!)
        default: return .ambiguous(Role.allCases.filter(roles.contains))
        }
    }
}
