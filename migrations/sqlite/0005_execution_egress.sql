-- The requests each execution made through the egress proxy: method, host, status, bytes.
ALTER TABLE executions ADD COLUMN egress TEXT NOT NULL DEFAULT '[]';
