import Testing
import WardenDomain

@Suite("Redaction")
struct RedactionTests {
    @Test(arguments: [
        "password", "db_password", "passwd", "secret", "client_secret", "token", "github_token", "apiKey", "api_key",
        "X-Api-Key", "apikey", "Authorization", "auth_token", "accessToken", "refresh_token", "private_key",
        "cookie", "session", "session_id",
    ])
    func sensitiveNames(_ name: String) { #expect(Redactor.isSensitiveName(name)) }

    @Test(arguments: ["author", "keyword", "city", "tokenizer_name", "passage", "key", "secretary"])
    func ordinaryNames(_ name: String) { #expect(!Redactor.isSensitiveName(name)) }

    @Test func redactsAtAnyDepthAndInsideLists() throws {
        let input = try JSONValue.decode(
            #"{"city":"Oslo","auth":{"password":"p1","nested":[{"api_key":"k"},{"author":"Ann"}]}}"#)
        let output = Redactor().redact(input)
        #expect(
            output
                == (try JSONValue.decode(
                    #"{"city":"Oslo","auth":{"password":"[REDACTED]","nested":[{"api_key":"[REDACTED]"},{"author":"Ann"}]}}"#
                )))
    }

    @Test func redactsSecretValuesWherever() throws {
        let redactor = Redactor(secretValues: ["s3cr3t-value", "ab"])
        #expect(redactor.redact("the key is s3cr3t-value!") == "the key is [REDACTED]!")
        #expect(redactor.redact(.array([.string("x s3cr3t-value")])) == .array([.string("x [REDACTED]")]))
        // A short secret stored before the 8-character minimum is still redacted: leaking beats garbling.
        #expect(redactor.redact("ab goes") == "[REDACTED] goes")
        #expect(
            redactor.redact(.object(["s3cr3t-value": .int(1)])) == .object([Redactor.marker: .int(1)]),
            "object keys too")
    }

    @Test func truncationKeepsWholeCharacters() {
        let (text, cut) = LogTruncation.prefix("aé" + String(repeating: "x", count: 10), limit: 2)
        #expect(text == "a")
        #expect(cut)
        #expect(LogTruncation.prefix("short", limit: 10) == ("short", false))
    }
}

@Suite struct RedactionCostTests {
    @Test func replacesEveryOccurrenceWithoutOverlap() {
        let redactor = Redactor(secretValues: ["abab-secret", "zzzzzzzz"])
        #expect(redactor.redact("x abab-secretabab-secret y") == "x [REDACTED][REDACTED] y")
        #expect(redactor.redact("zzzzzzzzz") == "[REDACTED]z")
        #expect(redactor.redact("nothing here") == "nothing here")
        #expect(redactor.redact("é abab-secret ü") == "é [REDACTED] ü")
    }

    /// The hostile-client suite's case: a self-similar secret against text that almost matches
    /// it everywhere took minutes when each position restarted the comparison.
    @Test func aSelfSimilarSecretCostsLinearTime() {
        let secret = String(repeating: "a", count: 8191) + "b"
        let text = String(repeating: "a", count: 65_536)
        let start = ContinuousClock.now
        #expect(Redactor(secretValues: [secret]).redact(text) == text)
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
