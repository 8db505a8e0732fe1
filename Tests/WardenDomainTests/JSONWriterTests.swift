import Foundation
import Testing

@testable import WardenDomain

/// The fast writer must answer byte for byte what `JSONEncoder` (sorted keys, slashes kept)
/// answered before it: clients and stored hashes see the same text.
@Suite("JSON writer")
struct JSONWriterTests {
    func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func fast(_ value: some Encodable) throws -> String {
        String(decoding: JSONWriter.bytes(try JSONValueEncoder.encode(value)), as: UTF8.self)
    }

    static let tricky: JSONValue = .object([
        "B": .int(3), "Z": .int(7), "_x": .int(5), "a": .int(4), "a10": .int(1), "a2": .int(2), "é": .int(6),
        "text": .string("a/b\"c\\d\n\t\r\u{08}\u{0C}\u{01}\u{1F}\u{7F}é\u{2028}😀"),
        "doubles": .array([
            .double(0.1), .double(1e21), .double(123_456_789_012_345_678), .double(-0.0), .double(1.5e-7),
            .double(100), .double(1e16), .double(1e15), .double(3.14159265358979),
        ]),
        "ints": .array([.int(Int64.max), .int(Int64.min), .int(0)]),
        "nested": .object([
            "empty": .object([:]), "list": .array([]), "null": .null, "flags": .array([.bool(true), .bool(false)]),
        ]),
    ])

    @Test func jsonValuesAreWrittenAsJSONEncoderWritesThem() throws {
        #expect(try fast(Self.tricky) == foundation(Self.tricky))
        #expect(Self.tricky.encodedString() == (try foundation(Self.tricky)))
        for scalar: JSONValue in [.null, .bool(true), .int(-5), .double(2.5), .string("")] {
            #expect(try fast(scalar) == foundation(scalar))
        }
    }

    @Test func modelsAreWrittenAsJSONEncoderWritesThem() throws {
        let tool = Tool(
            id: "tool_1", serverId: "srv_1", name: "t", description: "says \"hi\"\n", kind: .python, currentVersion: 2,
            approvalStatus: .pendingReview, approvedVersion: nil, codeSha256: "ab", inputSchema: Self.tricky,
            createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", deletedAt: nil)
        #expect(try fast(tool) == foundation(tool))
        var execution = Execution(
            id: "exe_1", toolId: "tool_1", serverId: "srv_1", version: 1, codeSha256: "ab", caller: "key:a",
            status: .failed, reason: .memory, arguments: .object(["a": .int(1)]), result: nil,
            error: ExecutionError(type: "ValueError", message: "bad"), stdout: "out", truncated: true,
            durationMs: 12, cpuMs: nil, maxRssKb: 100, startedAt: "2026-01-01T00:00:00.000Z", finishedAt: nil)
        execution.egress = .array([.object(["host": "example.com", "status": .int(200)])])
        #expect(try fast(execution) == foundation(execution))
        #expect(try fast([tool, tool]) == foundation([tool, tool]))
        let optionals: [String: Int?] = ["none": nil, "some": 1]
        #expect(try fast(optionals) == foundation(optionals))
    }

    /// Integral doubles are written as integers (as `JSONEncoder` writes them) and read back as
    /// `.int`; everything else reads back as it was.
    @Test func storedTextReadsBackAsTheSameValue() throws {
        var value = Self.tricky.objectValue ?? [:]
        value["doubles"] = .array([.double(0.1), .double(1.5e-7), .double(3.14159265358979), .double(1e21)])
        #expect(try JSONValue.decode(JSONValue.object(value).encodedString()) == .object(value))
        #expect(try JSONValue.decode("[100, -0]") == .array([.int(100), .int(0)]))
        #expect(throws: (any Error).self) { try JSONValue.decode(#"{"a": 1, "a": 2}"#) }
        #expect(throws: (any Error).self) { try JSONValue.decode("{") }
    }
}
