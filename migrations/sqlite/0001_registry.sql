-- Registry: servers, tools, immutable tool versions, approval decisions, API keys, audit trail.
-- Rows are never deleted by the service: deletion is a timestamp, history is append-only.

CREATE TABLE servers (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    allowed_hosts TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE UNIQUE INDEX servers_live_name ON servers(name) WHERE deleted_at IS NULL;

CREATE TABLE tools (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    server_id        TEXT NOT NULL REFERENCES servers(id),
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL CHECK (kind IN ('python', 'mcp_passthrough')),
    current_version  INTEGER NOT NULL,
    approval_status  TEXT NOT NULL CHECK (approval_status IN ('pending_review', 'approved', 'rejected')),
    approved_version INTEGER,
    code_sha256      TEXT NOT NULL,
    input_schema     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT,
    CHECK ((approval_status = 'approved') = (approved_version IS NOT NULL))
);
CREATE UNIQUE INDEX tools_live_name ON tools(server_id, name) WHERE deleted_at IS NULL;
CREATE INDEX tools_server ON tools(server_id, seq);

CREATE TABLE tool_versions (
    tool_id          TEXT NOT NULL REFERENCES tools(id),
    version          INTEGER NOT NULL,
    code             TEXT NOT NULL,
    code_sha256      TEXT NOT NULL,
    input_schema     TEXT NOT NULL,
    schema_explicit  INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL CHECK (source IN ('submit', 'rollback')),
    rolled_back_from INTEGER,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (tool_id, version)
);
CREATE TRIGGER tool_versions_no_update BEFORE UPDATE ON tool_versions
BEGIN SELECT RAISE(ABORT, 'tool versions are immutable'); END;
CREATE TRIGGER tool_versions_no_delete BEFORE DELETE ON tool_versions
BEGIN SELECT RAISE(ABORT, 'tool versions are append-only'); END;

CREATE TABLE approval_decisions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tool_id    TEXT NOT NULL REFERENCES tools(id),
    version    INTEGER NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    note       TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX approval_decisions_tool ON approval_decisions(tool_id, seq);

CREATE TABLE api_keys (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'agent', 'auditor')),
    key_hash     TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT
);

-- Each event carries the previous event's hash and an HMAC over its content and that hash.
CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    type      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    subject   TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_events_type ON audit_events(type, seq);
CREATE INDEX audit_events_actor ON audit_events(actor, seq);
CREATE INDEX audit_events_subject ON audit_events(subject, seq);
