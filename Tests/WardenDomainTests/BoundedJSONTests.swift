import Foundation
import Testing
import WardenDomain

@Suite("Bounded JSON")
struct BoundedJSONTests {
    private func parse(_ text: String, _ parser: BoundedJSON = BoundedJSON()) throws(BoundedJSON.Failure) -> JSONValue {
        try parser.parse(Array(text.utf8))
    }

    private func failure(_ bytes: [UInt8], _ parser: BoundedJSON = BoundedJSON()) -> BoundedJSON.Failure? {
        do throws(BoundedJSON.Failure) {
            _ = try parser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func failure(_ text: String, _ parser: BoundedJSON = BoundedJSON()) -> BoundedJSON.Failure? {
        failure(Array(text.utf8), parser)
    }

    @Test(arguments: [
        "null", "true", "false", "0", "-12", "3.25", "-0.5e-3", "6.02E23", "\"\"", "\"plain\"",
        "[]", "{}", "[1, \"two\", null, true, [false, {}]]",
        #"{"name": "weather", "args": {"city": "Zürich", "days": 3, "units": ["C", "F"]}, "score": 0.75}"#,
        #""escapes \" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00 \u0000""#,
        "\"raw UTF-8: é € 😀 \u{10FFFF}\"",
        " \t\r\n[ 1 , 2 ]\n ",
        "-9223372036854775808", "9223372036854775807",
    ])
    func agreesWithFoundation(_ text: String) throws {
        #expect(try parse(text) == JSONValue.decode(text))
        #expect(throws: Never.self) {
            try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        }
    }

    @Test func acceptsEveryCollectionOfBytes() throws {
        let text = #"{"a": [1, 2.5, "x"]}"#
        let expected: JSONValue = .object(["a": .array([.int(1), .double(2.5), "x"])])
        #expect(try BoundedJSON().parse(Data(text.utf8)) == expected)
        #expect(try BoundedJSON().parse(text.utf8) == expected)
        #expect(try BoundedJSON().parse(Array(text.utf8).lazy.map { $0 }) == expected)
        let raw = try Array(text.utf8).withUnsafeBytes { buffer in try BoundedJSON().parse(buffer) }
        #expect(raw == expected)
    }

    @Test func integersAndDoubles() throws {
        #expect(try parse("1") == .int(1))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("-2E-2") == .double(-0.02))
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_808))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try parse("1e-400") == .double(0))
        #expect(failure("1e400") == .invalid(offset: 0, reason: "number out of range"))
        #expect(failure("[-1e400]") == .invalid(offset: 1, reason: "number out of range"))
    }

    @Test func duplicateKeysAreRejected() {
        #expect(failure(#"{"a": 1, "b": 2, "a": 3}"#) == .invalid(offset: 17, reason: "duplicate key"))
        #expect(failure(#"[{"a": 1}, {"a": 2}]"#) == nil)
        #expect(failure(#"{"a": {"a": 1}}"#) == nil)
    }

    @Test func depthLimit() throws {
        let parser = BoundedJSON(maxDepth: 3)
        #expect(try parse("[[[1]]]", parser) == .array([.array([.array([.int(1)])])]))
        #expect(try parse(#"{"a": [{}]}"#, parser) == .object(["a": .array([.object([:])])]))
        #expect(failure("[[[[]]]]", parser) == .tooDeep)
        #expect(failure(#"{"a": {"b": {"c": {}}}}"#, parser) == .tooDeep)
        #expect(try parse("7", BoundedJSON(maxDepth: 0)) == .int(7))
        #expect(failure("[]", BoundedJSON(maxDepth: 0)) == .tooDeep)
        // Deep nesting is refused at the limit instead of exhausting the stack.
        #expect(failure(String(repeating: "[", count: 1_000_000)) == .tooDeep)
        let unbounded = BoundedJSON(maxDepth: .max, maxElements: .max)
        let deep = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        #expect(try parse(deep, unbounded).arrayItems.count == 1)
    }

    @Test func elementLimitCountsValuesAndKeys() throws {
        // Object, key "a", array, two numbers: 5.
        let text = #"{"a": [1, 2]}"#
        #expect(try parse(text, BoundedJSON(maxElements: 5)) == .object(["a": .array([.int(1), .int(2)])]))
        #expect(failure(text, BoundedJSON(maxElements: 4)) == .tooManyElements)
        #expect(failure("[[], {}, null]", BoundedJSON(maxElements: 3)) == .tooManyElements)
    }

    @Test func aMebibyteOfEmptyObjectsStopsAtTheElementLimit() throws {
        let count = (1 << 20) / 3
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(3 * count + 2)
        for index in 0..<count {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
        }
        bytes.append(UInt8(ascii: "]"))
        #expect(failure(bytes, BoundedJSON(maxElements: 100_000)) == .tooManyElements)
        let all = try BoundedJSON(maxElements: 1_000_000).parse(bytes)
        #expect(all.arrayItems.count == count)
    }

    @Test func stringLimitCountsDecodedBytes() throws {
        let parser = BoundedJSON(maxStringBytes: 4)
        #expect(try parse(#""abcd""#, parser) == "abcd")
        #expect(try parse(#""\u00e9\u00e9""#, parser) == "éé")
        #expect(try parse("\"😀\"", parser) == "😀")
        #expect(failure(#""abcde""#, parser) == .stringTooLong)
        #expect(failure(#""ab\n\n\n""#, parser) == .stringTooLong)
        #expect(failure("\"a😀\"", parser) == .stringTooLong)
        #expect(failure(#"{"abcde": 1}"#, parser) == .stringTooLong)
        #expect(failure("\"" + String(repeating: "x", count: 10_000), parser) == .stringTooLong)
    }

    @Test(
        arguments: [
            ("", 0, "expected a value"),
            ("   ", 3, "expected a value"),
            ("[1, 2,]", 6, "expected a value"),
            (#"{"a": 1,}"#, 8, "expected a string key"),
            (#"{"a" 1}"#, 5, "expected ':'"),
            (#"{1: 2}"#, 1, "expected a string key"),
            ("[1 2]", 3, "expected ',' or ']'"),
            (#"{"a": 1 "b": 2}"#, 8, "expected ',' or '}'"),
            ("[1, 2", 5, "expected ',' or ']'"),
            ("[}", 1, "expected a value"),
            ("01", 1, "leading zero"),
            ("-01", 2, "leading zero"),
            ("-", 1, "expected a digit"),
            ("-a", 1, "expected a digit"),
            ("+1", 0, "expected a value"),
            (".5", 0, "expected a value"),
            ("1.", 2, "expected a digit after '.'"),
            ("1.e3", 2, "expected a digit after '.'"),
            ("1e", 2, "expected a digit in the exponent"),
            ("1e+", 3, "expected a digit in the exponent"),
            ("NaN", 0, "expected a value"),
            ("Infinity", 0, "expected a value"),
            ("-Infinity", 1, "expected a digit"),
            ("nul", 0, "expected a value"),
            ("True", 0, "expected a value"),
            ("\"abc", 0, "unterminated string"),
            (#"["abc]"#, 1, "unterminated string"),
            (#""\x""#, 1, "invalid escape"),
            (#""\u12""#, 3, "expected four hex digits"),
            (#""\u12g4""#, 3, "expected four hex digits"),
            (#""\"#, 2, "unterminated escape"),
            (#""\ud83d""#, 1, "lone high surrogate"),
            (#""\ud83dx""#, 1, "lone high surrogate"),
            (#""\ud83d\u0041""#, 1, "lone high surrogate"),
            (#""\ude00""#, 1, "lone low surrogate"),
            ("\"tab\there\"", 4, "control character in string"),
            ("\"new\nline\"", 4, "control character in string"),
            ("1 2", 2, "unexpected data after the value"),
            ("{} x", 3, "unexpected data after the value"),
            ("null,", 4, "unexpected data after the value"),
            ("\u{FEFF}1", 0, "expected a value"),
            ("[1]\u{0}", 3, "unexpected data after the value"),
        ] as [(String, Int, String)])
    func rejectsInvalidText(_ text: String, offset: Int, reason: String) {
        #expect(failure(text) == .invalid(offset: offset, reason: reason))
        if !Self.foundationAccepts.contains(text) {
            #expect(throws: (any Error).self) { try JSONValue.decode(text) }
        }
    }

    /// Foundation's JSONDecoder is lenient here; this parser is not.
    private static let foundationAccepts: Set<String> = ["[1, 2,]", #"{"a": 1,}"#, "\u{FEFF}1"]

    @Test(
        arguments: [
            [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
            [0x22, 0x80, 0x22],  // continuation without a lead
            [0x22, 0xC3, 0x22],  // truncated sequence
            [0x22, 0xE2, 0x82, 0x22],
            [0x22, 0xC3],
            [0xFF],
        ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        let error = failure(bytes)
        if bytes.first == 0x22 {
            #expect(error == .invalid(offset: 1, reason: "invalid UTF-8"))
        } else {
            #expect(error == .invalid(offset: 0, reason: "expected a value"))
        }
    }

    @Test func validMultibyteBoundaries() throws {
        let samples: [(bytes: [UInt8], text: String)] = [
            ([0xC2, 0x80], "\u{80}"), ([0xDF, 0xBF], "\u{7FF}"), ([0xE0, 0xA0, 0x80], "\u{800}"),
            ([0xED, 0x9F, 0xBF], "\u{D7FF}"), ([0xEE, 0x80, 0x80], "\u{E000}"),
            ([0xF0, 0x90, 0x80, 0x80], "\u{10000}"), ([0xF4, 0x8F, 0xBF, 0xBF], "\u{10FFFF}"),
        ]
        for sample in samples {
            #expect(try BoundedJSON().parse([0x22] + sample.bytes + [0x22]) == .string(sample.text))
        }
    }

    /// Found by the hostile-client suite: long runs of combining marks cost the square of their
    /// length wherever Swift hashes or compares the string (enum sets, object keys).
    @Test func moreThanThirtyCombiningMarksInARowAreRefused() throws {
        let parser = BoundedJSON()
        let thirty = "\"e" + String(repeating: "\u{0301}", count: 30) + "\""
        #expect((try? parser.parse(Array(thirty.utf8))) != nil)
        let many = "{\"e" + String(repeating: "\u{0301}\u{0316}", count: 20_000) + "\": 1}"
        let start = ContinuousClock.now
        #expect(throws: BoundedJSON.Failure.self) { try parser.parse(Array(many.utf8)) }
        #expect(ContinuousClock.now - start < .seconds(1))
        // Escaped marks count the same.
        let escaped = "\"e" + String(repeating: "\\u0301", count: 31) + "\""
        #expect(throws: BoundedJSON.Failure.self) { try parser.parse(Array(escaped.utf8)) }
        // What Warden stored before the bound reads back whole.
        let stored = try JSONValue.decode("\"e" + String(repeating: "\u{0301}", count: 40) + "\"")
        #expect(stored.stringValue?.unicodeScalars.count == 41)
        // Marks spread over words are ordinary text.
        let words = "\"" + String(repeating: "e\u{0301} ", count: 10_000) + "\""
        #expect((try? parser.parse(Array(words.utf8))) != nil)
    }
}
