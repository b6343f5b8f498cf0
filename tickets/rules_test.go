package tickets_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Merging keeps the audit trail append-only: the duplicate keeps its own events, and the
// survivor shows them through the merge link. The survivor never becomes its own repeat,
// and takes the more urgent priority with due times recomputed.
func TestMergeKeepsHistory(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// The duplicate came first; the survivor, from the same caller, was linked to it as a
	// repeat. An agent keeps the newer, better-described one.
	dup := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", ptr(phuXuan))
	*f.now = f.now.Add(time.Hour)
	survivor := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", ptr(phuXuan))
	if survivor.RepeatOfID == nil || *survivor.RepeatOfID != dup.ID {
		t.Fatalf("survivor should repeat the duplicate: %+v", survivor)
	}
	if err := f.s.SetTicketPriority(ctx, f.agent, dup.ID, tickets.P1, "khẩn"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddTicketNote(ctx, f.agent, dup.ID, "ghi chú của bản trùng"); err != nil {
		t.Fatal(err)
	}
	before, _ := f.s.TicketEvents(ctx, f.agent, dup.ID)

	*f.now = f.now.Add(time.Hour)
	if err := f.s.MergeTickets(ctx, f.sup, dup.ID, survivor.ID, "trùng"); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, survivor.ID)
	if got.RepeatOfID != nil && *got.RepeatOfID == got.ID {
		t.Errorf("the survivor repeats itself")
	}
	if got.Priority != tickets.P1 {
		t.Errorf("survivor priority %s, want the duplicate's P1", got.Priority)
	}
	wantFirst, wantRes := tickets.DefaultSLA().Due(tickets.P1, got.CreatedAt)
	if !got.FirstResponseDue.Equal(wantFirst) || !got.ResolutionDue.Equal(wantRes) {
		t.Errorf("survivor due %v/%v, want %v/%v", got.FirstResponseDue, got.ResolutionDue, wantFirst, wantRes)
	}
	after, _ := f.s.TicketEvents(ctx, f.agent, dup.ID)
	if len(after) != len(before)+2 { // its cancellation and the merge, appended
		t.Fatalf("duplicate's trail went from %d to %d events: %v", len(before), len(after), kinds(after))
	}
	for i := range before {
		if after[i].ID != before[i].ID || after[i].EntityID != dup.ID {
			t.Errorf("duplicate's event %d rewritten: %+v", i, after[i])
		}
	}
	sevs, _ := f.s.TicketEvents(ctx, f.agent, survivor.ID)
	var fromDup int
	for _, e := range sevs {
		if e.EntityID == dup.ID {
			fromDup++
		}
	}
	if fromDup != len(after) {
		t.Errorf("survivor shows %d of the duplicate's %d events: %v", fromDup, len(after), kinds(sevs))
	}
}

// Only a person's action is a first response: the IVR routing a ticket, a merge and the
// lost-case escalation are not.
func TestFirstResponseIsAPersonsAction(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	t.Run("IVR routing to a unit", func(t *testing.T) {
		tk := &tickets.Ticket{Category: tickets.CategorySupportRequest, Priority: tickets.P3, UnitCode: ptr(phuXuan), AssigneeUnitCode: ptr(phuXuan)}
		if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
		got := f.get(t, tk.ID)
		if got.Status != tickets.StatusAssigned || got.FirstResponseAt != nil {
			t.Errorf("routed ticket: status %s, first response %v; want assigned without a response", got.Status, got.FirstResponseAt)
		}
	})
	t.Run("merge", func(t *testing.T) {
		a := f.ticket(t, tickets.CategoryOther, "", nil)
		b := f.ticket(t, tickets.CategoryOther, "", nil)
		if err := f.s.MergeTickets(ctx, f.sup, a.ID, b.ID, ""); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{a.ID, b.ID} {
			if got := f.get(t, id); got.FirstResponseAt != nil {
				t.Errorf("%s first response %v after a merge", got.Ref, got.FirstResponseAt)
			}
		}
	})
	t.Run("an agent's triage", func(t *testing.T) {
		tk := f.ticket(t, tickets.CategoryOther, "", nil)
		if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusTriaged, ""); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, tk.ID); got.FirstResponseAt == nil {
			t.Error("an agent's triage is not a first response")
		}
	})
	t.Run("assigned needs an assignee", func(t *testing.T) {
		tk := f.ticket(t, tickets.CategoryOther, "", nil)
		f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusTriaged, "")
		err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusAssigned, "")
		if tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("assigned without an assignee: %v", err)
		}
		if got := f.get(t, tk.ID); got.Status != tickets.StatusTriaged {
			t.Errorf("status %s after the refusal", got.Status)
		}
	})
}

