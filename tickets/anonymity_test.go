package tickets_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// The reporter of a community report (a neighbour who called about a suspected case or a
// violation) stays anonymous to the ward or commune officers: these tests are issue 22's
// items 1 to 4, each a way the number or the link to the reporter used to reach them.

const reporter = "0913444555" // who reports a neighbour

// refsOf lists the references of tickets.
func refsOf(list []*tickets.Ticket) []string {
	var refs []string
	for _, tk := range list {
		refs = append(refs, tk.Ref)
	}
	return refs
}

// mentioning returns the events whose values or note contain s.
func mentioning(evs []*tickets.Event, s string) []string {
	var out []string
	for _, e := range evs {
		if strings.Contains(e.OldValue+" "+e.NewValue+" "+e.Note, s) {
			out = append(out, e.Kind+":"+e.OldValue+"→"+e.NewValue+" "+e.Note)
		}
	}
	return out
}

// officerSees reports whether the officer sees the reporter of a ticket read afresh.
func (f *fixture) officerSees(tb testing.TB, id int64) bool {
	tb.Helper()
	tk, err := f.s.GetTicket(context.Background(), f.officer, id)
	if err != nil {
		tb.Fatal(err)
	}
	return f.officer.SeesReporterOf(tk)
}

// Item 1: whether an officer sees who reported a ticket is decided when it is created,
// from the menu the caller chose, and nothing later changes it; an officer cannot change
// a category to or from community report.
func TestReporterHiddenDecidedAtCreation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other, community := tickets.CategoryOther, tickets.CategoryCommunityReport

	t.Run("an agent re-categorises a community report", func(t *testing.T) {
		report := f.ticket(t, community, reporter, ptr(phuXuan))
		if err := f.s.EditTicket(ctx, f.agent, report.ID, tickets.TicketEdit{Category: &other}, "nhầm loại"); err != nil {
			t.Fatal(err)
		}
		if f.officerSees(t, report.ID) {
			t.Errorf("after an agent made %s %q, the officer sees its reporter", report.Ref, other)
		}
	})
	t.Run("ErrForbidden: an officer re-categorises a community report", func(t *testing.T) {
		report := f.ticket(t, community, reporter, ptr(phuXuan))
		err := f.s.EditTicket(ctx, f.officer, report.ID, tickets.TicketEdit{Category: &other}, "")
		if got, want := tickets.ErrorCode(err), tickets.EFORBIDDEN; got != want {
			t.Errorf("officer sets %s to %q: %v, want %s", report.Ref, other, err, want)
		}
		if got, want := f.get(t, report.ID).Category, community; got != want {
			t.Errorf("category %q, want %q", got, want)
		}
		if f.officerSees(t, report.ID) {
			t.Errorf("the officer who tried to re-categorise %s sees its reporter", report.Ref)
		}
	})
	t.Run("ErrForbidden: an officer makes a ticket a community report", func(t *testing.T) {
		tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
		err := f.s.EditTicket(ctx, f.officer, tk.ID, tickets.TicketEdit{Category: &community}, "")
		if got, want := tickets.ErrorCode(err), tickets.EFORBIDDEN; got != want {
			t.Errorf("officer sets %s to %q: %v, want %s", tk.Ref, community, err, want)
		}
		if got, want := f.get(t, tk.ID).Category, tickets.CategorySymptomReport; got != want {
			t.Errorf("category %q, want %q", got, want)
		}
	})
	t.Run("an officer changes other categories", func(t *testing.T) {
		tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
		info := tickets.CategoryInformation
		if err := f.s.EditTicket(ctx, f.officer, tk.ID, tickets.TicketEdit{Category: &info}, ""); err != nil {
			t.Errorf("officer sets %s to %q: %v", tk.Ref, info, err)
		}
	})
	t.Run("a community report an agent files", func(t *testing.T) {
		tk := &tickets.Ticket{Category: community, Priority: tickets.P3, UnitCode: ptr(phuXuan), ContactPhone: ptr(reporter)}
		if err := f.s.CreateTicket(ctx, f.agent, tk); err != nil {
			t.Fatal(err)
		}
		if f.officerSees(t, tk.ID) {
			t.Errorf("the officer sees the reporter of %s, filed by an agent", tk.Ref)
		}
	})
	t.Run("the officers' permissions follow the edit form", func(t *testing.T) {
		report := f.ticket(t, community, reporter, ptr(phuXuan))
		tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
		for _, c := range []struct {
			tk   *tickets.Ticket
			to   string
			want bool
		}{{report, community, true}, {report, other, false}, {tk, tickets.CategoryInformation, true}, {tk, community, false}} {
			if got := f.officer.MayChangeCategory(c.tk, c.to); got != c.want {
				t.Errorf("officer may set %s (%s) to %s: %v, want %v", c.tk.Ref, c.tk.Category, c.to, got, c.want)
			}
			if !f.agent.MayChangeCategory(c.tk, c.to) {
				t.Errorf("agent may not set %s to %s", c.tk.Ref, c.to)
			}
		}
	})
}

