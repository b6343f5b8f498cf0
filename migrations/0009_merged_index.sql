-- A ticket's trail shows the trails of the tickets merged into it: they are found by
-- merged_into_id, which without an index meant reading every ticket.
CREATE INDEX tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL;
