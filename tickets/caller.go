package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Caller is a citizen known by their phone number: one caller, many calls and tickets.
type Caller struct {
	ID        int64     `db:"id"`
	Phone     string    `db:"phone"` // E.164
	Name      string    `db:"name"`
	Language  string    `db:"language"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// callerID returns the id of the caller with this E.164 number, creating the caller the
// first time the number is seen.
func callerID(ctx context.Context, t *tx, phone string) (int64, error) {
	var id int64
	err := t.GetContext(ctx, &id, t.Rebind(`SELECT id FROM callers WHERE phone = ?`), phone)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find caller: %w", err)
	}
	err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO callers (phone, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`),
		phone, t.now, t.now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create caller: %w", mapConstraint(err))
	}
	return id, nil
}

// SetCallerName records the name a caller gave.
func (s *Store) SetCallerName(ctx context.Context, actor Actor, phone, name string) error {
	p, err := NormalizePhone(phone)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		id, err := callerID(ctx, t, p)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE callers SET name = ?, name_key = ?, updated_at = ? WHERE id = ?`),
			name, NameKey(name), t.now, id)
		return err
	})
}

// CallerHistory is everything the hotline knows of one caller, newest first.
type CallerHistory struct {
	Caller  *Caller
	Calls   []*Call
	Tickets []*Ticket
}

// CallerHistory returns a caller's calls and tickets, newest first, up to limit of each.
// An officer sees only the tickets of their unit, and no calls; to an officer, a number
// with no ticket in their unit has no history (that it called the hotline is not theirs
// to know).
func (s *Store) CallerHistory(ctx context.Context, actor Actor, phone string, limit int) (*CallerHistory, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được lịch sử người gọi.")
	}
	p, err := NormalizePhone(phone)
	if err != nil {
		return nil, err
	}
	var c Caller
	err = s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT id, phone, name, language, created_at, updated_at FROM callers WHERE phone = ?`), p)
	if err != nil {
		return nil, fmt.Errorf("caller history: %w", notFound(err, "người gọi "+FormatPhone(p)))
	}
	h := &CallerHistory{Caller: &c}
	if actor.SeesCallCentre() {
		err = s.db.SelectContext(ctx, &h.Calls, s.db.Rebind(`SELECT `+callColumns+` FROM calls
			WHERE caller_id = ? ORDER BY started_at DESC LIMIT ?`), c.ID, limit)
		if err != nil {
			return nil, fmt.Errorf("caller history calls: %w", err)
		}
	}
	page, err := s.ListTickets(ctx, actor, TicketFilter{CallerID: &c.ID, Limit: limit})
	if err != nil {
		return nil, err
	}
	h.Tickets = page.Tickets
	if actor.scoped() && len(h.Tickets) == 0 {
		return nil, Errorf(ENOTFOUND, "Không tìm thấy người gọi %s.", FormatPhone(p))
	}
	return h, nil
}
