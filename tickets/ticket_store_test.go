package tickets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// fixture is a store at a fixed time with a few users.
type fixture struct {
	s       *tickets.Store
	now     *time.Time
	agent   tickets.Actor
	sup     tickets.Actor // a supervisor of the call centre
	officer tickets.Actor // Phường Phú Xuân, 19753
	other   tickets.Actor // Phường Kim Long, 19774
}

const phuXuan, kimLong = "19753", "19774"

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	f := &fixture{now: &now}
	f.s = openStore(tb, f.now)
	mk := func(name, role string, unit *string) tickets.Actor {
		u := &tickets.User{Username: name, DisplayName: name, Role: role, UnitCode: unit}
		if err := f.s.CreateUser(context.Background(), tickets.ActorSystem, u, "correct horse battery"); err != nil {
			tb.Fatalf("create user %s: %v", name, err)
		}
		return tickets.ActorFor(u)
	}
	f.agent = mk("agent1", tickets.RoleAgent, nil)
	f.sup = mk("sup1", tickets.RoleSupervisor, nil)
	f.officer = mk("officer1", tickets.RoleOfficer, ptr(phuXuan))
	f.other = mk("officer2", tickets.RoleOfficer, ptr(kimLong))
	return f
}

func (f *fixture) ticket(tb testing.TB, category, phone string, unit *string) *tickets.Ticket {
	tb.Helper()
	tk := &tickets.Ticket{Category: category, Priority: tickets.P3, UnitCode: unit}
	if phone != "" {
		p, err := tickets.NormalizePhone(phone)
		if err != nil {
			tb.Fatal(err)
		}
		tk.CallerNumber = &p
	}
	if err := f.s.CreateTicket(context.Background(), tickets.ActorIVR, tk); err != nil {
		tb.Fatalf("create ticket: %v", err)
	}
	return tk
}

func (f *fixture) get(tb testing.TB, id int64) *tickets.Ticket {
	tb.Helper()
	tk, err := f.s.GetTicket(context.Background(), tickets.ActorSystem, id)
	if err != nil {
		tb.Fatal(err)
	}
	return tk
}

func kinds(evs []*tickets.Event) []string {
	var k []string
	for _, e := range evs {
		k = append(k, e.Kind+":"+e.NewValue)
	}
	return k
}

