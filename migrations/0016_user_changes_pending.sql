-- Changes of users that an admin proposes and a second person (a supervisor, or another
-- admin who is neither the proposer nor the user changed) confirms before they take
-- effect: a new user, a role, an officer's unit, an agent's phone, re-activation, a new
-- password. The proposed password is kept only as its bcrypt hash, and only until the
-- change is decided.
CREATE TABLE user_changes (
	id             INTEGER PRIMARY KEY,
	user_id        INTEGER NOT NULL REFERENCES users (id),
	kind           TEXT NOT NULL CHECK (kind IN ('create', 'access', 'password')),
	old_role       TEXT NOT NULL,
	new_role       TEXT NOT NULL,
	old_unit_code  TEXT,
	new_unit_code  TEXT REFERENCES units (code),
	old_phone      TEXT NOT NULL,
	new_phone      TEXT NOT NULL,
	old_active     INTEGER NOT NULL,
	new_active     INTEGER NOT NULL,
	password_hash  TEXT,
	proposed_by_id INTEGER NOT NULL REFERENCES users (id),
	proposed_by    TEXT NOT NULL,
	proposed_at    TIMESTAMP NOT NULL,
	status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'refused')),
	decided_by_id  INTEGER REFERENCES users (id),
	decided_by     TEXT,
	decided_at     TIMESTAMP
);
-- One change of each kind waits for a user at a time.
CREATE UNIQUE INDEX user_changes_pending ON user_changes (user_id, kind) WHERE status = 'pending';

-- The admins' audit view reads the users' trail newest first.
CREATE INDEX events_users_at ON events (at) WHERE entity = 'user';
