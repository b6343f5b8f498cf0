package tickets_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func TestRecordingsFollowTheCallsTicket(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	call := &tickets.Call{ID: tickets.NewCallID(), ChannelID: "ch-1", StartedAt: *f.now}
	if err := f.s.StartCall(ctx, call); err != nil {
		t.Fatal(err)
	}
	// A message left before the ticket exists waits for it...
	before := &tickets.Recording{CallID: &call.ID, Kind: tickets.RecordingVoiceMessage, Path: "a.wav", DurationMS: 5200}
	if err := f.s.AddRecording(ctx, before); err != nil {
		t.Fatal(err)
	}
	if before.TicketID != nil {
		t.Fatalf("recording attached to ticket %d before any ticket exists", *before.TicketID)
	}
	tk := &tickets.Ticket{Category: tickets.CategoryCommunityReport, Priority: tickets.P3, CallID: &call.ID, UnitCode: ptr(phuXuan)}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	// ...and one left after it goes straight on it, with an audit event.
	after := &tickets.Recording{CallID: &call.ID, Kind: tickets.RecordingVoiceMessage, Path: "b.wav", DurationMS: 1000}
	if err := f.s.AddRecording(ctx, after); err != nil {
		t.Fatal(err)
	}
	if after.TicketID == nil || *after.TicketID != tk.ID {
		t.Fatalf("recording after the ticket: ticket %v, want %d", after.TicketID, tk.ID)
	}
	rs, err := f.s.TicketRecordings(ctx, f.agent, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Path != "a.wav" || rs[1].Path != "b.wav" || rs[0].Duration().Seconds() != 5.2 {
		t.Fatalf("ticket recordings = %+v", rs)
	}
	evs, err := f.s.TicketEvents(ctx, f.agent, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kinds(evs), "recording:"+strconv.FormatInt(after.ID, 10)) {
		t.Errorf("events %v lack the recording", kinds(evs))
	}
	// An officer hears the recordings of tickets in their unit only.
	if _, err := f.s.GetRecording(ctx, f.officer, before.ID); err != nil {
		t.Errorf("officer of the unit: %v", err)
	}
	if _, err := f.s.GetRecording(ctx, f.other, before.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("officer of another unit: err %v, want not found", err)
	}
	if _, err := f.s.GetRecording(ctx, f.agent, 9999); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("missing recording: err %v, want not found", err)
	}
	for actor, want := range map[*tickets.Actor]int{&f.agent: 2, &f.officer: 2, &f.other: 0} {
		m, err := f.s.RecordingsOf(ctx, *actor, []int64{tk.ID, 9999})
		if err != nil || len(m[tk.ID]) != want {
			t.Errorf("RecordingsOf as %s: %d recordings, err %v; want %d", actor.Name, len(m[tk.ID]), err, want)
		}
	}
	if err := f.s.AddRecording(ctx, &tickets.Recording{Kind: "music", Path: "c.wav"}); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("bad kind: err %v, want invalid", err)
	}
}

func TestRecordCallback(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategoryCallback, "0905123456", nil)
	if err := f.s.RecordCallback(ctx, tickets.ActorIVR, tk.ID, "call-1", "no_answer", "PJSIP/agent101", 0); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.FirstResponseAt != nil {
		t.Errorf("an unanswered callback set the first response: %v", got.FirstResponseAt)
	}
	if err := f.s.RecordCallback(ctx, tickets.ActorIVR, tk.ID, "call-2", "answered", "PJSIP/agent101", 95*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.FirstResponseAt == nil {
		t.Error("an answered callback did not set the first response")
	}
	evs, err := f.s.TicketEvents(ctx, f.agent, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	k := kinds(evs)
	if !slices.Contains(k, "callback:no_answer") || !slices.Contains(k, "callback:answered") {
		t.Errorf("events %v lack the callbacks", k)
	}
	if err := f.s.RecordCallback(ctx, tickets.ActorIVR, 9999, "call-3", "answered", "PJSIP/agent101", 0); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("callback on a missing ticket: %v, want not found", err)
	}
}
