import PostgresNIO

/// One `HotRead` as a postgres-nio prepared statement: the client prepares it on each pooled
/// connection the first time and afterwards only binds and executes it.
struct PreparedHotRead<Read: HotReadName>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "warden_\(Read.read.rawValue)" }
    static var sql: String { PlaceholderTranslation.numbered(Read.read.sql) }
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// A type per statement, since postgres-nio names prepared statements by type.
protocol HotReadName: Sendable {
    static var read: HotRead { get }
}

enum APIKeyByHash: HotReadName { static let read = HotRead.apiKeyByHash }
enum APIKeyByID: HotReadName { static let read = HotRead.apiKeyByID }
enum ToolByID: HotReadName { static let read = HotRead.toolByID }
enum RevokedSession: HotReadName { static let read = HotRead.revokedSession }

extension PostgreSQLDatabase {
    func rows(_ read: HotRead, _ bindings: PostgresBindings) async throws -> [SQLRow] {
        switch read {
        case .apiKeyByHash: try await rows(PreparedHotRead<APIKeyByHash>(bindings: bindings))
        case .apiKeyByID: try await rows(PreparedHotRead<APIKeyByID>(bindings: bindings))
        case .toolByID: try await rows(PreparedHotRead<ToolByID>(bindings: bindings))
        case .revokedSession: try await rows(PreparedHotRead<RevokedSession>(bindings: bindings))
        }
    }

    private func rows<Read>(_ statement: PreparedHotRead<Read>) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        var columns: SQLColumns?
        for try await row in try await client.execute(statement, logger: logger) {
            let names = columns ?? SQLColumns(row.map(\.columnName))
            columns = names
            rows.append(SQLRow(columns: names, values: try row.map(PostgreSQLConnection.value)))
        }
        return rows
    }
}
