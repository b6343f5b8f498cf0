package tickets

import (
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
