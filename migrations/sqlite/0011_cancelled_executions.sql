-- An execution can end `cancelled` (its MCP client cancelled the call). SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt with the same rows, columns and indexes.
CREATE TABLE executions_next (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    tool_id       TEXT NOT NULL REFERENCES tools(id),
    server_id     TEXT NOT NULL REFERENCES servers(id),
    version       INTEGER NOT NULL,
    code_sha256   TEXT NOT NULL,
    caller        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'timeout', 'killed', 'cancelled', 'interrupted')),
    reason        TEXT,
    arguments     TEXT NOT NULL,
    result        TEXT,
    error_type    TEXT,
    error_message TEXT,
    stdout        TEXT NOT NULL DEFAULT '',
    truncated     INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER,
    cpu_ms        INTEGER,
    max_rss_kb    INTEGER,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    egress        TEXT NOT NULL DEFAULT '[]',
    test          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO executions_next (seq, id, tool_id, server_id, version, code_sha256, caller, status, reason, arguments, result,
                             error_type, error_message, stdout, truncated, duration_ms, cpu_ms, max_rss_kb, started_at,
                             finished_at, egress, test)
    SELECT seq, id, tool_id, server_id, version, code_sha256, caller, status, reason, arguments, result, error_type,
           error_message, stdout, truncated, duration_ms, cpu_ms, max_rss_kb, started_at, finished_at, egress, test
    FROM executions;
DROP TABLE executions;
ALTER TABLE executions_next RENAME TO executions;
CREATE INDEX executions_tool ON executions(tool_id, seq);
CREATE INDEX executions_server ON executions(server_id, seq);
CREATE INDEX executions_status ON executions(status, seq);
CREATE INDEX executions_caller ON executions(caller, seq);
CREATE INDEX executions_started ON executions(started_at);