func TestTicketWorkflowInStore(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	if tk.FirstResponseDue != f.now.Add(4*time.Hour) || tk.ResolutionDue != f.now.Add(72*time.Hour) {
		t.Errorf("P3 due times %v %v", tk.FirstResponseDue, tk.ResolutionDue)
	}

	*f.now = f.now.Add(10 * time.Minute)
	agentID := f.agent.UserID
	if err := f.s.AssignTicket(ctx, f.agent, tk.ID, agentID, nil, "gọi lại trong ngày"); err != nil {
		t.Fatalf("AssignTicket: %v", err)
	}
	got := f.get(t, tk.ID)
	if got.Status != tickets.StatusAssigned || got.FirstResponseAt == nil || !got.FirstResponseAt.Equal(*f.now) || *got.AssigneeUserID != *agentID {
		t.Fatalf("after assign: %+v", got)
	}
	for _, to := range []string{tickets.StatusInProgress, tickets.StatusResolved, tickets.StatusClosed, tickets.StatusInProgress} {
		if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, to, ""); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	got = f.get(t, tk.ID)
	if got.Status != tickets.StatusInProgress || got.ResolvedAt != nil || got.ClosedAt != nil {
		t.Errorf("after reopen: %+v", got)
	}

	t.Run("ErrConflict leaves the ticket as it was", func(t *testing.T) {
		err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusNew, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Fatalf("in_progress→new: %v", err)
		}
		if after := f.get(t, tk.ID); after.Status != tickets.StatusInProgress || !after.UpdatedAt.Equal(got.UpdatedAt) {
			t.Errorf("ticket changed: %+v", after)
		}
	})

	if err := f.s.SetTicketPriority(ctx, f.agent, tk.ID, tickets.P1, "khó thở"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddTicketNote(ctx, f.agent, tk.ID, "Đã gọi, hẹn chiều"); err != nil {
		t.Fatal(err)
	}
	got = f.get(t, tk.ID)
	if got.Priority != tickets.P1 || !got.ResolutionDue.Equal(got.CreatedAt.Add(4*time.Hour)) {
		t.Errorf("after priority: %+v", got)
	}
	evs, err := f.s.TicketEvents(ctx, f.agent, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"created:new", "status:triaged", "assigned:user:1", "status:assigned", "status:in_progress",
		"status:resolved", "status:closed", "reopened:in_progress", "priority:P1", "note:"}
	if got := kinds(evs); !equal(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	for _, e := range evs[1:] {
		if e.Actor != "agent1" || e.ActorID == nil {
			t.Errorf("event %s by %q (%v), want agent1", e.Kind, e.Actor, e.ActorID)
		}
	}
	if evs[8].OldValue != "P3" || evs[8].Note != "khó thở" || evs[9].Note != "Đã gọi, hẹn chiều" {
		t.Errorf("priority/note events: %+v %+v", evs[8], evs[9])
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		for name, err := range map[string]error{
			"empty note":       f.s.AddTicketNote(ctx, f.agent, tk.ID, "  "),
			"unknown priority": f.s.SetTicketPriority(ctx, f.agent, tk.ID, "P7", ""),
			"assign to none":   f.s.AssignTicket(ctx, f.agent, tk.ID, nil, nil, ""),
		} {
			if tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if _, err := f.s.GetTicket(ctx, f.agent, 999999); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("missing ticket: %v", err)
		}
	})
}

func TestRepeatCaller(t *testing.T) {
	f := newFixture(t)
	first := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", nil)
	*f.now = f.now.Add(3 * 24 * time.Hour)
	repeat := f.ticket(t, tickets.CategoryCommunityReport, "+84905123456", nil)
	again := f.ticket(t, tickets.CategoryCommunityReport, "0905 123 456", nil)
	otherCategory := f.ticket(t, tickets.CategorySymptomReport, "0905123456", nil)
	otherCaller := f.ticket(t, tickets.CategoryCommunityReport, "0911222333", nil)
	for name, tc := range map[string]struct {
		tk   *tickets.Ticket
		want *int64
	}{
		"repeat within 7 days":     {repeat, &first.ID},
		"links to the first":       {again, &first.ID},
		"other category is new":    {otherCategory, nil},
		"other caller is new":      {otherCaller, nil},
		"the first repeats nobody": {first, nil},
	} {
		got := f.get(t, tc.tk.ID).RepeatOfID
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: repeat_of %v, want %v", name, got, tc.want)
		}
	}
	if *f.get(t, repeat.ID).CallerID != *f.get(t, first.ID).CallerID {
		t.Error("one number written three ways made different callers")
	}
	evs, _ := f.s.TicketEvents(context.Background(), f.agent, first.ID)
	if got := kinds(evs); !equal(got, []string{"created:new", "repeated:" + repeat.Ref, "repeated:" + again.Ref}) {
		t.Errorf("first ticket's events %v", got)
	}

	t.Run("not after 7 days", func(t *testing.T) {
		*f.now = f.now.Add(5 * 24 * time.Hour)
		late := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", nil)
		if got := f.get(t, late.ID).RepeatOfID; got == nil || *got != repeat.ID {
			t.Errorf("late repeat_of %v, want the 3-day-old %d (the first is 8 days old)", got, repeat.ID)
		}
	})
	t.Run("not of a resolved ticket", func(t *testing.T) {
		ctx := context.Background()
		tk := f.ticket(t, tickets.CategorySupportRequest, "0977000111", nil)
		for _, to := range []string{tickets.StatusTriaged, tickets.StatusCancelled} {
			if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, to, "gọi nhầm"); err != nil {
				t.Fatal(err)
			}
		}
		next := f.ticket(t, tickets.CategorySupportRequest, "0977000111", nil)
		if got := f.get(t, next.ID).RepeatOfID; got != nil {
			t.Errorf("repeat of a cancelled ticket: %v", *got)
		}
	})
}

