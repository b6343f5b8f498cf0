-- One row the console's /healthz writes to, so that "healthy" means the database takes
-- a commit now, not only that the process is up.
CREATE TABLE health_probe (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at TIMESTAMP
);
INSERT INTO health_probe (id) VALUES (1);
