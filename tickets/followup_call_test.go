package tickets_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// monitored opens a case and puts it in monitoring on the fixture's day.
func (f *fixture) monitored(tb testing.TB) *tickets.Case {
	tb.Helper()
	c := f.newCase(tb, nil)
	if err := f.s.SetCaseStatus(context.Background(), f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
		tb.Fatal(err)
	}
	return c
}

// at sets the store's clock to a Huế time of the fixture's day.
func (f *fixture) at(tb testing.TB, clock string) time.Time {
	tb.Helper()
	day := tickets.Day(*f.now)
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, tickets.Local)
	if err != nil {
		tb.Fatal(err)
	}
	*f.now = t.UTC()
	return t
}

// due returns the cases due a call at now, by ref.
func (f *fixture) due(tb testing.TB) map[string]*tickets.FollowUpCallTarget {
	tb.Helper()
	list, err := f.s.FollowUpCallsDue(context.Background(), *f.now, 100)
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]*tickets.FollowUpCallTarget{}
	for _, d := range list {
		m[d.CaseRef] = d
	}
	return m
}

// attempt claims and ends one attempt of a case due now.
func (f *fixture) attempt(tb testing.TB, c *tickets.Case, e tickets.FollowUpCallEnd) *tickets.FollowUpCall {
	tb.Helper()
	ctx := context.Background()
	d := f.due(tb)[c.Ref]
	if d == nil {
		tb.Fatalf("%s is not due a call at %s", c.Ref, f.now.In(tickets.Local).Format("15:04"))
	}
	a, err := f.s.ClaimFollowUpCall(ctx, d, *f.now, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.s.ClaimFollowUpCall(ctx, d, *f.now, nil); tickets.ErrorCode(err) != tickets.ECONFLICT {
		tb.Errorf("a second claim of the same case got %v, want a conflict", err)
	}
	if err := f.s.EndFollowUpCall(ctx, a.ID, e); err != nil {
		tb.Fatal(err)
	}
	return a
}

func todayResult(tb testing.TB, f *fixture, c *tickets.Case) string {
	tb.Helper()
	today := tickets.Day(*f.now)
	for _, fu := range f.followUps(tb, c.ID) {
		if fu.DueOn == today {
			if fu.Result == nil {
				return ""
			}
			return *fu.Result
		}
	}
	tb.Fatalf("no follow-up today for %s", c.Ref)
	return ""
}

// The attempt rules, with the store's clock moved by hand: up to 3 counted attempts a
// day, 45 min apart; a network failure is retried soon and not counted; a rejected call
// is not retried that day; the third unanswered attempt makes the day "not reached"; an
// invalid number stops the calls and raises a ticket for the unit.
func TestFollowUpCallAttempts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	busy, rejected, invalid, network := f.monitored(t), f.monitored(t), f.monitored(t), f.monitored(t)
	cause := func(n int) *int { return &n }
	f.at(t, "08:00")
	if got := len(f.due(t)); got != 4 {
		t.Fatalf("%d cases due at 08:00, want 4", got)
	}
	f.attempt(t, busy, tickets.FollowUpCallEnd{Result: tickets.AttemptBusy, Cause: cause(17)})
	f.attempt(t, rejected, tickets.FollowUpCallEnd{Result: tickets.AttemptRejected, Cause: cause(21)})
	f.attempt(t, invalid, tickets.FollowUpCallEnd{Result: tickets.AttemptInvalidNumber, Cause: cause(1)})
	f.attempt(t, network, tickets.FollowUpCallEnd{Result: tickets.AttemptNetwork, Cause: cause(34)})
	if got := len(f.due(t)); got != 0 {
		t.Errorf("%d cases due right after their attempts, want 0", got)
	}
	f.at(t, "08:03")
	if d := f.due(t); len(d) != 1 || d[network.Ref] == nil {
		t.Errorf("due at 08:03: %v, want only the network failure again", d)
	}
	a := f.attempt(t, network, tickets.FollowUpCallEnd{Result: tickets.AttemptNoAnswer, Cause: cause(19)})
	if a.Attempt != 1 {
		t.Errorf("attempt after a network failure numbered %d, want 1 (the failure did not count)", a.Attempt)
	}
	f.at(t, "08:44")
	if d := f.due(t); len(d) != 0 {
		t.Errorf("due at 08:44: %v, want none (45 min apart)", d)
	}
	f.at(t, "08:46")
	if d := f.due(t); len(d) != 1 || d[busy.Ref] == nil {
		t.Errorf("due at 08:46: %v, want only the busy case", d)
	}
	f.attempt(t, busy, tickets.FollowUpCallEnd{Result: tickets.AttemptNoAnswer, Cause: cause(19)})
	f.at(t, "09:40")
	f.attempt(t, busy, tickets.FollowUpCallEnd{Result: tickets.AttemptBusy, Cause: cause(17)})
	f.at(t, "15:00")
	if d := f.due(t); d[busy.Ref] != nil || d[rejected.Ref] != nil || d[invalid.Ref] != nil {
		t.Errorf("due at 15:00: %v, want neither the busy case (3 attempts), the rejected one nor the invalid number", d)
	}
	if got := todayResult(t, f, busy); got != tickets.ResultNotReached {
		t.Errorf("busy case after 3 attempts: today %q, want not_reached", got)
	}
	if got := todayResult(t, f, rejected); got != tickets.ResultNotReached {
		t.Errorf("rejected case: today %q, want not_reached", got)
	}
	if got := todayResult(t, f, invalid); got != "" {
		t.Errorf("invalid number: today %q, want no result (the unit fixes the number)", got)
	}
	c, _ := f.s.GetCase(ctx, f.agent, invalid.ID)
	if c.AutoCalls != tickets.AutoCallsBadNumber {
		t.Errorf("invalid number: automated calls %q", c.AutoCalls)
	}
	page, _ := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{CaseID: &invalid.ID})
	if len(page.Tickets) != 1 || page.Tickets[0].AssigneeUnitCode == nil || *page.Tickets[0].AssigneeUnitCode != phuXuan {
		t.Errorf("invalid number: tickets %+v, want one for the unit", page.Tickets)
	}
	// Tomorrow the rejected and busy cases are called again; the invalid number is not.
	*f.now = f.now.Add(24 * time.Hour)
	f.at(t, "08:00")
	if d := f.due(t); d[busy.Ref] == nil || d[rejected.Ref] == nil || d[invalid.Ref] != nil {
		t.Errorf("due the next morning: %v", d)
	}
	// Paused by an officer: not called; the opt-out cannot be undone by resuming.
	if err := f.s.SetAutoCalls(ctx, f.officer, busy.ID, tickets.AutoCallsPaused, "gia đình xin tạm dừng"); err != nil {
		t.Fatal(err)
	}
	if d := f.due(t); d[busy.Ref] != nil {
		t.Error("a paused case is due a call")
	}
	if err := f.s.RequestFollowUpCall(ctx, f.officer, busy.ID); err != nil {
		t.Fatalf("place a call now for a paused case: %v", err)
	}
	if d := f.due(t); d[busy.Ref] == nil || d[busy.Ref].RequestID == nil {
		t.Errorf("the call asked for is not due: %v", d)
	}
	if err := f.s.RequestFollowUpCall(ctx, f.officer, busy.ID); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second request while one waits: %v, want a conflict", err)
	}
	if err := f.s.RequestFollowUpCall(ctx, f.other, busy.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("another unit's officer asking: %v, want not found", err)
	}
}