func TestMergeTickets(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	survivor := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", ptr(phuXuan))
	dup := f.ticket(t, tickets.CategoryCommunityReport, "0911222333", ptr(phuXuan))
	if err := f.s.AddTicketNote(ctx, f.agent, dup.ID, "cùng một vụ tụ tập"); err != nil {
		t.Fatal(err)
	}
	recID := addRecording(t, f.s, dup.ID)

	if err := f.s.MergeTickets(ctx, f.sup, dup.ID, survivor.ID, "trùng"); err != nil {
		t.Fatalf("MergeTickets: %v", err)
	}
	d := f.get(t, dup.ID)
	if d.Status != tickets.StatusCancelled || d.MergedIntoID == nil || *d.MergedIntoID != survivor.ID {
		t.Errorf("merged ticket %+v", d)
	}
	sevs, _ := f.s.TicketEvents(ctx, f.agent, survivor.ID)
	// The duplicate's trail shows in the survivor's, where it was written.
	wantS := []string{"created:new", "created:new", "note:", "status:cancelled", "merged:" + dup.Ref, "merged:" + survivor.Ref}
	if got := kinds(sevs); !equal(got, wantS) {
		t.Errorf("survivor events\n got %v\nwant %v", got, wantS)
	}
	devs, _ := f.s.TicketEvents(ctx, f.agent, dup.ID)
	if got := kinds(devs); !equal(got, []string{"created:new", "note:", "status:cancelled", "merged:" + survivor.Ref}) {
		t.Errorf("merged ticket events %v", got)
	}
	if got := recordingTicket(t, f.s, recID); got != survivor.ID {
		t.Errorf("recording on ticket %d, want the survivor %d", got, survivor.ID)
	}

	t.Run("errors change nothing", func(t *testing.T) {
		third := f.ticket(t, tickets.CategoryOther, "", ptr(phuXuan))
		for name, tc := range map[string]struct {
			err  error
			code string
		}{
			"into itself":         {f.s.MergeTickets(ctx, f.sup, third.ID, third.ID, ""), tickets.EINVALID},
			"into a merged one":   {f.s.MergeTickets(ctx, f.sup, third.ID, dup.ID, ""), tickets.ECONFLICT},
			"a merged one again":  {f.s.MergeTickets(ctx, f.sup, dup.ID, third.ID, ""), tickets.ECONFLICT},
			"an officer":          {f.s.MergeTickets(ctx, f.other, third.ID, survivor.ID, ""), tickets.EFORBIDDEN},
			"a ticket not there ": {f.s.MergeTickets(ctx, f.sup, 99999, survivor.ID, ""), tickets.ENOTFOUND},
		} {
			if got := tickets.ErrorCode(tc.err); got != tc.code {
				t.Errorf("%s: %v, want %s", name, tc.err, tc.code)
			}
		}
		if got := f.get(t, third.ID); got.Status != tickets.StatusNew || got.MergedIntoID != nil {
			t.Errorf("third ticket changed: %+v", got)
		}
	})
}

