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
