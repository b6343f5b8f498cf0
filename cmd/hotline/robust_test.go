package main_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/tickets"
)

// Tests of calls that nothing may lose: each failed before the fix it goes with.

// waitCall polls the hotline's database until a call record satisfies ok.
func waitCall(t *testing.T, s *tickets.Store, within time.Duration, what string, ok func(*tickets.Call) bool) *tickets.Call {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		calls, _ := servedCalls(s)
		for _, c := range calls {
			if ok(c) {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call %s within %v", what, within)
		}
	}
}

// reached reports whether a call's path entered a node.
func reached(c *tickets.Call, node string) bool {
	for _, st := range c.Path {
		if st.Node == node {
			return true
		}
	}
	return false
}

// A caller already talking to an agent does not keep a second agent reserved: a second
// caller five seconds later is put through to the idle agent within a ring time.
func TestIdleAgentTakesTheNextCaller(t *testing.T) {
	phones := []<-chan error{
		agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 1),
		agentPhone(t, "agent102", 5082, "agent_phone.xml", time.Second, 1),
	}
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101,PJSIP/agent102", "HOTLINE_AGENT_RING=10s", "HOTLINE_QUEUE_ANNOUNCE=3s")
	s := h.store()
	caller := newCaller(t)
	first := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := caller.Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
			HangupAfterKeys: -1, HangupAfterTicket: 25 * time.Second, MaxDuration: time.Minute})
		first <- res
	}()
	a := waitCall(t, s, 30*time.Second, "answered by an agent", func(c *tickets.Call) bool { return c.AgentAnsweredAt != nil })
	time.Sleep(5 * time.Second)
	second := call(t, caller, testcaller.TestCall{From: "0905123457", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 2 * time.Second, MaxDuration: 40 * time.Second})
	b := finalRecord(t, s, second.HotlineID)
	if b.Outcome != tickets.OutcomeAgent || b.AgentAnsweredAt == nil || b.AgentEndpoint == a.AgentEndpoint {
		t.Fatalf("second caller: outcome %s, agent %q (the first talks to %q); want the other agent", b.Outcome, b.AgentEndpoint, a.AgentEndpoint)
	}
	if wait := b.AgentAnsweredAt.Sub(*b.QueuedAt); wait > 10*time.Second {
		t.Errorf("second caller waited %v for the idle agent, more than a ring time", wait)
	} else {
		t.Logf("second caller put through to %s after %v while %s talked with the first", b.AgentEndpoint, wait.Round(time.Millisecond), a.AgentEndpoint)
	}
	if res := <-first; res == nil || finalRecord(t, s, res.HotlineID).Outcome != tickets.OutcomeAgent {
		t.Errorf("first caller: %+v", res)
	}
	for _, p := range phones {
		if err := <-p; err != nil {
			t.Error(err)
		}
	}
}

// Asterisk not answering for 2 s in the middle of a call (an overload, a network blip)
// drops nothing: the caller finishes their report.
func TestARIStallDropsNoCall(t *testing.T) {
	proxy := newARIProxy(t)
	h := startHotline(t, "", "ARI_URL="+proxy.URL())
	s := h.store()
	done := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := newCaller(t).Place(context.Background(), testcaller.TestCall{From: "0905123456",
			Keys: []string{"2", "1", "2", "2", "2", "2", "0", "1"}, Barge: 700 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second})
		done <- res
	}()
	waitCall(t, s, 20*time.Second, "answered", func(c *tickets.Call) bool { return c.AnsweredAt != nil })
	time.Sleep(3 * time.Second)
	proxy.stall(2 * time.Second)
	t.Log("ARI stalled for 2 s")
	res := <-done
	if res == nil || !contains(res.Prompts(), "vi/ticket_created") || !contains(res.Prompts(), "vi/goodbye") {
		t.Fatalf("the caller did not finish the report: %+v\n%s", res, h.logText())
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeTicket || c.EndedBy != tickets.EndedByHotline {
		t.Errorf("call = outcome %s ended by %s, want ticket_created by the hotline", c.Outcome, c.EndedBy)
	}
	if list := ticketsOf(t, s, c); len(list) != 1 || list[0].Category != tickets.CategorySymptomReport {
		t.Errorf("tickets %+v, want the symptom report", list)
	}
	if strings.Contains(h.logText(), "dropped") {
		t.Errorf("the hotline dropped calls:\n%s", h.logText())
	}
}

