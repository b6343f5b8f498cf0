package tickets_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// The benchmarks run against a database seeded to outbreak size (make bench seeds
// data/bench.db with 1,000,000 tickets and 2,000,000 calls and points HOTLINE_BENCH_DB at
// it). Each reports its median and 99th percentile beside Go's mean.

func benchStore(b *testing.B) *tickets.Store {
	b.Helper()
	path := os.Getenv("HOTLINE_BENCH_DB")
	if path == "" {
		b.Skip("SKIPPED: set HOTLINE_BENCH_DB to a seeded database (make bench does)")
	}
	if _, err := os.Stat(path); err != nil {
		b.Fatalf("HOTLINE_BENCH_DB: %v (an absolute path to a database made by hotline seed)", err)
	}
	s, err := tickets.OpenStore(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	page, err := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{Limit: 1})
	if err != nil || len(page.Tickets) == 0 {
		b.Fatalf("HOTLINE_BENCH_DB %s has no tickets (%v): seed it with hotline seed", path, err)
	}
	return s
}

// timed runs op b.N times and reports the median and 99th percentile in milliseconds.
func timed(b *testing.B, op func(i int)) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		op(i)
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// samplePhones picks callers' numbers from the database.
func samplePhones(b *testing.B, s *tickets.Store, n int) []string {
	b.Helper()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	page, err := s.ListTickets(context.Background(), agent, tickets.TicketFilter{Limit: 500})
	if err != nil {
		b.Fatal(err)
	}
	var phones []string
	for len(phones) < n {
		tk := page.Tickets[rand.IntN(len(page.Tickets))]
		if tk.CallerNumber != nil {
			phones = append(phones, tickets.FormatPhone(*tk.CallerNumber))
		}
	}
	return phones
}

