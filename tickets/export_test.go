package tickets

import (
	"context"
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
