-- Who registered each MCP source: four eyes refuses them the approval of its passthrough tools.
-- Sources registered before this migration take the actor of their audit event.
ALTER TABLE mcp_sources ADD COLUMN created_by TEXT;
UPDATE mcp_sources SET created_by = (
    SELECT actor FROM audit_events WHERE type = 'mcp_source.created' AND subject = mcp_sources.id
);
