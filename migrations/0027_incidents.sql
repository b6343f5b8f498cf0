-- The register of personal-data incidents (breaches), kept by the supervisors (Law
-- 91/2025/QH15 Art. 23): when an incident was found and by whom, what happened, the kinds
-- of data, how many people, the 72 hours from finding it to notify the Ministry of Public
-- Security's specialised agency, and when and how it was notified or why not. What was
-- done is kept on the incident; the minutes are notes appended to its trail (events,
-- entity 'incident', kind 'minute'), never edited. Every change is an event.
CREATE TABLE incidents (
	id                  INTEGER PRIMARY KEY,
	found_at            TIMESTAMP NOT NULL,
	found_by            TEXT NOT NULL,            -- who found it, as told: a user, a unit, a citizen
	summary             TEXT NOT NULL,            -- what happened
	data_kinds          TEXT NOT NULL,            -- codes, comma-separated: phone,health,...
	people              INTEGER,                  -- how many people; NULL: not known yet
	people_estimated    INTEGER NOT NULL DEFAULT 0,
	actions             TEXT NOT NULL DEFAULT '', -- what was done
	status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'notified', 'closed')),
	notify_due          TIMESTAMP NOT NULL,       -- found_at + 72 hours
	notified_at         TIMESTAMP,
	notified_how        TEXT NOT NULL DEFAULT '',
	not_notified_reason TEXT NOT NULL DEFAULT '',
	closed_at           TIMESTAMP,
	created_by_id       INTEGER REFERENCES users (id),
	created_by          TEXT NOT NULL,
	created_at          TIMESTAMP NOT NULL
);
CREATE INDEX incidents_open ON incidents (status, notify_due);

-- Unusual patterns in the access log, raised by the hotline for a supervisor to review:
-- one user opening more citizens (numbers, voice messages, cases) within a clock hour
-- than the threshold. A flag holds the user, the hour and the count, never a citizen's
-- number. One flag per user, hour and kind: a scan run again raises none twice.
CREATE TABLE access_flags (
	id             INTEGER PRIMARY KEY,
	kind           TEXT NOT NULL,
	user_id        INTEGER REFERENCES users (id),
	username       TEXT NOT NULL,
	hour           TIMESTAMP NOT NULL,            -- the hour's start, UTC
	count          INTEGER NOT NULL,
	threshold      INTEGER NOT NULL,              -- the setting when it was raised
	raised_at      TIMESTAMP NOT NULL,
	status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'incident')),
	reviewed_by_id INTEGER REFERENCES users (id),
	reviewed_by    TEXT,
	reviewed_at    TIMESTAMP,
	reason         TEXT NOT NULL DEFAULT '',      -- why it was dismissed
	incident_id    INTEGER REFERENCES incidents (id),
	UNIQUE (username, hour, kind)
);
CREATE INDEX access_flags_open ON access_flags (status, hour);

-- How far the access log has been scanned for flags (one row).
CREATE TABLE access_scans (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	scanned_to TIMESTAMP NOT NULL
);
