package main_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// Through the real Asterisk: the notice at collection plays after the welcome and before
// the main menu, in Vietnamese and, once the caller chose English, in English; a key
// pressed while it plays is taken at once (2: the symptoms; 9, then 3: English, then the
// area of a report), and the call's record keeps which version of each notice played and
// how much of it was heard. The hotline names the controller of HOTLINE_CONTROLLER in
// the notice, and warns at start when the notice callers hear does not.
func TestNoticeBeforeTheMenu(t *testing.T) {
	welcome := sounds.Duration("vi", "welcome")
	notice := min(sounds.Duration("vi", "privacy_notice"), sounds.Duration("en", "privacy_notice"))
	// The testcaller presses this long after each prompt starts: past the welcome's end,
	// inside each notice.
	barge := (welcome + notice) / 2
	if barge <= welcome+500*time.Millisecond || barge >= notice-500*time.Millisecond {
		t.Fatalf("the welcome (%v) and the notices (%v) leave no time to press during the notice", welcome, notice)
	}
	for lang, d := range map[string]time.Duration{"vi": sounds.Duration("vi", "privacy_notice"), "en": sounds.Duration("en", "privacy_notice")} {
		if d == 0 || d > 8*time.Second {
			t.Errorf("the %s notice plays %v, want at most 8 s", lang, d)
		}
	}
	h := startHotline(t, "")
	if strings.Contains(h.logText(), "does not name HOTLINE_CONTROLLER") {
		t.Errorf("the embedded notice does not name the default controller:\n%s", h.logText())
	}
	caller := newCaller(t)
	ctx := context.Background()
	// keyDuring checks that the caller's key came while the notice in lang played, before
	// the menu, and returns the prompts after it.
	keyDuring := func(t *testing.T, res *testcaller.TestCallResult, lang string) []string {
		t.Helper()
		var during string
		for i, e := range res.Events {
			if e.Kind == "prompt" {
				during = e.Detail
			}
			if e.Kind == "key" && during == lang+"/privacy_notice" {
				var next []string
				for _, e := range res.Events[i+1:] {
					if e.Kind == "prompt" {
						next = append(next, e.Detail)
					}
				}
				return next
			}
		}
		t.Fatalf("no key while the %s notice played: %+v", lang, res.Events)
		return nil
	}
	evidence := func(t *testing.T, res *testcaller.TestCallResult) []*tickets.CallPrompt {
		t.Helper()
		c := finalRecord(t, h.store(), res.HotlineID)
		rows, err := h.store().CallPrompts(ctx, tickets.ActorSystem, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	t.Run("vi", func(t *testing.T) {
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"2"}, Barge: barge, HangupAfterKeys: 1})
		if got := res.Prompts(); len(got) < 2 || got[0] != "vi/welcome" || got[1] != "vi/privacy_notice" {
			t.Errorf("the call heard %v, want the welcome, then the notice", got)
		}
		if next := keyDuring(t, res, "vi"); len(next) == 0 || next[0] != "vi/symptoms_intro" {
			t.Errorf("after 2 during the notice the call heard %v, want the symptoms at once", next)
		}
		rows := evidence(t, res)
		if len(rows) != 1 || rows[0].Prompt != "privacy_notice" || rows[0].Lang != "vi" || rows[0].Number != 1 || rows[0].VersionID != nil {
			t.Fatalf("the call's evidence %+v, want the embedded Vietnamese notice", rows)
		}
		if h := rows[0].HeardMS; h == nil || *h <= 0 || *h >= sounds.Duration("vi", "privacy_notice").Milliseconds() {
			t.Errorf("the notice was heard for %v ms, want cut short by the key", h)
		}
	})
	t.Run("en", func(t *testing.T) {
		res := call(t, caller, testcaller.TestCall{From: "0905123456", Keys: []string{"9", "3"}, Barge: barge, HangupAfterKeys: 2})
		got := res.Prompts()
		if len(got) < 3 || got[0] != "vi/welcome" || got[1] != "vi/privacy_notice" || got[2] != "en/privacy_notice" {
			t.Errorf("the call heard %v, want the welcome, the notice, then the English notice", got)
		}
		if next := keyDuring(t, res, "en"); len(next) == 0 || next[0] != "en/area_intro" {
			t.Errorf("after 3 during the English notice the call heard %v, want the area at once", next)
		}
		rows := evidence(t, res)
		if len(rows) != 2 || rows[0].Lang != "vi" || rows[1].Lang != "en" || rows[1].Prompt != "privacy_notice" {
			t.Errorf("the call's evidence %+v, want the notice in Vietnamese, then in English", rows)
		}
	})
	t.Run("another controller", func(t *testing.T) {
		h.stop()
		other := startHotline(t, h.dbPath, "HOTLINE_CONTROLLER=Sở Y tế tỉnh Quảng Trị")
		if !strings.Contains(other.logText(), "does not name HOTLINE_CONTROLLER") {
			t.Errorf("a hotline of another department started without a warning about the notice:\n%s", other.logText())
		}
	})
}
