-- Logged-out session tokens, kept until they would have expired anyway.
CREATE TABLE revoked_sessions (
    jti        TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX revoked_sessions_expiry ON revoked_sessions(expires_at);
