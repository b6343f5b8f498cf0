package tickets_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
	sup := f.sup
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

// An agent gives the result only of a call that was in their own hands: a call answered
// on the phone of one of their shifts, while that shift lasted. Another agent's call, a
// call nobody answered, a call on the same desk phone in someone else's shift, and
// (a result being the handler's own account) a supervisor's word on an agent's call are
// refused.
func TestCallDispositionOnlyByItsAgent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	lan := f.agent
	hoa := agent(t, f, "agent2")
	sup := f.sup
	start := *f.now
	// hoa has the desk phone agent101 in the morning, lan from the afternoon; binh sits at
	// agent102 all day.
	shift := func(who tickets.Actor, phone string) {
		t.Helper()
		if _, err := f.s.StartAgentSession(ctx, *who.UserID, phone); err != nil {
			t.Fatal(err)
		}
	}
	call := func(phone string) *tickets.Call {
		t.Helper()
		begun := *f.now
		*f.now = f.now.Add(5 * time.Minute)
		ended := *f.now
		c := &tickets.Call{ChannelID: "ch-" + tickets.NewCallID(), CallerNumber: ptr("+84905123456"), StartedAt: begun,
			AgentEndpoint: phone, AgentAnsweredAt: &begun, EndedAt: &ended, Outcome: tickets.OutcomeAgent}
		if err := f.s.SaveCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	shift(hoa, "PJSIP/agent101")
	binh := agent(t, f, "agent3")
	shift(binh, "PJSIP/agent102")
	morning := call("PJSIP/agent101")
	binhs := call("PJSIP/agent102")
	noAgent := call("")
	*f.now = start.Add(4 * time.Hour)
	if err := f.s.EndAgentSession(ctx, *hoa.UserID, "ended shift"); err != nil {
		t.Fatal(err)
	}
	*f.now = start.Add(5 * time.Hour)
	shift(lan, "PJSIP/agent101")
	*f.now = start.Add(6 * time.Hour)
	afternoon := call("PJSIP/agent101")

	for _, tc := range []struct {
		name  string
		actor tickets.Actor
		call  *tickets.Call
		want  string // the error code, "" for none
	}{
		{"OwnCall", lan, afternoon, ""},
		{"OwnCallOfTheMorning", hoa, morning, ""},
		{"ErrAnotherAgentsCall", lan, binhs, tickets.EFORBIDDEN},
		{"ErrSamePhoneAnotherShift", lan, morning, tickets.EFORBIDDEN},
		{"ErrSamePhoneLaterShift", hoa, afternoon, tickets.EFORBIDDEN},
		{"ErrNobodyAnswered", lan, noAgent, tickets.EFORBIDDEN},
		{"ErrSupervisor", sup, afternoon, tickets.EFORBIDDEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.s.FindCall(ctx, tc.call.ID)
			if err != nil {
				t.Fatal(err)
			}
			err = f.s.SetCallDisposition(ctx, tc.actor, tc.call.ID, "wrong_number")
			if got := tickets.ErrorCode(err); got != tc.want {
				t.Fatalf("error %v (code %q), want code %q", err, got, tc.want)
			}
			after, _ := f.s.FindCall(ctx, tc.call.ID)
			want := "wrong_number"
			if tc.want != "" {
				want = before.Disposition
				if msg := tickets.ErrorMessage(err); !strings.Contains(msg, "cuộc gọi") {
					t.Errorf("message %q does not say which call", msg)
				}
			}
			if got := after.Disposition; got != want {
				t.Errorf("disposition %q, want %q", got, want)
			}
		})
	}
	if err := f.s.SetCallDisposition(ctx, lan, "no-such-call", "information"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("an unknown call: %v, want not found", err)
	}
}

// agent adds an agent to the fixture's store.
func agent(tb testing.TB, f *fixture, name string) tickets.Actor {
	tb.Helper()
	u := &tickets.User{Username: name, DisplayName: name, Role: tickets.RoleAgent}
	if err := f.s.CreateUser(context.Background(), tickets.ActorSystem, u, "correct horse battery"); err != nil {
		tb.Fatalf("create agent %s: %v", name, err)
	}
	return tickets.ActorFor(u)
}
