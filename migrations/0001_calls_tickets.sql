-- Calls and tickets: the first slice of the hotline's model.
-- Times are UTC. Phone numbers are E.164 (+84...) when they could be normalised.

-- One row for every call that reaches the hotline application, written when the call
-- arrives and completed when it ends, so that a crash leaves an open row to close.
CREATE TABLE calls (
	id            TEXT PRIMARY KEY,
	channel_id    TEXT NOT NULL,
	caller_number TEXT,
	caller_raw    TEXT NOT NULL DEFAULT '',
	dialed        TEXT NOT NULL DEFAULT '',
	language      TEXT NOT NULL DEFAULT 'vi',
	started_at    TIMESTAMP NOT NULL,
	answered_at   TIMESTAMP,
	ended_at      TIMESTAMP,
	ivr_path      TEXT NOT NULL DEFAULT '[]',
	outcome       TEXT NOT NULL DEFAULT 'in_progress',
	ended_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calls_started_at ON calls (started_at);
CREATE INDEX calls_channel_id ON calls (channel_id);
CREATE INDEX calls_open ON calls (ended_at) WHERE ended_at IS NULL;

-- Ticket references are HL-YY followed by a yearly sequence (HL-260001).
CREATE TABLE ticket_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE tickets (
	id            INTEGER PRIMARY KEY,
	ref           TEXT NOT NULL UNIQUE,
	category      TEXT NOT NULL,
	priority      TEXT NOT NULL,
	status        TEXT NOT NULL,
	caller_number TEXT,
	call_id       TEXT REFERENCES calls (id),
	ivr_keys      TEXT NOT NULL DEFAULT '',
	summary       TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMP NOT NULL,
	updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX tickets_created_at ON tickets (created_at, id);
CREATE INDEX tickets_call_id ON tickets (call_id);
CREATE INDEX tickets_caller_number ON tickets (caller_number, created_at);

-- Every change to a ticket is an event: who, when, what, from what to what.
CREATE TABLE ticket_events (
	id        INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	at        TIMESTAMP NOT NULL,
	actor     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	field     TEXT NOT NULL DEFAULT '',
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT '',
	note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);
