-- A version records the whole definition a model sees: name and description join code and
-- schema. Existing versions take their tool's current name and description (the best record
-- there is). Versions stay immutable: the trigger is lifted for this backfill only.
ALTER TABLE tool_versions ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE tool_versions ADD COLUMN description TEXT NOT NULL DEFAULT '';
DROP TRIGGER tool_versions_no_update;
UPDATE tool_versions SET
    name = (SELECT name FROM tools WHERE tools.id = tool_versions.tool_id),
    description = (SELECT description FROM tools WHERE tools.id = tool_versions.tool_id);
CREATE TRIGGER tool_versions_no_update BEFORE UPDATE ON tool_versions
BEGIN SELECT RAISE(ABORT, 'tool versions are immutable'); END;
