-- People who use the console. Ward and commune officers are scoped to one unit.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'officer', 'admin')),
	unit_code     TEXT REFERENCES units (code),
	password_hash TEXT NOT NULL,
	active        INTEGER NOT NULL DEFAULT 1,
	created_at    TIMESTAMP NOT NULL,
	updated_at    TIMESTAMP NOT NULL,
	CHECK ((role = 'officer') = (unit_code IS NOT NULL))
);
