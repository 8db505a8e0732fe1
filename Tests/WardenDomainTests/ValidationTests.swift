import Testing
import WardenDomain

@Suite("Validation")
struct ValidationTests {
    @Test(arguments: ["a", "weather", "my-tool_2", "a" + String(repeating: "b", count: 63)])
    func validResourceNames(_ name: String) { #expect(Names.isValidResourceName(name)) }

    @Test(arguments: [
        "", "Weather", "1tool", "_x", "tool name", "tööl", "a" + String(repeating: "b", count: 64), "x/y",
    ])
    func invalidResourceNames(_ name: String) { #expect(!Names.isValidResourceName(name)) }

    @Test func secretNames() {
        #expect(Names.isValidSecretName("WEATHER_TOKEN"))
        #expect(Names.isValidSecretName("_X1"))
        #expect(!Names.isValidSecretName("weather"))
        #expect(!Names.isValidSecretName("1X"))
    }

    @Test func hostEntries() {
        #expect(HostEntry.isValid("api.example.com"))
        #expect(HostEntry.isValid("api.example.com:8443"))
        #expect(HostEntry.isValid("127.0.0.1:9000"))
        #expect(HostEntry.isValid("[::1]:80"))
        #expect(!HostEntry.isValid("http://api.example.com"))
        #expect(!HostEntry.isValid("api.example.com:0"))
        #expect(!HostEntry.isValid("api..example.com"))
        #expect(!HostEntry.isValid(""))
    }

    @Test func pageSize() throws {
        let limits = Limits()
        #expect(try limits.pageSize(nil) == 50)
        #expect(try limits.pageSize("500") == 500)
        #expect(throws: DomainError.self) { try limits.pageSize("501") }
        #expect(throws: DomainError.self) { try limits.pageSize("0") }
        #expect(throws: DomainError.self) { try limits.pageSize("ten") }
    }

    @Test func cursorsRoundTripAndRejectForgeries() throws {
        let cursor = PageCursor(after: 42)
        #expect(try PageCursor.parse(cursor.token) == cursor)
        #expect(try PageCursor.parse(nil) == nil)
        #expect(throws: DomainError.self) { try PageCursor.parse("not-a-cursor") }
        #expect(throws: DomainError.self) { try PageCursor.parse(Base64URL.encode(Array("c1:-5".utf8))) }
    }

    @Test func codeSizeLimit() {
        #expect(throws: DomainError.self) {
            try Limits().requireCodeSize(String(repeating: "x", count: 256 * 1024 + 1))
        }
        #expect(throws: Never.self) { try Limits().requireCodeSize(String(repeating: "x", count: 256 * 1024)) }
    }
}

@Suite("Token bucket")
struct TokenBucketTests {
    @Test func burstThenRefill() {
        var bucket = TokenBucket(capacity: 3, perSecond: 1, now: 0)
        #expect((0..<3).allSatisfy { _ in bucket.take(now: 0).allowed })
        let refused = bucket.take(now: 0.5)
        #expect(!refused.allowed)
        #expect(abs(refused.retryAfter - 0.5) < 0.001)
        #expect(bucket.take(now: 1.0).allowed)
        #expect(!bucket.take(now: 1.0).allowed)
        #expect(bucket.take(now: 100).allowed)
    }
}