// Agents correct what the IVR could not know: category, priority, area, summary, each
// change audited.
func TestEditTicket(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategoryOther, "0905123456", nil)
	edit := tickets.TicketEdit{Category: ptr(tickets.CategorySymptomReport), Priority: ptr(tickets.P2),
		UnitCode: ptr(ptr(kimLong)), Summary: ptr("Sốt 3 ngày, ho")}
	if err := f.s.EditTicket(ctx, f.agent, tk.ID, edit, "sau cuộc gọi"); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Category != tickets.CategorySymptomReport || got.Priority != tickets.P2 || *got.UnitCode != kimLong || got.Summary != "Sốt 3 ngày, ho" {
		t.Errorf("edited ticket %+v", got)
	}
	evs, _ := f.s.TicketEvents(ctx, f.agent, tk.ID)
	want := []string{"created:new", "category:" + tickets.CategorySymptomReport, "priority:P2", "area:" + kimLong, "summary:Sốt 3 ngày, ho"}
	if !equal(kinds(evs), want) {
		t.Errorf("events %v, want %v", kinds(evs), want)
	}
	// Nothing changed: nothing written.
	if err := f.s.EditTicket(ctx, f.agent, tk.ID, tickets.TicketEdit{Priority: ptr(tickets.P2)}, ""); err != nil {
		t.Fatal(err)
	}
	if evs2, _ := f.s.TicketEvents(ctx, f.agent, tk.ID); len(evs2) != len(evs) {
		t.Errorf("an edit that changes nothing added events: %v", kinds(evs2))
	}
	for name, e := range map[string]tickets.TicketEdit{
		"unknown category": {Category: ptr("gossip")},
		"unknown priority": {Priority: ptr("P9")},
		"empty summary":    {Summary: ptr(strings.Repeat(" ", 3))},
	} {
		if err := f.s.EditTicket(ctx, f.agent, tk.ID, e, ""); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

// An edit changes what it changes and nothing else: the edit form of a ticket made by
// phone (no summary yet) sends the empty summary back with the new priority, and the
// priority is saved; an empty summary set on purpose on a ticket that has one is refused,
// and nothing of that edit is saved (issue 29, item 1).
func TestEditChangesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	t.Run("PriorityOfATicketMadeByPhone", func(t *testing.T) {
		f := newFixture(t)
		tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
		edit := tickets.TicketEdit{Category: ptr(tk.Category), Priority: ptr(tickets.P1), UnitCode: ptr(ptr(phuXuan)), Summary: ptr("")}
		if err := f.s.EditTicket(ctx, f.agent, tk.ID, edit, ""); err != nil {
			t.Fatalf("a new priority on a ticket with no summary: %v", err)
		}
		if got, want := f.get(t, tk.ID).Priority, tickets.P1; got != want {
			t.Errorf("priority %s, want %s", got, want)
		}
		evs, _ := f.s.TicketEvents(ctx, f.agent, tk.ID)
		if got, want := kinds(evs), []string{"created:new", "priority:P1"}; !equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})
	t.Run("EmptySummaryRefused", func(t *testing.T) {
		f := newFixture(t)
		tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
		if err := f.s.EditTicket(ctx, f.agent, tk.ID, tickets.TicketEdit{Summary: ptr("Sốt 3 ngày")}, ""); err != nil {
			t.Fatal(err)
		}
		err := f.s.EditTicket(ctx, f.agent, tk.ID, tickets.TicketEdit{Priority: ptr(tickets.P1), Summary: ptr("  ")}, "")
		if tickets.ErrorCode(err) != tickets.EINVALID || !strings.Contains(tickets.ErrorMessage(err), "Tóm tắt") {
			t.Errorf("an empty summary set on purpose: %v, want invalid", err)
		}
		if got := f.get(t, tk.ID); got.Priority != tickets.P3 || got.Summary != "Sốt 3 ngày" {
			t.Errorf("after a refused edit: %s %q, want P3 %q", got.Priority, got.Summary, "Sốt 3 ngày")
		}
	})
}

// A page cursor belongs to the order it was made in.
func TestCursorKeepsItsOrder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.ticket(t, tickets.CategoryOther, "", nil)
		*f.now = f.now.Add(time.Minute)
	}
	page, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Sort: tickets.SortPriority, Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v", err)
	}
	for _, other := range []string{tickets.SortNewest, tickets.SortOldest} {
		_, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Sort: other, After: page.Next})
		if tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("a priority cursor in %s order: %v, want invalid", other, err)
		}
	}
}

