import Crypto
import Foundation
import GRDB
import WardenDomain

/// Signs audit events into a hash chain: each event's HMAC covers its content and the
/// previous event's hash, with a key kept outside the database.
public struct AuditSigner: Sendable {
    public static let genesisHash = String(repeating: "0", count: 64)
    private let key: SymmetricKey

    public init(keyBytes: [UInt8]) {
        self.key = SymmetricKey(data: keyBytes)
    }

    func hash(seq: Int64, at: String, type: String, actor: String, subject: String, details: String, prevHash: String) -> String {
        // Length-prefixed fields: no two different events share a canonical form.
        var canonical = ""
        for field in [String(seq), at, type, actor, subject, details, prevHash] {
            canonical += "\(field.utf8.count):\(field);"
        }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(canonical.utf8), using: key))
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

    /// Walks the whole chain in batches and names the first entry that does not hold.
    public func verifyAuditChain(batchSize: Int = 10_000) async throws -> ChainVerification {
        var expectedSeq: Int64 = 1
        var prevHash = AuditSigner.genesisHash
        while true {
            let from = expectedSeq
            let rows = try await read { db in
                try Row.fetchAll(db, sql: """
                    SELECT seq, at, type, actor, subject, details, prev_hash, hash FROM audit_events
                    WHERE seq >= ? ORDER BY seq LIMIT ?
                    """, arguments: [from, batchSize]).map(StoredAuditRow.init)
            }
            if rows.isEmpty { break }
            for row in rows {
                let seq = row.seq
                if seq != expectedSeq {
                    return ChainVerification(ok: false, checked: expectedSeq - 1, firstBreak: expectedSeq, reason: "entry \(expectedSeq) is missing")
                }
                if row.prevHash != prevHash {
                    return ChainVerification(ok: false, checked: seq - 1, firstBreak: seq, reason: "entry \(seq) does not follow entry \(seq - 1) (removed or reordered entries)")
                }
                let computed = signer.hash(seq: seq, at: row.at, type: row.type, actor: row.actor, subject: row.subject, details: row.details, prevHash: row.prevHash)
                if row.hash != computed {
                    return ChainVerification(ok: false, checked: seq - 1, firstBreak: seq, reason: "entry \(seq) was changed, or the audit key is wrong")
                }
                prevHash = row.hash
                expectedSeq = seq + 1
            }
        }
        return ChainVerification(ok: true, checked: expectedSeq - 1, firstBreak: nil, reason: nil)
    }
}

/// An audit row as stored, copied out of the database connection.
struct StoredAuditRow: Sendable {
    var seq: Int64
    var at: String
    var type: String
    var actor: String
    var subject: String
    var details: String
    var prevHash: String
    var hash: String

    init(_ row: Row) {
        seq = row["seq"]
        at = row["at"]
        type = row["type"]
        actor = row["actor"]
        subject = row["subject"]
        details = row["details"]
        prevHash = row["prev_hash"]
        hash = row["hash"]
    }
}
