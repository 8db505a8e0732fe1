-- Supervisors and their leases: a node's running executions are marked interrupted only
-- after its lease expired (docs/design.md §11.3).
CREATE TABLE nodes (
    id               TEXT PRIMARY KEY,
    started_at       TEXT NOT NULL,
    lease_expires_at TEXT NOT NULL
);
ALTER TABLE executions ADD COLUMN node_id TEXT;
CREATE INDEX executions_running ON executions(status, node_id);
