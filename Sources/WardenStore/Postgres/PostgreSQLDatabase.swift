import Foundation
import Logging
import PostgresNIO

/// A shared PostgreSQL database through postgres-nio's connection pool. The store's transaction
/// bodies are synchronous (as GRDB's are), so each runs on a thread of its own pool, holding one
/// pooled connection and waiting for its statements there. Not on Dispatch's global queue: it
/// runs about one thread per core, so a few bodies waiting there held up everything else
/// queued on it.
public final class PostgreSQLDatabase: SQLDatabase {
    public var dialect: SQLDialect { .postgresql }
    /// The key of the transaction-scoped advisory lock every write takes (docs/design.md §11.2).
    static let writeLockKey: Int64 = 0x5741_5244_454e
    let client: PostgresClient
    let logger: Logger
    private let bodies: NIOThreadPool
    private let runner: Task<Void, Never>

    public init(url: DatabaseURL, poolSize: Int = 8, logger: Logger = Logger(label: "warden.postgres")) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: Self.tls(url.tls))
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        // The pool's own chatter (a lease asked for a moment before `run()` is scheduled) is
        // noise; failures reach the caller as errors of the statement that met them.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        bodies = NIOThreadPool(numberOfThreads: max(1, poolSize))
        bodies.start()
        runner = Task { await client.run() }
    }

    static func tls(_ mode: DatabaseURL.TLSMode) -> PostgresClient.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(unverified)
        case .require: return .require(unverified)
        case .verifyFull: return .require(.makeClientConfiguration())
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await onConnection { connection in try body(connection) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await onConnection { connection in
            try connection.transaction(begin: "BEGIN") {
                try connection.execute(sql: "SELECT pg_advisory_xact_lock(\(Self.writeLockKey))")
                return try body(connection)
            }
        }
    }

    public func snapshotRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws
        -> T
    {
        try await onConnection { connection in
            try connection.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try body(connection)
            }
        }
    }

    public func fetchAll(_ read: HotRead, arguments: SQLArguments) async throws -> [SQLRow] {
        try await rows(read, try PostgreSQLConnection.bindings(arguments))
    }

    public func close() async throws {
        runner.cancel()
        try await bodies.shutdownGracefully()
    }

    private func onConnection<T: Sendable>(_ body: @escaping @Sendable (PostgreSQLConnection) throws -> T)
        async throws -> T
    {
        let logger = self.logger
        let bodies = self.bodies
        return try await client.withConnection { connection in
            try await bodies.runIfActive { try body(PostgreSQLConnection(connection: connection, logger: logger)) }
        }
    }
}

/// One pooled connection behind the store's seam. Waits for each statement on the calling
/// (Dispatch) thread.
struct PostgreSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgresql }

    func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try execute(sql: begin)
        do {
            let value = try body()
            try execute(sql: "COMMIT")
            return value
        } catch {
            _ = try? execute(sql: "ROLLBACK")
            throw error
        }
    }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        let result = try connection.query(try Self.query(sql, arguments), logger: logger).wait()
        return result.metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try connection.query(try Self.query(sql, arguments), logger: logger).wait()
        guard let first = result.rows.first else { return [] }
        let columns = SQLColumns(first.map(\.columnName))
        return try result.rows.map { row in SQLRow(columns: columns, values: try row.map(Self.value)) }
    }

    /// Several statements (a migration file), one at a time.
    func executeScript(_ sql: String) throws {
        for statement in SQLScript.statements(sql) { try execute(sql: statement, arguments: []) }
    }

    static func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQuery {
        PostgresQuery(unsafeSQL: PlaceholderTranslation.numbered(sql), binds: try bindings(arguments))
    }

    static func bindings(_ arguments: SQLArguments) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .blob(let data): try bindings.append(data)
            }
        }
        return bindings
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bytea: return .blob(try cell.decode(Data.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// `?` placeholders become `$1`, `$2`, …; question marks inside quotes are left alone.
enum PlaceholderTranslation {
    static func numbered(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var output = ""
        output.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                output.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                output.append(character)
            } else if character == "?" {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }
}
