-- A password an admin set in the console (a user they created, a reset of theirs once
-- confirmed) is known to the admin: until the user sets their own, their account reaches
-- only their own account page (tickets.ActorFor gives it an actor that sees nothing and
-- decides nothing). The shell's `hotline users add` and the user's own change leave it 0.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
