-- The supervisors' daily report, frozen after each local midnight (plus a grace period
-- for calls still in progress): the figures as they were handed on, kept as JSON. The
-- page shows them, and beside any figure later data changed, the value recomputed.
CREATE TABLE report_snapshots (
	day       TEXT PRIMARY KEY,   -- local day, YYYY-MM-DD
	frozen_at TIMESTAMP NOT NULL,
	report    TEXT NOT NULL       -- the DayReport, as JSON
);

-- Tickets resolved, closed and first answered on a day; and, covering what the report
-- counts, those done after a day that were created before its end (open at its end).
CREATE INDEX tickets_resolved_at ON tickets (resolved_at, created_at, resolution_due, status, assignee_unit_code, unit_code)
	WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_closed_resolved ON tickets (closed_at, status, assignee_unit_code, unit_code)
	WHERE resolved_at IS NOT NULL AND closed_at IS NOT NULL;
CREATE INDEX tickets_closed_unresolved ON tickets (closed_at, created_at, resolution_due, status, assignee_unit_code, unit_code)
	WHERE resolved_at IS NULL AND closed_at IS NOT NULL;
CREATE INDEX tickets_first_response_at ON tickets (first_response_at, first_response_due, status, assignee_unit_code, unit_code)
	WHERE first_response_at IS NOT NULL;
-- Cases opened on a day.
CREATE INDEX cases_created ON cases (created_at);
-- Changes of a day (merges, case moves).
CREATE INDEX events_at ON events (at);
-- A day's follow-ups, whatever their result.
CREATE INDEX follow_ups_due_on ON follow_ups (due_on, case_id);
