package ivr_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// settableClock is the store's and the App's clock, moved by the test.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// heard waits until a channel was played a prompt (lang/id) and returns the media URI it
// was played from.
func heard(t *testing.T, f *ivrtest.ARI, ch, prompt string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		media := f.Media(ch)
		for _, m := range media {
			if strings.HasSuffix(m, "/"+prompt+".wav") {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel %s was not played %s: %v", ch, prompt, media)
		}
	}
}

// newVersion files a version of a prompt as a supervisor and makes it live (from and
// until, if not zero), and returns it.
func newVersion(t *testing.T, s *tickets.Store, sup tickets.Actor, prompt string, from time.Time, until *time.Time) *tickets.PromptVersion {
	t.Helper()
	ctx := context.Background()
	v := &tickets.PromptVersion{Prompt: prompt, Lang: "vi", Source: tickets.PromptText, Text: "..."}
	if err := s.AddPromptVersion(ctx, sup, v, soundstest.WAV(2*time.Second, 4000)); err != nil {
		t.Fatal(err)
	}
	live, err := s.PromptsLiveNow(ctx, sup)
	if err != nil {
		t.Fatal(err)
	}
	var seen int64
	if l := live[prompt+"/vi"]; l != nil {
		seen = l.ID
	}
	if _, err := s.GoLive(ctx, sup, tickets.GoLive{Prompt: prompt, Lang: "vi", VersionID: v.ID, From: from, Until: until, Seen: seen}); err != nil {
		t.Fatal(err)
	}
	return v
}

// waitLive waits until the App's set of prompts plays p from want (its path under the
// sounds URL, exactly: a version's path ends as the embedded one's does), and returns
// how long it took.
func waitLive(t *testing.T, app *ivr.App, p ivr.PromptRef, want string) time.Duration {
	t.Helper()
	start := time.Now()
	for app.Prompts().URI(p) != "sound:http://sounds/"+want {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the App plays %s from %s, want %s", p.ID, app.Prompts().URI(p), want)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// A supervisor's new version reaches the next call once the App is told, without a
// restart; a call in progress keeps the version it started with; the urgent message
// plays after the welcome while it is live and stops at its expiry; a scheduled version
// goes live at its time, on the App's clock.
func TestPromptVersionsReachTheNextCall(t *testing.T) {
	f := ivrtest.NewARI(t)
	s := ivrtest.OpenStore(t)
	clk := &settableClock{t: time.Date(2021, 8, 11, 13, 0, 0, 0, time.UTC)} // 20:00 in Huế
	s.Now = clk.now
	sup := &tickets.User{Username: "minh", Role: tickets.RoleSupervisor}
	if err := s.CreateUser(context.Background(), tickets.ActorSystem, sup, "a long password"); err != nil {
		t.Fatal(err)
	}
	actor := tickets.ActorFor(sup)
	app := ivrtest.RunApp(t, f, s)
	rules := ivr.PromptRef{Lang: "vi", ID: "rules_info"}

	// A caller is in the main menu when the new rules are published.
	f.Arrive("before", "0905123456")
	heard(t, f, "before", "main_menu")
	v2 := newVersion(t, s, actor, "rules_info", time.Time{}, nil)
	app.PromptsChanged()
	took := waitLive(t, app, rules, ivr.VersionPath(v2.ID, "vi", "rules_info"))
	t.Logf("the new version reached the App %v after it was published", took.Round(time.Microsecond))
	if took > time.Second {
		t.Errorf("publishing took %v to reach the next call, want under a second", took)
	}
	f.Send("ChannelDtmfReceived", map[string]any{"digit": "1", "duration_ms": 100, "channel": ivrtest.ChannelJSON("before", "")})
	if got := heard(t, f, "before", "rules_info"); got != "sound:http://sounds/vi/rules_info.wav" {
		t.Errorf("the caller who was in the menu heard %s, want the version their call started with", got)
	}
	f.Arrive("after", "0905123457")
	heard(t, f, "after", "main_menu")
	f.Send("ChannelDtmfReceived", map[string]any{"digit": "1", "duration_ms": 100, "channel": ivrtest.ChannelJSON("after", "")})
	if got, want := heard(t, f, "after", "rules_info"), "sound:http://sounds/"+ivr.VersionPath(v2.ID, "vi", "rules_info"); got != want {
		t.Errorf("the next caller heard %s, want %s", got, want)
	}
	if c := ivrtest.CallOn(t, s, "before"); c.Outcome != tickets.OutcomeInformation {
		t.Errorf("the call during the change: %s, want information_only (not cut)", c.Outcome)
	}

	// The urgent message, until midnight.
	midnight := clk.now().Add(4 * time.Hour)
	urgent := newVersion(t, s, actor, tickets.UrgentPrompt, time.Time{}, &midnight)
	app.PromptsChanged()
	waitLive(t, app, ivr.PromptRef{Lang: "vi", ID: tickets.UrgentPrompt, Optional: true}, ivr.VersionPath(urgent.ID, "vi", tickets.UrgentPrompt))
	f.Arrive("urgent", "0905123458")
	heard(t, f, "urgent", "main_menu")
	if got := f.Prompts("urgent"); !slices.Equal(got[:4], []string{"vi/welcome", "vi/" + tickets.UrgentPrompt, "vi/privacy_notice", "vi/main_menu"}) {
		t.Errorf("a caller while the urgent message is live heard %v", got)
	}
	clk.add(4 * time.Hour) // midnight: the urgent message has expired
	app.PromptsChanged()
	waitLive(t, app, ivr.PromptRef{Lang: "vi", ID: tickets.UrgentPrompt, Optional: true}, "vi/"+tickets.UrgentPrompt+".wav")
	f.Arrive("expired", "0905123459")
	heard(t, f, "expired", "main_menu")
	if got := f.Prompts("expired"); slices.Contains(got, "vi/"+tickets.UrgentPrompt) {
		t.Errorf("a caller after the expiry heard %v", got)
	}

	// The rules from 08:00, made at midnight: live when the App's clock says 08:00.
	v3 := newVersion(t, s, actor, "rules_info", clk.now().Add(8*time.Hour), nil)
	clk.add(8 * time.Hour)
	app.PromptsChanged()
	waitLive(t, app, rules, ivr.VersionPath(v3.ID, "vi", "rules_info"))
}
