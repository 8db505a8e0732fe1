import Testing
import WardenDomain

@Suite struct InvisibleTextTests {
    static func definition(code: String = "", description: String = "", name: String = "t") -> ToolDefinition {
        ToolDefinition(name: name, description: description, code: code, inputSchema: .object([:]))
    }

    @Test func eachKindIsFoundWithItsFieldAndLine() {
        let found = InvisibleText.warnings(
            in: Self.definition(
                code: "x = 1\ny = 'a\u{200B}b'\nz = '\u{2067}'\n", description: "ok\nsc\u{043E}pe", name: "t"))
        #expect(found.contains(.init(field: "code", kind: "zero_width", line: 2)))
        #expect(found.contains(.init(field: "code", kind: "bidi_control", line: 3)))
        #expect(found.contains(.init(field: "description", kind: "confusable", line: 2)))
        #expect(found.count == 3)
    }

    @Test func plainTextAndWholeWordsInOneScriptAreNotFlagged() {
        let plain = Self.definition(code: "def main():\n    return 'привет, κόσμε, hello'\n", description: "Ünïcödé")
        #expect(InvisibleText.warnings(in: plain).isEmpty)
    }

    @Test func reportsAreBounded() {
        let many = String(repeating: "\u{200B}\n", count: 10_000)
        #expect(InvisibleText.warnings(in: Self.definition(code: many)).count == InvisibleText.maxWarnings)
    }
}
