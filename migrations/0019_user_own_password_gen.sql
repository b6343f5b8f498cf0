-- The session generation a user's own password change gave the session it was made from.
-- Every other change that moves session_gen on ends the user's shift as well as their
-- sessions; their own change ends their other sessions only, so a session left with an
-- older generation takes them off duty unless session_gen is still this one.
ALTER TABLE users ADD COLUMN own_password_gen INTEGER NOT NULL DEFAULT 0;
