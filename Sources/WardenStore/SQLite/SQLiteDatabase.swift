import Foundation
import GRDB

/// The embedded database: one SQLite file in WAL mode, through GRDB's pool (one writer, many readers).
public final class SQLiteDatabase: SQLDatabase {
    public var dialect: SQLDialect { .sqlite }
    let pool: DatabasePool
    private let inline: InlineReaders

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        inline = try InlineReaders(path: path, count: ProcessInfo.processInfo.activeProcessorCount + 1)
    }

    /// A read runs on the calling thread when an inline connection is free (no thread switch,
    /// which is most of a small read's cost), else on GRDB's async path. Never GRDB's blocking
    /// `read`, which parks a cooperative thread on a semaphore (with two cores, two such waits
    /// deadlock the server).
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        if let done = try inline.read(body) { return done.value }
        return try await pool.read { db in try body(SQLiteConnection(db: db)) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.write { db in try body(SQLiteConnection(db: db)) }
    }

    /// Every SQLite read already sees one snapshot.
    public func snapshotRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws
        -> T
    {
        try await read(body)
    }

    /// One statement, its own snapshot, prepared once by GRDB's statement cache.
    public func fetchAll(_ read: HotRead, arguments: SQLArguments) async throws -> [SQLRow] {
        let sql = read.sql
        if let done = try inline.statement({ db in try db.fetchAll(sql: sql, arguments: arguments) }) {
            return done.value
        }
        return try await pool.read { db in try SQLiteConnection(db: db).fetchAll(sql: sql, arguments: arguments) }
    }

    public func close() async throws {
        try inline.close()
        try pool.close()
    }
}

/// Read-only connections checked out without waiting: a read takes a free one or none. A queue
/// that no one else is using runs its work on the caller's thread, so the read never blocks.
final class InlineReaders: @unchecked Sendable {
    private let queues: [DatabaseQueue]
    private var free: [Int]
    private let lock = NSLock()

    init(path: String, count: Int) throws {
        var configuration = Configuration()
        configuration.readonly = true
        // Never wait on a lock on the caller's (cooperative) thread: a busy database sends the
        // read to GRDB's async path instead.
        configuration.busyMode = .immediateError
        queues = try (0..<count).map { _ in try DatabaseQueue(path: path, configuration: configuration) }
        free = Array(queues.indices)
    }

    struct Done<T> {
        let value: T
    }

    /// A read transaction (one snapshot); nil when every connection is in use.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> Done<T>? {
        try withFree { queue in try queue.read { db in try body(SQLiteConnection(db: db)) } }
    }

    /// One statement, which is its own snapshot: no BEGIN and COMMIT around it.
    func statement<T>(_ body: (any SQLConnection) throws -> T) throws -> Done<T>? {
        try withFree { queue in try queue.inDatabase { db in try body(SQLiteConnection(db: db)) } }
    }

    /// Nil when no connection is free or the database is busy (the caller then takes the async path).
    private func withFree<T>(_ body: (DatabaseQueue) throws -> T) throws -> Done<T>? {
        lock.lock()
        let index = free.popLast()
        lock.unlock()
        guard let index else { return nil }
        defer {
            lock.lock()
            free.append(index)
            lock.unlock()
        }
        do {
            return Done(value: try body(queues[index]))
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return nil
        }
    }

    func close() throws {
        for queue in queues { try queue.close() }
    }
}

/// GRDB's connection behind the store's seam.
struct SQLiteConnection: SQLConnection {
    let db: GRDB.Database
    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        guard !arguments.values.isEmpty else {
            try db.execute(sql: sql)
            return db.changesCount
        }
        let statement = try db.cachedStatement(sql: sql)
        statement.setUncheckedArguments(Self.grdb(arguments))
        try statement.execute()
        return db.changesCount
    }

    func executeScript(_ sql: String) throws {
        try db.execute(sql: sql)
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        statement.setUncheckedArguments(Self.grdb(arguments))
        let columns = SQLColumns(statement.columnNames)
        var rows: [SQLRow] = []
        let cursor = try GRDB.Row.fetchCursor(statement)
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for dbValue in row.databaseValues { values.append(Self.value(dbValue)) }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    static func value(_ dbValue: DatabaseValue) -> SQLValue {
        switch dbValue.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .blob(data)
        }
    }

    static func grdb(_ arguments: SQLArguments) -> StatementArguments {
        var converted = StatementArguments()
        for value in arguments.values {
            switch value {
            case .null: converted += [nil]
            case .integer(let number): converted += [number]
            case .real(let number): converted += [number]
            case .text(let text): converted += [text]
            case .blob(let data): converted += [data]
            }
        }
        return converted
    }
}
