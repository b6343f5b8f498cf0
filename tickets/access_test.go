package tickets_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// The access log is filtered by a ticket's or a case's reference however it is typed; a
// ticket's reference also finds the plays of its voice messages logged before they were
// logged under the ticket ("recording 3"), and such a subject is found as typed.
func TestAccessFilterBySubject(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	other := f.ticket(t, tickets.CategorySymptomReport, "0905777888", ptr(phuXuan))
	rec := &tickets.Recording{TicketID: &tk.ID, Kind: tickets.RecordingVoiceMessage, Path: "a.wav"}
	otherRec := &tickets.Recording{TicketID: &other.ID, Kind: tickets.RecordingVoiceMessage, Path: "b.wav"}
	for _, r := range []*tickets.Recording{rec, otherRec} {
		if err := f.s.AddRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	c := f.newCase(t, nil)
	phone := "+84905123456"
	for _, a := range []*tickets.Access{
		{Action: tickets.AccessTicketPhone, Subject: tk.Ref, Phone: &phone},
		{Action: tickets.AccessRecording, Subject: fmt.Sprintf("recording %d", rec.ID), Phone: &phone},
		{Action: tickets.AccessRecording, Subject: tk.Ref, Phone: &phone},
		{Action: tickets.AccessCase, Subject: c.Ref},
		{Action: tickets.AccessTicketPhone, Subject: other.Ref},
		{Action: tickets.AccessRecording, Subject: fmt.Sprintf("recording %d", otherRec.ID)},
	} {
		if err := f.s.LogAccess(ctx, f.agent, a); err != nil {
			t.Fatal(err)
		}
	}
	sup := f.sup
	for _, tc := range []struct {
		name, subject string
		want          int
	}{
		{"Ticket", tk.Ref, 3},
		{"TicketLowerCase", " hl-" + tk.Ref[3:] + " ", 3},
		{"Case", c.Ref, 1},
		{"CaseLowerCase", "ca-" + c.Ref[3:], 1},
		{"RecordingAsLogged", fmt.Sprintf("recording %d", rec.ID), 1},
		{"Unknown", "HL-999999", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := f.s.ListAccess(ctx, sup, tickets.AccessFilter{Subject: tc.subject})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(list); got != tc.want {
				var subjects []string
				for _, a := range list {
					subjects = append(subjects, a.Subject)
				}
				t.Errorf("%q: %d entries %v, want %d", tc.subject, got, subjects, tc.want)
			}
		})
	}
}

// Review of issue 22, M6: the store writes a voice message's play with the number it
// concerns read from the ticket itself, so an officer's play of a hidden reporter's
// message carries the reporter's number (found by it in the access log), while the
// officer is given no number. Who may not hear the message writes nothing.
func TestRecordingPlayLoggedWithTheTicketsNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	withheld := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P3, UnitCode: ptr(phuXuan), ContactPhone: ptr("0905777888")}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, withheld); err != nil {
		t.Fatal(err)
	}
	loose := &tickets.Recording{Kind: tickets.RecordingVoiceMessage, Path: "c.wav"}
	if err := f.s.AddRecording(ctx, loose); err != nil {
		t.Fatal(err)
	}
	onReport, onWithheld := tickets.AddRecordingForTest(t, f.s, report.ID), tickets.AddRecordingForTest(t, f.s, withheld.ID)
	admin, _ := f.admins(t)
	for _, tc := range []struct {
		name          string
		actor         tickets.Actor
		rec           int64
		subject, want string // want: the number logged, "" none
		code          string
	}{
		{"OK: an officer, a hidden reporter", f.officer, onReport, report.Ref, "+84913444555", ""},
		{"OK: an agent", f.agent, onReport, report.Ref, "+84913444555", ""},
		{"OK: a withheld call linked to a number", f.agent, onWithheld, withheld.Ref, "+84905777888", ""},
		{"OK: a message on no ticket yet", f.agent, loose.ID, fmt.Sprintf("recording %d", loose.ID), "", ""},
		{"ErrNotFound: another unit's officer", f.other, onReport, "", "", tickets.ENOTFOUND},
		{"ErrNotFound: an officer, a message on no ticket", f.officer, loose.ID, "", "", tickets.ENOTFOUND},
		{"ErrNotFound: an admin", admin, onReport, "", "", tickets.ENOTFOUND},
		{"ErrNotFound: no such message", f.agent, 9999, "", "", tickets.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Username: tc.actor.Name})
			if err != nil {
				t.Fatal(err)
			}
			a, err := f.s.LogRecordingPlay(ctx, tc.actor, tc.rec, "10.0.0.7")
			if got := tickets.ErrorCode(err); got != tc.code {
				t.Fatalf("LogRecordingPlay: %v, want code %q", err, tc.code)
			}
			after, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Username: tc.actor.Name})
			if err != nil {
				t.Fatal(err)
			}
			if tc.code != "" {
				if len(after) != len(before) {
					t.Errorf("a refused play wrote %d entries", len(after)-len(before))
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("%d entries written, want 1", len(after)-len(before))
			}
			got := after[0]
			if got.ID != a.ID || got.Action != tickets.AccessRecording || got.Subject != tc.subject || deref(got.Phone) != tc.want || got.RemoteAddr != "10.0.0.7" {
				t.Errorf("entry %s %q %q from %s, want %s %q %q", got.Action, got.Subject, deref(got.Phone), got.RemoteAddr, tickets.AccessRecording, tc.subject, tc.want)
			}
		})
	}
	if list, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Phone: reporter}); err != nil || len(list) != 2 {
		t.Errorf("the access log of the reporter's number: %d entries (%v), want the officer's and the agent's plays", len(list), err)
	}
}
