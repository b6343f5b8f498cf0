-- What a call was told, kept as evidence (Law 91/2025/QH15 on personal data; Decree
-- 356/2025/ND-CP Art. 6: the controller must be able to show it): each time the notice
-- at collection or a consent prompt played, the version played and how much of it the
-- caller heard, and for a consent the key pressed and what it meant.

CREATE TABLE call_prompts (
	call_id        TEXT NOT NULL REFERENCES calls (id),
	seq            INTEGER NOT NULL,          -- 1, 2, ... in the order the call played them
	prompt         TEXT NOT NULL,             -- privacy_notice, consent_support, ... (sounds/prompts.tsv)
	lang           TEXT NOT NULL,             -- vi or en
	version_id     INTEGER REFERENCES prompt_versions (id), -- NULL: the embedded WAV
	version_number INTEGER NOT NULL,          -- 1 for the embedded WAV
	played_at      TIMESTAMP NOT NULL,        -- when it began to play
	heard_ms       INTEGER,                   -- how much of it played before a key or a hang-up cut it; NULL not known
	key_pressed    TEXT NOT NULL DEFAULT '',  -- the key that answered a consent
	answer         TEXT NOT NULL DEFAULT '',  -- given or refused; '' for a notice
	answered_at    TIMESTAMP,
	PRIMARY KEY (call_id, seq)
);
