package tickets

import (
	"slices"
	"strings"
	"time"
)

// ReportPeriod returns the days a report of a day covers: the day alone ("day"), its
// week from Monday to Sunday ("week") or its month ("month"), never past today (today's
// figures are those so far) but always holding the day asked for, so that the week of
// today (a Friday) runs from Monday to that Friday.
func ReportPeriod(day, period, today string) (from, to string) {
	t, err := time.ParseInLocation(DayFormat, day, Local)
	if err != nil {
		return day, day
	}
	switch period {
	case "week":
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		from = t.AddDate(0, 0, -back).Format(DayFormat)
		to = AddDays(from, 6)
	case "month":
		from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, Local).Format(DayFormat)
		to = time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, Local).Format(DayFormat)
	default:
		return day, day
	}
	return from, min(to, max(today, day))
}

// SumReports adds up the reports of consecutive days, oldest first, into one for the
// period (a week, a month): counters are summed and every rate is computed again from
// the sums, never averaged. Figures of a moment (tickets open, overdue, cases not seen
// for two days) are the last day's. Unique and repeat callers are summed day by day.
// Staffing is per hour of an average day: offered calls and agents on duty ÷ days, and
// agents needed from those and the period's handle time.
func SumReports(days []*DayReport) *DayReport {
	if len(days) == 0 {
		return &DayReport{}
	}
	out := &DayReport{Day: days[0].Day + " – " + days[len(days)-1].Day, Computed: days[len(days)-1].Computed}
	c := &out.Calls
	c.ByLanguage, c.ByChoice, c.Outcomes = map[string]int{}, map[string]int{}, map[string]int{}
	out.Tickets = TicketFigures{ByCategory: map[string]int{}, ByPriority: map[string]int{}, ByUnit: map[string]*UnitTickets{}}
	out.Cases = CaseFigures{Moves: map[string]int{}, FollowUps: map[string]int{}, ByUnit: map[string]*UnitCases{}}
	agents := map[int64]*AgentFigures{}
	for i, d := range days {
		last := i == len(days)-1
		dc := d.Calls
		c.Received += dc.Received
		c.UniqueCallers += dc.UniqueCallers
		c.Withheld += dc.Withheld
		c.RepeatCallers += dc.RepeatCallers
		c.Callbacks += dc.Callbacks
		if dc.LongestSec > c.LongestSec {
			c.LongestSec, c.LongestCallID = dc.LongestSec, dc.LongestCallID
		}
		for h := range c.ByHour {
			c.ByHour[h] += dc.ByHour[h]
		}
		addMap(c.ByLanguage, dc.ByLanguage)
		addMap(c.ByChoice, dc.ByChoice)
		addMap(c.Outcomes, dc.Outcomes)
		out.Queue.Add(d.Queue)
		for j := range out.Intervals {
			out.Intervals[j].Add(d.Intervals[j])
		}
		out.WrapUpSec += d.WrapUpSec
		for h := range out.Staffing {
			out.Staffing[h].Offered += d.Staffing[h].Offered
			out.Staffing[h].OnDuty += d.Staffing[h].OnDuty
		}
		for _, a := range d.Agents {
			s := agents[a.UserID]
			if s == nil {
				s = &AgentFigures{UserID: a.UserID, Username: a.Username, Name: a.Name, PausedSec: map[string]int{}}
				agents[a.UserID] = s
			}
			s.Answered += a.Answered
			s.TalkSec += a.TalkSec
			s.RingSec += a.RingSec
			s.WrapUpSec += a.WrapUpSec
			s.ReadySec += a.ReadySec
			s.SignedSec += a.SignedSec
			s.TotalPause += a.TotalPause
			addMap(s.PausedSec, a.PausedSec)
		}
		t, dt := &out.Tickets, d.Tickets
		t.Created += dt.Created
		t.Resolved += dt.Resolved
		t.Closed += dt.Closed
		t.Merged += dt.Merged
		t.FirstResponses += dt.FirstResponses
		t.FirstResponseOK += dt.FirstResponseOK
		t.ResolvedOK += dt.ResolvedOK
		addMap(t.ByCategory, dt.ByCategory)
		addMap(t.ByPriority, dt.ByPriority)
		for code, u := range dt.ByUnit {
			s := t.unit(code)
			s.Created += u.Created
			s.Resolved += u.Resolved
			if last {
				s.Backlog, s.Overdue = u.Backlog, u.Overdue
			}
		}
		if last {
			t.Backlog, t.Overdue = dt.Backlog, dt.Overdue
		}
		k, dk := &out.Cases, d.Cases
		k.New += dk.New
		k.Monitoring += dk.Monitoring
		addMap(k.Moves, dk.Moves)
		addMap(k.FollowUps, dk.FollowUps)
		k.AutoCalls.Add(dk.AutoCalls)
		for code, u := range dk.ByUnit {
			s := k.unit(code)
			s.New += u.New
			s.Monitoring += u.Monitoring
			s.Seen += u.Seen
			s.WithSigns += u.WithSigns
			s.NotReached += u.NotReached
			if last {
				s.NotSeen2 = u.NotSeen2
			}
		}
		if last {
			k.NotSeen2 = dk.NotSeen2
		}
	}
	n := float64(len(days))
	aht, _ := out.AverageHandleTime()
	for h := range out.Staffing {
		st := &out.Staffing[h]
		st.OnDuty /= n
		st.Needed = AgentsNeeded(float64(st.Offered)/n, aht.Seconds())
	}
	for _, a := range agents {
		out.Agents = append(out.Agents, *a)
	}
	slices.SortFunc(out.Agents, func(x, y AgentFigures) int { return strings.Compare(x.Name+x.Username, y.Name+y.Username) })
	return out
}

func addMap(to, from map[string]int) {
	for k, v := range from {
		to[k] += v
	}
}
