package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/tickets"
)

// agentPhone signs an agent's softphone in (a SIP REGISTER with the sandbox password)
// and runs it with sipp: scenario agent_phone.xml picks up after answerAfter and stays
// on the line until the other side hangs up; agent_busy.xml refuses the call as busy.
// It returns a channel that delivers sipp's exit once the phone has taken one call.
func agentPhone(t *testing.T, name string, port int, scenario string, answerAfter time.Duration, calls int, args ...string) <-chan error {
	t.Helper()
	done := phone(t, name, port, scenario, answerAfter, calls, args...)
	reg := exec.Command("sipp", "127.0.0.1:5060", "-sf", "../../ivr/asterisk/sipp/agent_register.xml",
		"-s", name, "-au", name, "-ap", name+"-sandbox", "-key", "phone_port", fmt.Sprint(port),
		"-i", "127.0.0.1", "-p", fmt.Sprint(port+1), "-m", "1", "-nostdin", "-timeout", "10s", "-timeout_error")
	if b, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("register %s: %v\n%s", name, err, tail(string(b), 15))
	}
	return done
}

// phone runs a SIP phone with sipp on port, playing scenario (d is sipp's -d pause) for
// that many calls, with more of sipp's arguments.
func phone(t *testing.T, name string, port int, scenario string, d time.Duration, calls int, args ...string) <-chan error {
	t.Helper()
	answerAfter := d
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed (apt-get install sip-tester; make test does it)")
	}
	dir := t.TempDir()
	phone := exec.Command(sipp, append([]string{"-sf", "../../ivr/asterisk/sipp/" + scenario, "-i", "127.0.0.1", "-p", fmt.Sprint(port),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(port + 10000), "-d", fmt.Sprint(answerAfter.Milliseconds()),
		"-m", fmt.Sprint(calls), "-nostdin", "-timeout", "150s", "-timeout_error", "-trace_err", "-error_file", dir + "/errors.log"}, args...)...)
	var out strings.Builder
	phone.Stdout, phone.Stderr = &out, &out
	if err := phone.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := phone.Wait()
		if err != nil {
			errs, _ := os.ReadFile(dir + "/errors.log")
			err = fmt.Errorf("agent phone %s: %v\n%s\n%s", name, err, tail(out.String(), 15), errs)
		}
		done <- err
	}()
	t.Cleanup(func() { phone.Process.Kill() })
	return done
}

