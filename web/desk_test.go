package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// answeredBy gives a ticket's call to the agent who answered it on their shift's phone, as
// the IVR records it.
func (c *console) answeredBy(tk *tickets.Ticket, phone string) {
	c.t.Helper()
	ctx := context.Background()
	call, err := c.store.FindCall(ctx, *tk.CallID)
	if err != nil {
		c.t.Fatal(err)
	}
	now := time.Now().UTC()
	call.AgentEndpoint, call.AgentAnsweredAt, call.Outcome = phone, &now, tickets.OutcomeAgent
	if err := c.store.SaveCall(ctx, call); err != nil {
		c.t.Fatal(err)
	}
}

// onShift opens a shift for a user on a phone, as the desk does when they sign in.
func (c *console) onShift(username, phone string) {
	c.t.Helper()
	if _, err := c.store.StartAgentSession(context.Background(), c.users[username].ID, phone); err != nil {
		c.t.Fatal(err)
	}
}

// An agent gives the result only of a call that was in their own hands: another agent's
// call posted to the desk is refused with a sentence on the desk bar, and its record
// keeps no result.
func TestDispositionOnlyOfOwnCall(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	binh := &tickets.User{Username: "binh", DisplayName: "Phạm Bình", Role: tickets.RoleAgent, Phone: "PJSIP/agent102"}
	if err := c.store.CreateUser(context.Background(), tickets.ActorSystem, binh, c.password); err != nil {
		t.Fatal(err)
	}
	c.users["binh"] = binh
	c.onShift("lan", "PJSIP/agent101")
	c.onShift("binh", "PJSIP/agent102")
	mine := c.ticket(tickets.CategoryOther, "0905123456", nil, nil)
	theirs := c.ticket(tickets.CategoryOther, "0905777888", nil, nil)
	c.answeredBy(mine, "PJSIP/agent101")
	c.answeredBy(theirs, "PJSIP/agent102")
	lan := c.client("lan")
	hx := func(form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/desk/disposition", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		resp, err := lan.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		bufio.NewReader(resp.Body).WriteTo(b)
		return resp.StatusCode, b.String()
	}
	disposition := func(tk *tickets.Ticket) string {
		t.Helper()
		call, err := c.store.FindCall(context.Background(), *tk.CallID)
		if err != nil {
			t.Fatal(err)
		}
		return call.Disposition
	}

	t.Run("ErrAnotherAgentsCall", func(t *testing.T) {
		code, body := hx(url.Values{"call": {*theirs.CallID}, "disposition": {"silent_abusive"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "desk-problem"), "cuộc gọi") {
			t.Errorf("another agent's call: %d %q, want 422 with a sentence on the desk", code, excerpt(body, "desk-problem"))
		}
		if got := disposition(theirs); got != "" {
			t.Errorf("another agent's call has the result %q, want none", got)
		}
	})
	t.Run("OwnCall", func(t *testing.T) {
		if code, body := hx(url.Values{"call": {*mine.CallID}, "disposition": {"information"}}); code != http.StatusOK {
			t.Errorf("own call: %d %q", code, excerpt(body, "desk-problem"))
		}
		if got, want := disposition(mine), "information"; got != want {
			t.Errorf("own call's result %q, want %q", got, want)
		}
	})
}
