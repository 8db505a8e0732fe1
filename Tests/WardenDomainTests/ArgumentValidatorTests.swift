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
}
