/// Text that shows a reviewer one thing and runs another (Trojan Source, CVE-2021-42574):
/// bidirectional controls, zero-width characters, and words that mix scripts which look alike.
public enum InvisibleText {
    public struct Warning: Codable, Equatable, Sendable {
        public var field: String
        /// `bidi_control`, `zero_width` or `confusable`.
        public var kind: String
        /// 1-based, for multi-line fields (code, description).
        public var line: Int?

        public init(field: String, kind: String, line: Int?) {
            self.field = field
            self.kind = kind
            self.line = line
        }
    }

    /// At most this many are reported: enough to send a reviewer to the text.
    public static let maxWarnings = 100

    public static func warnings(in definition: ToolDefinition) -> [Warning] {
        var found: [Warning] = []
        scan(definition.name, field: "name", lines: false, into: &found)
        scan(definition.description, field: "description", lines: true, into: &found)
        scan(definition.inputSchema.encodedString(), field: "input_schema", lines: false, into: &found)
        scan(definition.code, field: "code", lines: true, into: &found)
        return found
    }

    /// The kinds in `text` (for marking a single line or value).
    public static func kinds(in text: String) -> Set<String> {
        var found: [Warning] = []
        scan(text, field: "", lines: false, into: &found)
        return Set(found.map(\.kind))
    }

    private static func scan(_ text: String, field: String, lines: Bool, into found: inout [Warning]) {
        var line = 1
        var word = WordScripts()
        var seen: Set<String> = []
        func add(_ kind: String) {
            let key = "\(kind) \(lines ? line : 0)"
            guard found.count < maxWarnings, seen.insert(key).inserted else { return }
            found.append(Warning(field: field, kind: kind, line: lines ? line : nil))
        }
        for scalar in text.unicodeScalars {
            if word.endsMixed(at: scalar) { add("confusable") }
            switch scalar.value {
            case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: add("bidi_control")
            case 0x200B...0x200D, 0x2060, 0xFEFF, 0x180E: add("zero_width")
            case 0x0A: line += 1
            default: break
            }
            word.take(scalar)
        }
        if word.mixed { add("confusable") }
    }

    /// Which look-alike scripts the current word (a run of letters) has used.
    private struct WordScripts {
        var latin = false, cyrillic = false, greek = false
        var mixed: Bool { latin && (cyrillic || greek) || (cyrillic && greek) }

        /// Whether `scalar` ends a word that mixed scripts; a word that ends starts over.
        mutating func endsMixed(at scalar: Unicode.Scalar) -> Bool {
            guard !scalar.properties.isAlphabetic else { return false }
            let wasMixed = mixed
            self = WordScripts()
            return wasMixed
        }

        mutating func take(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin = true
            case 0x370...0x3FF, 0x1F00...0x1FFF: greek = true
            case 0x400...0x52F: cyrillic = true
            default: break
            }
        }
    }
}
