import Foundation
import WardenDomain

/// A supervisor's lease on the shared database: while it holds, no other node touches its
/// running executions (docs/design.md §11.3).
public struct NodeLease: Sendable, Equatable {
    public var nodeId: String
    public var expiresAt: String
}

extension SQLDialect {
    /// The database's own clock, `?` seconds from now, as `Timestamp` writes times (RFC 3339
    /// UTC with milliseconds). Leases are written and compared on this one clock, so the nodes'
    /// clocks need not agree.
    var clockPlusSeconds: String {
        switch self {
        case .sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', ?))"
        case .postgresql:
            """
            to_char((clock_timestamp() + make_interval(secs => ?)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            """
        }
    }
}

extension Store {
    /// Takes or renews this node's lease for `seconds` from now, by the database's clock.
    @discardableResult
    public func renewLease(seconds: TimeInterval) async throws -> NodeLease {
        let clock = dialect.clockPlusSeconds
        let expiresAt = try await write { [nodeId] db in
            try db.fetchValue(
                String.self,
                sql: """
                    INSERT INTO nodes (id, started_at, lease_expires_at) VALUES (?, \(clock), \(clock))
                    ON CONFLICT (id) DO UPDATE SET lease_expires_at = excluded.lease_expires_at
                    RETURNING lease_expires_at
                    """, arguments: [nodeId, 0.0, seconds])
        }
        return NodeLease(nodeId: nodeId, expiresAt: expiresAt ?? "")
    }

    /// This node's lease as the database holds it, and whether it still holds by the
    /// database's clock.
    public func currentLease() async throws -> (lease: NodeLease, holds: Bool)? {
        let clock = dialect.clockPlusSeconds
        return try await read { [nodeId] db in
            try db.fetchOne(
                sql: """
                    SELECT lease_expires_at, CASE WHEN lease_expires_at >= \(clock) THEN 1 ELSE 0 END AS holds
                    FROM nodes WHERE id = ?
                    """, arguments: [0.0, nodeId]
            ).map { row in (NodeLease(nodeId: nodeId, expiresAt: row["lease_expires_at"]), row["holds"] as Bool) }
        }
    }

    /// Marks `interrupted` the running executions of nodes whose lease expired (and of nodes
    /// that never held one), never those of a live node, and forgets those nodes. With
    /// `everyOtherNode` (one process owns an SQLite file), every other node counts as gone.
    /// With `startingUp`, so do this node's own earlier runs: a process that has just started
    /// runs nothing yet, so rows under its id were left by a predecessor with the same
    /// `WARDEN_NODE_ID`.
    @discardableResult
    public func interruptExecutionsOfLostNodes(everyOtherNode: Bool = false, startingUp: Bool = false)
        async throws -> Int
    {
        let now = Timestamp.now()
        let clock = dialect.clockPlusSeconds
        return try await write { [nodeId] db in
            let live: Set<String> =
                everyOtherNode
                ? [nodeId]
                : Set(
                    try db.fetchValues(
                        String.self, sql: "SELECT id FROM nodes WHERE lease_expires_at >= \(clock) OR id = ?",
                        arguments: [0.0, nodeId]))
            let running = try db.fetchAll(sql: "SELECT id, node_id FROM executions WHERE status = 'running'")
            let lost = running.filter { row in
                guard let node = row["node_id"] as String? else { return true }
                return !live.contains(node) || (startingUp && node == nodeId)
            }
            let lostNodes = Set(lost.compactMap { $0["node_id"] as String? }).sorted()
            for row in lost {
                try db.execute(
                    sql:
                        "UPDATE executions SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'",
                    arguments: [now, row["id"] as String])
            }
            if everyOtherNode {
                try db.execute(sql: "DELETE FROM nodes WHERE id != ?", arguments: [nodeId])
            } else {
                try db.execute(
                    sql: "DELETE FROM nodes WHERE lease_expires_at < \(clock) AND id != ?", arguments: [0.0, nodeId])
            }
            guard !lost.isEmpty else { return 0 }
            try self.appendAudit(
                db, type: "execution.interrupted", actor: "system", subject: "executions",
                details: .object([
                    "count": .int(Int64(lost.count)), "nodes": .array(lostNodes.map(JSONValue.string)),
                    "by_node": .string(nodeId),
                ]))
            return lost.count
        }
    }

    /// Marks `interrupted` (reason `lost`) this node's own executions still `running` that
    /// started before `cutoff`: the node is alive, so no other node would ever end them.
    @discardableResult
    public func interruptOwnStaleExecutions(startedBefore cutoff: String) async throws -> Int {
        let now = Timestamp.now()
        return try await write { [nodeId] db in
            let stale = try db.fetchValues(
                String.self,
                sql: "SELECT id FROM executions WHERE status = 'running' AND node_id = ? AND started_at < ?",
                arguments: [nodeId, cutoff])
            for id in stale {
                try db.execute(
                    sql: """
                        UPDATE executions SET status = 'interrupted', reason = 'lost', finished_at = ?
                        WHERE id = ? AND status = 'running'
                        """,
                    arguments: [now, id])
            }
            guard !stale.isEmpty else { return 0 }
            try self.appendAudit(
                db, type: "execution.interrupted", actor: "system", subject: "executions",
                details: .object([
                    "count": .int(Int64(stale.count)), "reason": "lost", "by_node": .string(nodeId),
                    "started_before": .string(cutoff),
                ]))
            return stale.count
        }
    }
}
