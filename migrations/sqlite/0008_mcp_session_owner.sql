-- MCP sessions are owned by an actor (`key:…`, `oidc:…`, `cert:…`), no longer a bare API key id.
UPDATE mcp_sessions SET key_id = 'key:' || key_id WHERE instr(key_id, ':') = 0;