// An officer's queries never return another unit's tickets, whatever the filter.
func TestOfficerScope(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	mine := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	theirs := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(kimLong))
	unknown := f.ticket(t, tickets.CategoryOther, "0905123456", nil)
	// Assigned to Phú Xuân though it concerns Kim Long: Phú Xuân sees it.
	assigned := f.ticket(t, tickets.CategorySupportRequest, "0911222333", ptr(kimLong))
	if err := f.s.AssignTicket(ctx, f.agent, assigned.ID, nil, ptr(phuXuan), ""); err != nil {
		t.Fatal(err)
	}
	filters := map[string]tickets.TicketFilter{
		"all":              {},
		"other unit":       {UnitCode: ptr(kimLong)},
		"by phone":         {Search: "0905123456"},
		"by ref":           {Search: theirs.Ref},
		"open":             {Open: true},
		"category":         {Category: ptr(tickets.CategorySymptomReport)},
		"oldest first":     {Sort: tickets.SortOldest},
		"priority order":   {Sort: tickets.SortPriority},
		"by caller":        {CallerID: mine.CallerID},
		"assigned to unit": {AssigneeUnitCode: ptr(phuXuan)},
	}
	for name, flt := range filters {
		t.Run(name, func(t *testing.T) {
			page, err := f.s.ListTickets(ctx, f.officer, flt)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range page.Tickets {
				if tk.ID != mine.ID && tk.ID != assigned.ID {
					t.Errorf("officer of %s sees %s (unit %v)", phuXuan, tk.Ref, tk.UnitCode)
				}
			}
		})
	}
	page, _ := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{})
	if len(page.Tickets) != 2 {
		t.Errorf("officer sees %d tickets, want 2", len(page.Tickets))
	}
	for _, id := range []int64{theirs.ID, unknown.ID} {
		if _, err := f.s.GetTicket(ctx, f.officer, id); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("officer GetTicket(%d): %v, want not found", id, err)
		}
		if err := f.s.AddTicketNote(ctx, f.officer, id, "x"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("officer note on %d: %v, want not found", id, err)
		}
	}
	h, err := f.s.CallerHistory(ctx, f.officer, "0905123456", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Tickets) != 1 || h.Tickets[0].ID != mine.ID || len(h.Calls) != 0 {
		t.Errorf("officer caller history: %d tickets, %d calls", len(h.Tickets), len(h.Calls))
	}
	counts, _ := f.s.TicketsByDay(ctx, f.officer, "2021-08-01", "2021-08-31")
	total := 0
	for _, c := range counts {
		total += c.Count
	}
	if total != 2 {
		t.Errorf("officer's daily counts total %d, want 2", total)
	}
}

func TestListTicketsQueue(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var all []*tickets.Ticket
	for i := 0; i < 25; i++ {
		tk := f.ticket(t, tickets.Categories[i%4].Code, "", ptr(phuXuan))
		if i%5 == 0 {
			if err := f.s.SetTicketPriority(ctx, f.agent, tk.ID, tickets.P1, ""); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, tk)
		if i%3 != 0 {
			*f.now = f.now.Add(time.Minute) // some share a creation time: the id breaks the tie
		}
	}
	for _, sort := range []string{tickets.SortNewest, tickets.SortOldest, tickets.SortPriority} {
		t.Run(sort, func(t *testing.T) {
			seen := map[int64]bool{}
			var prev *tickets.Ticket
			cursor := ""
			for pages := 0; ; pages++ {
				page, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Sort: sort, After: cursor, Limit: 7})
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range page.Tickets {
					if seen[tk.ID] {
						t.Fatalf("%s seen twice", tk.Ref)
					}
					seen[tk.ID] = true
					if prev != nil && !inOrder(sort, prev, tk) {
						t.Errorf("%s before %s out of %s order", prev.Ref, tk.Ref, sort)
					}
					prev = tk
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if len(seen) != 25 {
				t.Errorf("saw %d tickets over the pages, want 25", len(seen))
			}
		})
	}

	t.Run("overdue", func(t *testing.T) {
		*f.now = all[0].CreatedAt.Add(20 * time.Minute) // P1 first response (15 min) missed
		page, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			if tk.Priority != tickets.P1 || !tk.Overdue(*f.now) {
				t.Errorf("%s (%s) listed overdue", tk.Ref, tk.Priority)
			}
		}
		if len(page.Tickets) == 0 {
			t.Error("no overdue ticket")
		}
	})
	t.Run("search by ref", func(t *testing.T) {
		page, _ := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Search: all[3].Ref})
		if len(page.Tickets) != 1 || page.Tickets[0].ID != all[3].ID {
			t.Errorf("search %s: %d results", all[3].Ref, len(page.Tickets))
		}
	})
	t.Run("search by name", func(t *testing.T) {
		tk := f.ticket(t, tickets.CategoryOther, "0934555666", nil)
		if err := f.s.SetCallerName(ctx, f.agent, "0934555666", "Trần Thị Hương"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"tran thi", "Trần Thị Hương", "TRAN"} {
			page, _ := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Search: q})
			if len(page.Tickets) != 1 || page.Tickets[0].ID != tk.ID {
				t.Errorf("search %q: %d results", q, len(page.Tickets))
			}
		}
	})
	t.Run("bad cursor", func(t *testing.T) {
		_, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{After: "not-a-cursor!"})
		if tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
		_, err = f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Sort: "random"})
		if tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("bad sort: %v", err)
		}
	})
}

