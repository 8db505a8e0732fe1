import WardenDomain

/// How egress request frames are decoded: a request is a handful of fields and headers.
enum EgressFrameDecoding {
    static func decode(_ body: [UInt8], limit: Int) -> JSONValue? {
        try? BoundedJSON(maxDepth: 8, maxElements: 512, maxStringBytes: limit).parse(body)
    }
}
