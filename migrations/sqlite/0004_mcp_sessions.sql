-- MCP sessions live in the database, so any supervisor sharing it can serve any session.
CREATE TABLE mcp_sessions (
    id               TEXT PRIMARY KEY,
    key_id           TEXT NOT NULL,
    server_filter    TEXT,
    protocol_version TEXT NOT NULL,
    client_info      TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    ended_at         TEXT
);
