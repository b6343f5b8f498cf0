-- The agents' desk: who is on duty and in what state, the queue's events, callbacks that
-- keep their place in the queue, and what an agent made of each call.

-- A shift: an agent signed in to the console with a phone, until they sign out (or the
-- phone is lost).
CREATE TABLE agent_sessions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	phone      TEXT NOT NULL,
	started_at TIMESTAMP NOT NULL,
	ended_at   TIMESTAMP,
	ended_why  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agent_sessions_open ON agent_sessions (user_id) WHERE ended_at IS NULL;
CREATE INDEX agent_sessions_started ON agent_sessions (started_at);

-- The intervals of an agent's states within a shift (ready, paused with its reason,
-- ringing, on a call, wrap-up): reports compute occupancy, pause and wrap-up from them.
CREATE TABLE agent_states (
	id          INTEGER PRIMARY KEY,
	session_id  INTEGER NOT NULL REFERENCES agent_sessions (id),
	user_id     INTEGER NOT NULL REFERENCES users (id),
	state       TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	started_at  TIMESTAMP NOT NULL,
	started_day TEXT NOT NULL,
	ended_at    TIMESTAMP
);
CREATE INDEX agent_states_day ON agent_states (started_day, user_id);
CREATE INDEX agent_states_open ON agent_states (session_id) WHERE ended_at IS NULL;

-- The queue's events in Asterisk's queue_log vocabulary (ENTERQUEUE, CONNECT, ABANDON,
-- RINGNOANSWER, EXITWITHTIMEOUT, EXITWITHKEY, COMPLETEAGENT, COMPLETECALLER, AGENTLOGIN,
-- AGENTLOGOFF, PAUSE, UNPAUSE), so that reports and queue_log tools can read them.
CREATE TABLE queue_log (
	id      INTEGER PRIMARY KEY,
	at      TIMESTAMP NOT NULL,
	day     TEXT NOT NULL,
	call_id TEXT NOT NULL DEFAULT 'NONE',
	queue   TEXT NOT NULL DEFAULT 'hotline',
	agent   TEXT NOT NULL DEFAULT 'NONE',
	event   TEXT NOT NULL,
	data1   TEXT NOT NULL DEFAULT '',
	data2   TEXT NOT NULL DEFAULT '',
	data3   TEXT NOT NULL DEFAULT '',
	data4   TEXT NOT NULL DEFAULT '',
	data5   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_log_day ON queue_log (day, at);
CREATE INDEX queue_log_call ON queue_log (call_id);

-- A caller who pressed 1 while waiting keeps their place: the request waits in the
-- queue, in the order the caller joined it, until an agent calls back.
CREATE TABLE callback_requests (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
	call_id     TEXT REFERENCES calls (id),
	number      TEXT NOT NULL,
	lang        TEXT NOT NULL DEFAULT 'vi',
	queued_at   TIMESTAMP NOT NULL,
	front       INTEGER NOT NULL DEFAULT 0,
	status      TEXT NOT NULL,          -- waiting, calling, done, failed
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     TIMESTAMP,              -- not before: a retry's time
	last_result TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX callback_requests_waiting ON callback_requests (front, queued_at, id) WHERE status = 'waiting';
CREATE INDEX callback_requests_ticket ON callback_requests (ticket_id);

-- What the agent made of a call (information given, ticket updated, case created,
-- referred to 115, wrong number, silent or abusive), entered in the wrap-up.
ALTER TABLE calls ADD COLUMN disposition TEXT NOT NULL DEFAULT '';