func BenchmarkQueueFirstPage(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	officer := tickets.Actor{Name: "bench", Role: tickets.RoleOfficer, UnitCode: "19789"}
	str := func(v string) *string { return &v }
	filters := []struct {
		name  string
		actor tickets.Actor
		f     tickets.TicketFilter
	}{
		{"all", agent, tickets.TicketFilter{}},
		{"status=new", agent, tickets.TicketFilter{Status: str(tickets.StatusNew)}},
		{"status=closed", agent, tickets.TicketFilter{Status: str(tickets.StatusClosed)}},
		{"open", agent, tickets.TicketFilter{Open: true}},
		{"overdue", agent, tickets.TicketFilter{Overdue: true}},
		{"category=support", agent, tickets.TicketFilter{Category: str(tickets.CategorySupportRequest)}},
		{"priority=P1", agent, tickets.TicketFilter{Priority: str(tickets.P1)}},
		{"area", agent, tickets.TicketFilter{UnitCode: str("19774")}},
		{"assignee=unit", agent, tickets.TicketFilter{AssigneeUnitCode: str("19774")}},
		{"status+area", agent, tickets.TicketFilter{Status: str(tickets.StatusClosed), UnitCode: str("19774")}},
		{"open+category", agent, tickets.TicketFilter{Open: true, Category: str(tickets.CategorySymptomReport)}},
		{"sort=priority", agent, tickets.TicketFilter{Sort: tickets.SortPriority, Open: true}},
		{"sort=oldest", agent, tickets.TicketFilter{Sort: tickets.SortOldest}},
		{"officer", officer, tickets.TicketFilter{}},
		{"officer+open", officer, tickets.TicketFilter{Open: true}},
	}
	for _, fl := range filters {
		b.Run(fl.name, func(b *testing.B) {
			fl.f.Limit = 50
			rows := 0
			timed(b, func(int) {
				page, err := s.ListTickets(ctx, fl.actor, fl.f)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(page.Tickets)
			})
			if rows == 0 {
				b.Fatalf("filter %s found no ticket: the figure would mean nothing", fl.name)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

func BenchmarkPhoneSearch(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	phones := samplePhones(b, s, 200)
	timed(b, func(i int) {
		page, err := s.ListTickets(ctx, agent, tickets.TicketFilter{Search: phones[i%len(phones)], Limit: 50})
		if err != nil || len(page.Tickets) == 0 {
			b.Fatalf("search %s: %v", phones[i%len(phones)], err)
		}
	})
}

// A number searched by its last six digits (what a masked list or a memory gives), from
// the triage queue (open, most urgent first) and from all tickets: through the indexes of
// the last digits (the migration phone_last_digits), never a scan of callers or tickets.
func BenchmarkLastSixSearch(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	phones := samplePhones(b, s, 200)
	for _, v := range []struct {
		name string
		f    tickets.TicketFilter
	}{{"all", tickets.TicketFilter{}}, {"open", tickets.TicketFilter{Open: true, Sort: tickets.SortPriority}}} {
		b.Run(v.name, func(b *testing.B) {
			timed(b, func(i int) {
				p := phones[i%len(phones)]
				f := v.f
				f.Search, f.Limit = p[len(p)-7:], 50 // "123 456"
				if _, err := s.ListTickets(ctx, agent, f); err != nil {
					b.Fatalf("search %s: %v", f.Search, err)
				}
			})
		})
	}
}

// The shapes of a whole number people type that NormalizePhone alone did not take: the
// national number without its 0, spaced.
func BenchmarkPhoneSearchWithoutZero(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	phones := samplePhones(b, s, 200)
	timed(b, func(i int) {
		q := phones[i%len(phones)][1:] // "905 123 456"
		page, err := s.ListTickets(ctx, agent, tickets.TicketFilter{Search: q, Limit: 50})
		if err != nil || len(page.Tickets) == 0 {
			b.Fatalf("search %s: %v", q, err)
		}
	})
}

// Name search matches the start of callers' names, folded (an agent types "nguyen van").
func BenchmarkNameSearch(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	names := []string{"tran thi huong", "le van nam", "ton nu mai", "Nguyễn Ngọc Lan", "pham minh tuan"}
	timed(b, func(i int) {
		if _, err := s.ListTickets(ctx, agent, tickets.TicketFilter{Search: names[i%len(names)], Limit: 50}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkCallerHistory(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	agent := tickets.Actor{Name: "bench", Role: tickets.RoleAgent}
	phones := samplePhones(b, s, 200)
	timed(b, func(i int) {
		h, err := s.CallerHistory(ctx, agent, phones[i%len(phones)], 50)
		if err != nil || len(h.Calls) == 0 {
			b.Fatalf("history %s: %v", phones[i%len(phones)], err)
		}
	})
}

// A ticket as the IVR creates it: the call record, the ticket with its caller, repeat
// check, SLA and audit event, each its own durable transaction (synchronous=FULL).
func BenchmarkCreateTicket(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	phones := samplePhones(b, s, 200)
	timed(b, func(i int) {
		p, _ := tickets.NormalizePhone(phones[i%len(phones)])
		c := &tickets.Call{ChannelID: "bench", CallerNumber: &p, Dialed: "19001075"}
		if err := s.StartCall(ctx, c); err != nil {
			b.Fatal(err)
		}
		tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &p, CallID: &c.ID, IVRKeys: "2"}
		if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			b.Fatal(err)
		}
	})
}

// busiestDay finds the day with the most calls in the bench database.
func busiestDay(b *testing.B, s *tickets.Store) (string, int) {
	b.Helper()
	var row struct {
		Day string `db:"started_day"`
		N   int    `db:"n"`
	}
	err := s.DB().QueryRow(`SELECT started_day, COUNT(*) FROM calls GROUP BY started_day ORDER BY 2 DESC LIMIT 1`).Scan(&row.Day, &row.N)
	if err != nil {
		b.Fatal(err)
	}
	return row.Day, row.N
}

// The daily report of the busiest day (about 20,000 calls), computed from the records.
func BenchmarkDailyReportBusiestDay(b *testing.B) {
	s := benchStore(b)
	day, n := busiestDay(b, s)
	b.ReportMetric(float64(n), "calls")
	timed(b, func(int) {
		if _, err := s.DailyReport(context.Background(), tickets.ActorSystem, day); err != nil {
			b.Fatal(err)
		}
	})
}

// Thirty days to the busiest day, as the console shows a month: each day frozen (as the
// hotline freezes every day after it ends), read back and summed.
func BenchmarkReport30Days(b *testing.B) {
	s := benchStore(b)
	last, _ := busiestDay(b, s)
	first := tickets.AddDays(last, -29)
	b.Cleanup(func() {
		if _, err := s.DB().Exec(`DELETE FROM report_snapshots WHERE day >= ? AND day <= ?`, first, last); err != nil {
			b.Fatal(err)
		}
	})
	for day := first; day <= last; day = tickets.AddDays(day, 1) {
		if _, err := s.FreezeDay(context.Background(), day); err != nil {
			b.Fatal(err)
		}
	}
	timed(b, func(int) {
		if _, err := s.PeriodReport(context.Background(), tickets.ActorSystem, first, last); err != nil {
			b.Fatal(err)
		}
	})
}

// Freezing the busiest day: its report computed and kept.
func BenchmarkFreezeDay(b *testing.B) {
	s := benchStore(b)
	day, _ := busiestDay(b, s)
	drop := func() {
		if _, err := s.DB().Exec(`DELETE FROM report_snapshots WHERE day = ?`, day); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(drop)
	timed(b, func(int) {
		drop()
		if _, err := s.FreezeDay(context.Background(), day); err != nil {
			b.Fatal(err)
		}
	})
}
