/// The WHERE clause of a filtered list: conditions joined with AND, each with its one argument;
/// a filter left nil adds nothing. Columns are the store's own names, never caller input.
struct SQLFilter {
    private(set) var sql: String
    private(set) var arguments: SQLArguments

    /// Starts with the cursor condition every page query has.
    init(_ condition: String, _ argument: any SQLBindable) {
        sql = condition
        arguments = [argument]
    }

    mutating func add(_ condition: String, _ value: (any SQLBindable)?) {
        guard let value else { return }
        sql += " AND \(condition)"
        arguments += [value]
    }

    mutating func equals(_ column: String, _ value: (any SQLBindable)?) {
        add("\(column) = ?", value)
    }
}
