-- The nightly backups: one row per local day whose backup a hotline took on (claimed_at)
-- and, once the archive was written, finished (finished_at, the archive's name and
-- size). The day's key is the claim that keeps two hotlines from both backing up one
-- night; a claim left unfinished for an hour (its hotline stopped) is taken again.
CREATE TABLE backup_runs (
	day         TEXT PRIMARY KEY,
	claimed_at  TIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	archive     TEXT,
	bytes       INTEGER
);
