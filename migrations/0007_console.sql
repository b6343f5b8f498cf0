-- The console: sign-in sessions, sign-in throttling, the agents' phones, the access log.

-- Sessions of signed-in users (alexedwards/scs sqlite3store's table).
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-ins, by user name (as typed, folded), for throttling: kept in the database
-- so that a restart or a second hotline does not reset the count.
CREATE TABLE login_failures (
	username TEXT NOT NULL,
	at       TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);

-- An agent's phone, as Asterisk dials it (PJSIP/agent101): where the queue rings them and
-- where their callbacks start.
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- Who looked at a citizen's personal data: an unmasked phone number, a voice message, a
-- suspected case. Subject is what was looked at (a ticket or case reference, a recording);
-- phone the citizen's number it concerns, so that a citizen's number shows who saw it.
CREATE TABLE access_log (
	id          INTEGER PRIMARY KEY,
	at          TIMESTAMP NOT NULL,
	user_id     INTEGER REFERENCES users (id),
	username    TEXT NOT NULL,
	action      TEXT NOT NULL,
	subject     TEXT NOT NULL,
	phone       TEXT,
	remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_log_at ON access_log (at, id);
CREATE INDEX access_log_user ON access_log (username, at);
CREATE INDEX access_log_phone ON access_log (phone, at) WHERE phone IS NOT NULL;
CREATE INDEX access_log_subject ON access_log (subject, at);
