-- Open tickets, read through partial indexes whose condition names the closed statuses
-- (status NOT IN ...): SQLite's planner preferred the index on status for the former
-- condition (status IN the four open statuses) and then sorted every open ticket, where
-- these give the first page in order. Open is new, triaged, assigned or in progress:
-- every status but resolved, closed and cancelled.
DROP INDEX tickets_open;
DROP INDEX tickets_open_unit;
DROP INDEX tickets_open_assignee_unit;
DROP INDEX tickets_open_priority;
CREATE INDEX tickets_open ON tickets (created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX tickets_open_priority ON tickets (priority, created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX tickets_open_unit ON tickets (unit_code, priority, created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX tickets_open_assignee_unit ON tickets (assignee_unit_code, priority, created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX tickets_open_assignee_user ON tickets (assignee_user_id, priority, created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
CREATE INDEX tickets_open_category ON tickets (category, created_at, id)
	WHERE status NOT IN ('resolved', 'closed', 'cancelled');
ANALYZE tickets;
