package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// A caller who listens to every prompt to the end, then presses 0 for an operator. No
// agent is on duty, so they leave a voice message; it becomes a ticket, and the console
// plays it back from the hotline's own storage.
func TestCallBecomesTicket(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905 123 456", Keys: []string{"0", "say=3s", "#"}, HangupAfterKeys: -1})

	if res.EndedBy != "hotline" {
		t.Errorf("call ended by %s, want hotline", res.EndedBy)
	}
	want := []string{"vi/welcome", "vi/privacy_notice", "vi/main_menu", "en/for_english", "vi/queue_message", "vi/thanks", "vi/message_saved", "vi/goodbye"}
	if got := res.Prompts(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("prompts = %v, want %v", got, want)
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.CallerNumber == nil || *c.CallerNumber != "+84905123456" {
		t.Errorf("call caller = %v, want +84905123456", c.CallerNumber)
	}
	if c.Outcome != tickets.OutcomeVoiceMessage || c.EndedBy != tickets.EndedByHotline || c.AnsweredAt == nil || c.Dialed != "19001075" {
		t.Errorf("call record = %+v", c)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 {
		t.Fatalf("%d tickets, want 1", len(list))
	}
	tk := list[0]
	if tk.Ref != res.Ticket || tk.Category != tickets.CategoryCallback || tk.IVRKeys != "0" ||
		tk.CallerNumber == nil || *tk.CallerNumber != "+84905123456" || tk.Status != tickets.StatusNew {
		t.Errorf("ticket = %+v (announced %q)", tk, res.Ticket)
	}
	if tk.CreatedAt.Before(c.StartedAt) || c.EndedAt.Before(tk.CreatedAt) {
		t.Errorf("ticket created at %v, outside the call %v..%v", tk.CreatedAt, c.StartedAt, c.EndedAt)
	}
	rec := voiceMessage(t, h, s, tk, 2*time.Second)
	seeTicketInBrowser(t, h, tk.Ref, fmt.Sprintf("/recordings/%d", rec.ID))
}

// The English menu, with the key pressed while the prompt plays: 3 is pressed while the
// English notice plays, before the menu that offers it, and is taken.
func TestEnglishCall(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "+84 162 123 4567", Keys: []string{"9", "3", "1", "1", "say=2s", "#"}, Barge: 700 * time.Millisecond, HangupAfterKeys: -1})
	// A playback of several prompts shows as its first: the area steps start with these.
	for _, p := range []string{"en/privacy_notice", "en/area_intro", "en/unit_19753", "en/message_community", "en/ticket_created", "en/goodbye"} {
		if !contains(res.Prompts(), p) {
			t.Errorf("prompts %v lack %s", res.Prompts(), p)
		}
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Language != "en" || c.Outcome != tickets.OutcomeVoiceMessage {
		t.Errorf("call record = %+v", c)
	}
	if c.CallerNumber == nil || *c.CallerNumber != "+84321234567" {
		t.Errorf("old 11-digit number stored as %v, want +84321234567", c.CallerNumber)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Category != tickets.CategoryCommunityReport || list[0].IVRKeys != "9311" ||
		list[0].UnitCode == nil || *list[0].UnitCode != "19753" {
		t.Fatalf("tickets = %+v, want one community report for Phú Xuân (19753) with keys 9311", list)
	}
	if list[0].IVRAnswers["lang"] != "en" {
		t.Errorf("ticket answers %v: an agent calling back must know the caller speaks English", list[0].IVRAnswers)
	}
	voiceMessage(t, h, s, list[0], 1500*time.Millisecond)
}

// Hanging up at each step of the slice leaves exactly one call record, and a ticket only
// once the caller's choice was complete.
func TestHangupAtEveryStep(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	caller := newCaller(t)
	tests := []struct {
		name        string
		keys        []string
		after       int
		wantOutcome string
		wantTicket  string
	}{
		{"at answer, before any prompt", nil, -2, tickets.OutcomeHungUp, ""},
		{"during the greeting", nil, 0, tickets.OutcomeHungUp, ""},
		{"after an invalid key", []string{"7"}, 1, tickets.OutcomeHungUp, ""},
		{"during the rules", []string{"1"}, 1, tickets.OutcomeInformation, ""},
		{"after choosing English", []string{"9"}, 1, tickets.OutcomeHungUp, ""},
		{"before the first symptom answer", []string{"2"}, 1, tickets.OutcomeHungUp, ""},
		{"after one symptom answer", []string{"2", "1"}, 2, tickets.OutcomeTicket, tickets.CategorySymptomReport},
		{"during the symptom area step", []string{"2", "2", "2", "2", "2", "1"}, 6, tickets.OutcomeTicket, tickets.CategorySymptomReport},
		{"while keying in a callback number", []string{"2", "1", "2", "2", "2", "2", "0", "2", "09"}, 9, tickets.OutcomeTicket, tickets.CategorySymptomReport},
		{"during the area step", []string{"3"}, 1, tickets.OutcomeHungUp, ""},
		{"at the beep, before a message", []string{"3", "0"}, 2, tickets.OutcomeHungUp, ""},
		{"while leaving a message", []string{"3", "0", "say=2s", "hup"}, -1, tickets.OutcomeVoiceMessage, tickets.CategoryCommunityReport},
		{"during the support consent", []string{"4"}, 1, tickets.OutcomeHungUp, ""},
		{"during the support callback choice", []string{"4", "1", "0"}, 3, tickets.OutcomeHungUp, ""},
		{"during the support message", []string{"4", "1", "0", "1", "say=2s", "hup"}, -1, tickets.OutcomeVoiceMessage, tickets.CategorySupportRequest},
		{"during quarantine help", []string{"5"}, 1, tickets.OutcomeInformation, ""},
		{"when no agent is on duty", []string{"0"}, 1, tickets.OutcomeHungUp, tickets.CategoryMissedCall}, // a missed call to return
		{"during the message for the agents", []string{"0", "say=2s", "hup"}, -1, tickets.OutcomeVoiceMessage, tickets.CategoryCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: tt.keys, Barge: 500 * time.Millisecond,
				HangupAfterKeys: tt.after, HangupAtAnswer: tt.after == -2})
			if res.EndedBy != "caller" {
				t.Errorf("ended by %s, want caller", res.EndedBy)
			}
			c := finalRecord(t, s, res.HotlineID)
			if c.Outcome != tt.wantOutcome || c.EndedBy != tickets.EndedByCaller {
				t.Errorf("call outcome %q ended by %q, want %q by caller", c.Outcome, c.EndedBy, tt.wantOutcome)
			}
			if got, want := c.Path.Keys(), keysOf(tt.keys); got != want {
				t.Errorf("recorded keys %q, want %q", got, want)
			}
			list := ticketsOf(t, s, c)
			switch {
			case tt.wantTicket == "" && len(list) != 0:
				t.Errorf("tickets %+v, want none", list)
			case tt.wantTicket != "" && (len(list) != 1 || list[0].Category != tt.wantTicket):
				t.Errorf("tickets %+v, want one %s", list, tt.wantTicket)
			}
		})
	}
}

