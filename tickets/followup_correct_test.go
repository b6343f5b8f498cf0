package tickets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// monitoredDays is a case in monitoring with its follow-up days.
func (f *fixture) monitoredDays(tb testing.TB) (*tickets.Case, []*tickets.FollowUp) {
	tb.Helper()
	c := f.monitored(tb)
	return c, f.followUps(tb, c.ID)
}

// raisedTickets returns the tickets of a case.
func (f *fixture) raisedTickets(tb testing.TB, caseID int64) []*tickets.Ticket {
	tb.Helper()
	page, err := f.s.ListTickets(context.Background(), f.agent, tickets.TicketFilter{CaseID: &caseID, Limit: 10})
	if err != nil {
		tb.Fatal(err)
	}
	return page.Tickets
}

// A result recorded by mistake is corrected, with a reason, on the case's trail; what the
// first result set in motion stays and is noted; a correction to a result that sets
// things in motion applies its rules.
func TestCorrectFollowUp(t *testing.T) {
	ctx := context.Background()

	t.Run("SymptomaticToWell", func(t *testing.T) {
		f := newFixture(t)
		c, fus := f.monitoredDays(t)
		if err := f.s.RecordFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultSymptomatic, tickets.MethodHomeVisit, nil, ""); err != nil {
			t.Fatal(err)
		}
		raised := f.raisedTickets(t, c.ID)
		if len(raised) != 1 || raised[0].Priority != tickets.P1 {
			t.Fatalf("tickets raised by the symptomatic day: %+v", raised)
		}
		if err := f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodHomeVisit, "bấm nhầm nút"); err != nil {
			t.Fatal(err)
		}
		got := f.followUps(t, c.ID)[0]
		if got.Result == nil || *got.Result != tickets.ResultWell || got.RecordedBy == nil || *got.RecordedBy != *f.officer.UserID {
			t.Errorf("day 1 after the correction: %+v", got)
		}
		// The referral and the ticket stay, for a person to undo knowingly.
		if got, want := f.caseStatus(t, c.ID), tickets.CaseReferred; got != want {
			t.Errorf("status %s, want %s (the referral stays)", got, want)
		}
		if after := f.raisedTickets(t, c.ID); len(after) != 1 || !tickets.IsOpen(after[0].Status) {
			t.Errorf("the raised ticket after the correction: %+v", after)
		}
		evs, _ := f.s.CaseEvents(ctx, f.agent, c.ID)
		last := evs[len(evs)-1]
		if last.Kind != "follow_up_corrected" || last.Field != "day 1" || last.OldValue != tickets.ResultSymptomatic ||
			last.NewValue != tickets.ResultWell || !strings.Contains(last.Note, "bấm nhầm nút") || !strings.Contains(last.Note, raised[0].Ref) ||
			last.ActorID == nil || *last.ActorID != *f.officer.UserID {
			t.Errorf("the correction on the case's trail: %+v", last)
		}
		tevs, _ := f.s.TicketEvents(ctx, f.agent, raised[0].ID)
		if note := tevs[len(tevs)-1]; note.Kind != "note" || !strings.Contains(note.Note, "đã được sửa") || !strings.Contains(note.Note, "bấm nhầm nút") {
			t.Errorf("the raised ticket's last entry: %+v", note)
		}
	})

	t.Run("WellToSymptomatic", func(t *testing.T) {
		f := newFixture(t)
		c, fus := f.monitoredDays(t)
		if err := f.s.RecordFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodPhoneCall, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultSymptomatic, tickets.MethodPhoneCall, "ghi nhầm người"); err != nil {
			t.Fatal(err)
		}
		if got, want := f.caseStatus(t, c.ID), tickets.CaseReferred; got != want {
			t.Errorf("status %s, want %s", got, want)
		}
		if raised := f.raisedTickets(t, c.ID); len(raised) != 1 || raised[0].Priority != tickets.P1 {
			t.Errorf("tickets raised by the corrected day: %+v", raised)
		}
	})

	t.Run("MethodOnly", func(t *testing.T) {
		f := newFixture(t)
		c, fus := f.monitoredDays(t)
		if err := f.s.RecordFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodHomeVisit, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodPhoneCall, "gọi điện, không đến nhà"); err != nil {
			t.Fatal(err)
		}
		if got := f.followUps(t, c.ID)[0]; *got.Method != tickets.MethodPhoneCall {
			t.Errorf("method %s, want %s", *got.Method, tickets.MethodPhoneCall)
		}
		if raised := f.raisedTickets(t, c.ID); len(raised) != 0 {
			t.Errorf("a method corrected raised %d tickets", len(raised))
		}
	})

	t.Run("Refused", func(t *testing.T) {
		f := newFixture(t)
		_, fus := f.monitoredDays(t)
		if err := f.s.RecordFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodHomeVisit, nil, ""); err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			err  error
			want string
		}{
			"NoReason":  {f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultNotReached, tickets.MethodHomeVisit, " "), tickets.EINVALID},
			"Same":      {f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, tickets.MethodHomeVisit, "?"), tickets.EINVALID},
			"NoMethod":  {f.s.CorrectFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultWell, "", "?"), tickets.EINVALID},
			"NoResult":  {f.s.CorrectFollowUp(ctx, f.officer, fus[1].ID, tickets.ResultWell, tickets.MethodHomeVisit, "?"), tickets.ECONFLICT},
			"OtherUnit": {f.s.CorrectFollowUp(ctx, f.other, fus[0].ID, tickets.ResultNotReached, tickets.MethodHomeVisit, "?"), tickets.ENOTFOUND},
			"NoSuchDay": {f.s.CorrectFollowUp(ctx, f.officer, 99999, tickets.ResultNotReached, tickets.MethodHomeVisit, "?"), tickets.ENOTFOUND},
			"Admin":     {f.s.CorrectFollowUp(ctx, tickets.Actor{Name: "x", Role: tickets.RoleAdmin}, fus[0].ID, tickets.ResultNotReached, tickets.MethodHomeVisit, "?"), tickets.EFORBIDDEN},
		} {
			t.Run(name, func(t *testing.T) {
				if got := tickets.ErrorCode(tc.err); got != tc.want {
					t.Errorf("got %s (%v), want %s", got, tc.err, tc.want)
				}
			})
		}
	})
}
