package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/tickets"
)

// followUpEnv runs the follow-up dialer at any hour, looking for work every second.
var followUpEnv = []string{"HOTLINE_FOLLOWUP_WINDOW=00:00-24:00", "HOTLINE_FOLLOWUP_EVERY=1s"}

// monitor opens a case in monitoring in Phú Xuân, due its first follow-up today.
func monitor(t *testing.T, s *tickets.Store, number, lang string) *tickets.Case {
	t.Helper()
	ctx := context.Background()
	unit := "19753"
	c := &tickets.Case{PersonName: "Trần Thị Bình", Phone: &number, UnitCode: &unit, Language: lang}
	if err := s.CreateCase(ctx, tickets.ActorSystem, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCaseStatus(ctx, tickets.ActorSystem, c.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	return c
}

// attemptsOf waits until a case has n attempts, all ended, and returns them oldest first.
func attemptsOf(t *testing.T, h *hotline, s *tickets.Store, c *tickets.Case, n int, limit time.Duration) []*tickets.FollowUpCall {
	t.Helper()
	var list []*tickets.FollowUpCall
	waitFor(t, h, limit, fmt.Sprintf("%d ended attempts of %s", n, c.Ref), func() bool {
		list, _ = s.FollowUpCallsOf(context.Background(), tickets.ActorSystem, c.ID)
		if len(list) < n {
			return false
		}
		for _, a := range list {
			if a.State != tickets.AttemptEnded {
				return false
			}
		}
		return true
	})
	slices.Reverse(list)
	return list
}

// keysPcap writes the pcap of keys pressed 1.5 s apart.
func keysPcap(t *testing.T, keys string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys.pcap")
	if err := testcaller.WriteDTMFPcap(p, keys, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return p
}

// citizen runs the far end of the carrier trunk (sip:127.0.0.1:5080) with a scenario.
func citizen(t *testing.T, scenario string, calls int, args ...string) <-chan error {
	t.Helper()
	return sippAt(t, 5080, scenario, calls, args...)
}

// refusing writes a copy of citizen_refuses.xml that answers with another status line.
func refusing(t *testing.T, status string) string {
	t.Helper()
	b, err := os.ReadFile("../../ivr/asterisk/sipp/citizen_refuses.xml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "refuses.xml")
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "SIP/2.0 486 Busy Here", "SIP/2.0 "+status, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sippAt runs sipp on port (media on port+10000) with a scenario (a file of
// ivr/asterisk/sipp, or a path) for that many calls.
func sippAt(t *testing.T, port int, scenario string, calls int, args ...string) <-chan error {
	t.Helper()
	dir := t.TempDir()
	if !strings.Contains(scenario, "/") {
		scenario = "../../ivr/asterisk/sipp/" + scenario
	}
	cmd := exec.Command("sipp", append([]string{"-sf", scenario, "-i", "127.0.0.1",
		"-p", fmt.Sprint(port), "-mi", "127.0.0.1", "-mp", fmt.Sprint(port + 10000), "-m", fmt.Sprint(calls),
		"-nostdin", "-timeout", "170s", "-timeout_error", "-trace_err", "-error_file", dir + "/errors.log"}, args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("sipp %s: %v\n%s", scenario, err, tail(out.String(), 15))
		}
		done <- err
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return done
}

// A citizen in monitoring answers the automated call and presses 1 (begin), then 1
// (fever: yes), 2, 2, 2: the day's follow-up is "seen, with signs" by automated call,
// the case is referred for testing, its unit has a P1 ticket; the attempt and the call
// record say so.
func TestFollowUpCallAnswered(t *testing.T) {
	far := citizen(t, "citizen_answers.xml", 1, "-d", "1000", "-key", "dtmf", keysPcap(t, "11222"))
	h := startHotline(t, "", followUpEnv...)
	s := h.store()
	ctx := context.Background()
	c := monitor(t, s, "0905123456", "vi")
	a := attemptsOf(t, h, s, c, 1, 90*time.Second)[0]
	if err := <-far; err != nil {
		t.Error(err)
	}
	if a.Result == nil || *a.Result != tickets.AttemptSymptomatic || a.AnsweredAt == nil || a.Attempt != 1 || a.CallID == nil ||
		a.Answers["fever"] != "yes" || a.Answers["breath"] != "no" {
		t.Fatalf("attempt %+v (result %v)\n%s", a, a.Result, h.logText())
	}
	fus, _ := s.FollowUps(ctx, tickets.ActorSystem, c.ID)
	if fus[0].Result == nil || *fus[0].Result != tickets.ResultSymptomatic || *fus[0].Method != tickets.MethodAutomatedCall {
		t.Errorf("day 1: %+v", fus[0])
	}
	got, _ := s.GetCase(ctx, tickets.ActorSystem, c.ID)
	if got.Status != tickets.CaseReferred {
		t.Errorf("case %s, want referred", got.Status)
	}
	page, _ := s.ListTickets(ctx, tickets.ActorSystem, tickets.TicketFilter{CaseID: &c.ID})
	if len(page.Tickets) != 1 || page.Tickets[0].Priority != tickets.P1 || page.Tickets[0].AssigneeUnitCode == nil ||
		*page.Tickets[0].AssigneeUnitCode != "19753" {
		t.Errorf("tickets %+v, want one P1 for Phú Xuân", page.Tickets)
	}
	rec, err := s.FindCall(ctx, *a.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Direction != "follow_up" || rec.Outcome != tickets.OutcomeFollowUp || rec.Path.Keys() != "11222" ||
		rec.Dialed != "0905123456" || rec.EndedAt == nil {
		t.Errorf("call record: %s %s keys %q dialed %s", rec.Direction, rec.Outcome, rec.Path.Keys(), rec.Dialed)
	}
	t.Logf("automated call: answered %s, ended %s; keys %s", a.AnsweredAt.Sub(*a.StartedAt).Round(time.Millisecond),
		a.EndedAt.Sub(*a.StartedAt).Round(time.Millisecond), rec.Path.Keys())
}

// A citizen presses 0 during the intro: the channel leaves the questions (FastAGI) for
// the application (Stasis), and the agent on duty takes it from the queue and hangs up
// after a few seconds. The attempt says the citizen asked for an agent; the call record
// names the agent's phone.
func TestFollowUpCallToAgent(t *testing.T) {
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 5*time.Second, 1)
	far := citizen(t, "citizen_answers.xml", 1, "-d", "1000", "-key", "dtmf", keysPcap(t, "0"))
	h := startHotline(t, "", append(followUpEnv, "HOTLINE_AGENTS=PJSIP/agent101")...)
	s := h.store()
	c := monitor(t, s, "0905123456", "vi")
	a := attemptsOf(t, h, s, c, 1, 90*time.Second)[0]
	for _, done := range []<-chan error{far, agent} {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if a.Result == nil || *a.Result != tickets.AttemptAgent || a.AnsweredAt == nil || a.CallID == nil {
		t.Fatalf("attempt %+v (result %v)\n%s", a, a.Result, h.logText())
	}
	rec, err := s.FindCall(context.Background(), *a.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Direction != "follow_up" || rec.Outcome != tickets.OutcomeAgent || rec.AgentEndpoint != "PJSIP/agent101" ||
		rec.Path.Keys() != "0" || rec.EndedAt == nil {
		t.Errorf("call record: %s %s agent %q keys %q\n%s", rec.Direction, rec.Outcome, rec.AgentEndpoint, rec.Path.Keys(), h.logText())
	}
}

// The carrier refuses or nobody answers, through the real trunk: busy (486, cause 17)
// is tried again 45 min later and not before; declined (603, cause 21) is not tried
// again that day and the day is "not reached"; a number that does not exist (404, cause
// 1) stops the calls and gives the unit a ticket; a phone that rings out is "no answer".
func TestFollowUpCallNotAnswered(t *testing.T) {
	h := startHotline(t, "", append(followUpEnv, "HOTLINE_FOLLOWUP_RING=5s")...)
	s := h.store()
	ctx := context.Background()
	for _, tc := range []struct {
		scenario string
		number   string
		result   string
		cause    int
	}{
		{"citizen_refuses.xml", "0905123456", tickets.AttemptBusy, 17},
		{refusing(t, "603 Decline"), "0905123457", tickets.AttemptRejected, 21},
		{refusing(t, "404 Not Found"), "0911222333", tickets.AttemptInvalidNumber, 1},
		{"citizen_rings.xml", "0321234567", tickets.AttemptNoAnswer, 0},
	} {
		far := citizen(t, tc.scenario, 1)
		c := monitor(t, s, tc.number, "vi")
		a := attemptsOf(t, h, s, c, 1, 60*time.Second)[0]
		if err := <-far; err != nil {
			t.Error(err)
		}
		cause := -1
		if a.Cause != nil {
			cause = *a.Cause
		}
		t.Logf("%s: result %v, cause %d", tc.result, *a.Result, cause)
		if *a.Result != tc.result || (tc.cause != 0 && cause != tc.cause) || a.AnsweredAt != nil || a.CallID == nil {
			t.Errorf("attempt result %v cause %d, want %s cause %d", *a.Result, cause, tc.result, tc.cause)
		}
		rec, err := s.FindCall(ctx, *a.CallID)
		if err != nil || rec.Direction != "follow_up" || rec.Outcome != "follow_up_"+tc.result || rec.EndedAt == nil {
			t.Errorf("call record %+v %v", rec, err)
		}
		// The dialer, looking every second, does not call again now.
		time.Sleep(3 * time.Second)
		if list, _ := s.FollowUpCallsOf(ctx, tickets.ActorSystem, c.ID); len(list) != 1 {
			t.Errorf("%s: %d attempts right after the first, want 1", tc.result, len(list))
		}
		later := func(d time.Duration) bool {
			due, _ := s.FollowUpCallsDue(ctx, time.Now().Add(d), 100)
			return slices.ContainsFunc(due, func(x *tickets.FollowUpCallTarget) bool { return x.CaseID == c.ID })
		}
		// "Not again today" is asked at the last minute of Huế's day: later than that is
		// the next day's follow-up, due a call of its own.
		y, m, d := time.Now().In(tickets.Local).Date()
		lastMinute := time.Until(time.Date(y, m, d, 23, 59, 0, 0, tickets.Local))
		sameDay := func(d time.Duration) bool { return tickets.Day(time.Now().Add(d)) == tickets.Day(time.Now()) }
		fus, _ := s.FollowUps(ctx, tickets.ActorSystem, c.ID)
		got, _ := s.GetCase(ctx, tickets.ActorSystem, c.ID)
		switch tc.result {
		case tickets.AttemptBusy, tickets.AttemptNoAnswer:
			if !sameDay(46 * time.Minute) {
				t.Logf("%s: the spacing is not asked within 46 min of Huế's midnight", tc.result)
			} else if later(44*time.Minute) || !later(46*time.Minute) {
				t.Errorf("%s: due 44 min later %v, 46 min later %v; want only after 45 min", tc.result, later(44*time.Minute), later(46*time.Minute))
			}
		case tickets.AttemptRejected:
			if later(lastMinute) || fus[0].Result == nil || *fus[0].Result != tickets.ResultNotReached {
				t.Errorf("declined: due at 23:59 %v, day 1 %v; want not again today, not reached", later(lastMinute), fus[0].Result)
			}
		case tickets.AttemptInvalidNumber:
			page, _ := s.ListTickets(ctx, tickets.ActorSystem, tickets.TicketFilter{CaseID: &c.ID})
			if later(lastMinute) || got.AutoCalls != tickets.AutoCallsBadNumber || len(page.Tickets) != 1 {
				t.Errorf("invalid number: due at 23:59 %v, calls %s, tickets %d; want stopped and a ticket", later(lastMinute), got.AutoCalls, len(page.Tickets))
			}
		}
	}
}

// The hotline is killed while four follow-up calls are up: at restart the four attempts
// are closed as interrupted (not counted), their channels hung up, and each case is
// called again once, never an attempt twice. Eight calls reach the far end in all.
func TestFollowUpCallsSurviveAKill(t *testing.T) {
	far := citizen(t, "agent_phone.xml", 8, "-d", "500")
	db := filepath.Join(t.TempDir(), "hotline.db")
	env := append(followUpEnv, "HOTLINE_FOLLOWUP_RETRY=5s")
	h := startHotline(t, db, env...)
	s := h.store()
	ctx := context.Background()
	var cases []*tickets.Case
	for _, n := range []string{"0905123456", "0905123457", "0911222333", "0321234567"} {
		cases = append(cases, monitor(t, s, n, "vi"))
	}
	waitFor(t, h, 60*time.Second, "four answered follow-up calls", func() bool {
		n := 0
		for _, c := range cases {
			list, _ := s.FollowUpCallsOf(ctx, tickets.ActorSystem, c.ID)
			if len(list) == 1 && list[0].State == tickets.AttemptAnswered {
				n++
			}
		}
		return n == 4
	})
	h.cmd.Process.Kill()
	<-h.exited
	h2 := startHotline(t, db, append(env, "HOTLINE_ADDR="+h.addr)...)
	for _, c := range cases {
		list := attemptsOf(t, h2, s, c, 2, 120*time.Second)
		if len(list) != 2 || *list[0].Result != tickets.AttemptInterrupted || list[0].Counted ||
			*list[1].Result != tickets.AttemptNoResponse || list[1].Attempt != 1 || *list[0].CallID == *list[1].CallID {
			t.Errorf("%s: attempts %+v %+v", c.Ref, list[0], list[1])
		}
	}
	if err := <-far; err != nil {
		t.Errorf("the far end: %v", err)
	}
	calls, _ := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
	n := 0
	for _, c := range calls {
		if c.Direction == "follow_up" {
			n++
			if c.EndedAt == nil || c.Outcome == tickets.OutcomeInProgress {
				t.Errorf("call %s left open: %s", c.ID, c.Outcome)
			}
		}
	}
	if n != 8 {
		t.Errorf("%d follow-up call records, want 8 (4 interrupted, 4 retried)", n)
	}
}
