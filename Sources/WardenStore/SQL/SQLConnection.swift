/// Which SQL a connection speaks. The store writes the common subset; the few places that
/// differ ask the dialect.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql
}

/// One database connection inside a transaction (or a read), as the store's rules see it.
/// Statements use `?` placeholders in both dialects.
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments) throws -> Int
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Several statements without arguments (a migration file).
    func executeScript(_ sql: String) throws
}

extension SQLConnection {
    @discardableResult
    public func execute(sql: String) throws -> Int {
        try execute(sql: sql, arguments: [])
    }

    public func fetchAll(sql: String) throws -> [SQLRow] {
        try fetchAll(sql: sql, arguments: [])
    }

    public func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row.
    public func fetchValue<T: SQLColumnDecodable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws
        -> T?
    {
        try fetchOne(sql: sql, arguments: arguments).flatMap { $0.values.first.flatMap(T.decode) }
    }

    /// The first column of every row.
    public func fetchValues<T: SQLColumnDecodable>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws
        -> [T]
    {
        try fetchAll(sql: sql, arguments: arguments).compactMap { $0.values.first.flatMap(T.decode) }
    }
}

/// A database the store runs on: reads and serialised write transactions.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// One transaction; on PostgreSQL it holds the cluster-wide write lock, so writes from every
    /// node are serialised as SQLite's single writer serialises them in one process.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// A read from one consistent snapshot, for walks over many rows.
    func snapshotRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// One of the reads nearly every request makes, without a transaction body: prepared once
    /// per connection on PostgreSQL and async end to end (no thread waits for the answer).
    func fetchAll(_ read: HotRead, arguments: SQLArguments) async throws -> [SQLRow]
    func close() async throws
}

extension SQLDatabase {
    public func fetchOne(_ read: HotRead, arguments: SQLArguments) async throws -> SQLRow? {
        try await fetchAll(read, arguments: arguments).first
    }
}