func inOrder(sort string, a, b *tickets.Ticket) bool {
	switch sort {
	case tickets.SortOldest:
		return a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID)
	case tickets.SortPriority:
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID)
	}
	return a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
}

var (
	addRecording    = tickets.AddRecordingForTest
	recordingTicket = tickets.RecordingTicketForTest
)

// Item 11 of issue 22: an officer gives a ticket only to their own unit or to one of its
// people; whatever the store is asked, another unit or a user outside it is refused.
func TestOfficerAssignsWithinTheirUnit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, c := range []struct {
		name   string
		userID *int64
		unit   *string
		want   string
	}{
		{"ErrForbidden: another unit", nil, ptr(kimLong), tickets.EFORBIDDEN},
		{"ErrForbidden: another unit's officer", f.other.UserID, nil, tickets.EFORBIDDEN},
		{"ErrForbidden: an agent", f.agent.UserID, nil, tickets.EFORBIDDEN},
		{"OK: their unit", nil, ptr(phuXuan), ""},
		{"OK: themselves", f.officer.UserID, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := f.ticket(t, tickets.CategorySupportRequest, "0905123456", ptr(phuXuan))
			err := f.s.AssignTicket(ctx, f.officer, tk.ID, c.userID, c.unit, "")
			if got := tickets.ErrorCode(err); got != c.want {
				t.Fatalf("AssignTicket: %v, want %q", err, c.want)
			}
			got := f.get(t, tk.ID)
			if c.want != "" && (got.AssigneeUserID != nil || got.AssigneeUnitCode != nil || got.Status != tickets.StatusNew) {
				t.Errorf("a refused assignment changed %s: status %s, user %v, unit %v", got.Ref, got.Status, got.AssigneeUserID, got.AssigneeUnitCode)
			}
		})
	}
}

// Item 11 of issue 22: only a supervisor merges tickets, whoever asks the store.
func TestOnlySupervisorsMerge(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for name, actor := range map[string]tickets.Actor{"agent": f.agent, "officer": f.officer, "system": tickets.ActorSystem} {
		t.Run("ErrForbidden: "+name, func(t *testing.T) {
			dup := f.ticket(t, tickets.CategoryOther, "0905123456", ptr(phuXuan))
			survivor := f.ticket(t, tickets.CategoryOther, "0911222333", ptr(phuXuan))
			err := f.s.MergeTickets(ctx, actor, dup.ID, survivor.ID, "")
			if got, want := tickets.ErrorCode(err), tickets.EFORBIDDEN; got != want {
				t.Errorf("%s merges: %v, want %s", name, err, want)
			}
			if got := f.get(t, dup.ID); got.MergedIntoID != nil || got.Status != tickets.StatusNew {
				t.Errorf("a refused merge changed %s: status %s, merged %v", got.Ref, got.Status, got.MergedIntoID != nil)
			}
		})
	}
	t.Run("OK: supervisor", func(t *testing.T) {
		dup := f.ticket(t, tickets.CategoryOther, "0905123456", ptr(phuXuan))
		survivor := f.ticket(t, tickets.CategoryOther, "0911222333", ptr(phuXuan))
		if err := f.s.MergeTickets(ctx, f.sup, dup.ID, survivor.ID, ""); err != nil {
			t.Fatal(err)
		}
	})
}

