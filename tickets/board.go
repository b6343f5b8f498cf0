package tickets

import (
	"context"
	"fmt"
)

// Board is a ward or commune's follow-up work on a day: the follow-ups due that day and
// overdue, the cases not seen for two days or more, and those lost or referred.
type Board struct {
	UnitCode string
	Day      string
	DueToday []*DueFollowUp
	Overdue  []*DueFollowUp
	NotSeen  []*UnseenCase
	Lost     []*Case
	Referred []*Case
}

// UnseenCase is a case still followed up whose person was last seen on LastSeen (nil:
// never since monitoring began).
type UnseenCase struct {
	Case
	LastSeen *string `db:"last_seen"`
}

// boardLimit caps each list of a board: a unit with more is in a crisis the board says
// nothing new about.
const boardLimit = 300

// UnitBoard returns a unit's board for a day. An officer gets their own unit's whatever
// unit is asked for; the call centre names the unit.
func (s *Store) UnitBoard(ctx context.Context, actor Actor, unitCode, day string) (*Board, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được bảng theo dõi.")
	}
	if actor.scoped() {
		unitCode = actor.UnitCode
	}
	if _, err := s.FindUnit(ctx, unitCode); err != nil {
		return nil, err
	}
	b := &Board{UnitCode: unitCode, Day: day}
	due, err := s.FollowUpsDue(ctx, actor, day, &unitCode, boardLimit)
	if err != nil {
		return nil, err
	}
	for _, d := range due {
		if d.DueOn == day {
			b.DueToday = append(b.DueToday, d)
		} else {
			b.Overdue = append(b.Overdue, d)
		}
	}
	var followed []*UnseenCase
	err = s.db.SelectContext(ctx, &followed, s.db.Rebind(`SELECT `+caseColumns+`,
		(SELECT MAX(f.due_on) FROM follow_ups f WHERE f.case_id = cases.id AND f.result IN ('well', 'symptomatic')) AS last_seen
		FROM cases WHERE unit_code = ? AND status IN ('monitoring', 'referred', 'tested_negative')
		ORDER BY created_at, id LIMIT ?`), unitCode, 5*boardLimit)
	if err != nil {
		return nil, fmt.Errorf("cases not seen: %w", err)
	}
	twoDaysAgo := AddDays(day, -2)
	for _, c := range followed {
		since := c.LastSeen
		if since == nil {
			since = c.MonitoringFrom
		}
		if since != nil && *since <= twoDaysAgo && len(b.NotSeen) < boardLimit {
			b.NotSeen = append(b.NotSeen, c)
		}
	}
	for status, list := range map[string]*[]*Case{CaseLost: &b.Lost, CaseReferred: &b.Referred} {
		st := status
		cases, err := s.FindCases(ctx, actor, CaseFilter{UnitCode: &unitCode, Status: &st, Limit: boardLimit})
		if err != nil {
			return nil, err
		}
		*list = cases
	}
	return b, nil
}
