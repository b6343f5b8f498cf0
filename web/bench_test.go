package web_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// The console's pages at outbreak size: make bench seeds data/bench.db (1,000,000
// tickets) and points HOTLINE_BENCH_DB at it. Each page goes through the real handler,
// with a signed-in session, and reports its median and 99th percentile.

type benchConsole struct {
	h       http.Handler
	store   *tickets.Store
	cookies map[string]string
}

func newBenchConsole(b *testing.B) *benchConsole {
	b.Helper()
	path := os.Getenv("HOTLINE_BENCH_DB")
	if path == "" {
		b.Skip("SKIPPED: set HOTLINE_BENCH_DB to a seeded database (make bench does)")
	}
	ctx := context.Background()
	s, err := tickets.OpenStore(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	c := &benchConsole{store: s, cookies: map[string]string{}}
	c.h = web.New(web.Config{Store: s, Sounds: sounds.FS(), Sessions: s.DB(), Recordings: b.TempDir(),
		Log: slog.New(slog.DiscardHandler)}).Handler()
	for _, u := range []*tickets.User{
		{Username: "bench-agent", Role: tickets.RoleAgent, Phone: "PJSIP/agent101"},
		{Username: "bench-officer", Role: tickets.RoleOfficer, UnitCode: ptr("19789")},
	} {
		if _, err := s.FindUserByName(ctx, u.Username); err != nil {
			if err := s.CreateUser(ctx, tickets.ActorSystem, u, "bench password"); err != nil {
				b.Fatal(err)
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {u.Username}, "password": {"bench password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			b.Fatalf("sign in %s: %d", u.Username, rec.Code)
		}
		c.cookies[u.Username] = rec.Result().Cookies()[0].String()
	}
	return c
}

// page times GET path as a user, b.N times, and reports p50 and p99 in milliseconds.
func (c *benchConsole) page(b *testing.B, user string, paths func(i int) string) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, paths(i), nil)
		req.Header.Set("Cookie", c.cookies[user])
		rec := httptest.NewRecorder()
		t0 := time.Now()
		c.h.ServeHTTP(rec, req)
		d = append(d, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", req.URL, rec.Code, excerpt(rec.Body.String(), "error-message"))
		}
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func BenchmarkConsoleTicketViews(b *testing.B) {
	c := newBenchConsole(b)
	for _, v := range []string{"open", "mine", "unassigned", "overdue", "callbacks", "missed", "all"} {
		b.Run(v, func(b *testing.B) { c.page(b, "bench-agent", func(int) string { return "/tickets?view=" + v }) })
	}
	b.Run("officer-unit", func(b *testing.B) { c.page(b, "bench-officer", func(int) string { return "/tickets?view=unit" }) })
	b.Run("filtered", func(b *testing.B) {
		c.page(b, "bench-agent", func(int) string { return "/tickets?view=all&category=symptom_report&priority=P2&area=19774" })
	})
}

func BenchmarkConsoleSearch(b *testing.B) {
	c := newBenchConsole(b)
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	page, err := c.store.ListTickets(context.Background(), agent, tickets.TicketFilter{Limit: 300})
	if err != nil {
		b.Fatal(err)
	}
	var phones, refs []string
	for _, t := range page.Tickets {
		refs = append(refs, t.Ref)
		if t.CallerNumber != nil {
			phones = append(phones, tickets.FormatPhone(*t.CallerNumber))
		}
	}
	b.Run("phone", func(b *testing.B) {
		c.page(b, "bench-agent", func(i int) string { return "/tickets?view=all&q=" + url.QueryEscape(phones[i%len(phones)]) })
	})
	b.Run("last-six", func(b *testing.B) {
		c.page(b, "bench-agent", func(i int) string {
			p := phones[i%len(phones)]
			return "/tickets?view=open&q=" + url.QueryEscape(p[len(p)-7:]) // "123 456", from the triage queue
		})
	})
	b.Run("ref", func(b *testing.B) {
		c.page(b, "bench-agent", func(i int) string { return "/tickets?view=all&q=" + refs[i%len(refs)] })
	})
	b.Run("name", func(b *testing.B) {
		c.page(b, "bench-agent", func(int) string { return "/tickets?view=all&q=nguyen+van" })
	})
}

func BenchmarkConsoleTicketPage(b *testing.B) {
	c := newBenchConsole(b)
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	var refs []string
	for _, f := range []tickets.TicketFilter{{Limit: 200}, {Open: true, Limit: 200}} {
		page, err := c.store.ListTickets(context.Background(), agent, f)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range page.Tickets {
			refs = append(refs, t.Ref)
		}
	}
	rand.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
	c.page(b, "bench-agent", func(i int) string { return "/tickets/" + refs[i%len(refs)] })
}

func BenchmarkConsoleBoard(b *testing.B) {
	c := newBenchConsole(b)
	c.page(b, "bench-officer", func(int) string { return "/board" })
}
