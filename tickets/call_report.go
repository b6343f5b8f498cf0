package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// CallReport is everything one call gave the hotline: its record, the ticket it asked
// for with notes added during the call, and its voice messages. It is how a call reaches
// the store when the store could not take it at the time (the IVR keeps it in a spool
// on disk), or when it comes from outside the hotline's own call handling (a caller who
// left a message with Asterisk alone while the hotline was down; a message found in
// Asterisk after a crash).
type CallReport struct {
	Call       Call
	Ticket     *Ticket     `json:",omitempty"`
	Notes      []string    `json:",omitempty"`
	Recordings []Recording `json:",omitempty"`
}

// ImportCallReport writes a call report in one transaction, and can be given the same
// report again without doubling anything: the call record is saved as it stands; the
// ticket and its notes are created only if the call has no ticket yet; a recording only
// if none with the same file is there. A ticket keeps the time it was reported at
// (Ticket.CreatedAt) when that is set: its SLA runs from when the citizen called. It
// returns the call's ticket (nil if it has none) and whether it was created now.
func (s *Store) ImportCallReport(ctx context.Context, actor Actor, r *CallReport) (*Ticket, bool, error) {
	if !actor.canWork() {
		return nil, false, Errorf(EFORBIDDEN, "Bạn không có quyền ghi cuộc gọi.")
	}
	if r.Ticket != nil {
		if err := r.Ticket.Validate(); err != nil {
			return nil, false, err
		}
	}
	var out *Ticket
	created := false
	err := s.inTx(ctx, func(t *tx) error {
		c := r.Call
		if err := saveCall(ctx, t, &c); err != nil {
			return err
		}
		var ids []int64
		if err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT id FROM tickets WHERE call_id = ? ORDER BY id LIMIT 1`), c.ID); err != nil {
			return fmt.Errorf("ticket of call %s: %w", c.ID, err)
		}
		switch {
		case len(ids) == 1:
			tk, err := getTicket(ctx, t, ActorSystem, ids[0])
			if err != nil {
				return err
			}
			out = tk
		case r.Ticket != nil:
			tk := *r.Ticket
			tk.CallID = &c.ID
			if err := s.createTicket(ctx, t, actor, &tk); err != nil {
				return err
			}
			for _, n := range r.Notes {
				if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "note", note: n}); err != nil {
					return err
				}
			}
			out, created = &tk, true
		}
		for _, rec := range r.Recordings {
			var n int
			if err := t.GetContext(ctx, &n, t.Rebind(`SELECT COUNT(*) FROM recordings WHERE path = ?`), rec.Path); err != nil {
				return fmt.Errorf("recording %s: %w", rec.Path, err)
			}
			if n > 0 {
				continue
			}
			rec.CallID = &c.ID
			rec.TicketID = nil
			if out != nil {
				rec.TicketID = &out.ID
			}
			if err := addRecording(ctx, t, actor, &rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("import call %s: %w", r.Call.ID, err)
	}
	return out, created, nil
}

// IsTransient reports whether a store error is one that passes by itself: the database
// busy or locked by another writer, or a time limit reached while waiting for it. Other
// errors (a full disk, a constraint) do not get better by trying again.
func IsTransient(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone)
}
