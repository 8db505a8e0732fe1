/// A period such as `30d`, `12h`, `90m` or `3600s`, for retention settings.
public struct RetentionPeriod: Equatable, Sendable {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func parse(_ text: String) -> RetentionPeriod? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last, let factor = units[unit], let amount = Int(text.dropLast()), amount > 0,
            amount <= Int.max / factor
        else { return nil }
        return RetentionPeriod(seconds: amount * factor)
    }
}
