-- One-time sign-in codes. An admin gives a new user, or a password reset, no password:
-- when a supervisor confirms it, the store makes a code, keeps only its bcrypt hash as the
-- user's password (must_change_password 1) and shows the code once to the supervisor, to
-- hand to the user. It signs in once (code_used_at), until code_expires_at, and then
-- only lets the user set their own password; the admins' list shows code_issued_at.
-- A user with must_change_password 1 and no code in force (code_expires_at NULL) is on a
-- password an admin typed before codes: the admin knows it, so it signs in no more.
ALTER TABLE users ADD COLUMN code_issued_at TIMESTAMP;
ALTER TABLE users ADD COLUMN code_expires_at TIMESTAMP;
ALTER TABLE users ADD COLUMN code_used_at TIMESTAMP;
-- Resets proposed before codes carry a password the admin typed: a confirmation makes a
-- code instead, so the hash is of no use, and is not kept.
UPDATE user_changes SET password_hash = NULL WHERE status = 'pending';
