import Testing

@testable import WardenStore

/// The two small translations the PostgreSQL side makes of the store's one SQL text.
@Suite("SQL dialect")
struct SQLDialectTests {
    @Test func placeholdersAreNumberedOutsideQuotesOnly() {
        #expect(PlaceholderTranslation.numbered("SELECT 1") == "SELECT 1")
        #expect(
            PlaceholderTranslation.numbered("UPDATE t SET a = ?, b = '?' WHERE c = ? AND \"d?\" = ?")
                == "UPDATE t SET a = $1, b = '?' WHERE c = $2 AND \"d?\" = $3")
        #expect(PlaceholderTranslation.numbered("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1")
    }

    @Test func scriptsSplitAtSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; not a statement
            CREATE TABLE a (x TEXT DEFAULT ';');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; never';
            END;
            $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            -- trailing comment only
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3, "\(statements)")
        #expect(statements[0].hasSuffix("CREATE TABLE a (x TEXT DEFAULT ';')"))
        #expect(statements[1].contains("RAISE EXCEPTION 'no; never';\nEND;\n$$"))
        #expect(statements[2] == "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$")
    }
}
