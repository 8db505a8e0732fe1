import Testing
import WardenDomain

/// Time filters compare canonical, fixed-width text: anything that would not be is refused.
@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-01-31T12:00:00Z", "2026-01-31T12:00:00.000Z"),
        ("2026-01-31T12:00:00.5+01:00", "2026-01-31T11:00:00.500Z"),
        ("2026-12-08", "2026-12-08T00:00:00.000Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"),
        ("2026-12-08T02:00:00.9996Z", "2026-12-08T02:00:01.000Z"),
    ])
    func acceptedTimesAreCanonical(_ text: String, _ canonical: String) {
        #expect(Timestamp.parse(text) == canonical)
    }

    /// Found by fuzzing: a fraction formatted from a Double lost its last digit, so the canonical
    /// form did not parse back to itself.
    @Test(arguments: ["9999-12-31T23:59:59.998969999Z", "2026-12-08T02:00:00.999Z", "1970-01-01T00:00:00.001Z"])
    func theCanonicalFormParsesBackToItself(_ text: String) throws {
        let canonical = try #require(Timestamp.parse(text))
        #expect(Timestamp.parse(canonical) == canonical)
    }

    /// The outside review's case: this rounded up to year 10000, which as text sorts before 2026.
    @Test(arguments: [
        "9999-12-31T23:59:59.999999999Z", "10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "yesterday",
        "2026-13-01T00:00:00Z", "",
    ])
    func timesOutsideTheRangeOrMalformedAreRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil, "\(Timestamp.parse(text) ?? "")")
    }
}
