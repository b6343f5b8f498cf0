package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// The week of a day runs from its Monday to its Sunday, never past today, and always
// holds the day asked for (up to today); the page says which days it shows. One call a
// day, so the calls received are the days counted.
func TestWeekReportIncludesTheDay(t *testing.T) {
	var now time.Time
	c := newConsole(t, func(cfg *web.Config) { cfg.Now = func() time.Time { return now } })
	ctx := context.Background()
	for day := "2026-11-23"; day <= "2026-12-06"; day = tickets.AddDays(day, 1) {
		start, _, _ := tickets.DayBounds(day)
		at := start.Add(3 * time.Hour) // 03:00 in Huế
		end := at.Add(time.Minute)
		id := "call-" + day
		if err := c.store.SaveCall(ctx, &tickets.Call{ID: id, ChannelID: id, StartedAt: at, EndedAt: &end,
			Outcome: tickets.OutcomeInformation}); err != nil {
			t.Fatal(err)
		}
	}
	minh := c.client("minh")
	huế := func(day, clock string) time.Time {
		at, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, tc := range []struct {
		name, today, day string
		title, days      string // the title's range; the calls received (a call a day)
	}{
		{"FridayToday", "2026-12-04", "2026-12-04", "Báo cáo tuần 30/11–04/12/2026", "5"},
		{"MondayOfThisWeek", "2026-12-04", "2026-11-30", "Báo cáo tuần 30/11–04/12/2026", "5"},
		{"Yesterday", "2026-12-04", "2026-12-03", "Báo cáo tuần 30/11–04/12/2026", "5"},
		{"SundayOfLastWeek", "2026-12-04", "2026-11-29", "Báo cáo tuần 23/11–29/11/2026", "7"},
		{"MondayToday", "2026-11-30", "2026-11-30", "Báo cáo tuần 30/11–30/11/2026", "1"},
		{"SundayToday", "2026-12-06", "2026-12-06", "Báo cáo tuần 30/11–06/12/2026", "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now = huế(tc.today, "10:00")
			code, body := get(t, minh, c.srv.URL+"/reports/daily?period=week&day="+tc.day)
			if code != http.StatusOK {
				t.Fatalf("week of %s: %d", tc.day, code)
			}
			if !strings.Contains(body, tc.title) {
				t.Errorf("week of %s seen on %s: title %q, want %q", tc.day, tc.today, between(body, `data-testid="report-title">`, "<"), tc.title)
			}
			if got := figureOf(body, "calls.received"); got != tc.days {
				t.Errorf("week of %s seen on %s: calls received %s, want %s (a call a day)", tc.day, tc.today, got, tc.days)
			}
			if got := between(body, `data-testid="report-range">`, "<"); !strings.Contains(got, "ngày") {
				t.Errorf("week of %s: the days shown are not said: %q", tc.day, got)
			}
		})
	}
	t.Run("MonthToToday", func(t *testing.T) {
		now = huế("2026-12-04", "10:00")
		_, body := get(t, minh, c.srv.URL+"/reports/daily?period=month&day=2026-12-04")
		if got := figureOf(body, "calls.received"); got != "4" {
			t.Errorf("December to the 4th: calls received %s, want 4", got)
		}
	})
}

// between returns the text of s after the first from, up to the next to ("" when absent).
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return strings.TrimSpace(v)
}
