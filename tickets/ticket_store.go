package tickets

import (
	"context"
	"fmt"
)

const ticketColumns = `id, ref, category, priority, status, caller_number, call_id,
	ivr_keys, summary, created_at, updated_at`

// Actor names who did something, for the audit trail.
const ActorIVR = "ivr"

// CreateTicket validates and stores a new ticket with its reference and its "created"
// audit event, in one transaction.
func (s *Store) CreateTicket(ctx context.Context, actor string, tk *Ticket) error {
	if err := tk.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		return createTicket(ctx, t, actor, tk)
	})
}

func createTicket(ctx context.Context, t *tx, actor string, tk *Ticket) error {
	ref, err := nextTicketRef(ctx, t)
	if err != nil {
		return err
	}
	tk.Ref = ref
	if tk.Status == "" {
		tk.Status = StatusNew
	}
	tk.CreatedAt, tk.UpdatedAt = t.now, t.now
	err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO tickets (ref, category, priority, status,
		caller_number, call_id, ivr_keys, summary, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		tk.Ref, tk.Category, tk.Priority, tk.Status, tk.CallerNumber, tk.CallID,
		tk.IVRKeys, tk.Summary, tk.CreatedAt, tk.UpdatedAt).Scan(&tk.ID)
	if err != nil {
		return fmt.Errorf("create ticket: %w", mapConstraint(err))
	}
	_, err = t.ExecContext(ctx, t.Rebind(`INSERT INTO ticket_events (ticket_id, at, actor, kind, field, new_value)
		VALUES (?, ?, ?, 'created', 'status', ?)`), tk.ID, t.now, actor, tk.Status)
	if err != nil {
		return fmt.Errorf("audit ticket %s: %w", tk.Ref, err)
	}
	return nil
}

// nextTicketRef takes the next reference of the current year.
func nextTicketRef(ctx context.Context, t *tx) (string, error) {
	year := t.now.In(Local).Year()
	res, err := t.ExecContext(ctx, t.Rebind(`UPDATE ticket_counters SET last = last + 1 WHERE year = ?`), year)
	if err != nil {
		return "", fmt.Errorf("next ticket reference: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO ticket_counters (year, last) VALUES (?, 1)`), year); err != nil {
			return "", fmt.Errorf("next ticket reference: %w", err)
		}
	}
	var n int
	if err := t.GetContext(ctx, &n, t.Rebind(`SELECT last FROM ticket_counters WHERE year = ?`), year); err != nil {
		return "", fmt.Errorf("next ticket reference: %w", err)
	}
	return TicketRef(year, n), nil
}

// TicketFilter selects tickets; nil fields do not filter.
type TicketFilter struct {
	CallID *string
	Limit  int
}

// ListTickets returns tickets newest first.
func (s *Store) ListTickets(ctx context.Context, f TicketFilter) ([]*Ticket, error) {
	where, args := "1 = 1", []any{}
	if f.CallID != nil {
		where += " AND call_id = ?"
		args = append(args, *f.CallID)
	}
	args = append(args, limit(f.Limit))
	var list []*Ticket
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+ticketColumns+` FROM tickets WHERE `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return list, nil
}
