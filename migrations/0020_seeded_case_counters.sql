-- A database filled by `hotline seed` before the seed set the case counter (issue 29,
-- item 7) has cases but no case_counters row for their years: the first case made on it
-- took CA-YY0001 again and failed. Each year's counter is raised to the highest number
-- its references use (never lowered), for cases and, alike, for tickets.
INSERT INTO case_counters (year, last)
	SELECT 2000 + CAST(substr(ref, 4, 2) AS INTEGER), MAX(CAST(substr(ref, 6) AS INTEGER))
	FROM cases WHERE ref LIKE 'CA-%' GROUP BY 2000 + CAST(substr(ref, 4, 2) AS INTEGER)
	ON CONFLICT (year) DO UPDATE SET last = CASE WHEN excluded.last > last THEN excluded.last ELSE last END;

INSERT INTO ticket_counters (year, last)
	SELECT 2000 + CAST(substr(ref, 4, 2) AS INTEGER), MAX(CAST(substr(ref, 6) AS INTEGER))
	FROM tickets WHERE ref LIKE 'HL-%' GROUP BY 2000 + CAST(substr(ref, 4, 2) AS INTEGER)
	ON CONFLICT (year) DO UPDATE SET last = CASE WHEN excluded.last > last THEN excluded.last ELSE last END;
