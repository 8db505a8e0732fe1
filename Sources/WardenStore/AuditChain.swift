import Crypto
import Foundation
import WardenDomain

/// Signs audit events into a hash chain: each event's HMAC covers its content and the
/// previous event's hash, with a key kept outside the database.
public struct AuditSigner: Sendable {
    public static let genesisHash = String(repeating: "0", count: 64)
    /// Keyed once; each MAC starts from a copy, so the key schedule is not redone per event.
    private let keyed: HMAC<SHA256>

    public init(keyBytes: [UInt8]) {
        self.keyed = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
    }

    func hash(seq: Int64, at: String, type: String, actor: String, subject: String, details: String, prevHash: String)
        -> String
    {
        var canonical: [UInt8] = []
        for field in [String(seq), at, type, actor, subject, details, prevHash] {
            Self.appendField(Array(field.utf8), to: &canonical)
        }
        return String(decoding: hexMAC(canonical), as: UTF8.self)
    }

    /// Length-prefixed fields (`len:value;`): no two different events share a canonical form.
    static func appendField<Bytes: Collection>(_ field: Bytes, to canonical: inout [UInt8])
    where Bytes.Element == UInt8 {
        appendDecimal(field.count, to: &canonical)
        canonical.append(UInt8(ascii: ":"))
        canonical.append(contentsOf: field)
        canonical.append(UInt8(ascii: ";"))
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// The HMAC as lowercase hex bytes, the form stored in `hash`.
    func hexMAC(_ canonical: [UInt8]) -> [UInt8] {
        var mac = keyed
        mac.update(data: canonical)
        return Hex.encodedBytes(mac.finalize())
    }
}

/// The last entry of the chain. Recorded elsewhere (a backup manifest, a log line, an
/// operator's note), it catches a truncated tail, which the chain alone cannot show.
public struct AuditHead: Codable, Equatable, Sendable, CustomStringConvertible {
    public var seq: Int64
    public var hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// `SEQ:HASH`, as printed by `warden audit verify` and logged by the server.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, parts[1].count == 64,
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(seq: seq, hash: String(parts[1]))
    }

    public var description: String { "\(seq):\(hash)" }
}

/// The result of walking the chain.
public struct ChainVerification: Codable, Equatable, Sendable {
    public var ok: Bool
    public var checked: Int64
    public var firstBreak: Int64?
    public var reason: String?
    /// The last entry that verified; nil for an empty chain.
    public var head: AuditHead?

    enum CodingKeys: String, CodingKey {
        case ok, checked, reason, head
        case firstBreak = "first_break"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(checked, forKey: .checked)
        try c.encode(firstBreak, forKey: .firstBreak)
        try c.encode(reason, forKey: .reason)
        try c.encode(head, forKey: .head)
    }
}

