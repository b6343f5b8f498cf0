package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// The seeder makes data the store's own rules accept: unique references, tickets linked to
// their calls, only real units, follow-ups for every case.
const seedPassword = "a seed password"

func TestSeed(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 9, 30, 10, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	var stages []string
	err := s.Seed(ctx, tickets.SeedOptions{Tickets: 3000, Days: 60, Seed: 1, Password: seedPassword, Progress: func(stage string, done, total int) {
		if done == total && (len(stages) == 0 || stages[len(stages)-1] != stage) {
			stages = append(stages, stage)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"users", "callers", "cases", "follow-ups", "calls and tickets", "analyze"}; !equal(stages, want) {
		t.Errorf("progress stages %v, want %v", stages, want)
	}
	agent := tickets.Actor{Name: "a", Role: tickets.RoleAgent}
	seen := map[string]bool{}
	n := 0
	for cursor := ""; ; {
		page, err := s.ListTickets(ctx, agent, tickets.TicketFilter{Limit: 500, After: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			n++
			if seen[tk.Ref] {
				t.Fatalf("reference %s twice", tk.Ref)
			}
			seen[tk.Ref] = true
			if tk.CallID == nil || tk.CallerNumber == nil || tk.UnitCode == nil || tk.CreatedDay != tickets.Day(tk.CreatedAt) {
				t.Fatalf("seeded ticket %+v", tk)
			}
			if got, want := tk.ReporterHidden, tk.Category == tickets.CategoryCommunityReport; got != want {
				t.Fatalf("seeded %s (%s) hides its reporter: %v, want %v", tk.Ref, tk.Category, got, want)
			}
			if tk.CreatedAt.After(now) || tk.CreatedAt.Before(now.AddDate(0, 0, -61)) {
				t.Fatalf("ticket %s at %v, outside the period", tk.Ref, tk.CreatedAt)
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if n != 3000 {
		t.Errorf("%d tickets, want 3000", n)
	}
	calls, _ := s.CallsByDay(ctx, agent, "2021-01-01", "2021-12-31")
	total := 0
	for _, c := range calls {
		total += c.Count
	}
	if total != 6000 {
		t.Errorf("%d calls, want 6000", total)
	}
	// The seeded users sign in, and a new ticket continues the year's references.
	if _, err := s.Authenticate(ctx, "officer-19753", seedPassword); err != nil {
		t.Errorf("seeded officer: %v", err)
	}
	tk := &tickets.Ticket{Category: tickets.CategoryOther, Priority: tickets.P4}
	if err := s.CreateTicket(ctx, agent, tk); err != nil || seen[tk.Ref] {
		t.Errorf("new ticket after seeding: %s, %v", tk.Ref, err)
	}
	if err := s.Seed(ctx, tickets.SeedOptions{Tickets: 10, Password: seedPassword}); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("seeding a database with data: %v", err)
	}
}
