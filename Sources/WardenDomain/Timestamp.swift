import Foundation

/// RFC 3339 UTC with milliseconds; fixed width, so text order is time order in the database.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func now() -> String { string(Date()) }

    /// Accepts RFC 3339 with or without fractional seconds; returns the canonical form.
    public static func parse(_ text: String) -> String? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return string(date)
        }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return string(date) }
        return nil
    }
}
