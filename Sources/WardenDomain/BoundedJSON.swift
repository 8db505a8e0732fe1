/// A strict RFC 8259 JSON parser with hard limits, for bytes written by an untrusted sandboxed
/// worker. It never recurses (nesting is an explicit stack), reads each byte once, and stops at
/// the first limit crossed, so a hostile frame costs time in proportion to what is accepted.
///
/// Choices beyond the RFC: duplicate keys in one object are rejected (parsers that disagree on
/// which one wins are a classic smuggling trick); keys are compared as Swift strings, so two
/// canonically equivalent spellings count as duplicates. Numbers without a fraction or exponent
/// that fit `Int64` become `.int` (`-0` is `.int(0)`); all others become `.double`, and a number
/// too large for `Double` is rejected. A byte order mark is rejected.
public struct BoundedJSON: Sendable {
    /// Containers allowed inside each other; 0 allows only a scalar document.
    public var maxDepth: Int
    /// Values counted in the whole document: every scalar, array, object, and object key.
    public var maxElements: Int
    /// Bytes of each decoded string or key, in UTF-8.
    public var maxStringBytes: Int
    /// Whether strings must keep to Unicode's stream-safe bound (`StreamSafeText`): for input
    /// from outside; not for what Warden stored before the bound existed, which must still read back.
    public var requireStreamSafeText = true

    public enum Failure: Error, Equatable, Sendable {
        case tooDeep
        case tooManyElements
        case stringTooLong
        /// Not JSON: `offset` is the byte where parsing stopped.
        case invalid(offset: Int, reason: String)
    }

    public init(maxDepth: Int = 64, maxElements: Int = 100_000, maxStringBytes: Int = 2 << 20) {
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxStringBytes = maxStringBytes
    }

    public func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                parseResult(buffer)
            }
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                parseResult(buffer)
            }
        return try result.get()
    }

    private func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, Failure> {
        var parser = JSONParser(bytes: buffer, limits: self)
        do throws(Failure) {
            return .success(try parser.document())
        } catch {
            return .failure(error)
        }
    }
}

private struct JSONParser {
    private struct Container {
        let isObject: Bool
        /// Where this container's values (and, for objects, keys) start on the shared stacks.
        let valuesStart: Int
        let keysStart: Int
    }

    private struct Key {
        let name: String
        let offset: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let limits: BoundedJSON
    private var offset = 0
    private var elements = 0
    // Open containers and the finished children of each, flat so nothing is copied on append.
    private var containers: [Container] = []
    private var values: [JSONValue] = []
    private var keys: [Key] = []

