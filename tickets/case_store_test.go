package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func (f *fixture) newCase(tb testing.TB, fromTicket *int64) *tickets.Case {
	tb.Helper()
	c := &tickets.Case{PersonName: "Nguyễn Văn An", Phone: ptr("0905 777 888"), BirthYear: ptr(1958), Sex: "male",
		Address: "12 Lê Lợi", UnitCode: ptr(phuXuan), OnsetDate: ptr("2021-08-08"), ExposureTravel: true}
	if err := f.s.CreateCase(context.Background(), f.agent, c, fromTicket); err != nil {
		tb.Fatalf("CreateCase: %v", err)
	}
	return c
}

func (f *fixture) followUps(tb testing.TB, caseID int64) []*tickets.FollowUp {
	tb.Helper()
	list, err := f.s.FollowUps(context.Background(), f.agent, caseID)
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// on sets the store's clock to mid-morning of a local day.
func (f *fixture) on(day string) {
	t, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:00", tickets.Local)
	*f.now = t.UTC()
}

func (f *fixture) caseStatus(tb testing.TB, id int64) string {
	tb.Helper()
	c, err := f.s.GetCase(context.Background(), tickets.ActorSystem, id)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Status
}

func TestCaseFromTicketAndLinking(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, "0911222333", ptr(phuXuan))
	c := f.newCase(t, &report.ID)
	if c.Ref != "CA-210001" || c.Status != tickets.CaseSuspected || *c.Phone != "+84905777888" {
		t.Errorf("case %+v", c)
	}
	if got := f.get(t, report.ID).CaseID; got == nil || *got != c.ID {
		t.Errorf("report case_id %v", got)
	}
	// Another person reports the same man; the agent finds the case by phone and by name.
	second := f.ticket(t, tickets.CategoryCommunityReport, "0944555666", ptr(phuXuan))
	for _, flt := range []tickets.CaseFilter{{Phone: "0905777888"}, {Name: "nguyen van"}, {Name: "Nguyễn Văn An"}, {UnitCode: ptr(phuXuan)}} {
		found, err := f.s.FindCases(ctx, f.agent, flt)
		if err != nil || len(found) != 1 || found[0].ID != c.ID {
			t.Errorf("FindCases(%+v) = %d cases, %v", flt, len(found), err)
		}
	}
	if err := f.s.LinkTicketToCase(ctx, f.agent, second.ID, c.ID, "cùng người"); err != nil {
		t.Fatal(err)
	}
	page, _ := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{CaseID: &c.ID})
	if len(page.Tickets) != 2 {
		t.Errorf("case has %d tickets, want 2", len(page.Tickets))
	}
	cevs, _ := f.s.CaseEvents(ctx, f.agent, c.ID)
	if got := kinds(cevs); !equal(got, []string{"created:suspected", "linked:" + report.Ref, "linked:" + second.Ref}) {
		t.Errorf("case events %v", got)
	}
	tevs, _ := f.s.TicketEvents(ctx, f.agent, second.ID)
	if got := kinds(tevs); !equal(got, []string{"created:new", "linked:" + c.Ref}) {
		t.Errorf("ticket events %v", got)
	}

	t.Run("errors", func(t *testing.T) {
		if err := f.s.LinkTicketToCase(ctx, f.agent, second.ID, c.ID, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("link twice: %v", err)
		}
		if err := f.s.LinkTicketToCase(ctx, f.other, second.ID, c.ID, ""); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("other unit's officer links: %v", err)
		}
		for name, bad := range map[string]*tickets.Case{
			"no name":      {PersonName: " "},
			"bad phone":    {PersonName: "A", Phone: ptr("123")},
			"birth year":   {PersonName: "A", BirthYear: ptr(1850)},
			"future onset": {PersonName: "A", OnsetDate: ptr("2030-01-01")},
			"bad date":     {PersonName: "A", OnsetDate: ptr("8/10/2021")},
			"sex":          {PersonName: "A", Sex: "x"},
		} {
			if err := f.s.CreateCase(ctx, f.agent, bad, nil); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if got, _ := f.s.FindCases(ctx, f.agent, tickets.CaseFilter{}); len(got) != 1 {
			t.Errorf("%d cases after rejected ones, want 1", len(got))
		}
		if found, _ := f.s.FindCases(ctx, f.other, tickets.CaseFilter{}); len(found) != 0 {
			t.Errorf("other unit's officer finds %d cases", len(found))
		}
	})
}

