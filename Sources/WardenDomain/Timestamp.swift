import Foundation

/// RFC 3339 UTC with milliseconds; fixed width, so text order is time order in the database.
public enum Timestamp {
    /// Rounded to the nearest millisecond and written from whole numbers, so that parsing what
    /// it wrote gives it back (a fraction formatted from a Double can lose its last digit).
    public static func string(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (millis - ((millis % 1000) + 1000) % 1000, ((millis % 1000) + 1000) % 1000)
        let whole = Date(timeIntervalSince1970: Double(seconds / 1000)).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public static func now() -> String { string(Date()) }

    /// Accepts RFC 3339 with or without fractional seconds, or a plain date (its midnight UTC);
    /// returns the canonical form, or nil for text that is not a time or an instant outside years
    /// 1 to 9999 (whose canonical form would not be fixed width, so would compare wrongly as text).
    public static func parse(_ text: String) -> String? {
        guard text.utf8.count <= 64 else { return nil }
        let date =
            (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()))
        guard let date else { return nil }
        let canonical = string(date)
        guard canonical.utf8.count == 24, canonical.prefix(4).allSatisfy(\.isNumber), !canonical.hasPrefix("0000")
        else { return nil }
        return canonical
    }
}
