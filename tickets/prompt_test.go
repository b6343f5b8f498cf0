package tickets_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// livePrompt is the version number of a prompt live at t (1: the embedded WAV).
func livePrompt(t *testing.T, s *tickets.Store, prompt, lang string, at time.Time) int {
	t.Helper()
	list, err := s.LivePrompts(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Prompt == prompt && l.Lang == lang {
			return l.Number
		}
	}
	return 1
}

func TestPromptVersions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v2 := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText, Text: "Từ 00:00 ngày 12/08 ..."}
	if err := f.s.AddPromptVersion(ctx, f.sup, v2, soundstest.WAV(2*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	v3 := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptUpload, Text: "bản ghi âm"}
	if err := f.s.AddPromptVersion(ctx, f.sup, v3, soundstest.WAV(3*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 || v3.Number != 3 || v3.DurationMS != 3000 || v3.SHA256 == "" {
		t.Errorf("versions %+v %+v, want 2 and 3 of 3 s", v2, v3)
	}
	if got, _ := f.s.PromptAudio(ctx, v3.ID); len(got) != len(soundstest.WAV(3*time.Second, 8000)) {
		t.Errorf("audio of v3: %d bytes", len(got))
	}
	list, err := f.s.PromptVersions(ctx, f.sup, "rules_info")
	if err != nil || len(list) != 2 || list[0].Number != 3 || list[0].Author != "sup1" {
		t.Errorf("versions %+v, %v", list, err)
	}
	t.Run("ErrForbidden", func(t *testing.T) {
		for _, a := range []tickets.Actor{f.agent, f.officer, {Name: "root", Role: tickets.RoleAdmin}} {
			err := f.s.AddPromptVersion(ctx, a, &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText}, soundstest.WAV(time.Second, 8000))
			if tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s adds a version: %v", a.Role, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		long := soundstest.WAV(tickets.MaxPromptLength+time.Second, 8000)
		stereo := soundstest.WAV(time.Second, 8000)
		binary.LittleEndian.PutUint16(stereo[22:], 2)
		for name, c := range map[string]struct {
			v   tickets.PromptVersion
			wav []byte
		}{
			"not a WAV":        {tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptUpload}, []byte("ID3 an mp3")},
			"stereo":           {tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptUpload}, stereo},
			"too long":         {tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptUpload}, long},
			"a language":       {tickets.PromptVersion{Prompt: "rules_info", Lang: "fr", Source: tickets.PromptText}, soundstest.WAV(time.Second, 8000)},
			"a prompt":         {tickets.PromptVersion{Prompt: "../etc", Lang: "vi", Source: tickets.PromptText}, soundstest.WAV(time.Second, 8000)},
			"a source":         {tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: "builtin"}, soundstest.WAV(time.Second, 8000)},
			"nothing to speak": {tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText}, soundstest.WAV(100*time.Millisecond, 8000)},
		} {
			if err := f.s.AddPromptVersion(ctx, f.sup, &c.v, c.wav); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
	})
}