// Bad keys get "invalid choice" and the menu again; three of them end the call politely.
func TestInvalidKeys(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	caller := newCaller(t)

	t.Run("then a valid key", func(t *testing.T) {
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"7", "4", "1", "2", "1", "1", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		if !contains(res.Prompts(), "vi/invalid") {
			t.Errorf("prompts %v lack vi/invalid", res.Prompts())
		}
		c := finalRecord(t, s, res.HotlineID)
		list := ticketsOf(t, s, c)
		if len(list) != 1 || list[0].Category != tickets.CategorySupportRequest || list[0].IVRKeys != "741211" ||
			list[0].UnitCode == nil || list[0].AssigneeUnitCode == nil || *list[0].AssigneeUnitCode != *list[0].UnitCode {
			t.Errorf("tickets = %+v, want one support request with keys 741211 routed to its unit", list)
		}
	})
	// Three failures: to an agent; with nobody on duty, a voice message.
	t.Run("three times", func(t *testing.T) {
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"7", "8", "#", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
		want := []string{"vi/invalid", "vi/too_many_errors", "vi/queue_message", "vi/message_saved", "vi/goodbye"}
		for _, p := range want {
			if !contains(res.Prompts(), p) {
				t.Errorf("prompts %v lack %s", res.Prompts(), p)
			}
		}
		if res.EndedBy != "hotline" {
			t.Errorf("ended by %s, want hotline", res.EndedBy)
		}
		c := finalRecord(t, s, res.HotlineID)
		if c.Outcome != tickets.OutcomeVoiceMessage || c.Path.Keys() != "78#" {
			t.Errorf("call = %+v, want voice_message with keys 78#", c)
		}
		if list := ticketsOf(t, s, c); len(list) != 1 || list[0].Category != tickets.CategoryCallback {
			t.Errorf("tickets %+v, want one callback request", list)
		}
	})
}