extension Store {
    /// Appends one event inside the caller's write transaction, so the event commits or rolls
    /// back with the change it records. The write lock (SQLite's single writer, PostgreSQL's
    /// advisory lock) keeps two writers, on any node, from forking the chain.
    func appendAudit(
        _ db: any SQLConnection, type: String, actor: String, subject: String, details: JSONValue = .object([:])
    ) throws {
        let last = try db.fetchOne(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let prevHash: String = last?["hash"] ?? AuditSigner.genesisHash
        let at = Timestamp.now()
        let detailsText = details.encodedString()
        let hash = signer.hash(
            seq: seq, at: at, type: type, actor: actor, subject: subject, details: detailsText, prevHash: prevHash)
        try db.execute(
            sql:
                "INSERT INTO audit_events (seq, at, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [seq, at, type, actor, subject, detailsText, prevHash, hash])
    }

    /// Records an event on its own (for things that change nothing else, like a refused key).
    public func recordAudit(type: String, actor: String, subject: String, details: JSONValue = .object([:]))
        async throws
    {
        try await write { db in
            try self.appendAudit(db, type: type, actor: actor, subject: subject, details: details)
        }
    }

    /// The chain's last entry, without verifying anything.
    public func auditHead() async throws -> AuditHead? {
        try await read { db in
            try db.fetchOne(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").map {
                AuditHead(seq: $0["seq"], hash: $0["hash"])
            }
        }
    }

    /// Walks the whole chain and names the first entry that does not hold; with `expectedHead`
    /// (recorded earlier), also that the chain still holds that entry unchanged, so a deleted
    /// tail is caught. One consistent snapshot, read in pages by `seq`, so memory stays flat.
    public func verifyAuditChain(expectedHead: AuditHead? = nil) async throws -> ChainVerification {
        try await verifyAuditChain(expectedHead: expectedHead, pageSize: 5000)
    }

    func verifyAuditChain(expectedHead: AuditHead?, pageSize: Int) async throws -> ChainVerification {
        let signer = self.signer
        return try await database.snapshotRead { db in
            try Self.verifyChain(db, signer: signer, expectedHead: expectedHead, pageSize: pageSize)
        }
    }

    static func verifyChain(_ db: any SQLConnection, signer: AuditSigner, expectedHead: AuditHead?, pageSize: Int)
        throws -> ChainVerification
    {
        var expectedSeq: Int64 = 1
        var previous = Array(AuditSigner.genesisHash.utf8)
        var canonical: [UInt8] = []
        var head: AuditHead?
        func broken(_ seq: Int64, _ reason: String) -> ChainVerification {
            ChainVerification(ok: false, checked: seq - 1, firstBreak: seq, reason: reason, head: head)
        }
        var after = Int64.min
        while true {
            let rows = try db.fetchAll(
                sql: """
                    SELECT seq, at, type, actor, subject, details, prev_hash, hash FROM audit_events
                    WHERE seq > ? ORDER BY seq LIMIT ?
                    """, arguments: [after, pageSize])
            for row in rows {
                let seq: Int64 = row[0]
                if seq != expectedSeq { return broken(expectedSeq, "entry \(expectedSeq) is missing") }
                let recordedPrev = Self.bytes(row.values[6])
                guard recordedPrev == previous else {
                    return broken(seq, "entry \(seq) does not follow entry \(seq - 1) (removed or reordered entries)")
                }
                canonical.removeAll(keepingCapacity: true)
                var seqDigits: [UInt8] = []
                AuditSigner.appendDecimal(Int(seq), to: &seqDigits)
                AuditSigner.appendField(seqDigits, to: &canonical)
                for column in 1...6 { AuditSigner.appendField(Self.bytes(row.values[column]), to: &canonical) }
                let recorded = Self.bytes(row.values[7])
                guard recorded == signer.hexMAC(canonical) else {
                    return broken(seq, "entry \(seq) was changed, or the audit key is wrong")
                }
                if let expectedHead, expectedHead.seq == seq, recorded != Array(expectedHead.hash.utf8) {
                    return broken(
                        seq,
                        "entry \(seq) is not the one recorded as the head earlier (the chain was rewritten from there)")
                }
                previous = recorded
                head = AuditHead(seq: seq, hash: String(decoding: recorded, as: UTF8.self))
                expectedSeq = seq + 1
            }
            guard rows.count == pageSize, let last = rows.last else { break }
            after = last[0]
        }
        if let expectedHead, expectedHead.seq >= expectedSeq {
            let missing =
                expectedSeq == expectedHead.seq
                ? "entry \(expectedSeq) is" : "entries \(expectedSeq) to \(expectedHead.seq) are"
            return broken(
                expectedSeq,
                "\(missing) missing: the chain ends at \(expectedSeq - 1) but its head was \(expectedHead.seq) earlier")
        }
        return ChainVerification(ok: true, checked: expectedSeq - 1, firstBreak: nil, reason: nil, head: head)
    }

    /// A column's bytes as the chain hashes them (text as UTF-8).
    static func bytes(_ value: SQLValue) -> [UInt8] {
        switch value {
        case .text(let text): Array(text.utf8)
        case .blob(let data): Array(data)
        case .integer(let number): Array(String(number).utf8)
        case .real(let number): Array(String(number).utf8)
        case .null: []
        }
    }
}