// What the citizen answered becomes the day's follow-up as soon as the questions are
// done; an opt-out is stored on the case and its trail; a hang-up midway keeps the
// answers and is retried, unless a yes was given.
func TestFollowUpCallResults(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	well, signs, optout, partial, hungAfterYes := f.monitored(t), f.monitored(t), f.monitored(t), f.monitored(t), f.monitored(t)
	f.at(t, "10:00")
	due := f.due(t)
	claim := func(c *tickets.Case) *tickets.FollowUpCall {
		rec := &tickets.Call{Direction: "follow_up", CallerRaw: "0905777888", StartedAt: *f.now}
		a, err := f.s.ClaimFollowUpCall(ctx, due[c.Ref], *f.now, rec)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	no := tickets.Answers{"fever": "no", "cough": "no", "breath": "no", "new": "no"}
	a := claim(well)
	if tk, err := f.s.RecordFollowUpCallResult(ctx, a.ID, no); err != nil || tk != nil {
		t.Fatalf("well: ticket %v, %v", tk, err)
	}
	f.s.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptPartial})
	if got := todayResult(t, f, well); got != tickets.ResultWell {
		t.Errorf("well: %q", got)
	}
	a = claim(signs)
	tk, err := f.s.RecordFollowUpCallResult(ctx, a.ID, tickets.Answers{"fever": "yes", "cough": "no", "breath": "no", "new": "no"})
	if err != nil || tk == nil || tk.Priority != tickets.P1 {
		t.Fatalf("with signs: ticket %+v, %v", tk, err)
	}
	if got := f.caseStatus(t, signs.ID); got != tickets.CaseReferred {
		t.Errorf("with signs: case %s, want referred", got)
	}
	a = claim(optout)
	if err := f.s.OptOutOfFollowUpCalls(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	f.s.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptNoResponse})
	c, _ := f.s.GetCase(ctx, f.officer, optout.ID)
	evs, _ := f.s.CaseEvents(ctx, f.officer, optout.ID)
	if c.AutoCalls != tickets.AutoCallsOptedOut || evs[len(evs)-1].Kind != "auto_calls" {
		t.Errorf("opt-out: case %s, last event %+v", c.AutoCalls, evs[len(evs)-1])
	}
	if err := f.s.SetAutoCalls(ctx, f.agent, optout.ID, tickets.AutoCallsOn, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("resuming an opt-out: %v, want a conflict", err)
	}
	a = claim(partial)
	f.s.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptPartial, Answers: tickets.Answers{"fever": "no"}})
	a = claim(hungAfterYes)
	f.s.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptPartial, Answers: tickets.Answers{"fever": "no", "cough": "yes"}})
	if got := todayResult(t, f, partial); got != "" {
		t.Errorf("partial: today %q, want none yet (retried)", got)
	}
	if got := todayResult(t, f, hungAfterYes); got != tickets.ResultSymptomatic {
		t.Errorf("hung up after a yes: today %q, want symptomatic", got)
	}
	calls, _ := f.s.FollowUpCallsOf(ctx, f.officer, partial.ID)
	if len(calls) != 1 || *calls[0].Result != tickets.AttemptPartial || calls[0].Answers["fever"] != "no" {
		t.Errorf("partial attempt %+v", calls[0])
	}
	f.at(t, "10:46")
	if d := f.due(t); len(d) != 1 || d[partial.Ref] == nil {
		t.Errorf("due at 10:46: %v, want the partial one only", d)
	}
	totals, err := f.s.FollowUpCallTotalsOn(ctx, tickets.Day(*f.now))
	if err != nil {
		t.Fatal(err)
	}
	if *totals != (tickets.FollowUpCallTotals{Dialled: 5, Completed: 3, WithSigns: 2, OptedOut: 1}) {
		t.Errorf("totals %+v", totals)
	}
	// The supervisors' daily report and the officer's part of it carry the totals; the
	// calls are not counted as callbacks.
	day := tickets.Day(*f.now)
	r, err := f.s.DailyReport(ctx, tickets.Actor{Name: "minh", Role: tickets.RoleSupervisor}, day)
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]string{}
	for _, fig := range r.Figures(nil) {
		figures[fig.Key] = fig.Value
	}
	if figures["auto_calls.dialled"] != "5" || figures["auto_calls.completed"] != "3" || figures["auto_calls.opted_out"] != "1" ||
		figures["auto_calls.with_signs"] != "2" || r.Calls.Callbacks != 0 || r.Calls.Received != 0 {
		t.Errorf("report: dialled %s completed %s opted out %s with signs %s, callbacks %d, received %d", figures["auto_calls.dialled"],
			figures["auto_calls.completed"], figures["auto_calls.opted_out"], figures["auto_calls.with_signs"], r.Calls.Callbacks, r.Calls.Received)
	}
	u, err := f.s.UnitDailyReport(ctx, f.officer, day, "")
	if err != nil {
		t.Fatal(err)
	}
	if u.Cases.AutoCalls.Dialled != 5 {
		t.Errorf("the officer's report: %+v", u.Cases.AutoCalls)
	}
}

