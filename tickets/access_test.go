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