// The follow-up rules: results only for days already due; a not-reached day extends
// monitoring by a day; clearing needs 14 well days since the last symptomatic one; three
// missed days in a row (a passed day with no result counts) make the case lost; a
// symptomatic day raises a P1 ticket for the unit.
func TestFollowUpRules(t *testing.T) {
	ctx := context.Background()
	record := func(t *testing.T, f *fixture, fu *tickets.FollowUp, result string) {
		t.Helper()
		if err := f.s.RecordFollowUp(ctx, f.agent, fu.ID, result, tickets.MethodAgentCall, nil, ""); err != nil {
			t.Fatalf("day %d %s: %v", fu.Day, result, err)
		}
	}
	nextDay := func(f *fixture) { *f.now = f.now.Add(24 * time.Hour) }
	monitored := func(t *testing.T) (*fixture, *tickets.Case) {
		f := newFixture(t)
		c := f.newCase(t, nil)
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
			t.Fatal(err)
		}
		return f, c
	}

	t.Run("no result for a day not yet due", func(t *testing.T) {
		f, c := monitored(t)
		fus := f.followUps(t, c.ID)
		err := f.s.RecordFollowUp(ctx, f.agent, fus[1].ID, tickets.ResultWell, tickets.MethodAgentCall, nil, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("tomorrow's result today: %v", err)
		}
		record(t, f, fus[0], tickets.ResultWell) // today's is fine
	})
	t.Run("not reached extends monitoring; clearing after 14 well days", func(t *testing.T) {
		f, c := monitored(t)
		fus := f.followUps(t, c.ID)
		for i := 0; i < 14; i++ {
			fus = f.followUps(t, c.ID)
			r := tickets.ResultWell
			if i == 5 {
				r = tickets.ResultNotReached
			}
			record(t, f, fus[i], r)
			nextDay(f)
		}
		fus = f.followUps(t, c.ID)
		if len(fus) != 15 {
			t.Fatalf("%d follow-ups after one not-reached day, want 15", len(fus))
		}
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("cleared with 13 well days: %v", err)
		}
		record(t, f, fus[14], tickets.ResultWell)
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, ""); err != nil {
			t.Errorf("clear with 14 well days and one not reached: %v", err)
		}
	})
	t.Run("a symptomatic day restarts the clock and raises a P1 ticket", func(t *testing.T) {
		f, c := monitored(t)
		for i := 0; i < 3; i++ {
			record(t, f, f.followUps(t, c.ID)[i], tickets.ResultWell)
			nextDay(f)
		}
		record(t, f, f.followUps(t, c.ID)[3], tickets.ResultSymptomatic)
		page, _ := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{CaseID: &c.ID})
		if len(page.Tickets) != 1 || page.Tickets[0].Priority != tickets.P1 || page.Tickets[0].AssigneeUnitCode == nil ||
			*page.Tickets[0].AssigneeUnitCode != phuXuan || page.Tickets[0].Status != tickets.StatusAssigned {
			t.Fatalf("tickets for the symptomatic case: %+v", page.Tickets)
		}
		// Tested negative, back to monitoring: 14 well days from then on are needed.
		f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseTestedNegative, "")
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
			t.Fatal(err)
		}
		dueToday := func() *tickets.FollowUp {
			for _, fu := range f.followUps(t, c.ID) {
				if fu.Result == nil && fu.DueOn == tickets.Day(*f.now) {
					return fu
				}
			}
			t.Fatalf("nothing due on %s", tickets.Day(*f.now))
			return nil
		}
		for i := 0; i < 13; i++ {
			record(t, f, dueToday(), tickets.ResultWell)
			nextDay(f)
		}
		// 3 well days before the symptoms do not count: 13 since then are not enough.
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("cleared with 13 well days since the symptoms (16 in all): %v", err)
		}
		record(t, f, dueToday(), tickets.ResultWell)
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseCleared, ""); err != nil {
			t.Errorf("clear with 14 well days since the symptoms: %v", err)
		}
	})
	t.Run("days that passed without a result count as not reached", func(t *testing.T) {
		f, c := monitored(t)
		record(t, f, f.followUps(t, c.ID)[0], tickets.ResultWell)
		// Days 2 and 3 pass with nothing recorded; day 4 is not reached.
		for i := 0; i < 3; i++ {
			nextDay(f)
		}
		n, err := f.s.EscalateMissedFollowUps(ctx)
		if err != nil || n != 0 {
			t.Fatalf("two missed days escalated %d cases (%v), want 0", n, err)
		}
		record(t, f, f.followUps(t, c.ID)[3], tickets.ResultNotReached)
		if got := f.caseStatus(t, c.ID); got != tickets.CaseLost {
			t.Fatalf("status %s after two unrecorded days and one not reached, want lost", got)
		}
	})
	t.Run("the sweep marks a case nobody followed up for three days lost", func(t *testing.T) {
		f, c := monitored(t)
		for i := 0; i < 3; i++ {
			nextDay(f)
		}
		n, err := f.s.EscalateMissedFollowUps(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep escalated %d cases (%v), want 1", n, err)
		}
		if got := f.caseStatus(t, c.ID); got != tickets.CaseLost {
			t.Errorf("status %s, want lost", got)
		}
		if n, _ := f.s.EscalateMissedFollowUps(ctx); n != 0 {
			t.Errorf("a second sweep escalated %d cases again", n)
		}
	})
}

