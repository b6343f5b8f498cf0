package tickets_test

import (
	"context"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// Marking missed calls handled resolves missed-call tickets only: any other ticket among
// the ids (a symptom report, a callback request) is left as it was, whoever asks.
func TestResolveMissedCallsOnly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	missed := f.ticket(t, tickets.CategoryMissedCall, "0905000001", ptr(phuXuan))
	symptoms := f.ticket(t, tickets.CategorySymptomReport, "0905000002", ptr(phuXuan))
	callback := f.ticket(t, tickets.CategoryCallback, "0905000003", ptr(phuXuan))
	sup := supervisor(t, f)
	for _, actor := range []struct {
		name string
		a    tickets.Actor
	}{{"Agent", f.agent}, {"Supervisor", sup}} {
		t.Run(actor.name, func(t *testing.T) {
			n, err := f.s.ResolveMissedCalls(ctx, actor.a, []int64{symptoms.ID, callback.ID}, "")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := n, 0; got != want {
				t.Errorf("resolved %d, want %d", got, want)
			}
			for _, tk := range []*tickets.Ticket{symptoms, callback} {
				if got, want := f.get(t, tk.ID).Status, tickets.StatusNew; got != want {
					t.Errorf("%s (%s) is %s, want %s", tk.Ref, tk.Category, got, want)
				}
			}
		})
	}
	n, err := f.s.ResolveMissedCalls(ctx, f.agent, []int64{symptoms.ID, missed.ID}, "")
	if err != nil || n != 1 {
		t.Fatalf("a missed call and a symptom report: resolved %d, %v; want 1", n, err)
	}
	if got, want := f.get(t, missed.ID).Status, tickets.StatusResolved; got != want {
		t.Errorf("the missed call is %s, want %s", got, want)
	}
	if got, want := f.get(t, symptoms.ID).Status, tickets.StatusNew; got != want {
		t.Errorf("the symptom report is %s, want %s", got, want)
	}
}

// supervisor adds a supervisor to the fixture's store.
func supervisor(tb testing.TB, f *fixture) tickets.Actor {
	tb.Helper()
	u := &tickets.User{Username: "sup1", DisplayName: "sup1", Role: tickets.RoleSupervisor}
	if err := f.s.CreateUser(context.Background(), tickets.ActorSystem, u, "correct horse battery"); err != nil {
		tb.Fatalf("create supervisor: %v", err)
	}
	return tickets.ActorFor(u)
}
