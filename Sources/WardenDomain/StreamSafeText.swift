/// Unicode's stream-safe text format (UAX #15): at most 30 combining marks (non-starters) in a
/// row. Longer runs are no text anyone writes, and normalising them, which Swift's string hashing
/// and comparison do, costs the square of their length (docs/design.md §12b).
public enum StreamSafeText {
    public static let maxNonStarters = 30

    public static func holds(_ text: String) -> Bool {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return true }
        var run = 0
        for scalar in text.unicodeScalars {
            run = scalar.properties.canonicalCombiningClass == .notReordered ? 0 : run + 1
            if run > maxNonStarters { return false }
        }
        return true
    }
}