// The database and its WAL and shared-memory files are readable by the hotline only.
func TestDatabaseFilesPrivate(t *testing.T) {
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	if err := s.StartCall(context.Background(), &tickets.Call{ChannelID: "c"}); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), "hotline.db*"))
	if len(matches) < 3 {
		t.Fatalf("files %v, want the database, its WAL and SHM", matches)
	}
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(m), fi.Mode().Perm())
		}
	}
}

// What the network delivers as caller ID is kept short and printable.
func TestCallerRawTruncated(t *testing.T) {
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	c := &tickets.Call{ChannelID: "c", CallerRaw: "\x00\x1b[31m" + strings.Repeat("9", 100)}
	if err := s.StartCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	got, _ := s.FindCall(context.Background(), c.ID)
	if got.CallerRaw != "[31m"+strings.Repeat("9", 60) {
		t.Errorf("caller_raw %q (%d chars)", got.CallerRaw, len(got.CallerRaw))
	}
}

// Saving a call record writes it whether or not the row exists yet: a call whose first
// write failed is not lost.
func TestSaveCallInserts(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	c := &tickets.Call{ID: tickets.NewCallID(), ChannelID: "c", StartedAt: now, CallerNumber: ptr("+84905123456")}
	if err := s.SaveCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Outcome, c.EndedAt = tickets.OutcomeInformation, &now
	if err := s.SaveCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindCall(ctx, c.ID)
	if err != nil || got.Outcome != tickets.OutcomeInformation || got.CallerID == nil || got.StartedDay != "2021-08-10" {
		t.Errorf("saved call %+v, %v", got, err)
	}
	tk := &tickets.Ticket{Category: tickets.CategoryOther, Priority: tickets.P3, CallID: &c.ID}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Errorf("ticket for a call saved without StartCall: %v", err)
	}
}

// What shows a ticket outside the store's reads (who has it open, live) asks the same
// rule: an officer sees their unit's tickets and those assigned to it, the call centre
// every one; a reference is taken only in its exact form.
func TestTicketsByRefAsTheActorSeesThem(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	mine := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	theirs := f.ticket(t, tickets.CategorySymptomReport, "0905777888", ptr(kimLong))
	refs := []string{mine.Ref, theirs.Ref, "HL-999999"}
	for _, tc := range []struct {
		name  string
		actor tickets.Actor
		want  []string
	}{
		{"Officer", f.officer, []string{mine.Ref}},
		{"OtherOfficer", f.other, []string{theirs.Ref}},
		{"Agent", f.agent, []string{mine.Ref, theirs.Ref}},
		{"Admin", tickets.Actor{Name: "root", Role: tickets.RoleAdmin}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.s.FindTicketsByRef(ctx, tc.actor, refs)
			if err != nil {
				t.Fatal(err)
			}
			var gotRefs []string
			for _, r := range refs {
				if tk := got[r]; tk != nil {
					gotRefs = append(gotRefs, r)
					if !tc.actor.SeesTicket(tk) {
						t.Errorf("%s returned but SeesTicket says no", r)
					}
				}
			}
			if fmt.Sprint(gotRefs) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", gotRefs, tc.want)
			}
		})
	}
	for s, want := range map[string]bool{
		"HL-260001": true, "hl-260001": true, "hL-260001": true, "HL-2600012": true, "HL-2600012345": true,
		"HL-26000123456": false, "HL-260001 ": false, "CA-260001": false,
		"HL-26001": false, "HL-260001\n": false, " HL-260001": false, "HL-260001x": false, "HL-" + strings.Repeat("1", 40): false, "": false,
	} {
		if got := tickets.IsTicketRef(s); got != want {
			t.Errorf("IsTicketRef(%q) = %v, want %v", s, got, want)
		}
	}
}
