package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// An agent calls a citizen back about their ticket: the agent's phone rings first, then
// the citizen's through the carrier trunk (sipp answering on the trunk's address), the
// citizen hears who is calling, and the two talk until the agent hangs up. The result is
// on the ticket and the outbound call has its own record.
func TestCallbackToCitizen(t *testing.T) {
	citizen := phone(t, "citizen", 5080, "agent_phone.xml", time.Second, 1)
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 20*time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_CONTROL_TOKEN=test-token")
	s := h.store()
	ctx := context.Background()
	caller, contact := "+84905123456", "+84911222333"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, CallerNumber: &caller, ContactPhone: &contact}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	post := func(token string, form url.Values) (int, map[string]string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/ivr/callback", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if token != "" {
			req.Header.Set("X-Hotline-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	form := url.Values{"ticket": {tk.Ref}, "agent": {"PJSIP/agent101"}}
	if code, _ := post("", form); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", code)
	}
	if code, body := post("test-token", url.Values{"ticket": {tk.Ref}, "agent": {"PJSIP/agent999"}}); code != http.StatusBadRequest || body["error"] == "" {
		t.Errorf("an agent not on duty: %d %v, want 400 with a message", code, body)
	}
	if code, _ := post("test-token", url.Values{"ticket": {"HL-999999"}, "agent": {"PJSIP/agent101"}}); code != http.StatusNotFound {
		t.Errorf("a missing ticket: %d, want 404", code)
	}
	code, body := post("test-token", form)
	if code != http.StatusAccepted || body["call_id"] == "" {
		t.Fatalf("callback: %d %v, want 202 with the call's ID", code, body)
	}

	var c *tickets.Call
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if c, err = s.FindCall(ctx, body["call_id"]); err == nil && c.EndedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the callback did not end within 60 s: %+v\n%s", c, h.logText())
		}
	}
	if err := <-agent; err != nil {
		t.Error(err)
	}
	if err := <-citizen; err != nil {
		t.Error(err)
	}
	if c.Direction != "outbound" || c.Outcome != "callback_answered" || c.EndedBy != tickets.EndedByAgent ||
		c.Dialed != "0911222333" || c.AgentEndpoint != "PJSIP/agent101" || c.TalkMS == nil || *c.TalkMS < 2000 {
		t.Errorf("callback record: direction %s outcome %s ended by %s dialed %s agent %s talk %v ms",
			c.Direction, c.Outcome, c.EndedBy, c.Dialed, c.AgentEndpoint, c.TalkMS)
	} else {
		t.Logf("callback: citizen answered, talked %d ms", *c.TalkMS)
	}
	evs, err := s.TicketEvents(ctx, tickets.ActorSystem, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e *tickets.Event) bool { return e.Kind == "callback" && e.NewValue == "answered" }) {
		t.Errorf("ticket events lack the answered callback: %+v", evs)
	}
	if got, _ := s.GetTicket(ctx, tickets.ActorSystem, tk.ID); got.FirstResponseAt == nil {
		t.Error("the answered callback is not the ticket's first response")
	}
}

// A callback whose citizen leg cannot be made (a trunk Asterisk does not have) fails
// cleanly: the agent is told, the outbound record says failed, and the log names the
// leg, not the citizen's number (the log check of every hotline in the tests).
func TestCallbackThroughAMissingTrunk(t *testing.T) {
	agent := agentPhone(t, "agent101", 5072, "agent_calls_back.xml", 20*time.Second, 1)
	h := startHotline(t, "", "HOTLINE_AGENTS=PJSIP/agent101", "HOTLINE_CONTROL_TOKEN=test-token", "HOTLINE_TRUNK=PJSIP/{number}@nosuchtrunk")
	s := h.store()
	ctx := context.Background()
	caller := "+84911222333"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, CallerNumber: &caller}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/ivr/callback", strings.NewReader(url.Values{"ticket": {tk.Ref}, "agent": {"PJSIP/agent101"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Hotline-Token", "test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("callback: %d %v", resp.StatusCode, body)
	}
	var c *tickets.Call
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if c, err = s.FindCall(ctx, body["call_id"]); err == nil && c.EndedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the callback did not end: %+v\n%s", c, h.logText())
		}
	}
	if c.Outcome != "callback_failed" {
		t.Errorf("callback outcome %s, want callback_failed", c.Outcome)
	}
	if !strings.Contains(h.logText(), `callback leg cannot be created`) {
		t.Errorf("no log of the failed leg:\n%s", h.logText())
	}
	<-agent
}