// A withheld number still gets its call record and its ticket, with the number unknown.
func TestWithheldNumber(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "anonymous", Keys: []string{"3", "0", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
	c := finalRecord(t, s, res.HotlineID)
	if c.CallerNumber != nil || c.CallerRaw != "anonymous" {
		t.Errorf("caller = %v raw %q, want none and raw anonymous", c.CallerNumber, c.CallerRaw)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].CallerNumber != nil {
		t.Errorf("tickets = %+v, want one without a number", list)
	}
}

// A call over the SIP trunk, as the carrier delivers it, with RFC 4733 DTMF from sipp.
func TestSIPCarrierCall(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed (apt-get install sip-tester; make test does it)")
	}
	dir := t.TempDir()
	cmd := exec.Command(sipp, "127.0.0.1:5060",
		"-sf", "../../ivr/asterisk/sipp/carrier_call.xml", "-s", "19001075",
		"-key", "caller", "0905123456", "-key", "dtmf", "/usr/share/sip-tester/dtmf_2833_5.pcap",
		"-i", "127.0.0.1", "-p", "5070", "-mi", "127.0.0.1", "-mp", "16800",
		"-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error",
		"-trace_err", "-error_file", dir+"/errors.log")
	cmd.Dir = "."
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(dir + "/errors.log")
		t.Fatalf("sipp: %v\n%s\n%s", err, tail(string(out), 20), errs)
	}
	calls, err := servedCalls(s)
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls = %d (%v), want 1", len(calls), err)
	}
	c := finalRecord(t, s, calls[0].ChannelID)
	if c.CallerNumber == nil || *c.CallerNumber != "+84905123456" || c.Dialed != "19001075" ||
		c.Outcome != tickets.OutcomeInformation || c.Path.Keys() != "5" {
		t.Errorf("call = %+v, want quarantine information with key 5", c)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// SIGTERM while a caller is listening: the call finishes, its record is complete, and the
// hotline exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	caller := newCaller(t)
	done := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := caller.Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"0", "say=2s", "#"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: time.Minute})
		done <- res
	}()
	// Wait for the ticket, then ask the hotline to stop while it says goodbye.
	deadline := time.Now().Add(40 * time.Second)
	for {
		page, _ := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{})
		if page != nil && len(page.Tickets) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ticket within 40 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	// A call arriving while the hotline drains is told the system is busy, and recorded.
	late, err := caller.Place(context.Background(), testcaller.TestCall{From: "0905123456", HangupAfterKeys: -1, MaxDuration: 30 * time.Second})
	if err != nil || late.EndedBy != "hotline" || !contains(late.Prompts(), "vi/system_busy") {
		t.Errorf("call during the drain = %+v, %v; want the busy message and a hang-up", late, err)
	}
	res := <-done
	if res == nil || res.EndedBy != "hotline" || !contains(res.Prompts(), "vi/goodbye") {
		t.Fatalf("call during shutdown = %+v, want it to finish with the goodbye", res)
	}
	if err := waitExit(t, h); err != nil {
		t.Fatalf("hotline exit: %v\n%s", err, h.logText())
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeVoiceMessage || c.EndedBy != tickets.EndedByHotline {
		t.Errorf("call = %+v, want voice_message ended by hotline", c)
	}
	if late != nil {
		if c := finalRecord(t, s, late.HotlineID); c.Outcome != tickets.OutcomeRejected {
			t.Errorf("call during the drain recorded %q, want rejected", c.Outcome)
		}
	}
}

