package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Schedule is the agents' weekly hours, in Huế's time: for each weekday, the times the
// call centre answers. Outside them a caller asking for an agent leaves a voice message.
type Schedule struct {
	spans [7][]span // by time.Weekday
}

type span struct{ from, to time.Duration } // since midnight

// AlwaysOpen is a schedule of every hour of every day.
var AlwaysOpen = Schedule{spans: func() (s [7][]span) {
	for d := range s {
		s[d] = []span{{0, 24 * time.Hour}}
	}
	return
}()}

var weekdays = map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseSchedule reads hours written as "mon-fri 07:00-21:00; sat,sun 08:00-17:00":
// entries separated by ";", each a list or range of weekdays and one or more time
// spans ("07:00-11:30,13:30-17:00"). 24:00 is the end of the day.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	for _, entry := range strings.Split(text, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		daysText, spansText, ok := strings.Cut(entry, " ")
		if !ok {
			return s, fmt.Errorf("%q: want days then hours, like \"mon-fri 07:00-21:00\"", entry)
		}
		days, err := parseDays(strings.ToLower(daysText))
		if err != nil {
			return s, err
		}
		for _, sp := range strings.Split(strings.ReplaceAll(spansText, " ", ""), ",") {
			a, b, ok := strings.Cut(sp, "-")
			from, err1 := tickets.ParseClock(a)
			to, err2 := tickets.ParseClock(b)
			if !ok || err1 != nil || err2 != nil || from >= to {
				return s, fmt.Errorf("%q: hours must be like 07:00-21:00", sp)
			}
			for _, d := range days {
				s.spans[d] = append(s.spans[d], span{from, to})
			}
		}
	}
	if !slices.ContainsFunc(s.spans[:], func(d []span) bool { return len(d) > 0 }) {
		return s, fmt.Errorf("no hours given")
	}
	return s, nil
}

func parseDays(text string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, part := range strings.Split(text, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := weekdays[a]
		to, ok2 := weekdays[b]
		if !ok1 || (isRange && !ok2) {
			return nil, fmt.Errorf("%q: days are mon, tue, wed, thu, fri, sat, sun, as a list or a range", part)
		}
		if !isRange {
			to = from
		}
		for d := from; ; d = (d + 1) % 7 {
			days = append(days, d)
			if d == to {
				break
			}
		}
	}
	return days, nil
}

// Open reports whether the call centre answers at t.
func (s Schedule) Open(t time.Time) bool {
	since := tickets.ClockOf(t)
	for _, sp := range s.spans[t.In(tickets.Local).Weekday()] {
		if since >= sp.from && since < sp.to {
			return true
		}
	}
	return false
}
