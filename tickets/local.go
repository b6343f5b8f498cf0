package tickets

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the zone must exist on any machine the hotline runs on
)

// Local is the hotline's local time zone: days for reports, follow-ups and ticket years
// are counted in Huế's time.
var Local = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// DayFormat is how local days are written and stored: 2021-08-10.
const DayFormat = "2006-01-02"

// Day returns the local day of t, as stored.
func Day(t time.Time) string { return t.In(Local).Format(DayFormat) }

// AddDays returns the local day n days after day.
func AddDays(day string, n int) string {
	t, err := time.ParseInLocation(DayFormat, day, Local)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(DayFormat)
}

// ParseClock reads a time of day such as 07:30 (24:00 for the day's end) as the time
// since midnight.
func ParseClock(text string) (time.Duration, error) {
	h, m, ok := strings.Cut(text, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm > 0) {
		return 0, fmt.Errorf("bad time %q", text)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// ClockOf is the time of day of t on Huế's clock, as the time since local midnight.
func ClockOf(t time.Time) time.Duration {
	l := t.In(Local)
	return time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
}

// DayTextFormat is how people in Huế write a day, and how the console shows one:
// 10/08/2021.
const DayTextFormat = "02/01/2006"

// DayText writes a stored day (2021-08-10) as people write it (10/08/2021).
func DayText(day string) string {
	t, err := time.Parse(DayFormat, day)
	if err != nil {
		return day
	}
	return t.Format(DayTextFormat)
}

// ParseDay reads a day as people type it, day first (10/08/2021, 10/8/2021, 10-08-2021,
// 10.08.2021), or as the console's own links write it (2021-08-10), and returns it as
// stored (2021-08-10). Anything else, or a day that does not exist (31/02/2021), is an
// invalid error that says how to write one.
func ParseDay(text string) (string, error) {
	text = strings.TrimSpace(text)
	bad := Errorf(EINVALID, "Ngày “%s” không hợp lệ: hãy viết ngày/tháng/năm, ví dụ 10/08/2021.", text)
	if t, err := time.Parse(DayFormat, text); err == nil {
		return t.Format(DayFormat), nil
	}
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 3 || len(parts[2]) != 4 {
		return "", bad
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || len(p) > 4 {
			return "", bad
		}
		n[i] = v
	}
	t := time.Date(n[2], time.Month(n[1]), n[0], 0, 0, 0, 0, time.UTC)
	if t.Day() != n[0] || int(t.Month()) != n[1] || t.Year() != n[2] {
		return "", bad // 31/02 is not a day
	}
	return t.Format(DayFormat), nil
}
