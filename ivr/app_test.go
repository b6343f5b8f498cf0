package ivr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/tickets"
)

// An event type the ari library does not know (a newer Asterisk sends such) reaches
// the hotline before and during a call: it is skipped, the stream stays up, and the
// call is served to its end.
func TestUnknownEventTypeLosesNoCall(t *testing.T) {
	f := ivrtest.NewARI(t)
	s := ivrtest.OpenStore(t)
	ivrtest.RunApp(t, f, s)
	f.Send("ChannelTeleportedToTheMoon", map[string]any{"channel": ivrtest.ChannelJSON("x", "")})
	f.Arrive("c1", "0905123456")
	f.Send("AnEventFromAsterisk99", map[string]any{"whatever": []int{1, 2}})
	for deadline := time.Now().Add(5 * time.Second); len(f.Prompts("c1")) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no prompt played")
		}
	}
	f.Send("ChannelDtmfReceived", map[string]any{"digit": "5", "duration_ms": 100, "channel": ivrtest.ChannelJSON("c1", "")})
	c := ivrtest.CallOn(t, s, "c1")
	if c.Outcome != tickets.OutcomeInformation || c.EndedBy != tickets.EndedByHotline || c.Path.Keys() != "5" {
		t.Errorf("call = outcome %s ended by %s keys %q, want information_only by the hotline after 5", c.Outcome, c.EndedBy, c.Path.Keys())
	}
	if got := strings.Join(f.Prompts("c1"), " "); !strings.Contains(got, "vi/quarantine_info") || !strings.Contains(got, "vi/goodbye") {
		t.Errorf("prompts %s", got)
	}
	if n := f.Conns(); n != 1 {
		t.Errorf("the event stream connected %d times, want once", n)
	}
}

// At start, callers waiting in the application are told apart: one a crashed hotline
// answered (HOTLINE_CALL names its record) gets the apology in their language; one who
// arrived while nobody listened is served as a new caller, not apologised to.
func TestRecoveryTellsOldCallersFromNew(t *testing.T) {
	f := ivrtest.NewARI(t)
	s := ivrtest.OpenStore(t)
	old := &tickets.Call{ChannelID: "old", CallerRaw: "0905123456", Language: "en",
		Path: tickets.Path{{At: time.Now(), Node: "main"}, {At: time.Now(), Node: "main", Key: "9"}, {At: time.Now(), Node: "main"}}}
	if err := s.StartCall(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	f.SetChannel("old", map[string]string{"HOTLINE_CALL": old.ID})
	f.SetChannel("new", nil)
	f.SetStasis(ivrtest.ChannelJSON("old", "0905123456"), ivrtest.ChannelJSON("new", "0911222333"))
	ivrtest.RunApp(t, f, s)
	for deadline := time.Now().Add(5 * time.Second); len(f.Prompts("new")) == 0 || len(f.Prompts("old")) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("prompts: old %v, new %v", f.Prompts("old"), f.Prompts("new"))
		}
	}
	if got := f.Prompts("old"); got[0] != "en/system_recovered" {
		t.Errorf("the interrupted caller heard %v, want the apology in English", got)
	}
	if got := f.Prompts("new"); got[0] != "vi/welcome" {
		t.Errorf("the new caller heard %v, want the welcome", got)
	}
	c := ivrtest.CallOn(t, s, "old")
	if c.ID != old.ID || c.Outcome != tickets.OutcomeInterrupted {
		t.Errorf("recovered record %+v, want %s interrupted", c, old.ID)
	}
	page, _ := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{CallID: &old.ID})
	if len(page.Tickets) != 1 || page.Tickets[0].Category != tickets.CategoryCallback {
		t.Errorf("tickets of the interrupted call: %+v", page.Tickets)
	}
}