// Item 1: the migration marks the community reports filed before it, including those
// whose category an agent changed since.
func TestReporterHiddenBackfilled(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	moved := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	if err := f.s.EditTicket(ctx, f.agent, moved.ID, tickets.TicketEdit{Category: ptr(tickets.CategoryOther)}, ""); err != nil {
		t.Fatal(err)
	}
	symptoms := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
	// The database as it was before the migration: no column, the migration not recorded.
	for _, q := range []string{`ALTER TABLE tickets DROP COLUMN reporter_hidden`,
		`DELETE FROM schema_migrations WHERE name LIKE '%reporter_hidden%'`} {
		if _, err := f.s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	path := f.s.Path()
	f.s.Close()
	s, err := tickets.OpenStore(ctx, filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		tk   *tickets.Ticket
		want bool
	}{{report, false}, {moved, false}, {symptoms, true}} {
		tk, err := s.GetTicket(ctx, f.officer, c.tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.officer.SeesReporterOf(tk); got != c.want {
			t.Errorf("after the migration, the officer sees the reporter of %s (%s): %v, want %v", tk.Ref, tk.Category, got, c.want)
		}
	}
}

// Item 2: to an officer, a reporter's other tickets, repeats and merges never include or
// point to a ticket whose reporter is hidden from them.
func TestOfficerHistoryLeavesOutHiddenReports(t *testing.T) {
	ctx := context.Background()

	t.Run("the caller's history", func(t *testing.T) {
		f := newFixture(t)
		report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
		h, err := f.s.CallerHistory(ctx, f.officer, reporter, 50)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := refsOf(h.Tickets), []string{own.Ref}; !slices.Equal(got, want) {
			t.Errorf("officer's history of %s = %v, want %v (not the community report %s)", reporter, got, want, report.Ref)
		}
		h, err = f.s.CallerHistory(ctx, f.agent, reporter, 50)
		if err != nil || len(h.Tickets) != 2 {
			t.Errorf("agent's history of %s: %v, %v; want both tickets", reporter, refsOf(h.Tickets), err)
		}
	})
	t.Run("ErrNotFound: only hidden reports", func(t *testing.T) {
		f := newFixture(t)
		f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		if _, err := f.s.CallerHistory(ctx, f.officer, reporter, 50); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("officer's history of a number that only reported: %v, want %s", err, tickets.ENOTFOUND)
		}
	})
	t.Run("a repeat", func(t *testing.T) {
		f := newFixture(t)
		report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		// An agent files the report under symptoms; the reporter then calls about their own.
		if err := f.s.EditTicket(ctx, f.agent, report.ID, tickets.TicketEdit{Category: ptr(tickets.CategorySymptomReport)}, ""); err != nil {
			t.Fatal(err)
		}
		own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
		assertNoLink(t, f, own, report)
	})
	t.Run("a repeat linked before", func(t *testing.T) {
		f := newFixture(t)
		report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
		f.exec(t, `UPDATE tickets SET repeat_of_id = ? WHERE id = ?`, report.ID, own.ID)
		f.exec(t, `INSERT INTO events (entity, entity_id, at, actor, kind, field, new_value) VALUES ('ticket', ?, ?, 'ivr', 'repeat', 'repeat_of', ?)`, own.ID, *f.now, report.Ref)
		f.exec(t, `INSERT INTO events (entity, entity_id, at, actor, kind, field, new_value) VALUES ('ticket', ?, ?, 'ivr', 'repeated', 'repeated_by', ?)`, report.ID, *f.now, own.Ref)
		assertNoLink(t, f, own, report)
	})
	t.Run("ErrInvalid: a merge across the rule", func(t *testing.T) {
		f := newFixture(t)
		report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
		for _, m := range [][2]*tickets.Ticket{{report, own}, {own, report}} {
			err := f.s.MergeTickets(ctx, f.sup, m[0].ID, m[1].ID, "cùng một vụ")
			if got, want := tickets.ErrorCode(err), tickets.EINVALID; got != want {
				t.Errorf("merge %s into %s: %v, want %s", m[0].Ref, m[1].Ref, err, want)
			}
		}
		assertNoLink(t, f, own, report)
	})
	t.Run("a merge made before", func(t *testing.T) {
		f := newFixture(t)
		report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
		if err := f.s.AddTicketNote(ctx, f.agent, report.ID, "hàng xóm báo có người từ vùng dịch về"); err != nil {
			t.Fatal(err)
		}
		own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
		f.exec(t, `UPDATE tickets SET merged_into_id = ?, status = 'cancelled' WHERE id = ?`, own.ID, report.ID)
		f.exec(t, `INSERT INTO events (entity, entity_id, at, actor, kind, field, old_value, new_value, note) VALUES ('ticket', ?, ?, 'minh', 'status', 'status', 'new', 'cancelled', ?)`, report.ID, *f.now, "gộp vào "+own.Ref)
		f.exec(t, `INSERT INTO events (entity, entity_id, at, actor, kind, field, new_value) VALUES ('ticket', ?, ?, 'minh', 'merged', 'merged_into', ?)`, report.ID, *f.now, own.Ref)
		f.exec(t, `INSERT INTO events (entity, entity_id, at, actor, kind, field, new_value) VALUES ('ticket', ?, ?, 'minh', 'merged', 'merged_from', ?)`, own.ID, *f.now, report.Ref)
		assertNoLink(t, f, own, report)
		evs, err := f.s.TicketEvents(ctx, f.agent, own.ID)
		if err != nil || len(mentioning(evs, report.Ref)) == 0 {
			t.Errorf("the agent does not see the merge of %s: %v", report.Ref, err)
		}
	})
}

// assertNoLink fails if anything the officer reads of a reporter's own ticket points to
// the community report they made, or the other way round.
func assertNoLink(t *testing.T, f *fixture, own, report *tickets.Ticket) {
	t.Helper()
	ctx := context.Background()
	o, err := f.s.GetTicket(ctx, f.officer, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.s.GetTicket(ctx, f.officer, report.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		what string
		id   *int64
	}{{own.Ref + " repeats", o.RepeatOfID}, {own.Ref + " merged into", o.MergedIntoID}, {report.Ref + " repeats", r.RepeatOfID}, {report.Ref + " merged into", r.MergedIntoID}} {
		if l.id != nil && (*l.id == own.ID || *l.id == report.ID) {
			t.Errorf("to the officer, %s ticket %d", l.what, *l.id)
		}
	}
	evs, err := f.s.TicketEvents(ctx, f.officer, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.EntityID == report.ID {
			t.Errorf("the officer's trail of %s shows an event of the community report %s: %s", own.Ref, report.Ref, e.Kind)
		}
	}
	if m := mentioning(evs, report.Ref); len(m) > 0 {
		t.Errorf("the officer's trail of %s names the community report %s: %v", own.Ref, report.Ref, m)
	}
	evs, err = f.s.TicketEvents(ctx, f.officer, report.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m := mentioning(evs, own.Ref); len(m) > 0 {
		t.Errorf("the officer's trail of the community report %s names %s: %v", report.Ref, own.Ref, m)
	}
}

// exec runs SQL on the fixture's database: data as an older version wrote it.
func (f *fixture) exec(tb testing.TB, q string, args ...any) {
	tb.Helper()
	if _, err := f.s.DB().ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// Item 3: an officer's search by a number or a name never finds a ticket through its
// hidden reporter; a reference still finds it, and the call centre's search is unchanged.
func TestOfficerSearchNeverMatchesThroughHiddenReporter(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	if err := f.s.SetCallerName(ctx, tickets.ActorIVR, reporter, "Nguyễn Văn Tố"); err != nil {
		t.Fatal(err)
	}
	withheld := &tickets.Ticket{Category: tickets.CategoryCommunityReport, Priority: tickets.P3, UnitCode: ptr(phuXuan), ContactPhone: ptr("0914000111")}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, withheld); err != nil {
		t.Fatal(err)
	}
	own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
	search := func(t *testing.T, actor tickets.Actor, q string) []string {
		t.Helper()
		page, err := f.s.ListTickets(ctx, actor, tickets.TicketFilter{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		return refsOf(page.Tickets)
	}
	for name, q := range map[string]string{
		"number": reporter, "number as E.164": "+84913444555", "name": "nguyen van to",
		"callback number": "0914 000 111", "by caller": "",
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			if q == "" {
				page, err := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{CallerID: report.CallerID})
				if err != nil {
					t.Fatal(err)
				}
				got = refsOf(page.Tickets)
			} else {
				got = search(t, f.officer, q)
			}
			for _, hidden := range []*tickets.Ticket{report, withheld} {
				if slices.Contains(got, hidden.Ref) {
					t.Errorf("officer's search %q finds the community report %s: %v", q, hidden.Ref, got)
				}
			}
			if q != "0914 000 111" && !slices.Contains(got, own.Ref) {
				t.Errorf("officer's search %q misses %s: %v", q, own.Ref, got)
			}
		})
	}
	t.Run("by reference", func(t *testing.T) {
		if got := search(t, f.officer, report.Ref); !slices.Equal(got, []string{report.Ref}) {
			t.Errorf("officer's search %s = %v", report.Ref, got)
		}
	})
	t.Run("the call centre", func(t *testing.T) {
		if got := search(t, f.agent, reporter); !slices.Contains(got, report.Ref) || !slices.Contains(got, own.Ref) {
			t.Errorf("agent's search %s = %v, want both", reporter, got)
		}
		if got := search(t, f.agent, "0914000111"); !slices.Equal(got, []string{withheld.Ref}) {
			t.Errorf("agent's search of the callback number = %v, want %s", got, withheld.Ref)
		}
	})
}

// Item 4: nothing the store gives an officer of a ticket whose reporter is hidden carries
// the reporter's number: not the ticket (caller, callback number, the number keyed in the
// IVR), not its trail (linking a withheld caller), not a list; and a case opened from it
// starts without a phone.
func TestOfficerSeesNoHiddenReporterNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// A withheld call: the reporter keyed a number to be called back on, and an agent
	// later linked the call to the number the reporter is known by.
	report := &tickets.Ticket{Category: tickets.CategoryCommunityReport, Priority: tickets.P3, UnitCode: ptr(phuXuan),
		ContactPhone: ptr("0914000111"), IVRAnswers: tickets.Answers{"callback": "+84914000111", "unit": phuXuan}}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, report); err != nil {
		t.Fatal(err)
	}
	if err := f.s.EditTicket(ctx, f.agent, report.ID, tickets.TicketEdit{ContactPhone: ptr(reporter)}, "Gắn với người gọi đã có."); err != nil {
		t.Fatal(err)
	}
	digits := []string{"913444555", "914000111"}
	leaks := func(tk *tickets.Ticket) []string {
		var out []string
		for _, p := range []*string{tk.CallerNumber, tk.ContactPhone} {
			if p != nil {
				out = append(out, *p)
			}
		}
		for k, v := range tk.IVRAnswers {
			for _, d := range digits {
				if strings.Contains(v, d) {
					out = append(out, k+"="+v)
				}
			}
		}
		return out
	}

	t.Run("the ticket", func(t *testing.T) {
		tk, err := f.s.GetTicket(ctx, f.officer, report.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := leaks(tk); len(got) > 0 {
			t.Errorf("the officer's %s carries the reporter's numbers: %v", tk.Ref, got)
		}
		if tk.IVRAnswers["unit"] != phuXuan {
			t.Errorf("the officer's %s lost the other answers: %v", tk.Ref, tk.IVRAnswers)
		}
	})
	t.Run("the list", func(t *testing.T) {
		page, err := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			if got := leaks(tk); len(got) > 0 {
				t.Errorf("the officer's list row %s carries the reporter's numbers: %v", tk.Ref, got)
			}
		}
	})
	t.Run("the trail", func(t *testing.T) {
		evs, err := f.s.TicketEvents(ctx, f.officer, report.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range digits {
			if m := mentioning(evs, d); len(m) > 0 {
				t.Errorf("the officer's trail of %s shows a number of the reporter: %v", report.Ref, m)
			}
		}
		if !slices.ContainsFunc(evs, func(e *tickets.Event) bool { return e.Kind == "contact" }) {
			t.Errorf("the officer's trail of %s lost the linking itself: %v", report.Ref, kinds(evs))
		}
	})
	t.Run("the call centre", func(t *testing.T) {
		tk, err := f.s.GetTicket(ctx, f.agent, report.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.ContactPhone == nil || *tk.ContactPhone != "+84913444555" || tk.IVRAnswers["callback"] != "+84914000111" {
			t.Errorf("the agent's %s: contact %v, answers %v", tk.Ref, tk.ContactPhone, tk.IVRAnswers)
		}
		evs, _ := f.s.TicketEvents(ctx, f.agent, report.ID)
		if len(mentioning(evs, "913444555")) == 0 {
			t.Errorf("the agent's trail of %s does not show the number linked", report.Ref)
		}
	})
	t.Run("a case opened from it", func(t *testing.T) {
		// The number the reporter is known by, and the number they keyed: refused.
		for _, phone := range []string{reporter, "0914 000 111"} {
			c := &tickets.Case{PersonName: "Phan Văn Bình", Phone: ptr(phone), UnitCode: ptr(phuXuan)}
			if err := f.s.CreateCase(ctx, f.agent, c, &report.ID); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("a case from %s with the reporter's number %s: %v, want %s", report.Ref, phone, err, tickets.EINVALID)
			}
		}
		c := &tickets.Case{PersonName: "Phan Văn Bình", UnitCode: ptr(phuXuan)}
		if err := f.s.CreateCase(ctx, f.agent, c, &report.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetCase(ctx, f.agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != nil {
			t.Errorf("the case opened from %s has the phone %s", report.Ref, *got.Phone)
		}
	})
}

// Review of issue 22, H2: a ticket the call centre makes a community report (a caller who
// pressed 0, or reached an agent after too many errors, and reported a neighbour) hides
// its reporter from then on, as one filed from the menu does; hiding is one-way, and no
// later category reveals the reporter.
func TestReporterHiddenWhenMadeCommunityReport(t *testing.T) {
	ctx := context.Background()
	community, other := tickets.CategoryCommunityReport, tickets.CategoryOther
	hidden := func(t *testing.T, f *fixture, tk *tickets.Ticket) {
		t.Helper()
		if f.officerSees(t, tk.ID) {
			t.Errorf("the officer sees the reporter of %s, made a community report", tk.Ref)
		}
		got, err := f.s.GetTicket(ctx, f.officer, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CallerNumber != nil {
			t.Errorf("the officer's %s carries the caller's number %s", tk.Ref, *got.CallerNumber)
		}
		page, err := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{Search: reporter})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(refsOf(page.Tickets), tk.Ref) {
			t.Errorf("the officer's search %s finds %s", reporter, tk.Ref)
		}
		if _, err := f.s.CallerHistory(ctx, f.officer, reporter, 50); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("the officer's history of %s: %v, want %s (their only ticket is a community report)", reporter, err, tickets.ENOTFOUND)
		}
	}
	for _, who := range []string{"agent", "supervisor"} {
		t.Run("by the "+who, func(t *testing.T) {
			f := newFixture(t)
			actor := map[string]tickets.Actor{"agent": f.agent, "supervisor": f.sup}[who]
			tk := f.ticket(t, other, reporter, ptr(phuXuan))
			if !f.officerSees(t, tk.ID) {
				t.Fatalf("the officer does not see the caller of %s (%s) before", tk.Ref, other)
			}
			if err := f.s.EditTicket(ctx, actor, tk.ID, tickets.TicketEdit{Category: &community}, "người gọi báo hàng xóm"); err != nil {
				t.Fatal(err)
			}
			hidden(t, f, tk)
		})
	}
	t.Run("one-way", func(t *testing.T) {
		f := newFixture(t)
		tk := f.ticket(t, other, reporter, ptr(phuXuan))
		for _, to := range []string{community, other, tickets.CategorySymptomReport} {
			if err := f.s.EditTicket(ctx, f.agent, tk.ID, tickets.TicketEdit{Category: &to}, ""); err != nil {
				t.Fatal(err)
			}
		}
		hidden(t, f, tk)
	})
}

// Review of issue 22, H3: a case opened from a ticket whose reporter is hidden, or a case
// such a ticket is linked to, never has the reporter's number (the caller's, the number an
// agent linked a withheld call to, the number keyed to be called back on) as the person's:
// the officer would read it on the case, find the report through the reporter's own
// tickets, and the automated follow-up would ring the reporter.
func TestCaseRefusesHiddenReportersNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	community := tickets.CategoryCommunityReport
	report := f.ticket(t, community, reporter, ptr(phuXuan))
	keyed := &tickets.Ticket{Category: community, Priority: tickets.P3, UnitCode: ptr(phuXuan),
		IVRAnswers: tickets.Answers{"callback": "+84914000111"}}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, keyed); err != nil {
		t.Fatal(err)
	}
	linked := &tickets.Ticket{Category: community, Priority: tickets.P3, UnitCode: ptr(phuXuan)}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, linked); err != nil {
		t.Fatal(err)
	}
	if err := f.s.EditTicket(ctx, f.agent, linked.ID, tickets.TicketEdit{ContactPhone: ptr("0914 000 222")}, ""); err != nil {
		t.Fatal(err)
	}
	later := f.ticket(t, tickets.CategoryOther, "0914000333", ptr(phuXuan))
	if err := f.s.EditTicket(ctx, f.agent, later.ID, tickets.TicketEdit{Category: &community}, ""); err != nil {
		t.Fatal(err)
	}
	own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))

	for _, tc := range []struct {
		name  string
		actor tickets.Actor
		tk    *tickets.Ticket
		phone string
	}{
		{"ErrInvalid: the caller's number", f.agent, report, "0913 444 555"},
		{"ErrInvalid: the caller's number as E.164", f.agent, report, "+84913444555"},
		{"ErrInvalid: the caller's number, by an officer", f.officer, report, reporter},
		{"ErrInvalid: the number to call back", f.agent, keyed, "0914000111"},
		{"ErrInvalid: the number linked to a withheld call", f.agent, linked, "0914000222"},
		{"ErrInvalid: a ticket made a community report", f.agent, later, "0914000333"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &tickets.Case{PersonName: "Phan Văn Bình", Phone: ptr(tc.phone), UnitCode: ptr(phuXuan)}
			err := f.s.CreateCase(ctx, tc.actor, c, &tc.tk.ID)
			if got, want := tickets.ErrorCode(err), tickets.EINVALID; got != want {
				t.Fatalf("a case from %s with the phone %s: %v, want %s", tc.tk.Ref, tc.phone, err, want)
			}
			if msg := tickets.ErrorMessage(err); !strings.Contains(msg, "ẩn danh") || !tickets.IsReporterNumber(err) {
				t.Errorf("the refusal says %q, want why (the reporter is kept anonymous)", msg)
			}
			if got := f.get(t, tc.tk.ID); got.CaseID != nil {
				t.Errorf("%s is linked to case %d after the refusal", tc.tk.Ref, *got.CaseID)
			}
			if cs, err := f.s.FindCases(ctx, f.agent, tickets.CaseFilter{Phone: tc.phone}); err != nil || len(cs) > 0 {
				t.Errorf("cases with the phone %s after the refusal: %d (%v)", tc.phone, len(cs), err)
			}
		})
	}
	t.Run("ErrInvalid: a link to the reporter's own case", func(t *testing.T) {
		theirs := &tickets.Case{PersonName: "Ngô Văn Tám", Phone: ptr(reporter), UnitCode: ptr(phuXuan)}
		if err := f.s.CreateCase(ctx, f.agent, theirs, &own.ID); err != nil {
			t.Fatalf("the reporter's own case, from their own ticket %s: %v", own.Ref, err)
		}
		for _, actor := range []tickets.Actor{f.agent, f.officer} {
			err := f.s.LinkTicketToCase(ctx, actor, report.ID, theirs.ID, "")
			if got, want := tickets.ErrorCode(err), tickets.EINVALID; got != want || !tickets.IsReporterNumber(err) {
				t.Errorf("%s links %s to the reporter's case %s: %v, want %s", actor.Name, report.Ref, theirs.Ref, err, want)
			}
		}
		if got := f.get(t, report.ID); got.CaseID != nil {
			t.Errorf("%s is linked to case %d after the refusal", report.Ref, *got.CaseID)
		}
	})
	t.Run("OK: the person's own number, or none", func(t *testing.T) {
		for _, tc := range []struct {
			tk    *tickets.Ticket
			phone string
		}{{report, "0905 777 888"}, {keyed, ""}} {
			c := &tickets.Case{PersonName: "Phan Văn Bình", UnitCode: ptr(phuXuan)}
			if tc.phone != "" {
				c.Phone = ptr(tc.phone)
			}
			if err := f.s.CreateCase(ctx, f.agent, c, &tc.tk.ID); err != nil {
				t.Errorf("a case from %s with the phone %q: %v", tc.tk.Ref, tc.phone, err)
			}
		}
	})
	t.Run("OK: a link to another person's case", func(t *testing.T) {
		theirs := &tickets.Case{PersonName: "Phan Thị Cúc", Phone: ptr("0905 777 999"), UnitCode: ptr(phuXuan)}
		if err := f.s.CreateCase(ctx, f.agent, theirs, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.s.LinkTicketToCase(ctx, f.agent, linked.ID, theirs.ID, ""); err != nil {
			t.Errorf("link %s to %s: %v", linked.Ref, theirs.Ref, err)
		}
	})
}

