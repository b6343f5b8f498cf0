package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of recording.
const (
	RecordingVoiceMessage = "voice_message"
	RecordingCall         = "call"
)

// Recording is a voice message (or a call recording) kept in the hotline's own storage.
// Path is relative to the storage folder.
type Recording struct {
	ID         int64     `db:"id"`
	CallID     *string   `db:"call_id"`
	TicketID   *int64    `db:"ticket_id"`
	Kind       string    `db:"kind"`
	Path       string    `db:"path"`
	DurationMS int64     `db:"duration_ms"`
	CreatedAt  time.Time `db:"created_at"`
}

// Duration is how long the recording plays.
func (r *Recording) Duration() time.Duration { return time.Duration(r.DurationMS) * time.Millisecond }

const recordingColumns = `r.id, r.call_id, r.ticket_id, r.kind, r.path, r.duration_ms, r.created_at`

// AddRecording stores a recording's row. A recording made during a call that already has
// a ticket goes on that ticket (with an audit event); otherwise the call's ticket takes
// it when it is created (AttachCallRecordings).
func (s *Store) AddRecording(ctx context.Context, r *Recording) error {
	if r.Kind != RecordingVoiceMessage && r.Kind != RecordingCall {
		return Errorf(EINVALID, "Loại ghi âm %q không tồn tại.", r.Kind)
	}
	return s.inTx(ctx, func(t *tx) error {
		if r.TicketID == nil && r.CallID != nil {
			var ids []int64
			if err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT id FROM tickets WHERE call_id = ? ORDER BY id LIMIT 1`), *r.CallID); err != nil {
				return fmt.Errorf("ticket of the call: %w", err)
			}
			if len(ids) == 1 {
				r.TicketID = &ids[0]
			}
		}
		return addRecording(ctx, t, ActorIVR, r)
	})
}

// addRecording inserts a recording's row, with an event on its ticket if it has one.
func addRecording(ctx context.Context, t *tx, actor Actor, r *Recording) error {
	if r.Kind != RecordingVoiceMessage && r.Kind != RecordingCall {
		return Errorf(EINVALID, "Loại ghi âm %q không tồn tại.", r.Kind)
	}
	r.CreatedAt = t.now
	err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO recordings (call_id, ticket_id, kind, path, duration_ms, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), r.CallID, r.TicketID, r.Kind, r.Path, r.DurationMS, r.CreatedAt).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("add recording: %w", mapConstraint(err))
	}
	if r.TicketID != nil {
		return addEvent(ctx, t, actor, EntityTicket, *r.TicketID, change{kind: "recording", field: "recording", new: fmt.Sprint(r.ID)})
	}
	return nil
}

// attachCallRecordings gives a new ticket the recordings its call made before it existed.
func attachCallRecordings(ctx context.Context, t *tx, tk *Ticket) error {
	if tk.CallID == nil {
		return nil
	}
	_, err := t.ExecContext(ctx, t.Rebind(`UPDATE recordings SET ticket_id = ? WHERE call_id = ? AND ticket_id IS NULL`), tk.ID, *tk.CallID)
	if err != nil {
		return fmt.Errorf("attach recordings: %w", err)
	}
	return nil
}

// TicketRecordings lists a ticket's recordings, oldest first.
func (s *Store) TicketRecordings(ctx context.Context, actor Actor, ticketID int64) ([]*Recording, error) {
	if _, err := s.GetTicket(ctx, actor, ticketID); err != nil {
		return nil, err
	}
	var rs []*Recording
	err := s.db.SelectContext(ctx, &rs, s.db.Rebind(`SELECT `+recordingColumns+` FROM recordings r
		WHERE r.ticket_id = ? ORDER BY r.created_at, r.id`), ticketID)
	if err != nil {
		return nil, fmt.Errorf("ticket recordings: %w", err)
	}
	return rs, nil
}

// GetRecording returns a recording the actor may hear: one on a ticket the actor can see,
// or, for the call centre's own roles, one not on a ticket.
func (s *Store) GetRecording(ctx context.Context, actor Actor, id int64) (*Recording, error) {
	var r Recording
	err := s.db.GetContext(ctx, &r, s.db.Rebind(`SELECT `+recordingColumns+` FROM recordings r WHERE r.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Không tìm thấy ghi âm.")
	}
	if err != nil {
		return nil, fmt.Errorf("get recording: %w", err)
	}
	if r.TicketID != nil {
		if _, err := s.GetTicket(ctx, actor, *r.TicketID); err != nil {
			return nil, err
		}
	} else if !actor.SeesCallCentre() {
		return nil, Errorf(ENOTFOUND, "Không tìm thấy ghi âm.")
	}
	return &r, nil
}

// RecordingsOf returns the recordings of several tickets at once, by ticket, for a list
// page; tickets the actor cannot see are left out.
func (s *Store) RecordingsOf(ctx context.Context, actor Actor, ticketIDs []int64) (map[int64][]*Recording, error) {
	out := map[int64][]*Recording{}
	if len(ticketIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT `+recordingColumns+`, t.unit_code, t.assignee_unit_code FROM recordings r
		JOIN tickets t ON t.id = r.ticket_id WHERE r.ticket_id IN (?) ORDER BY r.created_at, r.id`, ticketIDs)
	if err != nil {
		return nil, fmt.Errorf("recordings of tickets: %w", err)
	}
	var rows []struct {
		Recording
		UnitCode         *string `db:"unit_code"`
		AssigneeUnitCode *string `db:"assignee_unit_code"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("recordings of tickets: %w", err)
	}
	for i := range rows {
		r := rows[i]
		if !actor.canSee(r.UnitCode) && !actor.canSee(r.AssigneeUnitCode) {
			continue
		}
		rec := r.Recording
		out[*rec.TicketID] = append(out[*rec.TicketID], &rec)
	}
	return out, nil
}