// A hotline killed mid-call leaves an open record; the next start closes it as
// interrupted, and the caller still waiting in Asterisk gets an apology, a callback
// ticket and a clean hang-up instead of silence.
func TestKilledHotlineLeavesRecord(t *testing.T) {
	h := startHotline(t, "")
	caller := newCaller(t)
	s := h.store()
	done := answeredCall(t, caller, s, 60*time.Second)
	h.cmd.Process.Kill()
	waitExit(t, h)

	h2 := startHotline(t, h.dbPath)
	res := <-done
	if res == nil || res.EndedBy != "hotline" || !contains(res.Prompts(), "vi/system_recovered") {
		t.Fatalf("caller after the crash = %+v, want an apology and a hang-up by the hotline\n%s", res, h2.logText())
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeInterrupted {
		t.Errorf("call after a crash = %+v, want interrupted", c)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || list[0].Category != tickets.CategoryCallback || list[0].CallerNumber == nil || *list[0].CallerNumber != "+84905123456" {
		t.Errorf("tickets %+v, want one callback request for the caller", list)
	}
}

// Start-up refuses bad settings with one sentence naming the setting.
func TestStartupSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		wantMsg string
	}{
		{"missing password", []string{"ARI_PASSWORD="}, "ARI_PASSWORD"},
		{"bad ARI_URL", []string{"ARI_URL=localhost:8088"}, "ARI_URL"},
		{"bad address", []string{"HOTLINE_ADDR=8080"}, "HOTLINE_ADDR"},
		{"wrong password", []string{"ARI_PASSWORD=wrong"}, "ARI_USERNAME"},
		{"nothing listening", []string{"ARI_URL=http://127.0.0.1:1/ari"}, "ARI_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			needAsterisk(t)
			cmd := exec.Command(binary, "serve")
			cmd.Env = append(os.Environ(), "ARI_URL="+ariURL, "ARI_USERNAME="+ariUser, "ARI_PASSWORD="+ariPass,
				"HOTLINE_DB="+t.TempDir()+"/h.db", "HOTLINE_ADDR="+freeAddr(t))
			cmd.Env = append(cmd.Env, tt.env...)
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 {
				t.Fatalf("exit = %v, want status 2; output:\n%s", err, out)
			}
			msg := strings.TrimSpace(string(out))
			if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q: want one line naming %s", msg, tt.wantMsg)
			}
		})
	}
}

// The help of every command that takes ARI's settings shows no secret: the ARI password
// from the environment was printed as the flag's default.
func TestHelpShowsNoSecret(t *testing.T) {
	needAsterisk(t)
	const secret = "s3cret-ari-password"
	for _, command := range []string{"serve", "testcall", "load", "load-followups"} {
		cmd := exec.Command(binary, command, "-h")
		cmd.Env = append(os.Environ(), "ARI_PASSWORD="+secret, "ARI_USERNAME=hotline")
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "ari-password") {
			t.Errorf("%s -h does not list its settings:\n%s", command, out)
		}
		if strings.Contains(string(out), secret) {
			t.Errorf("%s -h prints the ARI password:\n%s", command, out)
		}
	}
}

// Asterisk restarted under a call, cleanly or after a crash: the call is recorded as
// dropped by the system, and the hotline takes new calls again by itself within seconds.
func TestAsteriskRestart(t *testing.T) {
	for _, how := range []string{"crash", "restart"} {
		t.Run(how, func(t *testing.T) { asteriskRestart(t, how) })
	}
}

