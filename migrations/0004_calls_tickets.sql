-- The hotline's core: callers, calls, tickets, their audit trail and recordings.
-- Times are UTC. Phone numbers are E.164 (+84...). *_day columns hold the local day
-- (Asia/Ho_Chi_Minh, YYYY-MM-DD) computed by the application, so daily reports group
-- without database-specific date functions.

CREATE TABLE callers (
	id         INTEGER PRIMARY KEY,
	phone      TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL DEFAULT '',
	name_key   TEXT NOT NULL DEFAULT '',   -- lower case, without diacritics: for search
	language   TEXT NOT NULL DEFAULT 'vi',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX callers_name_key ON callers (name_key);

-- One row for every call that reaches the hotline application, written when the call
-- arrives and completed when it ends, so that a crash leaves an open row to close.
CREATE TABLE calls (
	id             TEXT PRIMARY KEY,
	channel_id     TEXT NOT NULL,
	caller_id      INTEGER REFERENCES callers (id),
	caller_number  TEXT,
	caller_raw     TEXT NOT NULL DEFAULT '',
	dialed         TEXT NOT NULL DEFAULT '',
	direction      TEXT NOT NULL DEFAULT 'inbound',
	language       TEXT NOT NULL DEFAULT 'vi',
	started_at     TIMESTAMP NOT NULL,
	started_day    TEXT NOT NULL,
	answered_at    TIMESTAMP,
	queued_at      TIMESTAMP,
	agent_answered_at TIMESTAMP,
	ended_at       TIMESTAMP,
	agent_id       INTEGER REFERENCES users (id),
	queue_wait_ms  INTEGER,
	talk_ms        INTEGER,
	ivr_path       TEXT NOT NULL DEFAULT '[]',
	outcome        TEXT NOT NULL DEFAULT 'in_progress',
	ended_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calls_started_at ON calls (started_at, id);
CREATE INDEX calls_started_day ON calls (started_day);
CREATE INDEX calls_channel_id ON calls (channel_id);
CREATE INDEX calls_caller ON calls (caller_id, started_at);
CREATE INDEX calls_open ON calls (ended_at) WHERE ended_at IS NULL;

-- Ticket references are HL-YY followed by a yearly sequence (HL-260001).
CREATE TABLE ticket_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE tickets (
	id                 INTEGER PRIMARY KEY,
	ref                TEXT NOT NULL UNIQUE,
	category           TEXT NOT NULL,
	priority           TEXT NOT NULL,
	status             TEXT NOT NULL,
	unit_code          TEXT REFERENCES units (code),   -- the area (ward/commune) it concerns
	assignee_user_id   INTEGER REFERENCES users (id),
	assignee_unit_code TEXT REFERENCES units (code),   -- or the unit it is assigned to
	caller_id          INTEGER REFERENCES callers (id),
	contact_phone      TEXT,                 -- the number to call back, if not the caller's
	call_id            TEXT REFERENCES calls (id),
	case_id            INTEGER REFERENCES cases (id),
	repeat_of_id       INTEGER REFERENCES tickets (id),
	merged_into_id     INTEGER REFERENCES tickets (id),
	summary            TEXT NOT NULL DEFAULT '',
	details            TEXT NOT NULL DEFAULT '',
	ivr_keys           TEXT NOT NULL DEFAULT '',
	ivr_answers        TEXT NOT NULL DEFAULT '{}',
	first_response_due TIMESTAMP NOT NULL,
	resolution_due     TIMESTAMP NOT NULL,
	first_response_at  TIMESTAMP,
	resolved_at        TIMESTAMP,
	closed_at          TIMESTAMP,
	created_at         TIMESTAMP NOT NULL,
	created_day        TEXT NOT NULL,
	updated_at         TIMESTAMP NOT NULL
);
-- The queue pages newest first with a (created_at, id) cursor; each common filter has
-- an index that serves that order directly.
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_status ON tickets (status, created_at, id);
CREATE INDEX tickets_category ON tickets (category, created_at, id);
CREATE INDEX tickets_priority ON tickets (priority, created_at, id);
CREATE INDEX tickets_unit ON tickets (unit_code, created_at, id);
CREATE INDEX tickets_assignee_unit ON tickets (assignee_unit_code, created_at, id);
CREATE INDEX tickets_assignee_user ON tickets (assignee_user_id, created_at, id);
-- Open tickets are a small, hot part of the table: the queue's default view and a ward's
-- work list read them through partial indexes of their own.
CREATE INDEX tickets_open ON tickets (created_at, id)
	WHERE status IN ('new', 'triaged', 'assigned', 'in_progress');
CREATE INDEX tickets_open_unit ON tickets (unit_code, created_at, id)
	WHERE status IN ('new', 'triaged', 'assigned', 'in_progress');
CREATE INDEX tickets_open_assignee_unit ON tickets (assignee_unit_code, created_at, id)
	WHERE status IN ('new', 'triaged', 'assigned', 'in_progress');
CREATE INDEX tickets_caller ON tickets (caller_id, created_at);
CREATE INDEX tickets_contact_phone ON tickets (contact_phone, created_at) WHERE contact_phone IS NOT NULL;
CREATE INDEX tickets_call ON tickets (call_id);
CREATE INDEX tickets_case ON tickets (case_id);
CREATE INDEX tickets_created_day ON tickets (created_day, category);

-- Every change to a ticket or a case is an event: who, when, what, from what to what.
-- Notes are events too.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	entity      TEXT NOT NULL,      -- ticket or case
	entity_id   INTEGER NOT NULL,
	at          TIMESTAMP NOT NULL,
	actor_id    INTEGER REFERENCES users (id),  -- NULL for the IVR or the system
	actor       TEXT NOT NULL,      -- who, as shown: a user name, ivr, system
	kind        TEXT NOT NULL,
	field       TEXT NOT NULL DEFAULT '',
	old_value   TEXT NOT NULL DEFAULT '',
	new_value   TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_entity ON events (entity, entity_id, at);

-- Voice messages and call recordings, kept in the hotline's own storage.
CREATE TABLE recordings (
	id          INTEGER PRIMARY KEY,
	call_id     TEXT REFERENCES calls (id),
	ticket_id   INTEGER REFERENCES tickets (id),
	kind        TEXT NOT NULL,      -- voice_message or call
	path        TEXT NOT NULL,
	duration_ms INTEGER NOT NULL DEFAULT 0,
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX recordings_ticket ON recordings (ticket_id);
CREATE INDEX recordings_call ON recordings (call_id);