// Cancelling ends a ticket's work: it takes a reason, and only a supervisor brings a
// cancelled ticket back, with a reason, to where it was (issue 29, item 2: a P1 was
// cancelled by one click too many, with no reason and no way back).
func TestCancelTakesAReasonAndASupervisorReopens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	t.Run("CancelWithoutAReason", func(t *testing.T) {
		err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusCancelled, "  ")
		if tickets.ErrorCode(err) != tickets.EINVALID || !strings.Contains(tickets.ErrorMessage(err), "lý do") {
			t.Errorf("a cancel without a reason: %v, want invalid asking for the reason", err)
		}
		if got := f.get(t, tk.ID).Status; got != tickets.StatusTriaged {
			t.Errorf("status %s, want %s", got, tickets.StatusTriaged)
		}
	})
	t.Run("CancelWithAReason", func(t *testing.T) {
		if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusCancelled, "Gọi nhầm, người dân xác nhận"); err != nil {
			t.Fatal(err)
		}
		evs, _ := f.s.TicketEvents(ctx, f.agent, tk.ID)
		if last := evs[len(evs)-1]; last.NewValue != tickets.StatusCancelled || last.Note != "Gọi nhầm, người dân xác nhận" {
			t.Errorf("the cancel on the trail: %+v", last)
		}
	})
	t.Run("AgentDoesNotReopen", func(t *testing.T) {
		if err := f.s.ReopenTicket(ctx, f.agent, tk.ID, "nhầm"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an agent reopens: %v, want forbidden", err)
		}
	})
	t.Run("ReopenWithoutAReason", func(t *testing.T) {
		if err := f.s.ReopenTicket(ctx, f.sup, tk.ID, ""); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("a reopen without a reason: %v, want invalid", err)
		}
	})
	t.Run("SupervisorReopens", func(t *testing.T) {
		if err := f.s.ReopenTicket(ctx, f.sup, tk.ID, "Huỷ nhầm: người dân vẫn sốt"); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, tk.ID).Status; got != tickets.StatusTriaged {
			t.Errorf("reopened to %s, want %s (where it was cancelled from)", got, tickets.StatusTriaged)
		}
		evs, _ := f.s.TicketEvents(ctx, f.agent, tk.ID)
		last := evs[len(evs)-1]
		if last.Kind != "reopened" || last.OldValue != tickets.StatusCancelled || last.NewValue != tickets.StatusTriaged ||
			last.Note != "Huỷ nhầm: người dân vẫn sốt" || last.ActorID == nil || *last.ActorID != *f.sup.UserID {
			t.Errorf("the reopen on the trail: %+v", last)
		}
	})
	t.Run("OnlyACancelledTicket", func(t *testing.T) {
		if err := f.s.ReopenTicket(ctx, f.sup, tk.ID, "lại"); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("reopening an open ticket: %v, want conflict", err)
		}
	})
	t.Run("NotAMergedTicket", func(t *testing.T) {
		dup := f.ticket(t, tickets.CategorySymptomReport, "0905123999", ptr(phuXuan))
		surv := f.ticket(t, tickets.CategorySymptomReport, "0905123998", ptr(phuXuan))
		if err := f.s.MergeTickets(ctx, f.sup, dup.ID, surv.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.s.ReopenTicket(ctx, f.sup, dup.ID, "tách ra"); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("reopening a merged ticket: %v, want conflict", err)
		}
	})
}