// A database locked by another program for 20 s during a symptom report: the caller is
// told their report is recorded (it is, in the spool on disk), and the ticket is in the
// database once the lock is gone.
func TestLockedDatabaseLosesNoReport(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	locked := time.Now()
	unlocked := make(chan struct{})
	go func() {
		time.Sleep(20 * time.Second)
		conn.ExecContext(context.Background(), "ROLLBACK")
		close(unlocked)
	}()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"2", "1", "2", "2", "1", "2", "0", "1"},
		Barge: 500 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second})
	if !contains(res.Prompts(), "vi/ticket_created") || contains(res.Prompts(), "vi/system_busy") {
		t.Errorf("prompts %v: want the report recorded, not system busy", res.Prompts())
	}
	t.Logf("the call ended %v after the database was locked for 20 s", time.Since(locked).Round(time.Second))
	<-unlocked
	c := finalRecord(t, s, res.HotlineID)
	var list []*tickets.Ticket
	for deadline := time.Now().Add(20 * time.Second); len(list) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		list = ticketsOf(t, s, c)
	}
	if len(list) != 1 || list[0].Category != tickets.CategorySymptomReport || list[0].Priority != tickets.P2 ||
		list[0].IVRAnswers["fever"] != "yes" || list[0].IVRAnswers["travel"] != "yes" {
		t.Fatalf("tickets after the lock: %+v\n%s", list, h.logText())
	}
	if c.Outcome != tickets.OutcomeTicket || c.AnsweredAt == nil {
		t.Errorf("call record %+v", c)
	}
	if !strings.Contains(h.logText(), "spooled call report written to the database") {
		t.Errorf("the report did not go through the spool:\n%s", h.logText())
	}
}

// An agent answers but Asterisk refuses the bridge: the caller hears an apology and
// leaves a message; the call is agent_bridge_failed with a missed-call ticket.
func TestFailedBridgeLeavesNoDeadAir(t *testing.T) {
	phone := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 1)
	proxy := newARIProxy(t)
	proxy.refuse("POST", "/bridges", 500)
	h := startHotline(t, "", "ARI_URL="+proxy.URL(), "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_AGENT_RING=10s")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"0", "say=2s", "#"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, MaxDuration: 60 * time.Second})
	if err := <-phone; err != nil {
		t.Error(err) // the agent's leg must be hung up
	}
	for _, p := range []string{"vi/agent_failed", "vi/message_saved", "vi/goodbye"} {
		if !contains(res.Prompts(), p) {
			t.Errorf("prompts %v lack %s", res.Prompts(), p)
		}
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeAgentFailed || c.EndedBy != tickets.EndedByHotline || c.AgentEndpoint != "PJSIP/agent101" {
		t.Errorf("call = outcome %s ended by %s agent %q, want agent_bridge_failed", c.Outcome, c.EndedBy, c.AgentEndpoint)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Category != tickets.CategoryMissedCall || list[0].Priority != tickets.P2 {
		t.Fatalf("tickets %+v, want one P2 missed call", list)
	}
	voiceMessage(t, h, s, list[0], time.Second)
}

// With the hotline down, a caller over the SIP trunk is not cut off: Asterisk apologises
// (9 for English) and takes a voice message; the hotline, once started, imports the call
// and a callback ticket with the message.
func TestHotlineDownTakesAMessage(t *testing.T) {
	needAsterisk(t)
	dir := t.TempDir()
	cmd := exec.Command("sipp", "127.0.0.1:5060", "-sf", "../../ivr/asterisk/sipp/carrier_message.xml", "-s", "19001075",
		"-key", "caller", "0905123456", "-key", "dtmf", "/usr/share/sip-tester/dtmf_2833_9.pcap", "-d", "14000",
		"-i", "127.0.0.1", "-p", "5070", "-mi", "127.0.0.1", "-mp", "16800", "-m", "1", "-nostdin",
		"-timeout", "90s", "-timeout_error", "-trace_err", "-error_file", dir+"/errors.log")
	if out, err := cmd.CombinedOutput(); err != nil {
		errs, _ := os.ReadFile(dir + "/errors.log")
		t.Fatalf("the call with the hotline down: %v\n%s\n%s", err, tail(string(out), 20), errs)
	}
	h := startHotline(t, "")
	s := h.store()
	var c *tickets.Call
	for deadline := time.Now().Add(20 * time.Second); c == nil; time.Sleep(200 * time.Millisecond) {
		all, _ := s.ListCalls(context.Background(), tickets.ActorSystem, tickets.CallFilter{})
		for _, x := range all {
			if x.Outcome == tickets.OutcomeUnavailable && x.CallerNumber != nil && *x.CallerNumber == "+84905123456" {
				c = x
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call taken during the outage was not imported:\n%s", h.logText())
		}
	}
	if c.Language != "en" || c.EndedAt == nil {
		t.Errorf("imported call %+v, want English and ended", c)
	}
	list := ticketsOf(t, s, c)
	// A call during an outage is on the missed-call worklist, to be called back.
	if len(list) != 1 || list[0].Category != tickets.CategoryMissedCall || list[0].Priority != tickets.P2 || list[0].IVRAnswers["lang"] != "en" {
		t.Fatalf("tickets %+v, want one P2 missed call in English", list)
	}
	voiceMessage(t, h, s, list[0], 2*time.Second)
}

// Asterisk restarting while a caller leaves a message: what they said is kept (imported
// from Asterisk once it is back), on a ticket of the call.
func TestMessageKeptOverAsteriskRestart(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	done := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := newCaller(t).Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"3", "0", "say=30s"},
			Barge: 500 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 60 * time.Second})
		done <- res
	}()
	// 3, 0 (area unknown), the message prompt, the beep: the caller speaks from about 12 s
	// after the answer.
	waitCall(t, s, 30*time.Second, "answered", func(c *tickets.Call) bool { return c.AnsweredAt != nil })
	time.Sleep(18 * time.Second)
	if out, err := exec.Command("../../ivr/asterisk/sandbox.sh", "restart").CombinedOutput(); err != nil {
		t.Fatalf("restart Asterisk: %v\n%s", err, out)
	}
	res := <-done
	if res == nil {
		t.Fatal("test call failed")
	}
	c := finalRecord(t, s, res.HotlineID)
	var list []*tickets.Ticket
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if list = ticketsOf(t, s, c); len(list) == 1 {
			if recs, _ := s.TicketRecordings(context.Background(), tickets.ActorSystem, list[0].ID); len(recs) == 1 {
				break
			}
		}
	}
	if len(list) != 1 || list[0].Category != tickets.CategoryCommunityReport {
		t.Fatalf("tickets %+v, want the community report the caller was leaving\n%s", list, h.logText())
	}
	voiceMessage(t, h, s, list[0], 3*time.Second)
}

