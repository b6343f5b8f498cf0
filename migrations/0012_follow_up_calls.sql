-- Automated daily follow-up calls to people in monitoring.

-- The language the automated call speaks (vi or en), and whether the hotline may call
-- the case by itself: on; paused by an agent or officer; opted_out by the citizen
-- (pressed 9); bad_number after the network said the number does not exist.
ALTER TABLE cases ADD COLUMN language TEXT NOT NULL DEFAULT 'vi';
ALTER TABLE cases ADD COLUMN auto_calls TEXT NOT NULL DEFAULT 'on';

-- Every attempt of a follow-up call, claimed here before it is dialled so that a
-- restart never dials one twice.
CREATE TABLE follow_up_calls (
	id           INTEGER PRIMARY KEY,
	case_id      INTEGER NOT NULL REFERENCES cases (id),
	follow_up_id INTEGER NOT NULL REFERENCES follow_ups (id),
	day          TEXT NOT NULL,               -- Huế day of the attempt, YYYY-MM-DD
	attempt      INTEGER NOT NULL,            -- 1 .. 3 among the day's attempts that count
	counted      INTEGER NOT NULL DEFAULT 1,  -- 0: a network failure or an interruption
	state        TEXT NOT NULL,               -- requested, dialing, answered, ended
	call_id      TEXT REFERENCES calls (id),
	requested_by INTEGER REFERENCES users (id), -- an agent or officer who asked for it now
	created_at   TIMESTAMP NOT NULL,
	started_at   TIMESTAMP,
	answered_at  TIMESTAMP,
	ended_at     TIMESTAMP,
	cause        INTEGER,                      -- Asterisk's hang-up cause
	result       TEXT,
	answers      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX follow_up_calls_case ON follow_up_calls (case_id, day);
CREATE INDEX follow_up_calls_day ON follow_up_calls (day);
CREATE INDEX follow_up_calls_open ON follow_up_calls (state) WHERE state <> 'ended';
