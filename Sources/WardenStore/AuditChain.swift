import Crypto
import Foundation
import GRDB
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

    func hash(seq: Int64, at: String, type: String, actor: String, subject: String, details: String, prevHash: String) -> String {
        var canonical: [UInt8] = []
        for field in [String(seq), at, type, actor, subject, details, prevHash] {
            Self.appendField(Array(field.utf8), to: &canonical)
        }
        return String(decoding: hexMAC(canonical), as: UTF8.self)
    }

    /// Length-prefixed fields (`len:value;`): no two different events share a canonical form.
    static func appendField<Bytes: Collection>(_ field: Bytes, to canonical: inout [UInt8]) where Bytes.Element == UInt8 {
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

/// The result of walking the chain.
public struct ChainVerification: Codable, Equatable, Sendable {
    public var ok: Bool
    public var checked: Int64
    public var firstBreak: Int64?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case ok, checked, reason
        case firstBreak = "first_break"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(checked, forKey: .checked)
        try c.encode(firstBreak, forKey: .firstBreak)
        try c.encode(reason, forKey: .reason)
    }
}

extension Store {
    /// Appends one event inside the caller's write transaction, so the event commits or rolls
    /// back with the change it records. SQLite's single writer keeps the chain from forking.
    func appendAudit(_ db: GRDB.Database, type: String, actor: String, subject: String, details: JSONValue = .object([:])) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let prevHash: String = last?["hash"] ?? AuditSigner.genesisHash
        let at = Timestamp.now()
        let detailsText = details.encodedString()
        let hash = signer.hash(seq: seq, at: at, type: type, actor: actor, subject: subject, details: detailsText, prevHash: prevHash)
        try db.execute(
            sql: "INSERT INTO audit_events (seq, at, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [seq, at, type, actor, subject, detailsText, prevHash, hash])
    }

    /// Records an event on its own (for things that change nothing else, like a refused key).
    public func recordAudit(type: String, actor: String, subject: String, details: JSONValue = .object([:])) async throws {
        try await write { db in
            try self.appendAudit(db, type: type, actor: actor, subject: subject, details: details)
        }
    }

    /// Walks the whole chain and names the first entry that does not hold. One read transaction
    /// (a consistent snapshot) and a cursor: rows are checked as they are read, straight from
    /// SQLite's buffers, so memory stays flat however long the chain is.
    public func verifyAuditChain() async throws -> ChainVerification {
        let signer = self.signer
        return try await read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT seq, at, type, actor, subject, details, prev_hash, hash FROM audit_events ORDER BY seq
                """)
            var expectedSeq: Int64 = 1
            var previous = Array(AuditSigner.genesisHash.utf8)
            var canonical: [UInt8] = []
            while let row = try cursor.next() {
                let seq: Int64 = row[0]
                if seq != expectedSeq {
                    return ChainVerification(ok: false, checked: expectedSeq - 1, firstBreak: expectedSeq, reason: "entry \(expectedSeq) is missing")
                }
                let recordedPrev = row.dataNoCopy(atIndex: 6) ?? Data()
                guard recordedPrev.elementsEqual(previous) else {
                    return ChainVerification(ok: false, checked: seq - 1, firstBreak: seq, reason: "entry \(seq) does not follow entry \(seq - 1) (removed or reordered entries)")
                }
                canonical.removeAll(keepingCapacity: true)
                var seqDigits: [UInt8] = []
                AuditSigner.appendDecimal(Int(seq), to: &seqDigits)
                AuditSigner.appendField(seqDigits, to: &canonical)
                for column in 1...6 { AuditSigner.appendField(row.dataNoCopy(atIndex: column) ?? Data(), to: &canonical) }
                let recorded = row.dataNoCopy(atIndex: 7) ?? Data()
                guard recorded.elementsEqual(signer.hexMAC(canonical)) else {
                    return ChainVerification(ok: false, checked: seq - 1, firstBreak: seq, reason: "entry \(seq) was changed, or the audit key is wrong")
                }
                previous = Array(recorded)
                expectedSeq = seq + 1
            }
            return ChainVerification(ok: true, checked: expectedSeq - 1, firstBreak: nil, reason: nil)
        }
    }
}
