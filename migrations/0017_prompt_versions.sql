-- What callers hear, kept by the supervisors: every version of a prompt in a language,
-- and when each is live. The embedded WAVs are each prompt's version 1 (no row here).

CREATE TABLE prompt_versions (
	id          INTEGER PRIMARY KEY,
	prompt      TEXT NOT NULL,             -- the prompt's id in sounds/prompts.tsv (welcome, rules_info, ...)
	lang        TEXT NOT NULL,             -- vi or en
	number      INTEGER NOT NULL,          -- 2, 3, ... (1 is the embedded WAV)
	source      TEXT NOT NULL,             -- text, upload, browser, phone
	body        TEXT NOT NULL DEFAULT '',  -- the typed text, or a transcript of a recording
	note        TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL,
	sha256      TEXT NOT NULL,
	created_by  INTEGER REFERENCES users (id),
	created_at  TIMESTAMP NOT NULL,
	UNIQUE (prompt, lang, number)
);

-- The audio of a version: an 8 kHz mono 16-bit WAV, never changed once written.
CREATE TABLE prompt_audio (
	version_id INTEGER PRIMARY KEY REFERENCES prompt_versions (id),
	wav        BLOB NOT NULL
);

-- When a version is live: from live_from, until live_until if set (then the entry live
-- before it plays again). version_id NULL puts the embedded WAV back (a roll-back to 1).
CREATE TABLE prompt_live (
	id           INTEGER PRIMARY KEY,
	prompt       TEXT NOT NULL,
	lang         TEXT NOT NULL,
	version_id   INTEGER REFERENCES prompt_versions (id),
	live_from    TIMESTAMP NOT NULL,
	live_until   TIMESTAMP,
	cancelled_at TIMESTAMP,
	created_by   INTEGER REFERENCES users (id),
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX prompt_live_prompt ON prompt_live (prompt, lang, live_from);