// A version goes live now or at a set time, and until a set time; after it, the one
// live before plays again; ending an entry puts back what it covered; a page that did not
// see what is live now is refused.
func TestPromptSchedule(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	add := func(lang string) *tickets.PromptVersion {
		v := &tickets.PromptVersion{Prompt: "rules_info", Lang: lang, Source: tickets.PromptText, Text: "..."}
		if err := f.s.AddPromptVersion(ctx, f.sup, v, soundstest.WAV(2*time.Second, 8000)); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v2, v3 := add("vi"), add("vi")
	now := *f.now
	if got := livePrompt(t, f.s, "rules_info", "vi", now); got != 1 {
		t.Fatalf("before anything: version %d, want 1", got)
	}
	l2, err := f.s.GoLive(ctx, f.sup, tickets.GoLive{Prompt: "rules_info", Lang: "vi", VersionID: v2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := livePrompt(t, f.s, "rules_info", "vi", now); got != 2 {
		t.Errorf("after going live: version %d, want 2", got)
	}
	// "The rules from 00:00 on 12/08", made the evening before, for three days.
	from, until := now.Add(6*time.Hour), now.Add(78*time.Hour)
	l3, err := f.s.GoLive(ctx, f.sup, tickets.GoLive{Prompt: "rules_info", Lang: "vi", VersionID: v3.ID, From: from, Until: &until, Seen: l2.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{now, 2}, {from.Add(-time.Second), 2}, {from, 3}, {until.Add(-time.Second), 3}, {until, 2}} {
		if got := livePrompt(t, f.s, "rules_info", "vi", c.at); got != c.want {
			t.Errorf("at %s: version %d, want %d", c.at.Sub(now), got, c.want)
		}
	}
	if next, err := f.s.NextPromptChange(ctx, now); err != nil || next == nil || !next.Equal(from) {
		t.Errorf("next change after now: %v %v, want %v", next, err, from)
	}
	if next, _ := f.s.NextPromptChange(ctx, from); next == nil || !next.Equal(until) {
		t.Errorf("next change after the start: %v, want %v", next, until)
	}
	if got := livePrompt(t, f.s, "rules_info", "en", from); got != 1 {
		t.Errorf("English at the start: version %d, want 1 (nothing changed for English)", got)
	}
	// Roll back to the embedded version; then end that: version 2 again.
	l1, err := f.s.GoLive(ctx, f.sup, tickets.GoLive{Prompt: "rules_info", Lang: "vi", Seen: l2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := livePrompt(t, f.s, "rules_info", "vi", now); got != 1 {
		t.Errorf("after rolling back: version %d, want 1", got)
	}
	if err := f.s.EndLive(ctx, f.sup, l1.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := livePrompt(t, f.s, "rules_info", "vi", now); got != 2 {
		t.Errorf("after ending the roll-back: version %d, want 2", got)
	}
	if err := f.s.EndLive(ctx, f.sup, l3.ID, "bỏ lịch"); err != nil {
		t.Fatal(err)
	}
	if got := livePrompt(t, f.s, "rules_info", "vi", from); got != 2 {
		t.Errorf("at the cancelled schedule's start: version %d, want 2", got)
	}
	events, err := f.s.PromptEvents(ctx, f.sup, "rules_info", 0)
	if err != nil || len(events) != 7 { // two versions, three go-lives, two ends
		t.Errorf("audit trail: %d events, %v", len(events), err)
	}
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := f.s.GoLive(ctx, f.sup, tickets.GoLive{Prompt: "rules_info", Lang: "vi", VersionID: v3.ID, Seen: 0})
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("go live from a page that saw version 1: %v, want conflict", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		past, before := now.Add(-time.Hour), now.Add(time.Hour)
		later := now.Add(2 * time.Hour)
		en := add("en")
		for name, g := range map[string]tickets.GoLive{
			"a start in the past":        {Prompt: "rules_info", Lang: "vi", VersionID: v3.ID, From: past, Seen: l2.ID},
			"an end before the start":    {Prompt: "rules_info", Lang: "vi", VersionID: v3.ID, From: later, Until: &before, Seen: l2.ID},
			"another language's version": {Prompt: "rules_info", Lang: "vi", VersionID: en.ID, Seen: l2.ID},
			"another prompt's version":   {Prompt: "welcome", Lang: "vi", VersionID: v3.ID},
			"urgent without an end":      {Prompt: tickets.UrgentPrompt, Lang: "vi", VersionID: v3.ID},
		} {
			if _, err := f.s.GoLive(ctx, f.sup, g); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		if _, err := f.s.GoLive(ctx, f.agent, tickets.GoLive{Prompt: "rules_info", Lang: "vi", VersionID: v3.ID, Seen: l2.ID}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an agent: %v", err)
		}
	})
}

// The urgent message goes live only with an expiry, and is off once it passes.
func TestUrgentMessage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := &tickets.PromptVersion{Prompt: tickets.UrgentPrompt, Lang: "vi", Source: tickets.PromptText, Text: "Từ 18:00 tối nay Phú Vang phong toả"}
	if err := f.s.AddPromptVersion(ctx, f.sup, v, soundstest.WAV(3*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	until := f.now.Add(12 * time.Hour)
	if _, err := f.s.GoLive(ctx, f.sup, tickets.GoLive{Prompt: tickets.UrgentPrompt, Lang: "vi", VersionID: v.ID, Until: &until}); err != nil {
		t.Fatal(err)
	}
	if got := livePrompt(t, f.s, tickets.UrgentPrompt, "vi", *f.now); got != 2 {
		t.Errorf("urgent now: %d, want 2", got)
	}
	if got := livePrompt(t, f.s, tickets.UrgentPrompt, "vi", until); got != 1 {
		t.Errorf("urgent at its expiry: %d, want off", got)
	}
}