// A hotline that stopped with attempts in progress closes them as interrupted at start:
// not counted, and called again soon.
func TestInterruptedFollowUpCallsAreRetried(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.monitored(t)
	f.at(t, "11:00")
	a, err := f.s.ClaimFollowUpCall(ctx, f.due(t)[c.Ref], *f.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.FollowUpCallAnswered(ctx, a.ID, *f.now); err != nil {
		t.Fatal(err)
	}
	if len(f.due(t)) != 0 {
		t.Error("a case with an attempt in progress is due again")
	}
	if n, err := f.s.InterruptFollowUpCalls(ctx); err != nil || n != 1 {
		t.Fatalf("interrupted %d, %v", n, err)
	}
	f.at(t, "11:03")
	d := f.due(t)[c.Ref]
	if d == nil {
		t.Fatal("the interrupted case is not due again")
	}
	b, err := f.s.ClaimFollowUpCall(ctx, d, *f.now, nil)
	if err != nil || b.ID == a.ID || b.Attempt != 1 {
		t.Errorf("retry %+v, %v: want a new attempt numbered 1", b, err)
	}
}

// BenchmarkFollowUpCallsDue finds the next case to call on a day with 2,000 cases due
// and none called yet, as the dialer does each time a channel frees. The search stops
// at the first case it can call (it once sorted every case due first: a day of calls
// cost the square of the cases).
func BenchmarkFollowUpCallsDue(b *testing.B) {
	f := newFixture(b)
	for range 2000 {
		f.monitored(b)
	}
	f.at(b, "09:00")
	ctx := context.Background()
	timed(b, func(int) {
		if due, err := f.s.FollowUpCallsDue(ctx, *f.now, 1); err != nil || len(due) != 1 {
			b.Fatalf("due: %v %v", due, err)
		}
	})
}

// BenchmarkFollowUpAttemptStore is the store's share of one answered follow-up call, as
// the dialer does it: the next case due, the claim with the call record (relaxed), the
// answer (relaxed), the result (synced) and the end with the final record (relaxed). It
// reports the process's CPU per attempt beside the wall time.
func BenchmarkFollowUpAttemptStore(b *testing.B) {
	f := newFixture(b)
	n := b.N
	for range n {
		f.monitored(b)
	}
	f.at(b, "09:00")
	ctx := context.Background()
	relaxed, err := tickets.OpenStore(ctx, f.s.Path(), tickets.Relaxed())
	if err != nil {
		b.Fatal(err)
	}
	defer relaxed.Close()
	relaxed.Now = f.s.Now
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	timed(b, func(int) {
		due, err := f.s.FollowUpCallsDue(ctx, *f.now, 1)
		if err != nil || len(due) != 1 {
			b.Fatalf("due: %v %v", due, err)
		}
		number := due[0].Phone
		rec := &tickets.Call{ID: tickets.NewCallID(), ChannelID: "fu-" + tickets.NewCallID(), Direction: "follow_up",
			CallerNumber: &number, CallerRaw: number, Dialed: number, Language: "vi", StartedAt: *f.now,
			Outcome: tickets.OutcomeInProgress}
		a, err := relaxed.ClaimFollowUpCall(ctx, due[0], *f.now, rec)
		if err != nil {
			b.Fatal(err)
		}
		if err := relaxed.FollowUpCallAnswered(ctx, a.ID, *f.now); err != nil {
			b.Fatal(err)
		}
		answers := tickets.Answers{"fever": "no", "cough": "no", "breath": "no", "new": "no"}
		if _, err := f.s.RecordFollowUpCallResult(ctx, a.ID, answers); err != nil {
			b.Fatal(err)
		}
		end := *f.now
		rec.AnsweredAt, rec.EndedAt, rec.Outcome, rec.EndedBy = f.now, &end, "follow_up_well", tickets.EndedByCaller
		if err := relaxed.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptWell, Call: rec}); err != nil {
			b.Fatal(err)
		}
	})
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	if due, err := f.s.FollowUpCallsDue(ctx, *f.now, 1); err != nil || len(due) != 0 {
		b.Fatalf("after a call to each case, still due: %v %v", due, err)
	}
	cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) - syscall.TimevalToNsec(ru0.Utime) +
		syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime))
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/attempt")
}
