package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// The report's CSV is for spreadsheets: a fixed header, values as plain numbers (a
// percentage without its sign, durations in seconds), the unit in a column of its own,
// text apart from numbers; so a column sums to its total.
func TestReportCSVNumbers(t *testing.T) {
	c := newConsole(t)
	c.fillBusyDay()
	ctx := context.Background()
	if _, err := c.store.FreezeDay(ctx, busyDay); err != nil {
		t.Fatal(err)
	}
	c.store.Now = func() time.Time { return time.Date(2021, 8, 10, 8, 0, 0, 0, time.UTC) } // 15:00 in Huế
	c.ticket(tickets.CategorySymptomReport, "0905000009", ptr(kimLong), nil)               // late: after the freeze
	c.store.Now = time.Now

	code, body := get(t, c.client("minh"), c.srv.URL+"/reports/daily.csv?day="+busyDay)
	if code != http.StatusOK || !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("csv: %d, starts %.20q", code, body)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	rows, err := r.ReadAll() // also checks every line has the header's number of fields
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	header := []string{"section", "key", "label", "value", "value_now", "unit"}
	if !slices.Equal(rows[0], header) {
		t.Errorf("header %q, want %q", rows[0], header)
	}
	col := func(row []string, name string) string { // by the header's names
		if i := slices.Index(rows[0], name); i >= 0 {
			return row[i]
		}
		return ""
	}
	units := []string{"count", "percent", "seconds", "agents", "text"}
	value := map[string]string{}
	now := map[string]string{}
	unit := map[string]string{}
	for _, row := range rows[1:] {
		key := col(row, "key")
		value[key], now[key], unit[key] = col(row, "value"), col(row, "value_now"), col(row, "unit")
		if col(row, "section") == "Báo cáo" {
			continue
		}
		if !slices.Contains(units, unit[key]) {
			t.Errorf("%s: unit %q, want one of %v", key, unit[key], units)
		}
		if unit[key] == "text" {
			continue
		}
		for _, v := range []string{value[key], now[key]} {
			if _, err := strconv.ParseFloat(v, 64); v != "" && err != nil {
				t.Errorf("%s: value %q is not a number a spreadsheet reads", key, v)
			}
		}
	}
	sum := func(prefix, suffix string) (total float64, n int) {
		for k, v := range value {
			if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, suffix) {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
				n++
			}
		}
		return total, n
	}
	for _, tc := range []struct {
		name, prefix, suffix, total string
		parts                       int
	}{
		{"CallsByHour", "calls.hour.", "", "calls.received", 24},
		{"OfferedByHalfHour", "queue.interval.", ".offered", "queue.offered", 48},
		{"AnsweredByHalfHour", "queue.interval.", ".answered", "queue.answered", 48},
		{"TicketsByUnit", "tickets.unit.", ".created", "tickets.created", 0},
		{"TicketsByCategory", "tickets.category.", "", "tickets.created", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := sum(tc.prefix, tc.suffix)
			want, err := strconv.ParseFloat(value[tc.total], 64)
			if err != nil || got != want || n == 0 || (tc.parts > 0 && n != tc.parts) {
				t.Errorf("the %d values %s*%s sum to %v; %s is %q", n, tc.prefix, tc.suffix, got, tc.total, value[tc.total])
			}
		})
	}
	// Answered in 20 s: 8, 15 and 12 s, not 35 s; the abandon after 25 s counts, the one
	// after 3 s not: 3 ÷ (4 + 1). Waits 8 + 15 + 35 + 12 = 70 s over 4 answered.
	for key, want := range map[string][2]string{
		"queue.service_level":                               {"60.0", "percent"},
		"queue.asa":                                         {"18", "seconds"},
		"queue.longest_wait":                                {"35", "seconds"},
		"calls.longest":                                     {"300", "seconds"},
		"calls.longest_call":                                {"busy02", "text"},
		"staffing.09.on_duty":                               {"1.5", "agents"},
		"agents.lan.talk":                                   {"60", "seconds"},
		"agents.mai.paused.meeting":                         {"900", "seconds"},
		"queue.interval.0000.service_level":                 {"", "percent"},
		"tickets.unit." + phuXuan + ".created":              {"2", "count"},
		"cases.follow_ups." + tickets.ResultWell:            {"1", "count"},
		"tickets.first_response_sla":                        {"", "percent"},
		"cases.unit." + phuXuan + ".monitoring":             {"2", "count"},
		"tickets.unit." + kimLong + ".created":              {"1", "count"},
		"queue.interval.0900.answered":                      {"2", "count"},
		"queue.interval.0930.abandoned":                     {"2", "count"},
		"queue.interval.0930.service_level":                 {"0.0", "percent"},
		"queue.interval.1000.service_level":                 {"100.0", "percent"},
		"calls.choice.0":                                    {"7", "count"},
		"report.from":                                       {busyDay, "text"},
		"tickets.category." + tickets.CategorySymptomReport: {"3", "count"},
	} {
		if value[key] != want[0] || unit[key] != want[1] {
			t.Errorf("%s = %q %q, want %q %q", key, value[key], unit[key], want[0], want[1])
		}
	}
	if value["tickets.created"] != "4" || now["tickets.created"] != "5" {
		t.Errorf("tickets created %q, now %q; want 4, now 5", value["tickets.created"], now["tickets.created"])
	}
}
