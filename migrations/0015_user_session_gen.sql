-- A user's session generation: stored in each session at sign-in and compared on every
-- request, so that deactivating a user, changing their role or an officer's unit, or
-- setting their password ends every session of theirs at once (each bumps it, in the
-- transaction that makes the change).
ALTER TABLE users ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0;