    init(bytes: UnsafeBufferPointer<UInt8>, limits: BoundedJSON) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func document() throws(BoundedJSON.Failure) -> JSONValue {
        skipWhitespace()
        while true {
            guard var value = try valueOrOpenContainer() else { continue }
            // Hand the finished value to its container, closing every container that ends here.
            while let container = containers.last {
                values.append(value)
                skipWhitespace()
                let byte = try next(orFail: container.isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                if byte == .comma {
                    skipWhitespace()
                    if container.isObject { try readKey() }
                    break
                } else if container.isObject && byte == .closeBrace {
                    value = try closeObject(container)
                } else if !container.isObject && byte == .closeBracket {
                    value = .array(Array(values[container.valuesStart...]))
                    values.removeSubrange(container.valuesStart...)
                    containers.removeLast()
                } else {
                    throw invalid(at: offset - 1, container.isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
            if containers.isEmpty {
                skipWhitespace()
                guard offset == bytes.count else { throw invalid(at: offset, "unexpected data after the value") }
                return value
            }
        }
    }

    /// A complete value, or nil after opening a non-empty container (its first value comes next).
    private mutating func valueOrOpenContainer() throws(BoundedJSON.Failure) -> JSONValue? {
        let start = offset
        let byte = try next(orFail: "expected a value")
        try countElement()
        switch byte {
        case .openBrace, .openBracket:
            guard containers.count < limits.maxDepth else { throw .tooDeep }
            let isObject = byte == .openBrace
            skipWhitespace()
            if offset < bytes.count && bytes[offset] == (isObject ? .closeBrace : .closeBracket) {
                offset += 1
                return isObject ? .object([:]) : .array([])
            }
            containers.append(Container(isObject: isObject, valuesStart: values.count, keysStart: keys.count))
            if isObject { try readKey() }
            return nil
        case .quote:
            offset = start
            return .string(try readString())
        case UInt8(ascii: "t"):
            try expectLiteral("true", from: start)
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false", from: start)
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null", from: start)
            return .null
        case .minus, .zero ... .nine:
            offset = start
            return try readNumber()
        default:
            throw invalid(at: start, "expected a value")
        }
    }

    private mutating func closeObject(_ container: Container) throws(BoundedJSON.Failure) -> JSONValue {
        var object: [String: JSONValue] = Dictionary(minimumCapacity: keys.count - container.keysStart)
        for (key, value) in zip(keys[container.keysStart...], values[container.valuesStart...]) {
            if object.updateValue(value, forKey: key.name) != nil {
                throw invalid(at: key.offset, "duplicate key")
            }
        }
        keys.removeSubrange(container.keysStart...)
        values.removeSubrange(container.valuesStart...)
        containers.removeLast()
        return .object(object)
    }

    /// An object key, its colon, and the whitespace up to the value.
    private mutating func readKey() throws(BoundedJSON.Failure) {
        let start = offset
        guard offset < bytes.count, bytes[offset] == .quote else { throw invalid(at: offset, "expected a string key") }
        try countElement()
        keys.append(Key(name: try readString(), offset: start))
        skipWhitespace()
        guard try next(orFail: "expected ':'") == .colon else { throw invalid(at: offset - 1, "expected ':'") }
        skipWhitespace()
    }

    private mutating func countElement() throws(BoundedJSON.Failure) {
        elements += 1
        if elements > limits.maxElements { throw .tooManyElements }
    }

    // MARK: Tokens

    private mutating func next(orFail reason: String) throws(BoundedJSON.Failure) -> UInt8 {
        guard offset < bytes.count else { throw invalid(at: offset, reason) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): offset += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString, from start: Int) throws(BoundedJSON.Failure) {
        let count = literal.utf8CodeUnitCount
        guard start + count <= bytes.count,
            UnsafeBufferPointer(start: literal.utf8Start, count: count).elementsEqual(bytes[start..<start + count])
        else { throw invalid(at: start, "expected a value") }
        offset = start + count
    }

    private mutating func readNumber() throws(BoundedJSON.Failure) -> JSONValue {
        let start = offset
        if bytes[offset] == .minus { offset += 1 }
        guard offset < bytes.count, bytes[offset].isDigit else { throw invalid(at: offset, "expected a digit") }
        if bytes[offset] == .zero {
            offset += 1
            if offset < bytes.count && bytes[offset].isDigit { throw invalid(at: offset, "leading zero") }
        } else {
            skipDigits()
        }
        var isInteger = true
        if offset < bytes.count && bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, bytes[offset].isDigit else {
                throw invalid(at: offset, "expected a digit after '.'")
            }
            skipDigits()
            isInteger = false
        }
        if offset < bytes.count && (bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E")) {
            offset += 1
            if offset < bytes.count && (bytes[offset] == UInt8(ascii: "+") || bytes[offset] == .minus) { offset += 1 }
            guard offset < bytes.count, bytes[offset].isDigit else {
                throw invalid(at: offset, "expected a digit in the exponent")
            }
            skipDigits()
            isInteger = false
        }
        let text = bytes[start..<offset]
        if isInteger, let integer = Self.int64(text) { return .int(integer) }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.isFinite else {
            throw invalid(at: start, "number out of range")
        }
        return .double(double)
    }

    private mutating func skipDigits() {
        while offset < bytes.count && bytes[offset].isDigit { offset += 1 }
    }

    /// The value of an already validated integer literal, or nil if it does not fit.
    private static func int64(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        let negative = text.first == .minus
        // Accumulated with the literal's sign so that Int64.min fits too.
        var value: Int64 = 0
        for byte in text.dropFirst(negative ? 1 : 0) {
            let digit = Int64(byte &- .zero)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow || overflow2 { return nil }
            value = next
        }
        return value
    }

    /// A string starting at its opening quote. Raw bytes must be valid UTF-8 without control
    /// characters; escapes are decoded, and a \u surrogate must be a complete pair.
    private mutating func readString() throws(BoundedJSON.Failure) -> String {
        let quote = offset
        offset += 1
        var decoded: [UInt8] = []  // used only once an escape appears
        var runStart = offset  // start of the current unescaped run
        while true {
            guard offset < bytes.count else { throw invalid(at: quote, "unterminated string") }
            let byte = bytes[offset]
            if byte == .quote {
                let run = bytes[runStart..<offset]
                offset += 1
                let text =
                    decoded.isEmpty
                    ? String(decoding: run, as: UTF8.self) : String(decoding: decoded + run, as: UTF8.self)
                guard !limits.requireStreamSafeText || StreamSafeText.holds(text) else {
                    throw invalid(at: quote, "more than \(StreamSafeText.maxNonStarters) combining marks in a row")
                }
                return text
            } else if byte == .backslash {
                decoded.append(contentsOf: bytes[runStart..<offset])
                try readEscape(into: &decoded)
                runStart = offset
            } else if byte < 0x20 {
                throw invalid(at: offset, "control character in string")
            } else if byte < 0x80 {
                offset += 1
            } else {
                try skipUTF8Scalar()
            }
            if decoded.count + (offset - runStart) > limits.maxStringBytes { throw .stringTooLong }
        }
    }

    private mutating func readEscape(into decoded: inout [UInt8]) throws(BoundedJSON.Failure) {
        let start = offset
        offset += 1
        let byte = try next(orFail: "unterminated escape")
        switch byte {
        case .quote, .backslash, UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xDC00...0xDFFF).contains(scalar) { throw invalid(at: start, "lone low surrogate") }
            if (0xD800...0xDBFF).contains(scalar) {
                guard offset + 1 < bytes.count, bytes[offset] == .backslash, bytes[offset + 1] == UInt8(ascii: "u")
                else {
                    throw invalid(at: start, "lone high surrogate")
                }
                offset += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw invalid(at: start, "lone high surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicodeScalar = Unicode.Scalar(scalar) else { throw invalid(at: start, "invalid escape") }
            UTF8.encode(unicodeScalar) { decoded.append($0) }
        default:
            throw invalid(at: start, "invalid escape")
        }
    }

    private mutating func readHex4() throws(BoundedJSON.Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw invalid(at: offset, "expected four hex digits") }
        var value: UInt32 = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: UInt8
            switch byte {
            case .zero ... .nine: digit = byte - .zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw invalid(at: offset, "expected four hex digits")
            }
            value = value << 4 | UInt32(digit)
        }
        offset += 4
        return value
    }

    /// Steps over one multi-byte UTF-8 sequence, rejecting overlong forms, surrogates, values
    /// past U+10FFFF and truncated sequences (RFC 3629).
    private mutating func skipUTF8Scalar() throws(BoundedJSON.Failure) {
        let lead = bytes[offset]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: throw invalid(at: offset, "invalid UTF-8")
        }
        guard offset + length <= bytes.count, secondRange.contains(bytes[offset + 1]) else {
            throw invalid(at: offset, "invalid UTF-8")
        }
        for index in offset + 2..<offset + length where !(0x80...0xBF).contains(bytes[index]) {
            throw invalid(at: offset, "invalid UTF-8")
        }
        offset += length
    }

    private func invalid(at offset: Int, _ reason: String) -> BoundedJSON.Failure {
        .invalid(offset: offset, reason: reason)
    }
}

extension UInt8 {
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let zero = UInt8(ascii: "0")
    fileprivate static let nine = UInt8(ascii: "9")
    fileprivate static let openBrace = UInt8(ascii: "{")
    fileprivate static let closeBrace = UInt8(ascii: "}")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let closeBracket = UInt8(ascii: "]")

    fileprivate var isDigit: Bool { self >= .zero && self <= .nine }
}
