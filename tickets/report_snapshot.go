package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Snapshot is a day's report as frozen after the day ended.
type Snapshot struct {
	Day      string
	FrozenAt time.Time
	Report   *DayReport
}

// FreezeDay computes a day's report and keeps it, unless it is already kept: a frozen
// day never changes. It returns the snapshot kept.
func (s *Store) FreezeDay(ctx context.Context, day string) (*Snapshot, error) {
	if snap, err := s.FrozenDay(ctx, day); err == nil || ErrorCode(err) != ENOTFOUND {
		return snap, err
	}
	r, err := s.DailyReport(ctx, ActorSystem, day)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("freeze %s: %w", day, err)
	}
	frozen := s.Now().UTC()
	err = s.inTx(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO report_snapshots (day, frozen_at, report) VALUES (?, ?, ?)
			ON CONFLICT (day) DO NOTHING`), day, frozen, string(data))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("freeze %s: %w", day, err)
	}
	return s.FrozenDay(ctx, day)
}

// FrozenDay returns a day's frozen report (ENOTFOUND when the day is not frozen yet).
func (s *Store) FrozenDay(ctx context.Context, day string) (*Snapshot, error) {
	var row struct {
		Day      string    `db:"day"`
		FrozenAt time.Time `db:"frozen_at"`
		Report   string    `db:"report"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT day, frozen_at, report FROM report_snapshots WHERE day = ?`), day)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Báo cáo ngày %s chưa được chốt.", day)
	}
	if err != nil {
		return nil, fmt.Errorf("frozen report of %s: %w", day, err)
	}
	r, err := decodeFrozen(day, row.Report)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Day: row.Day, FrozenAt: row.FrozenAt, Report: r}, nil
}

// decodeFrozen reads a frozen report as kept.
func decodeFrozen(day, data string) (*DayReport, error) {
	r := &DayReport{}
	if err := json.Unmarshal([]byte(data), r); err != nil {
		return nil, fmt.Errorf("frozen report of %s: %w", day, err)
	}
	return r, nil
}

// DaysToFreeze returns the days whose reports are due to be frozen at now: every day
// that ended at least grace ago, after the last day frozen (or, on a database with none,
// from the first day with a call), at most limit of them, oldest first. A hotline that
// was down catches up on the days it missed.
func (s *Store) DaysToFreeze(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]string, error) {
	var last sql.NullString
	if err := s.db.GetContext(ctx, &last, `SELECT MAX(day) FROM report_snapshots`); err != nil {
		return nil, fmt.Errorf("last frozen day: %w", err)
	}
	from := ""
	if last.Valid {
		from = AddDays(last.String, 1)
	} else {
		var first sql.NullString
		if err := s.db.GetContext(ctx, &first, `SELECT MIN(started_day) FROM calls`); err != nil {
			return nil, fmt.Errorf("first day: %w", err)
		}
		if !first.Valid {
			return nil, nil
		}
		from = first.String
	}
	var days []string
	for day := from; len(days) < limit; day = AddDays(day, 1) {
		_, end, err := DayBounds(day)
		if err != nil {
			return nil, err
		}
		if now.Before(end.Add(grace)) {
			break
		}
		days = append(days, day)
	}
	return days, nil
}

// PeriodReport sums the days from one to another (a week, a month): each day's frozen
// report where the day is frozen, else its report computed now. Supervisors.
func (s *Store) PeriodReport(ctx context.Context, actor Actor, from, to string) (*DayReport, error) {
	if actor.Role != RoleSupervisor && actor.Role != RoleSystem {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được báo cáo của tổng đài.")
	}
	if _, _, err := DayBounds(from); err != nil {
		return nil, err
	}
	if _, _, err := DayBounds(to); err != nil {
		return nil, err
	}
	if to < from || AddDays(from, 62) < to {
		return nil, Errorf(EINVALID, "Kỳ báo cáo từ %s đến %s không hợp lệ (tối đa hai tháng).", from, to)
	}
	var frozen []struct {
		Day    string `db:"day"`
		Report string `db:"report"`
	}
	if err := s.db.SelectContext(ctx, &frozen, s.db.Rebind(`SELECT day, report FROM report_snapshots WHERE day >= ? AND day <= ?`), from, to); err != nil {
		return nil, fmt.Errorf("frozen reports: %w", err)
	}
	byDay := map[string]string{}
	for _, f := range frozen {
		byDay[f.Day] = f.Report
	}
	var days []*DayReport
	for day := from; day <= to; day = AddDays(day, 1) {
		if data, ok := byDay[day]; ok {
			r, err := decodeFrozen(day, data)
			if err != nil {
				return nil, err
			}
			days = append(days, r)
			continue
		}
		r, err := s.DailyReport(ctx, actor, day)
		if err != nil {
			return nil, err
		}
		days = append(days, r)
	}
	return SumReports(days), nil
}
