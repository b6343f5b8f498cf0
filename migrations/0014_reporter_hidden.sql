-- Whether a ticket's reporter is hidden from ward and commune officers (issue 22): set
-- once, when the ticket is created, from what the caller chose (the community report
-- menu), and never changed after by an edit, a merge or a new category. Deciding it from
-- the category of the day let a re-categorisation unmask a neighbour who reported.
ALTER TABLE tickets ADD COLUMN reporter_hidden INTEGER NOT NULL DEFAULT 0;

-- The tickets filed before: every community report, and every ticket that was one at any
-- time (its trail records the category changes), so that no reporter hidden until now is
-- revealed by the migration.
UPDATE tickets SET reporter_hidden = 1
WHERE category = 'community_report'
	OR id IN (SELECT entity_id FROM events
		WHERE entity = 'ticket' AND field = 'category'
		AND (old_value = 'community_report' OR new_value = 'community_report'));
