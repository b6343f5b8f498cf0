package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

type kicks struct{ n atomic.Int32 }

func (k *kicks) Kick() { k.n.Add(1) }

// An officer sees the automated calls of a case in their unit, every attempt with its
// result, pauses them and asks for a call now (which wakes the dialer); an opt-out
// cannot be undone from the console; another unit's officer cannot touch them.
func TestAutomatedCallsOnCasePage(t *testing.T) {
	k := &kicks{}
	c := newConsole(t, func(cfg *web.Config) { cfg.FollowUps = k })
	ctx := context.Background()
	cs := &tickets.Case{PersonName: "Nguyễn Văn An", Phone: ptr("0905 777 999"), UnitCode: ptr(phuXuan), Language: "en"}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx, c.actor("lan"), cs.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	due, _ := c.store.FollowUpCallsDue(ctx, time.Now(), 10)
	a, err := c.store.ClaimFollowUpCall(ctx, due[0], time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	busy := 17
	c.store.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: tickets.AttemptBusy, Cause: &busy})
	hoa := c.client("hoa")
	page := c.srv.URL + "/cases/" + cs.Ref
	_, body := get(t, hoa, page)
	for _, want := range []string{`data-testid="auto-call" data-result="busy"`, "Máy bận (mã 17)", `data-state="on"`, "tiếng Anh"} {
		if !strings.Contains(body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if code, _ := post(t, hoa, page+"/autocalls", url.Values{"do": {"pause"}}); code != http.StatusSeeOther {
		t.Fatalf("pause: %d", code)
	}
	if got, _ := c.store.GetCase(ctx, tickets.ActorSystem, cs.ID); got.AutoCalls != tickets.AutoCallsPaused {
		t.Errorf("after pause: %s", got.AutoCalls)
	}
	if code, _ := post(t, hoa, page+"/autocalls", url.Values{"do": {"now"}}); code != http.StatusSeeOther || k.n.Load() != 1 {
		t.Errorf("call now: %d, dialer woken %d times", code, k.n.Load())
	}
	code, body := post(t, hoa, page+"/autocalls", url.Values{"do": {"now"}})
	if code != http.StatusConflict || !strings.Contains(body, "chờ thực hiện") {
		t.Errorf("call now twice: %d, want 409 with the reason beside the buttons: %s", code, body)
	}
	_, body = get(t, hoa, page)
	if !strings.Contains(body, "Chờ gọi (theo yêu cầu)") {
		t.Error("the call asked for is not listed")
	}
	evs, _ := c.store.CaseEvents(ctx, tickets.ActorSystem, cs.ID)
	var trail []string
	for _, e := range evs {
		if e.Kind == "auto_calls" {
			trail = append(trail, e.Actor+":"+e.NewValue)
		}
	}
	if strings.Join(trail, " ") != "hoa:paused hoa:requested" {
		t.Errorf("audit trail %v", trail)
	}
	other := &tickets.User{Username: "nam", DisplayName: "Nam", Role: tickets.RoleOfficer, UnitCode: ptr(kimLong)}
	if err := c.store.CreateUser(ctx, tickets.ActorSystem, other, c.password); err != nil {
		t.Fatal(err)
	}
	c.users["nam"] = other
	if code, _ := post(t, c.client("nam"), page+"/autocalls", url.Values{"do": {"pause"}}); code != http.StatusNotFound {
		t.Errorf("another unit's officer: %d, want 404", code)
	}
	// The citizen opts out on a call: the page says so, offers no way to undo it.
	due, _ = c.store.FollowUpCallsDue(ctx, time.Now(), 10)
	b, err := c.store.ClaimFollowUpCall(ctx, due[0], time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.store.OptOutOfFollowUpCalls(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, hoa, page)
	if !strings.Contains(body, `data-state="opted_out"`) || strings.Contains(body, `data-testid="auto-calls-resume"`) || strings.Contains(body, `data-testid="auto-calls-now"`) {
		t.Error("an opt-out shown with a way to call again")
	}
	if code, _ := post(t, hoa, page+"/autocalls", url.Values{"do": {"resume"}}); code != http.StatusConflict {
		t.Errorf("resume after an opt-out: %d, want 409", code)
	}
}
