-- Execution log: written as `running` before the worker starts, completed after it ends.
CREATE TABLE executions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    tool_id       TEXT NOT NULL REFERENCES tools(id),
    server_id     TEXT NOT NULL REFERENCES servers(id),
    version       INTEGER NOT NULL,
    code_sha256   TEXT NOT NULL,
    caller        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'timeout', 'killed', 'interrupted')),
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
    finished_at   TEXT
);
CREATE INDEX executions_tool ON executions(tool_id, seq);
CREATE INDEX executions_server ON executions(server_id, seq);
CREATE INDEX executions_status ON executions(status, seq);
CREATE INDEX executions_caller ON executions(caller, seq);
CREATE INDEX executions_started ON executions(started_at);
