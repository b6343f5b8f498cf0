-- Suspected cases and their day-by-day follow-up, after WHO Go.Data's model.
CREATE TABLE case_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE cases (
	id               INTEGER PRIMARY KEY,
	ref              TEXT NOT NULL UNIQUE,       -- CA-260001
	person_name      TEXT NOT NULL,
	name_key         TEXT NOT NULL,
	phone            TEXT,
	birth_year       INTEGER,
	sex              TEXT NOT NULL DEFAULT '',   -- male, female or ''
	address          TEXT NOT NULL DEFAULT '',
	unit_code        TEXT REFERENCES units (code),
	onset_date       TEXT,                        -- YYYY-MM-DD
	exposure_travel  INTEGER NOT NULL DEFAULT 0,  -- came from an epidemic area
	exposure_contact INTEGER NOT NULL DEFAULT 0,  -- contact with a confirmed case
	exposure_note    TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	monitoring_from  TEXT,                        -- first day of monitoring
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX cases_phone ON cases (phone);
CREATE INDEX cases_name_key ON cases (name_key);
CREATE INDEX cases_unit ON cases (unit_code, status);

CREATE TABLE follow_ups (
	id          INTEGER PRIMARY KEY,
	case_id     INTEGER NOT NULL REFERENCES cases (id),
	day         INTEGER NOT NULL,               -- 1 .. length of monitoring
	due_on      TEXT NOT NULL,                  -- local day, YYYY-MM-DD
	result      TEXT,                           -- well, symptomatic, not_reached, refused
	method      TEXT,                           -- agent_call, automated_call, home_visit
	answers     TEXT NOT NULL DEFAULT '{}',
	note        TEXT NOT NULL DEFAULT '',
	recorded_by INTEGER REFERENCES users (id),
	recorded_at TIMESTAMP,
	UNIQUE (case_id, day)
);
CREATE INDEX follow_ups_due ON follow_ups (due_on) WHERE result IS NULL;