// The hotline killed in the middle of an English symptom report: the next start tells
// the caller, in English, that the call was cut, and files what they had answered as the
// report it was becoming (short of breath: P1), on the call's own record.
func TestRecoveryKeepsWhatTheCallerSaid(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	done := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := newCaller(t).Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"9", "2", "2", "2", "1"},
			Barge: 500 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second})
		done <- res
	}()
	waitCall(t, s, 40*time.Second, "with the breath answer saved", func(c *tickets.Call) bool { return c.Answers["breath"] == "yes" })
	h.cmd.Process.Signal(syscall.SIGKILL)
	waitExit(t, h)

	h2 := startHotline(t, h.dbPath)
	res := <-done
	if res == nil || !contains(res.Prompts(), "en/system_recovered") {
		t.Fatalf("caller after the crash = %+v, want the apology in English\n%s", res, h2.logText())
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeInterrupted || c.Language != "en" || c.Path.Keys() != "92221" {
		t.Errorf("call = %+v, want interrupted, English, keys 92221", c)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Category != tickets.CategorySymptomReport || list[0].Priority != tickets.P1 ||
		list[0].IVRAnswers["breath"] != "yes" || list[0].IVRAnswers["lang"] != "en" {
		t.Errorf("tickets %+v, want the P1 symptom report with the answers given", list)
	}
}

// A second hotline on the same ARI application: the first stops cleanly, saying why in
// one sentence, and the second takes the calls.
func TestSecondHotlineOnTheSameApplication(t *testing.T) {
	first := startHotline(t, "")
	second := startHotline(t, "")
	if err := waitExit(t, first); err == nil || !strings.Contains(first.logText(), "ARI_APPLICATION") {
		t.Fatalf("first hotline: exit %v\n%s", err, first.logText())
	}
	if ee, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ee.ExitStatus() != 2 {
		t.Errorf("first hotline exit status %v, want 2", first.cmd.ProcessState)
	}
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"5"}, Barge: 500 * time.Millisecond, HangupAfterKeys: 1})
	if !contains(res.Prompts(), "vi/quarantine_info") {
		t.Errorf("the second hotline did not serve the call: %v", res.Prompts())
	}
	finalRecord(t, second.store(), res.HotlineID)
}
