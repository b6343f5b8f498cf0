-- A number is also found by its last six digits (issue 29, item 6: what one remembers,
-- or reads off a masked list): an index of the last six digits of every phone column a
-- search reads, written exactly as the store's queries write them (tickets.lastDigits),
-- so that such a search reads an index rather than every row. Creating an index fills it
-- from the rows there are.
--
-- The columns that may be empty are indexed where they hold a number ("length(...) > 6",
-- which the queries say too): most tickets have no number to call back, and with all
-- their NULLs in the index the planner takes six digits to match most of the table and
-- reads the tickets in date order instead; "IS NOT NULL" would do as well but lets the
-- planner take the index of whole numbers (tickets_contact_phone) and read all of it.
CREATE INDEX callers_phone_last6 ON callers (substr(phone, length(phone) - 5));
CREATE INDEX tickets_contact_last6 ON tickets (substr(contact_phone, length(contact_phone) - 5))
	WHERE length(contact_phone) > 6;
CREATE INDEX cases_phone_last6 ON cases (substr(phone, length(phone) - 5))
	WHERE length(phone) > 6;
CREATE INDEX access_log_phone_last6 ON access_log (substr(phone, length(phone) - 5))
	WHERE length(phone) > 6;
