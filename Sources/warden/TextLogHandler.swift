import Foundation
import Logging

/// One line of text per event on standard error (the default format). Control characters in
/// the message and in metadata are escaped: an OIDC `sub` or a certificate name holding a
/// newline cannot forge a log line of its own.
struct TextLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let fields = merged.keys.sorted().map { "\(Self.escaped($0))=\(Self.escaped("\(merged[$0]!)"))" }.joined(
            separator: " ")
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let line =
            "\(time) \(event.level) \(label) :\(fields.isEmpty ? "" : " " + fields) \(Self.escaped(event.message.description))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `\n`, `\r`, `\t` and every other control character (C0, DEL, C1) written as an escape.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _
            where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                || scalar == "\u{2029}":
                out += String(format: "\\u{%02X}", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
