-- Upstream MCP servers whose tools are imported as `mcp_passthrough` tools. A passthrough tool's
-- "code" is the canonical JSON of the upstream definition it was approved with (its pin).
CREATE TABLE mcp_sources (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    server_id   TEXT NOT NULL REFERENCES servers(id),
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    auth_secret TEXT,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE UNIQUE INDEX mcp_sources_live_name ON mcp_sources(server_id, name) WHERE deleted_at IS NULL;
ALTER TABLE tools ADD COLUMN source_id TEXT REFERENCES mcp_sources(id);
ALTER TABLE tools ADD COLUMN upstream_name TEXT;
