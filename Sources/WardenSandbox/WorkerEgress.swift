import WardenDomain

/// Answers a worker's egress frames (the `http` object in tool code) for one execution.
/// The worker loop does the framing and decodes each request within `frameLimit`.
public protocol WorkerEgress: Sendable {
    /// The largest request frame this execution may send: anything larger stops the worker
    /// before a byte of it is decoded.
    var frameLimit: Int { get }
    /// `budget` is what is left of the execution's wall clock; the answer must come within it.
    func handle(_ request: JSONValue, within budget: Duration) async -> [UInt8]
}

/// How egress request frames are decoded: a request is a handful of fields and headers.
enum EgressFrameDecoding {
    static func decode(_ body: [UInt8], limit: Int) -> JSONValue? {
        try? BoundedJSON(maxDepth: 8, maxElements: 512, maxStringBytes: limit).parse(body)
    }
}
