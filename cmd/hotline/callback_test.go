package main_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// An agent calls a citizen back from the ticket's page in the console: the agent's phone
// rings first, then the citizen's through the carrier trunk (sipp answering on the
// trunk's address), the citizen hears who is calling, and the two talk until the agent
// hangs up. The result is on the ticket, by the agent, and the outbound call has its own
// record.
func TestCallbackToCitizen(t *testing.T) {
	citizen := phone(t, "citizen", 5080, "agent_phone.xml", time.Second, 1)
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 20*time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101")
	s := h.store()
	ctx := context.Background()
	caller, contact := "+84905123456", "+84911222333"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, CallerNumber: &caller, ContactPhone: &contact}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	page := "http://" + h.addr + "/tickets/" + tk.Ref
	if code, body := consolePost(t, h.consoleUser("no-phone", tickets.RoleAgent, ""), page+"/callback", nil); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "chưa có máy điện thoại") {
		t.Errorf("an agent without a phone: %d", code)
	}
	lan := h.consoleUser("lan", tickets.RoleAgent, "PJSIP/agent101")
	if code, _ := consolePost(t, lan, "http://"+h.addr+"/tickets/HL-999999/callback", nil); code != http.StatusNotFound {
		t.Errorf("a missing ticket: %d, want 404", code)
	}
	code, body := consolePost(t, lan, page+"/callback", url.Values{})
	if code != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", code, body)
	}

	var c *tickets.Call
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		calls, _ := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
		if len(calls) > 0 && calls[0].Direction == "outbound" && calls[0].EndedAt != nil {
			c = calls[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the callback did not end within 60 s: %+v\n%s", calls, h.logText())
		}
	}
	if err := <-agent; err != nil {
		t.Error(err)
	}
	if err := <-citizen; err != nil {
		t.Error(err)
	}
	if c.Outcome != "callback_answered" || c.EndedBy != tickets.EndedByAgent ||
		c.Dialed != "0911222333" || c.AgentEndpoint != "PJSIP/agent101" || c.TalkMS == nil || *c.TalkMS < 2000 {
		t.Errorf("callback record: outcome %s ended by %s dialed %s agent %s talk %v ms",
			c.Outcome, c.EndedBy, c.Dialed, c.AgentEndpoint, c.TalkMS)
	} else {
		t.Logf("callback: citizen answered, talked %d ms", *c.TalkMS)
	}
	evs, err := s.TicketEvents(ctx, tickets.ActorSystem, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e *tickets.Event) bool {
		return e.Kind == "callback" && e.NewValue == "answered" && e.Actor == "lan"
	}) {
		t.Errorf("ticket events lack the answered callback by lan: %+v", evs)
	}
	if got, _ := s.GetTicket(ctx, tickets.ActorSystem, tk.ID); got.FirstResponseAt == nil {
		t.Error("the answered callback is not the ticket's first response")
	}
}

// failedCallback asks for a callback from agent101 on duty, to a citizen whose leg
// cannot be made, and returns the outbound call's final record once it ends.
func failedCallback(t *testing.T, h *hotline) *tickets.Call {
	t.Helper()
	s := h.store()
	ctx := context.Background()
	caller := "+84911222333"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, CallerNumber: &caller}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	lan := h.consoleUser("lan", tickets.RoleAgent, "PJSIP/agent101")
	if code, body := consolePost(t, lan, "http://"+h.addr+"/tickets/"+tk.Ref+"/callback", nil); code != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", code, body)
	}
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		calls, _ := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
		if len(calls) > 0 && calls[0].EndedAt != nil {
			return calls[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the callback did not end: %+v\n%s", calls, h.logText())
		}
	}
}

// A callback whose citizen leg gets no answer from ARI at all (the connection dropped)
// fails cleanly, and the log says so without the citizen's number: the HTTP client's
// error named the request's URL, whose query held endpoint=PJSIP/0911222333@carrier (the
// log check of every hotline in the tests fails on it).
func TestCallbackLegWithoutAnswerFromARI(t *testing.T) {
	proxy := newARIProxy(t)
	proxy.drop(http.MethodPost, "/channels/create", "carrier")
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 20*time.Second, 1)
	h := startHotline(t, "", "ARI_URL="+proxy.URL(), "HOTLINE_AGENTS=PJSIP/agent101")
	if c := failedCallback(t, h); c.Outcome != "callback_failed" {
		t.Errorf("callback outcome %s, want callback_failed", c.Outcome)
	}
	if !strings.Contains(h.logText(), `callback leg cannot be created`) || !strings.Contains(h.logText(), "POST /channels/create") {
		t.Errorf("no log of the failed leg:\n%s", h.logText())
	}
	<-agent
}

// A callback whose citizen leg cannot be made (a trunk Asterisk does not have) fails
// cleanly: the outbound record says failed, and the log names the leg, not the citizen's
// number (the log check of every hotline in the tests).
func TestCallbackThroughAMissingTrunk(t *testing.T) {
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 20*time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_TRUNK=PJSIP/{number}@nosuchtrunk")
	if c := failedCallback(t, h); c.Outcome != "callback_failed" {
		t.Errorf("callback outcome %s, want callback_failed", c.Outcome)
	}
	if !strings.Contains(h.logText(), `callback leg cannot be created`) {
		t.Errorf("no log of the failed leg:\n%s", h.logText())
	}
	<-agent
}
