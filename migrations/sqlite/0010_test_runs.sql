-- A test run (an admin or a version's creator trying a version before approval) is recorded
-- like an execution, marked so that no one takes it for an agent's call.
ALTER TABLE executions ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
