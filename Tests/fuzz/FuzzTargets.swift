// libFuzzer entry for the parsers that take outside bytes (scripts/fuzz.sh builds and runs it).
// One binary, several targets: WARDEN_FUZZ_TARGET picks one. Each checks what must hold for any
// input besides "no crash": bounded output, and results that are what they claim.
import Foundation
import WardenDomain

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch ProcessInfo.processInfo.environment["WARDEN_FUZZ_TARGET"] ?? "" {
    case "json": FuzzTargets.json(bytes)
    case "frame": FuzzTargets.frame(bytes)
    case "sse": FuzzTargets.sse(bytes)
    case "validate": FuzzTargets.validate(bytes)
    case "cursor": FuzzTargets.cursor(bytes)
    case "dburl": FuzzTargets.databaseURL(bytes)
    case "time": FuzzTargets.time(bytes)
    default: fatalError("set WARDEN_FUZZ_TARGET to json, frame, sse, validate, cursor, dburl or time")
    }
    return 0
}

enum FuzzTargets {
    static let parser = BoundedJSON(maxDepth: 64, maxElements: 100_000, maxStringBytes: 1 << 20)

    /// The strict parser: what it accepts re-encodes to JSON it accepts again, equal (a whole
    /// number written as 1.0 comes back as the integer 1, as JSON does not tell them apart).
    static func json(_ bytes: [UInt8]) {
        guard let value = try? parser.parse(bytes) else { return }
        let again = try? parser.parse(Array(value.encodedString().utf8))
        precondition(again.map(numbersAsWritten) == numbersAsWritten(value), "a parsed value did not survive encoding")
    }

    static func numbersAsWritten(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let x) where x.rounded() == x && abs(x) < 9e15: .int(Int64(x))
        case .array(let items): .array(items.map(numbersAsWritten))
        case .object(let members): .object(members.mapValues(numbersAsWritten))
        default: value
        }
    }

    /// Worker frames: one whole frame taken or a clear answer, never more than the buffer held.
    static func frame(_ bytes: [UInt8]) {
        var buffer = bytes
        switch EgressFraming.next(&buffer, limit: 1 << 16) {
        case .frame(let body):
            precondition(body.count + 4 == bytes.count && buffer.isEmpty)
            _ = EgressFrameDecoding.decode(body, limit: 1 << 16)
        case .incomplete, .oversized, .pipelined:
            precondition(buffer == bytes, "a refused frame consumed bytes")
        }
    }

    /// Every byte of data comes from a `data` line of the text: never more out than in.
    static func sse(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let events = ServerSentEvents.dataOfEvents(text)
        precondition(events.reduce(0) { $0 + $1.utf8.count } <= text.utf8.count, "events hold more than the input")
    }

    /// A schema and arguments split at the first NUL: bounded schemas validate any arguments
    /// without trapping, and every refusal is short.
    static func validate(_ bytes: [UInt8]) {
        guard let split = bytes.firstIndex(of: 0),
            let schema = try? parser.parse(bytes[..<split]),
            let arguments = try? parser.parse(bytes[(split + 1)...]),
            (try? Limits().requireSchemaWithinBounds(schema)) != nil
        else { return }
        do {
            try ArgumentValidator.validate(arguments, against: schema)
        } catch DomainError.invalidArguments(let message) {
            precondition(message.utf8.count <= 8_192, "a refusal of \(message.utf8.count) bytes")
        } catch {
            preconditionFailure("unexpected \(error)")
        }
    }

    static func cursor(_ bytes: [UInt8]) {
        guard let cursor = try? PageCursor.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        precondition((try? PageCursor.parse(cursor.token)) == cursor, "a cursor did not round-trip")
    }

    static func databaseURL(_ bytes: [UInt8]) {
        guard let url = try? DatabaseURL(String(decoding: bytes, as: UTF8.self)) else { return }
        // Its description is what logs show: never the password (one long enough not to occur by chance).
        if let password = url.password, password.count >= 12,
            password.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }),
            ![url.user, url.host, url.database].contains(where: { $0.contains(password) })
        {
            precondition(!url.description.contains(password), "the password reached the description")
        }
    }

    static func time(_ bytes: [UInt8]) {
        guard let canonical = Timestamp.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        precondition(canonical.utf8.count == 24 && Timestamp.parse(canonical) == canonical)
    }
}
