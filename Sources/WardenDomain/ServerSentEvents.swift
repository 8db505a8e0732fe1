/// Reads a `text/event-stream` body as the HTML standard defines it: lines end in CRLF, LF or
/// CR; an empty line ends an event; the `data` fields of one event join with LF; one space after
/// the colon is dropped; lines starting with a colon are comments.
public enum ServerSentEvents {
    public static func dataOfEvents(_ text: String) -> [String] {
        var events: [String] = []
        var data: [Substring] = []
        var sawData = false
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if sawData { events.append(data.joined(separator: "\n")) }
                data.removeAll()
                sawData = false
                continue
            }
            if line.hasPrefix(":") { continue }
            let field = line.prefix { $0 != ":" }
            var value = line.dropFirst(field.count)
            if value.hasPrefix(":") { value = value.dropFirst() }
            if value.hasPrefix(" ") { value = value.dropFirst() }
            if field == "data" {
                data.append(value)
                sawData = true
            }
        }
        if sawData { events.append(data.joined(separator: "\n")) }  // a last event without its blank line
        return events
    }
}
