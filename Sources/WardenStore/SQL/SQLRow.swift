import Foundation

/// Column names of one result, shared by its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }

    func position(of name: String) -> Int? { index[name] }
}

/// One result row, decoded from either database into plain values.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    public let values: [SQLValue]

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(_ column: String) -> SQLValue {
        guard let position = columns.position(of: column) else { return .null }
        return values[position]
    }

    /// A column that must hold a value of this type: the store's schema guarantees it, so a
    /// mismatch is a programming error, as in GRDB.
    public subscript<T: SQLColumnDecodable>(_ column: String) -> T {
        guard let decoded = T.decode(value(column)) else {
            preconditionFailure("column \(column) holds \(value(column)), not \(T.self)")
        }
        return decoded
    }

    public subscript<T: SQLColumnDecodable>(_ column: String) -> T? {
        T.decode(value(column))
    }

    public subscript<T: SQLColumnDecodable>(_ position: Int) -> T {
        guard let decoded = T.decode(values[position]) else {
            preconditionFailure("column \(position) holds \(values[position]), not \(T.self)")
        }
        return decoded
    }

    public subscript<T: SQLColumnDecodable>(_ position: Int) -> T? {
        T.decode(values[position])
    }
}