func TestFollowUpSchedule(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.newCase(t, nil)
	if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	fus := f.followUps(t, c.ID)
	if len(fus) != 14 {
		t.Fatalf("%d follow-ups, want 14", len(fus))
	}
	today := tickets.Day(*f.now)
	for i, fu := range fus {
		if fu.Day != i+1 || fu.DueOn != tickets.AddDays(today, i) || fu.Result != nil {
			t.Errorf("follow-up %d: %+v", i, fu)
		}
	}
	if today != "2021-08-10" || fus[13].DueOn != "2021-08-23" {
		t.Errorf("days %s..%s", today, fus[13].DueOn)
	}

	t.Run("due today and overdue per area", func(t *testing.T) {
		*f.now = f.now.Add(2 * 24 * time.Hour)
		day := tickets.Day(*f.now)
		due, err := f.s.FollowUpsDue(ctx, f.agent, day, nil, 100)
		if err != nil || len(due) != 3 {
			t.Fatalf("due %d, %v; want 3 (2 overdue, 1 today)", len(due), err)
		}
		if !due[0].Overdue(day) || due[2].Overdue(day) || due[0].CaseRef != c.Ref {
			t.Errorf("due %+v", due)
		}
		byUnit, err := f.s.FollowUpsDueByUnit(ctx, f.agent, day)
		if err != nil || len(byUnit) != 1 || byUnit[0].DueToday != 1 || byUnit[0].Overdue != 2 || *byUnit[0].UnitCode != phuXuan {
			t.Errorf("by unit %+v, %v", byUnit, err)
		}
		if other, _ := f.s.FollowUpsDue(ctx, f.other, day, nil, 100); len(other) != 0 {
			t.Errorf("other unit's officer sees %d follow-ups", len(other))
		}
	})

	t.Run("clearing needs 14 well days", func(t *testing.T) {
		for i := 0; i < 13; i++ {
			f.on(fus[i].DueOn)
			if err := f.s.RecordFollowUp(ctx, f.agent, fus[i].ID, tickets.ResultWell, tickets.MethodAgentCall, tickets.Answers{"fever": "no"}, ""); err != nil {
				t.Fatal(err)
			}
		}
		err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Fatalf("clear after 13 well days: %v", err)
		}
		f.on(fus[13].DueOn)
		if err := f.s.RecordFollowUp(ctx, f.agent, fus[13].ID, tickets.ResultWell, tickets.MethodHomeVisit, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, "đủ 14 ngày"); err != nil {
			t.Fatalf("clear after 14 well days: %v", err)
		}
		err = f.s.RecordFollowUp(ctx, f.agent, fus[0].ID, tickets.ResultWell, tickets.MethodAgentCall, nil, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("follow-up for a cleared case: %v", err)
		}
	})
}

