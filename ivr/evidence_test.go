package ivr_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/tickets"
)

// press sends a key on a caller's channel.
func press(f *ivrtest.ARI, ch, key string) {
	f.Send("ChannelDtmfReceived", map[string]any{"digit": key, "duration_ms": 100, "channel": ivrtest.ChannelJSON(ch, "")})
}

// heardAfter waits until a channel was played prompt (lang/id) after its first n prompts.
func heardAfter(t *testing.T, f *ivrtest.ARI, ch string, n int, prompt string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := f.Prompts(ch)
		if len(got) > n && slices.Contains(got[n:], prompt) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel %s was not played %s after its first %d prompts: %v", ch, prompt, n, got)
		}
	}
}

// The notice plays before the main menu, in the playback a menu key cuts short: 4
// pressed while it plays asks for the support registration's consent at once. The call's
// record keeps which version of the notice played and how much of it the caller heard,
// and each consent asked: a refusal, with its key and time, leaves the caller at the
// menu with no ticket; a bad key asks again, and the agreement is kept on the second
// asking, with the supervisor's version live for that call.
func TestNoticeAndConsentOnTheCallRecord(t *testing.T) {
	f := ivrtest.NewARI(t)
	f.Hold = "vi/privacy_notice" // plays until a key cuts it
	s := ivrtest.OpenStore(t)
	ctx := context.Background()
	sup := &tickets.User{Username: "minh", Role: tickets.RoleSupervisor}
	if err := s.CreateUser(ctx, tickets.ActorSystem, sup, "a long password"); err != nil {
		t.Fatal(err)
	}
	const notice = 10 * time.Second
	app := ivrtest.RunAppWith(t, f, s, func(c *ivr.Config) {
		c.PromptDuration = func(lang, id string) time.Duration {
			switch id {
			case "welcome":
				return 40 * time.Millisecond
			case "privacy_notice":
				return notice
			}
			return 0 // not known: the fake's playbacks end at once
		}
	})

	t.Run("refused", func(t *testing.T) {
		f.Arrive("a", "0905123456")
		heard(t, f, "a", "privacy_notice")
		if got := f.Prompts("a"); len(got) < 3 || got[0] != "vi/welcome" || got[1] != "vi/privacy_notice" || got[2] != "vi/main_menu" {
			t.Fatalf("first prompts %v, want the welcome, the notice, then the menu", got)
		}
		start := time.Now()
		time.Sleep(300 * time.Millisecond) // into the notice
		n := len(f.Prompts("a"))
		press(f, "a", "4")
		heardAfter(t, f, "a", n, "vi/consent_support")
		n = len(f.Prompts("a"))
		press(f, "a", "2")
		heardAfter(t, f, "a", n, "vi/main_menu")
		pressed := time.Now()
		if got := f.Prompts("a")[n:]; !slices.Equal(got[:2], []string{"vi/consent_refused", "vi/main_menu"}) || slices.Contains(got, "vi/privacy_notice") {
			t.Errorf("after refusing: %v, want the refusal said, then the menu without the notice", got)
		}
		f.HangUp("a")
		c := ivrtest.CallOn(t, s, "a")
		rows, err := s.CallPrompts(ctx, tickets.ActorSystem, c.ID)
		if err != nil || len(rows) != 2 {
			t.Fatalf("evidence %+v, %v; want the notice and the consent", rows, err)
		}
		n0, n1 := rows[0], rows[1]
		if n0.Prompt != "privacy_notice" || n0.Lang != "vi" || n0.VersionID != nil || n0.Number != 1 || n0.Answer != "" {
			t.Errorf("notice %+v, want the embedded version 1", n0)
		}
		if n0.HeardMS == nil || *n0.HeardMS <= 0 || *n0.HeardMS >= notice.Milliseconds() {
			t.Errorf("notice heard for %v ms, want cut short by the key", n0.HeardMS)
		}
		// The notice begins after the welcome's 40 ms, in the playback begun before start.
		if n0.PlayedAt.Before(start.Add(-2*time.Second)) || n0.PlayedAt.After(start.Add(40*time.Millisecond)) {
			t.Errorf("notice played at %v, want about %v", n0.PlayedAt, start)
		}
		if n1.Prompt != "consent_support" || n1.Key != "2" || n1.Answer != tickets.ConsentRefused || n1.AnsweredAt == nil ||
			n1.AnsweredAt.After(pressed) || n1.AnsweredAt.Before(n1.PlayedAt) {
			t.Errorf("consent %+v, want refused by 2", n1)
		}
		page, _ := s.ListTickets(ctx, tickets.ActorSystem, tickets.TicketFilter{CallID: &c.ID})
		if len(page.Tickets) != 0 {
			t.Errorf("a refused registration left tickets %+v", page.Tickets)
		}
		if !slices.ContainsFunc(c.Path, func(p tickets.PathStep) bool { return p.Node == "sup_refused" }) {
			t.Errorf("path %v does not say the registration was refused", c.Path)
		}
	})

	t.Run("given after a bad key, a supervisor's version", func(t *testing.T) {
		v := newVersion(t, s, tickets.ActorFor(sup), "consent_support", time.Time{}, nil)
		app.PromptsChanged()
		waitLive(t, app, ivr.PromptRef{Lang: "vi", ID: "consent_support"}, ivr.VersionPath(v.ID, "vi", "consent_support"))
		f.Arrive("b", "0905123457")
		heard(t, f, "b", "privacy_notice")
		n := len(f.Prompts("b"))
		press(f, "b", "4")
		heardAfter(t, f, "b", n, "vi/consent_support")
		n = len(f.Prompts("b"))
		press(f, "b", "7")
		heardAfter(t, f, "b", n, "vi/consent_support")
		n = len(f.Prompts("b"))
		press(f, "b", "1")
		heardAfter(t, f, "b", n, "vi/area_intro")
		f.HangUp("b")
		c := ivrtest.CallOn(t, s, "b")
		rows, err := s.CallPrompts(ctx, tickets.ActorSystem, c.ID)
		if err != nil || len(rows) != 3 {
			t.Fatalf("evidence %+v, %v; want the notice and the consent asked twice", rows, err)
		}
		if rows[1].Prompt != "consent_support" || rows[1].Answer != "" {
			t.Errorf("first asking %+v, want no answer (7 is not one)", rows[1])
		}
		if g := rows[2]; g.Prompt != "consent_support" || g.Key != "1" || g.Answer != tickets.ConsentGiven ||
			g.VersionID == nil || *g.VersionID != v.ID || g.Number != v.Number {
			t.Errorf("second asking %+v, want given by 1 on version %d (#%d)", g, v.ID, v.Number)
		}
	})
}
