import Foundation

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-full`,
/// the form `WARDEN_DATABASE_URL` takes. The password never appears in `description`.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw Invalid(description: "the database URL must look like postgres://user:password@host:5432/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "the database URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "the database URL names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(description: "the database URL names no database (…/DATABASE at the end)")
        }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        guard let tls = mode.map(TLSMode.init(rawValue:)) ?? (loopback ? .disable : .prefer) else {
            throw Invalid(description: "sslmode must be disable, prefer, require or verify-full")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }
}
