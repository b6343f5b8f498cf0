package tickets

import (
	"context"
	"fmt"
)

// DayCount is how many of something there were on one local day, by kind.
type DayCount struct {
	Day   string `db:"day"`
	Kind  string `db:"kind"`
	Count int    `db:"n"`
}

// TicketsByDay counts tickets created per local day and category, from one day to
// another (inclusive), as the actor may see them.
func (s *Store) TicketsByDay(ctx context.Context, actor Actor, from, to string) ([]*DayCount, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được thống kê phiếu.")
	}
	q := `SELECT created_day AS day, category AS kind, COUNT(*) AS n FROM tickets WHERE created_day >= ? AND created_day <= ?`
	args := []any{from, to}
	if actor.scoped() {
		q, args = q+` AND (unit_code = ? OR assignee_unit_code = ?)`, append(args, actor.UnitCode, actor.UnitCode)
	}
	var list []*DayCount
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(q+` GROUP BY created_day, category ORDER BY created_day, category`), args...); err != nil {
		return nil, fmt.Errorf("tickets by day: %w", err)
	}
	return list, nil
}

// CallsByDay counts calls per local day and outcome, from one day to another (inclusive).
func (s *Store) CallsByDay(ctx context.Context, actor Actor, from, to string) ([]*DayCount, error) {
	if !actor.SeesCallCentre() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được thống kê cuộc gọi.")
	}
	var list []*DayCount
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT started_day AS day, outcome AS kind, COUNT(*) AS n
		FROM calls WHERE started_day >= ? AND started_day <= ? GROUP BY started_day, outcome ORDER BY started_day, outcome`), from, to)
	if err != nil {
		return nil, fmt.Errorf("calls by day: %w", err)
	}
	return list, nil
}
