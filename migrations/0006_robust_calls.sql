-- What a caller answered, kept on the call record at every step (not only on its ticket),
-- so that a call recovered after a crash becomes the ticket the caller was giving.
ALTER TABLE calls ADD COLUMN ivr_answers TEXT NOT NULL DEFAULT '{}';

-- The agents' main view, open tickets most urgent first, read in its own order.
CREATE INDEX tickets_open_priority ON tickets (priority, created_at, id)
	WHERE status IN ('new', 'triaged', 'assigned', 'in_progress');
