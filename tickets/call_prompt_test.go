package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// A call's evidence is written with its record: the rows once, what is learnt later
// (how much was heard, a consent's answer) added, nothing lost by a write without it; a
// spooled report brings it too. Those who see the caller of a ticket read it.
func TestCallPrompts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	played := time.Date(2021, 8, 10, 2, 0, 5, 0, time.UTC)
	pv := &tickets.PromptVersion{Prompt: "privacy_notice", Lang: "en", Source: tickets.PromptText, Text: "Hue City Health Department ..."}
	if err := f.s.AddPromptVersion(ctx, f.sup, pv, soundstest.WAV(2*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	v := pv.ID
	number := "+84905123456"
	c := &tickets.Call{ID: "c1", ChannelID: "ch1", CallerNumber: &number, StartedAt: played.Add(-5 * time.Second),
		Prompts: []tickets.CallPrompt{
			{Seq: 1, Prompt: "privacy_notice", Lang: "vi", Number: 1, PlayedAt: played},
			{Seq: 2, Prompt: "consent_support", Lang: "vi", VersionID: nil, Number: 1, PlayedAt: played.Add(20 * time.Second)},
		}}
	if err := f.s.SaveCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Later: the notice was heard for 3 s, the consent given by 1; then a write that
	// carries none of them (a recovered call) removes nothing.
	heard := int64(3000)
	answered := played.Add(30 * time.Second)
	c.Prompts[0].HeardMS = &heard
	c.Prompts[1].Key, c.Prompts[1].Answer, c.Prompts[1].AnsweredAt = "1", tickets.ConsentGiven, &answered
	c.Prompts = append(c.Prompts, tickets.CallPrompt{Seq: 3, Prompt: "privacy_notice", Lang: "en", VersionID: &v, Number: 2, PlayedAt: answered})
	if err := f.s.SaveCallsProgress(ctx, []*tickets.Call{c}); err != nil {
		t.Fatal(err)
	}
	bare := *c
	bare.Prompts = nil
	if err := f.s.SaveCall(ctx, &bare); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.CallPrompts(ctx, f.agent, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d rows, want 3: %+v", len(got), got)
	}
	if g := got[0]; g.Prompt != "privacy_notice" || g.Lang != "vi" || g.VersionID != nil || g.Number != 1 || !g.PlayedAt.Equal(played) ||
		g.HeardMS == nil || *g.HeardMS != 3000 || g.Answer != "" {
		t.Errorf("notice %+v", g)
	}
	if g := got[1]; g.Key != "1" || g.Answer != tickets.ConsentGiven || g.AnsweredAt == nil || !g.AnsweredAt.Equal(answered) {
		t.Errorf("consent %+v", g)
	}
	if g := got[2]; g.VersionID == nil || *g.VersionID != pv.ID || g.Number != 2 {
		t.Errorf("a supervisor's version %+v", g)
	}

	t.Run("from the spool", func(t *testing.T) {
		r := &tickets.CallReport{Call: tickets.Call{ID: "c2", ChannelID: "ch2", StartedAt: played,
			Prompts: []tickets.CallPrompt{{Seq: 1, Prompt: "consent_support", Lang: "en", Number: 1, PlayedAt: played,
				Key: "2", Answer: tickets.ConsentRefused, AnsweredAt: &answered}}}}
		for range 2 { // replayed twice doubles nothing
			if _, _, err := f.s.ImportCallReport(ctx, tickets.ActorIVR, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.s.CallPrompts(ctx, f.sup, "c2")
		if err != nil || len(got) != 1 || got[0].Answer != tickets.ConsentRefused || got[0].Key != "2" {
			t.Errorf("spooled refusal: %+v, %v", got, err)
		}
	})
	t.Run("on the ticket", func(t *testing.T) {
		unit := phuXuan
		tk := &tickets.Ticket{Category: tickets.CategorySupportRequest, Priority: tickets.P3, CallID: &c.ID, CallerNumber: &number,
			UnitCode: &unit, AssigneeUnitCode: &unit}
		if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
		for _, a := range []tickets.Actor{f.agent, f.sup, f.officer} {
			if got, err := f.s.TicketCallPrompts(ctx, a, tk.ID); err != nil || len(got) != 3 {
				t.Errorf("%s reads %d rows, %v; want 3", a.Name, len(got), err)
			}
		}
		// Another unit's officer: the ticket does not exist for them.
		if _, err := f.s.TicketCallPrompts(ctx, f.other, tk.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("another unit's officer: %v, want not found", err)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		if _, err := f.s.CallPrompts(ctx, f.officer, "c1"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an officer lists a call's prompts: %v", err)
		}
		// A community report keeps its reporter, and the call, from the officer.
		unit := phuXuan
		tk := &tickets.Ticket{Category: tickets.CategoryCommunityReport, Priority: tickets.P3, CallID: &c.ID, CallerNumber: &number, UnitCode: &unit}
		if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.TicketCallPrompts(ctx, f.officer, tk.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an officer reads the call of a community report: %v", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		bad := &tickets.Call{ID: "c3", ChannelID: "ch3", Prompts: []tickets.CallPrompt{{Seq: 1, Lang: "vi", PlayedAt: played}}}
		if err := f.s.SaveCall(ctx, bad); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("evidence without its prompt: %v", err)
		}
	})
}