// Review of issue 22, M1: the tickets found by their references (what tells who else has
// a ticket open, live) carry none of a hidden reporter's numbers for an officer.
func TestFindTicketsByRefHidesReporter(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
	got, err := f.s.FindTicketsByRef(ctx, f.officer, []string{report.Ref, own.Ref})
	if err != nil {
		t.Fatal(err)
	}
	if tk := got[report.Ref]; tk == nil {
		t.Errorf("the officer's search by reference misses %s", report.Ref)
	} else if tk.CallerNumber != nil || tk.CallerID != nil || tk.ContactPhone != nil {
		t.Errorf("the officer's %s found by reference: caller %v, number %v, contact %v; want none of the reporter's",
			report.Ref, tk.CallerID != nil, deref(tk.CallerNumber), deref(tk.ContactPhone))
	}
	if tk := got[own.Ref]; tk == nil || deref(tk.CallerNumber) != "+84913444555" {
		t.Errorf("the officer's %s found by reference: %v, want the caller's number", own.Ref, tk)
	}
	got, err = f.s.FindTicketsByRef(ctx, f.agent, []string{report.Ref})
	if err != nil {
		t.Fatal(err)
	}
	if tk := got[report.Ref]; tk == nil || deref(tk.CallerNumber) != "+84913444555" {
		t.Errorf("the agent's %s found by reference: %v, want the caller's number", report.Ref, tk)
	}
}

