package tickets_test

import (
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// A report's period holds the day asked for: its week from Monday, its month from the
// 1st, up to the period's end or today, whichever comes first.
func TestReportPeriod(t *testing.T) {
	for _, tc := range []struct {
		name, day, period, today string
		from, to                 string
	}{
		{"Day", "2026-12-03", "day", "2026-12-04", "2026-12-03", "2026-12-03"},
		{"WeekOfTodayAFriday", "2026-12-04", "week", "2026-12-04", "2026-11-30", "2026-12-04"},
		{"WeekOfThisMonday", "2026-11-30", "week", "2026-12-04", "2026-11-30", "2026-12-04"},
		{"WeekOfTodayAMonday", "2026-11-30", "week", "2026-11-30", "2026-11-30", "2026-11-30"},
		{"WeekOfTodayASunday", "2026-12-06", "week", "2026-12-06", "2026-11-30", "2026-12-06"},
		{"WeekOfLastSunday", "2026-11-29", "week", "2026-12-04", "2026-11-23", "2026-11-29"},
		{"WeekAcrossTheYear", "2027-01-01", "week", "2027-03-01", "2026-12-28", "2027-01-03"},
		{"WeekOfADayToCome", "2026-12-08", "week", "2026-12-04", "2026-12-07", "2026-12-08"},
		{"MonthToToday", "2026-12-04", "month", "2026-12-04", "2026-12-01", "2026-12-04"},
		{"PastMonth", "2026-02-10", "month", "2026-12-04", "2026-02-01", "2026-02-28"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := tickets.ReportPeriod(tc.day, tc.period, tc.today)
			if from != tc.from || to != tc.to {
				t.Errorf("ReportPeriod(%s, %s, today %s) = %s…%s, want %s…%s", tc.day, tc.period, tc.today, from, to, tc.from, tc.to)
			}
		})
	}
}