// An agent answers: the first phone rung (agent102, idle longest) is busy, so the queue
// rings the next (agent101), who picks up; caller and agent talk until the caller hangs
// up. The call record has the agent, the wait and the talk time; the agent has a ticket.
func TestAgentAnswers(t *testing.T) {
	busy := agentPhone(t, "agent102", 5082, "agent_busy.xml", 0, 1)
	answers := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent102,PJSIP/agent101", "HOTLINE_AGENT_RING=10s")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 3 * time.Second})
	if err := <-busy; err != nil {
		t.Error(err)
	}
	if err := <-answers; err != nil {
		t.Error(err)
	}
	if res.EndedBy != "caller" || res.Ticket == "" {
		t.Errorf("caller: ended by %s, ticket %q; want a ticket announced, then the caller hanging up", res.EndedBy, res.Ticket)
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeAgent || c.EndedBy != tickets.EndedByCaller || c.AgentEndpoint != "PJSIP/agent101" {
		t.Errorf("call = outcome %s ended by %s agent %q; want answered_by_agent, caller, PJSIP/agent101", c.Outcome, c.EndedBy, c.AgentEndpoint)
	}
	if c.QueuedAt == nil || c.AgentAnsweredAt == nil || c.QueueWaitMS == nil || c.TalkMS == nil ||
		*c.QueueWaitMS < 1000 || *c.TalkMS < 2500 || c.AgentAnsweredAt.Before(*c.QueuedAt) {
		t.Errorf("call times: queued %v, agent answered %v, wait %v ms, talk %v ms", c.QueuedAt, c.AgentAnsweredAt, c.QueueWaitMS, c.TalkMS)
	} else {
		t.Logf("waited %d ms for an agent (a busy phone, then one that rang 1 s), talked %d ms", *c.QueueWaitMS, *c.TalkMS)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Ref != res.Ticket || list[0].Category != tickets.CategoryOther {
		t.Errorf("tickets = %+v, want the one announced (%s) for the agent", list, res.Ticket)
	}
	if log := h.logText(); !strings.Contains(log, `agent did not answer" call=`) || !strings.Contains(log, "agent=PJSIP/agent102") {
		t.Errorf("the busy phone was not rung first:\n%s", log)
	}
}

// Waiting with nobody answering: the caller hears their place, and can press 1 to be
// called back; a caller who hangs up leaves a missed-call ticket; after the longest
// wait, a voice message; outside the agents' hours, a voice message at once.
func TestQueueWithoutAnswer(t *testing.T) {
	// An agent is on duty, but their phone is not signed in: ringing it fails, and the
	// caller keeps waiting.
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent-offline", "HOTLINE_QUEUE_ANNOUNCE=4s", "HOTLINE_QUEUE_MAX_WAIT=12s")
	s := h.store()
	caller := newCaller(t)

	t.Run("callback instead of waiting", func(t *testing.T) {
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"0", "1"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		for _, p := range []string{"vi/queue_enter", "vi/callback_created", "vi/goodbye"} {
			if !contains(res.Prompts(), p) {
				t.Errorf("prompts %v lack %s", res.Prompts(), p)
			}
		}
		c := finalRecord(t, s, res.HotlineID)
		if c.Outcome != tickets.OutcomeCallback || c.QueuedAt == nil {
			t.Errorf("call = %+v, want callback_requested after queueing", c)
		}
		list := ticketsOf(t, s, c)
		if len(list) != 1 || list[0].Category != tickets.CategoryCallback || list[0].IVRAnswers["queued_at"] == "" {
			t.Errorf("tickets = %+v, want one callback request keeping the time the caller joined the queue", list)
		}
	})
	t.Run("hung up while waiting", func(t *testing.T) {
		// Listen to the first announcement, then hang up during the music.
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"0", "hup"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		c := finalRecord(t, s, res.HotlineID)
		if c.Outcome != tickets.OutcomeAbandoned || c.EndedBy != tickets.EndedByCaller || c.QueuedAt == nil {
			t.Errorf("call = %+v, want abandoned_in_queue by the caller", c)
		}
		list := ticketsOf(t, s, c)
		if len(list) != 1 || list[0].Category != tickets.CategoryMissedCall || list[0].Priority != tickets.P2 {
			t.Errorf("tickets = %+v, want one P2 missed call", list)
		}
	})
	t.Run("the longest wait passes", func(t *testing.T) {
		start := time.Now()
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"0", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		positions := 0
		for _, p := range res.Prompts() {
			if p == "vi/queue_enter" || p == "vi/queue_position" {
				positions++
			}
		}
		if positions < 2 || !contains(res.Prompts(), "vi/queue_message") {
			t.Errorf("prompts %v: want the place announced at least twice, then the message prompt", res.Prompts())
		}
		c := finalRecord(t, s, res.HotlineID)
		if c.Outcome != tickets.OutcomeVoiceMessage || c.QueuedAt == nil {
			t.Errorf("call = %+v, want voice_message", c)
		}
		list := ticketsOf(t, s, c)
		if len(list) != 1 || list[0].Category != tickets.CategoryCallback {
			t.Fatalf("tickets = %+v, want one callback request", list)
		}
		voiceMessage(t, h, s, list[0], time.Second)
		t.Logf("call lasted %v with a 12 s longest wait", time.Since(start).Round(time.Second))
	})
	t.Run("outside the agents' hours", func(t *testing.T) {
		// Open only on another day of the week than today.
		other := [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[(time.Now().In(tickets.Local).Weekday()+3)%7]
		h2 := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_AGENT_HOURS="+other+" 08:00-17:00")
		s2 := h2.store()
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"0", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		if contains(res.Prompts(), "vi/queue_enter") || !contains(res.Prompts(), "vi/queue_message") {
			t.Errorf("prompts %v: want the message prompt without queueing", res.Prompts())
		}
		c := finalRecord(t, s2, res.HotlineID)
		if c.Outcome != tickets.OutcomeVoiceMessage || c.QueuedAt != nil {
			t.Errorf("call = %+v, want voice_message, never queued", c)
		}
	})
}

// A caller short of breath is told to call 115 in an emergency and goes straight to the
// front of the agent queue; the agent gets the P1 symptom report the call made, not a
// second ticket.
func TestUrgentCallerToAgent(t *testing.T) {
	answers := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101")
	s := h.store()
	// No fever, no cough, short of breath, no travel, no contact, area unknown, this number.
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"2", "2", "2", "1", "2", "2", "0", "1"},
		Barge: 500 * time.Millisecond, HangupAfterKeys: -1, HangupAfterTicket: 20 * time.Second})
	if err := <-answers; err != nil {
		t.Error(err)
	}
	if !contains(res.Prompts(), "vi/symptoms_urgent") {
		t.Errorf("prompts %v lack the advice to call 115", res.Prompts())
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeAgent || c.AgentEndpoint != "PJSIP/agent101" || c.TalkMS == nil || *c.TalkMS < 2000 {
		t.Errorf("call = outcome %s agent %q talk %v, want answered_by_agent on PJSIP/agent101", c.Outcome, c.AgentEndpoint, c.TalkMS)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Category != tickets.CategorySymptomReport || list[0].Priority != tickets.P1 {
		t.Fatalf("tickets = %+v, want one P1 symptom report", list)
	}
	evs, err := s.TicketEvents(context.Background(), tickets.ActorSystem, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	noted := false
	for _, e := range evs {
		noted = noted || (e.Kind == "note" && strings.Contains(e.Note, "PJSIP/agent101"))
	}
	if !noted {
		t.Errorf("the ticket does not note the agent who took the call: %+v", evs)
	}
}

// Two callers, one agent: the second waits, hearing their place over and over, and is
// put through as soon as the agent finishes with the first, without waiting for the
// announcement to end.
func TestSecondCallerGetsTheFreedAgent(t *testing.T) {
	phones := agentPhone(t, "agent101", 5072, "agent_phone.xml", 500*time.Millisecond, 2)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_QUEUE_ANNOUNCE=1s")
	s := h.store()
	caller := newCaller(t)
	first := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := caller.Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
			HangupAfterKeys: -1, HangupAfterTicket: 12 * time.Second, MaxDuration: time.Minute})
		first <- res
	}()
	time.Sleep(3 * time.Second)
	second := call(t, caller, testcaller.TestCall{From: "0905123457", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 2 * time.Second, MaxDuration: time.Minute})
	res1 := <-first
	if err := <-phones; err != nil {
		t.Error(err)
	}
	if res1 == nil {
		t.Fatal("the first call failed")
	}
	c1, c2 := finalRecord(t, s, res1.HotlineID), finalRecord(t, s, second.HotlineID)
	if c1.Outcome != tickets.OutcomeAgent || c2.Outcome != tickets.OutcomeAgent || c2.AgentAnsweredAt == nil {
		t.Fatalf("outcomes %s and %s, want both answered by the agent", c1.Outcome, c2.Outcome)
	}
	// The agent's phone picks up 0.5 s after it rings.
	gap := c2.AgentAnsweredAt.Sub(*c1.EndedAt)
	t.Logf("second caller put through %v after the agent finished with the first (announcements back to back, each about 8 s)", gap.Round(time.Millisecond))
	if gap > 4*time.Second {
		t.Errorf("the second caller waited %v after the agent was free: the announcement was not cut short", gap)
	}
}
