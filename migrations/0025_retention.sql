-- Retention (issue 25, Law 91/2025/QH15): how long each kind of citizens' data is kept,
-- set by an admin on the console (Thời hạn lưu trữ), and the nightly purge's runs.
-- retention_periods holds one row per kind, in days; the defaults below are the README's.
-- The access log is kept at least 183 days (6 months): the store refuses less, and so
-- does the CHECK.
CREATE TABLE retention_periods (
	kind          TEXT PRIMARY KEY,
	days          INTEGER NOT NULL CHECK (days >= 1 AND days <= 36500),
	updated_by_id INTEGER REFERENCES users (id),
	updated_at    TIMESTAMP,
	CHECK (kind <> 'access_log' OR days >= 183)
);
INSERT INTO retention_periods (kind, days) VALUES
	('voice_messages', 90),
	('call_numbers', 365),
	('closed_tickets', 730),
	('closed_cases', 730),
	('access_log', 730),
	('sessions', 30),
	('login_failures', 30),
	('spool', 30);

-- A purge's run: the nightly one claims its local night (night UNIQUE, as the frozen
-- reports claim their day), so that one run happens per night whoever starts it; a run
-- from the shell (hotline purge) has no night. Its counts, per kind, in purge_counts.
CREATE TABLE purge_runs (
	id          INTEGER PRIMARY KEY,
	night       TEXT UNIQUE,         -- local day, YYYY-MM-DD, of a nightly run
	source      TEXT NOT NULL,       -- serve or shell
	started_at  TIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	error       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE purge_counts (
	run_id INTEGER NOT NULL REFERENCES purge_runs (id),
	kind   TEXT NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (run_id, kind)
);

-- When a call, a ticket or a case was anonymised (by the purge, or by a person's deletion
-- on request): the purge takes the rows not anonymised yet, through these partial indexes,
-- so that a second run finds nothing and no night reads the years already done.
ALTER TABLE calls ADD COLUMN anonymised_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN anonymised_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN anonymised_at TIMESTAMP;
CREATE INDEX calls_to_anonymise ON calls (started_at) WHERE anonymised_at IS NULL;
CREATE INDEX tickets_to_anonymise ON tickets (updated_at)
	WHERE anonymised_at IS NULL AND status IN ('resolved', 'closed', 'cancelled');
CREATE INDEX cases_to_anonymise ON cases (updated_at) WHERE anonymised_at IS NULL AND status IN ('cleared', 'lost');
CREATE INDEX recordings_created ON recordings (created_at);
CREATE INDEX login_failures_at ON login_failures (at);
