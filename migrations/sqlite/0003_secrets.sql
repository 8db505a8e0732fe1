-- Per-server secrets: AES-256-GCM, nonce and tag stored with the ciphertext, bound by associated
-- data to `server_secret:<server_id>:<NAME>` so a row moved elsewhere does not decrypt.
CREATE TABLE server_secrets (
    server_id  TEXT NOT NULL REFERENCES servers(id),
    name       TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (server_id, name)
);
