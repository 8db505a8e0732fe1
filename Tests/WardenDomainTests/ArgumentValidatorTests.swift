import Testing
import WardenDomain

@Suite("Argument validation")
struct ArgumentValidatorTests {
    let schema = try! JSONValue.decode(
        """
        {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","default":3},
         "tags":{"type":"array","items":{"type":"string"}},"ratio":{"type":["number","null"]}},
         "required":["city"],"additionalProperties":false}
        """)

    @Test func acceptsMatchingArguments() throws {
        try ArgumentValidator.validate(
            try JSONValue.decode(#"{"city":"Oslo","days":2,"tags":["a"],"ratio":null}"#), against: schema)
        try ArgumentValidator.validate(try JSONValue.decode(#"{"city":"Oslo","ratio":0.5}"#), against: schema)
    }

    @Test(arguments: [
        (#"{}"#, "arguments.city is required"),
        (#"{"city":5}"#, "arguments.city must be string, got integer"),
        (#"{"city":"x","days":"3"}"#, "arguments.days must be integer, got string"),
        (#"{"city":"x","tags":["a",1]}"#, "arguments.tags[1] must be string, got integer"),
        (#"{"city":"x","extra":1}"#, "arguments.extra is not a parameter of this tool"),
    ])
    func refusesWithAMessageThatSaysWhatToFix(_ json: String, _ message: String) throws {
        #expect(throws: DomainError.invalidArguments(message)) {
            try ArgumentValidator.validate(try JSONValue.decode(json), against: schema)
        }
    }

    @Test func argumentsMustBeAnObject() {
        #expect(throws: DomainError.invalidArguments("arguments must be a JSON object")) {
            try ArgumentValidator.validate(.array([]), against: schema)
        }
    }

    @Test func hugeSchemaNumbersDoNotTrap() {
        let schema = JSONValue.object([
            "type": .string("object"),
            "properties": .object([
                "s": .object(["type": .string("string"), "minLength": .double(1e300), "maxLength": .double(-1e300)])
            ]),
        ])
        #expect(throws: DomainError.self) {
            try ArgumentValidator.validate(.object(["s": .string("x")]), against: schema)
        }
    }

    /// The outside review's case: a 20,000-value enum and 20,000 arguments outside it took 21.7 s
    /// and 2 GB when every problem quoted the whole enum.
    @Test func aHugeEnumAndManyBadValuesCostLinearTimeAndAShortMessage() throws {
        let schema = JSONValue.object([
            "type": "object",
            "properties": .object([
                "xs": .object(["type": "array", "items": .object(["enum": .array((0..<20_000).map { .int($0) })])])
            ]),
        ])
        let arguments = JSONValue.object(["xs": .array(Array(repeating: .int(-1), count: 20_000))])
        let start = ContinuousClock.now
        do {
            try ArgumentValidator.validate(arguments, against: schema)
            Issue.record("values outside the enum were accepted")
        } catch DomainError.invalidArguments(let message) {
            #expect(message.utf8.count < 2_000, "\(message.utf8.count) bytes")
            #expect(message.components(separatedBy: "; ").count == ArgumentValidator.reportedProblems)
            #expect(message.hasPrefix("arguments.xs[0] must be one of the 20000 allowed values, such as 0, 1, 2, 3, 4"))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(2), "validation took \(elapsed)")
        // Values in the enum pass, found by hash, not by a scan.
        try ArgumentValidator.validate(
            .object(["xs": .array((0..<20_000).map { .int(Int64(19_999 - $0)) })]), against: schema)
    }

    @Test func manyMissingRequiredNamesStopAtTheReportedNumber() {
        let names = (0..<5_000).map { JSONValue.string("p\($0)") }
        let schema = JSONValue.object(["type": "object", "required": .array(names)])
        #expect(throws: DomainError.self) {
            try ArgumentValidator.validate(.object([:]), against: schema)
        }
        do {
            try ArgumentValidator.validate(.object([:]), against: schema)
        } catch DomainError.invalidArguments(let message) {
            #expect(message.components(separatedBy: "; ").count == ArgumentValidator.reportedProblems)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func longNamesAreShortenedInMessages() throws {
        let long = String(repeating: "n", count: 10_000)
        let schema = JSONValue.object(["type": "object", "additionalProperties": .bool(false)])
        do {
            try ArgumentValidator.validate(.object([long: .int(1)]), against: schema)
        } catch DomainError.invalidArguments(let message) {
            #expect(message.utf8.count < 200, "\(message.utf8.count) bytes")
        }
    }

    @Test func schemasPastTheBoundsAreRefusedSayingWhatIsTooBig() throws {
        let limits = Limits()
        let wide = JSONValue.object(["type": "object", "enum": .array((0..<20_000).map { .int($0) })])
        #expect(
            throws: DomainError.invalidSchema(
                "input_schema is \(wide.encodedString().utf8.count) bytes; the limit is 65536")
        ) {
            try limits.requireSchemaWithinBounds(wide)
        }
        var deep = JSONValue.object(["type": "string"])
        for _ in 0..<20 { deep = .object(["type": "array", "items": deep]) }
        #expect(throws: DomainError.invalidSchema("input_schema nests 21 levels deep; the limit is 16")) {
            try limits.requireSchemaWithinBounds(deep)
        }
        try limits.requireSchemaWithinBounds(schema)
    }

    /// The review's case: a `type` list of thousands of entries, checked for each of 130,000 values.
    @Test func aLongTypeListCostsNothingPerValue() throws {
        let types = JSONValue.array(Array(repeating: "null", count: 9_000) + ["integer"])
        let schema = JSONValue.object([
            "type": "object",
            "properties": .object(["a": .object(["type": "array", "items": .object(["type": types])])]),
        ])
        let start = ContinuousClock.now
        try ArgumentValidator.validate(
            .object(["a": .array(Array(repeating: .int(1), count: 130_000))]), against: schema)
        #expect(ContinuousClock.now - start < .seconds(2))
        do {
            try ArgumentValidator.validate(
                .object(["a": .array(Array(repeating: .string("x"), count: 20))]), against: schema)
        } catch DomainError.invalidArguments(let message) {
            #expect(message.hasPrefix("arguments.a[0] must be null or integer, got string"), "\(message.prefix(200))")
            #expect(message.utf8.count < 1_000)
        }
    }
}