func TestFollowUpEscalations(t *testing.T) {
	ctx := context.Background()

	t.Run("symptomatic is referred for testing", func(t *testing.T) {
		f := newFixture(t)
		c := f.newCase(t, nil)
		f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, "")
		fus := f.followUps(t, c.ID)
		if err := f.s.RecordFollowUp(ctx, f.officer, fus[0].ID, tickets.ResultSymptomatic, tickets.MethodHomeVisit, tickets.Answers{"fever": "yes"}, "sốt 38.5"); err != nil {
			t.Fatal(err)
		}
		if got := f.caseStatus(t, c.ID); got != tickets.CaseReferred {
			t.Errorf("status %s, want referred", got)
		}
		evs, _ := f.s.CaseEvents(ctx, f.agent, c.ID)
		referred := false
		for _, e := range evs {
			referred = referred || (e.Kind == "status" && e.NewValue == tickets.CaseReferred && e.Actor == "system")
		}
		if !referred {
			t.Errorf("no referral by the system in %v", kinds(evs))
		}
	})

	t.Run("three not reached in a row is lost, with a P1 ticket for the ward", func(t *testing.T) {
		f := newFixture(t)
		c := f.newCase(t, nil)
		f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, "")
		fus := f.followUps(t, c.ID)
		results := []string{tickets.ResultNotReached, tickets.ResultNotReached, tickets.ResultWell, tickets.ResultNotReached, tickets.ResultNotReached}
		for i, r := range results {
			f.on(fus[i].DueOn)
			if err := f.s.RecordFollowUp(ctx, f.agent, fus[i].ID, r, tickets.MethodAgentCall, nil, ""); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.caseStatus(t, c.ID); got != tickets.CaseMonitoring {
			t.Fatalf("status %s after a broken run, want monitoring", got)
		}
		f.on(fus[5].DueOn)
		if err := f.s.RecordFollowUp(ctx, f.agent, fus[5].ID, tickets.ResultNotReached, tickets.MethodAutomatedCall, nil, ""); err != nil {
			t.Fatal(err)
		}
		if got := f.caseStatus(t, c.ID); got != tickets.CaseLost {
			t.Fatalf("status %s, want lost", got)
		}
		page, _ := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{CaseID: &c.ID})
		if len(page.Tickets) != 1 {
			t.Fatalf("ward officer sees %d tickets for the case, want 1", len(page.Tickets))
		}
		tk := page.Tickets[0]
		if tk.Priority != tickets.P1 || tk.Status != tickets.StatusAssigned || *tk.AssigneeUnitCode != phuXuan || *tk.ContactPhone != "+84905777888" {
			t.Errorf("escalation ticket %+v", tk)
		}
		f.on(fus[6].DueOn)
		err := f.s.RecordFollowUp(ctx, f.agent, fus[6].ID, tickets.ResultWell, tickets.MethodAgentCall, nil, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("follow-up for a lost case: %v", err)
		}
		// Found again: monitoring resumes with a fresh schedule.
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, "đã liên lạc lại"); err != nil {
			t.Fatal(err)
		}
		// The days still pending (with those added for the days not reached) give way to
		// 14 from today.
		fus = f.followUps(t, c.ID)
		if len(fus) != 6+14 || fus[6].Day != 7 || fus[6].Result != nil {
			t.Errorf("after resuming: %d follow-ups, day 7 %+v", len(fus), fus[6])
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		f := newFixture(t)
		c := f.newCase(t, nil)
		f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, "")
		fus := f.followUps(t, c.ID)
		for name, tc := range map[string]struct {
			err  error
			code string
		}{
			"unknown result": {f.s.RecordFollowUp(ctx, f.agent, fus[0].ID, "fine", tickets.MethodAgentCall, nil, ""), tickets.EINVALID},
			"unknown method": {f.s.RecordFollowUp(ctx, f.agent, fus[0].ID, tickets.ResultWell, "pigeon", nil, ""), tickets.EINVALID},
			"no such day":    {f.s.RecordFollowUp(ctx, f.agent, 99999, tickets.ResultWell, tickets.MethodAgentCall, nil, ""), tickets.ENOTFOUND},
			"other unit":     {f.s.RecordFollowUp(ctx, f.other, fus[0].ID, tickets.ResultWell, tickets.MethodAgentCall, nil, ""), tickets.ENOTFOUND},
			"bad status":     {f.s.SetCaseStatus(ctx, f.agent, c.ID, "healed", ""), tickets.EINVALID},
			"skip testing":   {f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseTestedPositive, ""), tickets.ECONFLICT},
		} {
			if got := tickets.ErrorCode(tc.err); got != tc.code {
				t.Errorf("%s: %v, want %s", name, tc.err, tc.code)
			}
		}
		if fu := f.followUps(t, c.ID)[0]; fu.Result != nil {
			t.Errorf("day 1 recorded: %+v", fu)
		}
		if err := f.s.RecordFollowUp(ctx, f.agent, fus[0].ID, tickets.ResultRefused, tickets.MethodAgentCall, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RecordFollowUp(ctx, f.agent, fus[0].ID, tickets.ResultWell, tickets.MethodAgentCall, nil, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("recording a day twice: %v", err)
		}
	})
}