// Review of issue 22, M2: a reference written in lower case in a note ("hl-210001") is a
// reference too: the officer's trail masks it as one in upper case.
func TestLowerCaseRefInNoteMasked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	own := f.ticket(t, tickets.CategorySymptomReport, reporter, ptr(phuXuan))
	for _, n := range []struct {
		on   *tickets.Ticket
		note string
	}{
		{report, "cùng người gọi với " + strings.ToLower(own.Ref)},
		{own, "người này cũng báo " + strings.ToLower(report.Ref[:1]) + report.Ref[1:] + " (Hl)"},
	} {
		if err := f.s.AddTicketNote(ctx, f.agent, n.on.ID, n.note); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ trail, other *tickets.Ticket }{{report, own}, {own, report}} {
		evs, err := f.s.TicketEvents(ctx, f.officer, c.trail.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range evs {
			notes = append(notes, e.Note)
		}
		if all := strings.ToUpper(strings.Join(notes, " | ")); strings.Contains(all, c.other.Ref) {
			t.Errorf("the officer's trail of %s names %s: %q", c.trail.Ref, c.other.Ref, notes)
		}
		evs, err = f.s.TicketEvents(ctx, f.agent, c.trail.ID)
		if err != nil {
			t.Fatal(err)
		}
		notes = nil
		for _, e := range evs {
			notes = append(notes, e.Note)
		}
		if all := strings.ToUpper(strings.Join(notes, " | ")); !strings.Contains(all, c.other.Ref) {
			t.Errorf("the agent's trail of %s does not name %s: %q", c.trail.Ref, c.other.Ref, notes)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// An officer cannot learn a hidden reporter's number by trying numbers: a case from the
// report with any number, or a link of the report to any case with a number (one they
// opened with a guess), is refused the same way whether the number is the reporter's or
// not, and nothing is saved. The call centre may still do both with another number; the
// officer may open a case without one.
func TestOfficerCannotGuessHiddenReportersNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, reporter, ptr(phuXuan))
	var refusals []string
	for _, guess := range []string{reporter, "0905 777 888"} {
		c := &tickets.Case{PersonName: "Phan Văn Bình", Phone: ptr(guess), UnitCode: ptr(phuXuan)}
		err := f.s.CreateCase(ctx, f.officer, c, &report.ID)
		if tickets.ErrorCode(err) != tickets.EINVALID || !tickets.IsReporterNumber(err) {
			t.Fatalf("an officer's case from %s with the number %s: %v, want invalid beside the phone", report.Ref, guess, err)
		}
		refusals = append(refusals, tickets.ErrorMessage(err))
		guessed := &tickets.Case{PersonName: "Phan Văn Bình", Phone: ptr(guess), UnitCode: ptr(phuXuan)}
		if err := f.s.CreateCase(ctx, f.officer, guessed, nil); err != nil {
			t.Fatalf("an officer's case with the number %s, from no report: %v", guess, err)
		}
		err = f.s.LinkTicketToCase(ctx, f.officer, report.ID, guessed.ID, "")
		if tickets.ErrorCode(err) != tickets.EINVALID || !tickets.IsReporterNumber(err) {
			t.Fatalf("an officer links %s to a case with the number %s: %v, want invalid", report.Ref, guess, err)
		}
		refusals = append(refusals, tickets.ErrorMessage(err))
	}
	if refusals[0] != refusals[2] || refusals[1] != refusals[3] {
		t.Errorf("the refusals differ between the reporter's number and another:\n%q", refusals)
	}
	if got := f.get(t, report.ID); got.CaseID != nil {
		t.Errorf("%s is linked to case %d after the refusals", report.Ref, *got.CaseID)
	}
	none := &tickets.Case{PersonName: "Phan Văn Bình", UnitCode: ptr(phuXuan)}
	if err := f.s.CreateCase(ctx, f.officer, none, &report.ID); err != nil {
		t.Errorf("an officer's case from %s without a number: %v", report.Ref, err)
	}
	other := f.ticket(t, tickets.CategoryCommunityReport, "0913 000 999", ptr(phuXuan))
	agents := &tickets.Case{PersonName: "Phan Văn Bình", Phone: ptr("0905 777 888"), UnitCode: ptr(phuXuan)}
	if err := f.s.CreateCase(ctx, f.agent, agents, &other.ID); err != nil {
		t.Errorf("an agent's case from %s with the person's number: %v", other.Ref, err)
	}
}
