package tickets

import (
	"context"
	"strings"
	"testing"
)

// AddRecordingForTest stores a recording on a ticket, for tests of what moves with it.
func AddRecordingForTest(tb testing.TB, s *Store, ticketID int64) int64 {
	tb.Helper()
	var id int64
	err := s.db.QueryRowxContext(context.Background(), `INSERT INTO recordings (ticket_id, kind, path, created_at)
		VALUES (?, 'voice_message', 'x.wav', ?) RETURNING id`, ticketID, s.Now().UTC()).Scan(&id)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// RecordingTicketForTest returns the ticket a recording belongs to.
func RecordingTicketForTest(tb testing.TB, s *Store, id int64) int64 {
	tb.Helper()
	var t int64
	if err := s.db.GetContext(context.Background(), &t, `SELECT ticket_id FROM recordings WHERE id = ?`, id); err != nil {
		tb.Fatal(err)
	}
	return t
}

// LastSixPlansForTest returns the query plans of the store's searches by the last six
// digits of a number (the ticket search's two branches, the case search, the access log's
// filter), by what they search, to see that each reads an index.
func LastSixPlansForTest(tb testing.TB, s *Store) map[string]string {
	tb.Helper()
	queries := map[string]struct {
		sql  string
		args []any
	}{}
	for i, c := range searchConditions("683 885") {
		queries[[]string{"tickets by caller", "tickets by contact"}[i]] = struct {
			sql  string
			args []any
		}{`SELECT ` + ticketColumns + ticketFrom + ` WHERE ` + c.sql + ` ORDER BY t.created_at DESC, t.id DESC LIMIT 50`, c.args}
	}
	for name, table := range map[string]string{"cases": "cases", "access log": "access_log"} {
		cond, args, err := phoneCondition("phone", "683 885")
		if err != nil {
			tb.Fatal(err)
		}
		queries[name] = struct {
			sql  string
			args []any
		}{`SELECT id FROM ` + table + ` WHERE ` + cond, args}
	}
	plans := map[string]string{}
	for name, q := range queries {
		rows, err := s.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			tb.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				tb.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		plans[name] = strings.Join(plan, "; ")
	}
	return plans
}