func asteriskRestart(t *testing.T, how string) {
	h := startHotline(t, "")
	s := h.store()
	caller := newCaller(t)
	done := answeredCall(t, caller, s, 15*time.Second)
	restart := exec.Command("../../ivr/asterisk/sandbox.sh", how)
	if out, err := restart.CombinedOutput(); err != nil {
		t.Fatalf("restart Asterisk: %v\n%s", err, out)
	}
	back := time.Now()

	// The hotline reconnects by itself, and a new call is served.
	for !strings.Contains(h.logText(), "asterisk answers again") {
		if time.Since(back) > 20*time.Second {
			t.Fatalf("the hotline did not reconnect within 20 s of the restart:\n%s", h.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(back)
	res, err := newCaller(t).Place(context.Background(), testcaller.TestCall{From: "0905123456", Keys: []string{"5"},
		Barge: 500 * time.Millisecond, HangupAfterKeys: 1, MaxDuration: 20 * time.Second})
	if err != nil || !contains(res.Prompts(), "vi/quarantine_info") {
		t.Fatalf("a call after the restart: %+v, %v\n%s", res, err, h.logText())
	}
	t.Logf("the hotline took calls again %.1f s after Asterisk was back", took.Seconds())

	cut := <-done
	if cut == nil {
		t.Fatal("test call failed")
	}
	c := finalRecord(t, s, cut.HotlineID)
	if c.Outcome != tickets.OutcomeDropped || c.EndedBy != tickets.EndedBySystem {
		t.Errorf("call cut by the restart = %+v, want dropped", c)
	}
}

// answeredCall places a call that presses nothing and returns once the hotline has
// answered it; the channel delivers what the caller saw when the call ends (the caller
// gives up after maxDuration).
func answeredCall(t *testing.T, caller *testcaller.Caller, s *tickets.Store, maxDuration time.Duration) <-chan *testcaller.TestCallResult {
	t.Helper()
	done := make(chan *testcaller.TestCallResult, 1)
	go func() {
		res, _ := caller.Place(context.Background(), testcaller.TestCall{From: "0905123456", HangupAfterKeys: -1, MaxDuration: maxDuration})
		done <- res
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		calls, _ := servedCalls(s)
		if len(calls) == 1 && calls[0].AnsweredAt != nil {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatal("no answered call within 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The hotline asks Asterisk only for the events it handles: Asterisk 22 sends event types
// the pinned ari library cannot decode, and the library crashes on them.
func TestEventFilter(t *testing.T) {
	startHotline(t, "")
	rest := asterisk.NewREST(ariURL, ariUser, ariPass, 5*time.Second)
	var app struct {
		Allowed []struct {
			Type string `json:"type"`
		} `json:"events_allowed"`
	}
	if err := rest.Do(context.Background(), "GET", "/applications/hotline", nil, nil, &app); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range app.Allowed {
		types = append(types, a.Type)
	}
	if len(types) == 0 || !contains(types, "StasisStart") || !contains(types, "ChannelDtmfReceived") || contains(types, "ChannelTransfer") {
		t.Errorf("events allowed for the hotline: %v", types)
	}
}

// When Asterisk ends prompts at once (overloaded, or unable to fetch them), the hotline
// notices and ends the call as an error instead of walking the caller through menus
// nobody hears.
func TestPromptsEndingAtOnce(t *testing.T) {
	h := startHotline(t, "", "HOTLINE_SOUNDS_URL=http://127.0.0.1:1/sounds")
	s := h.store()
	start := time.Now()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", HangupAfterKeys: -1, MaxDuration: 40 * time.Second})
	if res.EndedBy != "hotline" {
		t.Errorf("ended by %s, want the hotline", res.EndedBy)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the call lasted %v: the hotline went on through the menus", took)
	}
	c := finalRecord(t, s, res.HotlineID)
	if c.Outcome != tickets.OutcomeError {
		t.Errorf("outcome %q, want error", c.Outcome)
	}
	if !strings.Contains(h.logText(), "prompt ended at once") {
		t.Errorf("no warning in the log:\n%s", h.logText())
	}
}

// A support request with another number to call back: keyed in, read back, confirmed.
func TestCallbackNumber(t *testing.T) {
	h := startHotline(t, "")
	s := h.store()
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"4", "1", "0", "2", "0911 222 333#", "1", "say=2s", "#"},
		Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
	for _, p := range []string{"vi/cb_choice", "vi/cb_enter", "vi/cb_readback", "vi/ticket_created"} {
		if !contains(res.Prompts(), p) {
			t.Errorf("prompts %v lack %s", res.Prompts(), p)
		}
	}
	list := ticketsOf(t, s, finalRecord(t, s, res.HotlineID))
	if len(list) != 1 || list[0].ContactPhone == nil || *list[0].ContactPhone != "+84911222333" || *list[0].CallerNumber != "+84905123456" {
		t.Errorf("tickets = %+v, want one with callback number +84911222333", list)
	}
}

// keysOf returns the keys of a test caller's script, without its other steps.
func keysOf(steps []string) string {
	var b strings.Builder
	for _, s := range steps {
		if s != "hup" && !strings.HasPrefix(s, "say=") {
			b.WriteString(strings.ReplaceAll(s, " ", ""))
		}
	}
	return b.String()
}
