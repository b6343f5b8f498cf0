package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Holiday is a weekday that is not a working day: an official day off of the year, kept
// by the admin (the migration fills 2026 and 2027; the admin adds the following years').
type Holiday struct {
	Day     string     `db:"day"` // local day, YYYY-MM-DD
	Name    string     `db:"name"`
	AddedBy string     `db:"added_by"` // "" for the migration's
	AddedAt *time.Time `db:"added_at"`
}

// Holidays is a set of local days (YYYY-MM-DD) that are not working days.
type Holidays map[string]bool

// IsWorkingDay reports whether a local day is a working day: a weekday that is no
// holiday.
func (h Holidays) IsWorkingDay(day string) bool {
	t, err := time.ParseInLocation(DayFormat, day, Local)
	if err != nil {
		return false
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !h[day]
}

// WorkingDaysAfter returns the local day (YYYY-MM-DD, Asia/Ho_Chi_Minh) that is the
// n-th working day after the local day of from: the last day of a period of n working
// days that starts the day after from, skipping Saturdays, Sundays and the holidays. A
// legal period "within n working days" of a request received at from ends when that day
// ends. With n 0 it is from's own day.
func WorkingDaysAfter(from time.Time, n int, holidays Holidays) string {
	day := Day(from)
	for left := n; left > 0; {
		day = AddDays(day, 1)
		if holidays.IsWorkingDay(day) {
			left--
		}
	}
	return day
}

// WorkingDaysBetween counts the working days after the local day from up to and
// including the local day to (0 when to is not after from).
func WorkingDaysBetween(from, to string, holidays Holidays) int {
	n := 0
	for day := AddDays(from, 1); day <= to; day = AddDays(day, 1) {
		if holidays.IsWorkingDay(day) {
			n++
		}
	}
	return n
}

// holidaySet reads the holiday calendar.
func holidaySet(ctx context.Context, q sqlxQueryer) (Holidays, error) {
	var days []string
	if err := q.SelectContext(ctx, &days, `SELECT day FROM holidays`); err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	h := make(Holidays, len(days))
	for _, d := range days {
		h[d] = true
	}
	return h, nil
}

// mayKeepHolidays checks that the actor keeps the holiday calendar: an admin, or the
// hotline itself.
func mayKeepHolidays(actor Actor) error {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên giữ lịch ngày nghỉ lễ.")
	}
	return nil
}

// ListHolidays returns the holiday calendar, by day. Anyone signed in may read it (the
// supervisors' clocks are counted on it).
func (s *Store) ListHolidays(ctx context.Context) ([]*Holiday, error) {
	var list []*Holiday
	if err := s.db.SelectContext(ctx, &list, `SELECT day, name, added_by, added_at FROM holidays ORDER BY day`); err != nil {
		return nil, fmt.Errorf("list holidays: %w", err)
	}
	return list, nil
}

// AddHoliday adds a day off to the calendar (an admin), as typed (10/08/2021 or
// 2021-08-10), with its name. A Saturday or a Sunday is refused: it is no working day
// anyway, and a day made up for a holiday on the weekend is the next weekday.
func (s *Store) AddHoliday(ctx context.Context, actor Actor, dayText, name string) (*Holiday, error) {
	if err := mayKeepHolidays(actor); err != nil {
		return nil, err
	}
	day, err := ParseDay(dayText)
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: ErrorMessage(err), Field: "day"}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, FieldErrorf("name", "Hãy ghi tên ngày nghỉ (ví dụ: Tết Nguyên đán).")
	}
	if t, _ := time.ParseInLocation(DayFormat, day, Local); t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		return nil, FieldErrorf("day", "Ngày %s là thứ Bảy hoặc Chủ nhật, vốn không phải ngày làm việc: nếu ngày lễ rơi vào cuối tuần, hãy thêm ngày nghỉ bù.", DayText(day))
	}
	h := &Holiday{Day: day, Name: name, AddedBy: actor.Name}
	err = s.inTx(ctx, func(t *tx) error {
		h.AddedAt = &t.now
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO holidays (day, name, added_by, added_at) VALUES (?, ?, ?, ?)`),
			h.Day, h.Name, h.AddedBy, h.AddedAt); err != nil {
			if ErrorCode(mapConstraint(err)) == ECONFLICT {
				return FieldErrorf("day", "Ngày %s đã có trong lịch nghỉ.", DayText(day))
			}
			return fmt.Errorf("add holiday %s: %w", day, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// RemoveHoliday takes a day off the calendar (an admin).
func (s *Store) RemoveHoliday(ctx context.Context, actor Actor, day string) error {
	if err := mayKeepHolidays(actor); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM holidays WHERE day = ?`), day)
		if err != nil {
			return fmt.Errorf("remove holiday %s: %w", day, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "Ngày %s không có trong lịch nghỉ.", DayText(day))
		}
		return nil
	})
}
