package tickets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// phoneShapes are the ways people type 0831 683 885 into a search box: as written, as a
// network writes it, without the leading 0, with +84 and the 0, and only the last six
// digits (what one remembers, or reads off a masked list).
var phoneShapes = []string{
	"0831683885", "0831 683 885", "0831.683.885", "0831-683-885", "(0831) 683 885",
	"+84831683885", "+84 831 683 885", "84831683885", "0084831683885", "+84 0831 683 885",
	"831683885", "831 683 885", "831.683.885", "831-683-885",
	"683885", "683 885", "683.885",
}

// Issue 29, item 6: the ticket search, the case search and the access log's number filter
// take every shape of a number people type (905123456 and 831 683 885 found nothing; the
// access log refused a 9-digit number as "không đúng định dạng"), and the last six digits.
func TestSearchTakesEveryShapeOfANumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0831683885", ptr(phuXuan))
	other := f.ticket(t, tickets.CategorySymptomReport, "0905683886", ptr(phuXuan)) // five last digits alike
	contact := f.ticket(t, tickets.CategoryOther, "", ptr(phuXuan))
	if err := f.s.EditTicket(ctx, f.agent, contact.ID, tickets.TicketEdit{ContactPhone: ptr("0831 683 885")}, ""); err != nil {
		t.Fatal(err)
	}
	c := &tickets.Case{PersonName: "Lê Văn Tám", Phone: ptr("0831683885"), UnitCode: ptr(phuXuan)}
	if err := f.s.CreateCase(ctx, f.agent, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.s.LogAccess(ctx, f.agent, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: tk.Ref, Phone: ptr("+84831683885")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range phoneShapes {
		t.Run(q, func(t *testing.T) {
			page, err := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Search: q, Limit: 50})
			if err != nil {
				t.Fatalf("ticket search: %v", err)
			}
			found := map[int64]bool{}
			for _, x := range page.Tickets {
				found[x.ID] = true
			}
			if !found[tk.ID] || !found[contact.ID] || found[other.ID] {
				t.Errorf("ticket search %q found %v, want %s (the caller's) and %s (the number to call back), not %s",
					q, refs(page.Tickets), tk.Ref, contact.Ref, other.Ref)
			}
			cases, err := f.s.FindCases(ctx, f.agent, tickets.CaseFilter{Phone: q})
			if err != nil || len(cases) != 1 || cases[0].ID != c.ID {
				t.Errorf("case search %q: %d cases, %v", q, len(cases), err)
			}
			logged, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Phone: q})
			if err != nil || len(logged) != 1 {
				t.Errorf("access log by %q: %d entries, %v", q, len(logged), err)
			}
		})
	}
	t.Run("HiddenReporterToAnOfficer", func(t *testing.T) {
		report := f.ticket(t, tickets.CategoryCommunityReport, "0913444555", ptr(phuXuan))
		for _, q := range []string{"913 444 555", "444 555"} {
			if page, err := f.s.ListTickets(ctx, f.officer, tickets.TicketFilter{Search: q, Limit: 50}); err != nil || len(page.Tickets) != 0 {
				t.Errorf("an officer's search %q finds %v (%v): the reporter is hidden from them", q, refs(page.Tickets), err)
			}
			if page, _ := f.s.ListTickets(ctx, f.agent, tickets.TicketFilter{Search: q, Limit: 50}); len(page.Tickets) != 1 || page.Tickets[0].ID != report.ID {
				t.Errorf("an agent's search %q: %v, want %s", q, refs(page.Tickets), report.Ref)
			}
		}
	})
	t.Run("NotANumber", func(t *testing.T) {
		for _, q := range []string{"12345", "0831 683", "1900 1075"} {
			if _, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Phone: q}); tickets.ErrorCode(err) != tickets.EINVALID ||
				!strings.Contains(tickets.ErrorMessage(err), "6 số cuối") {
				t.Errorf("access log by %q: %v, want invalid saying what it takes", q, err)
			}
		}
	})
}

func refs(list []*tickets.Ticket) []string {
	var out []string
	for _, t := range list {
		out = append(out, t.Ref)
	}
	return out
}

// A search by the last six digits reads an index of them (the migration
// phone_last_digits), not every caller, ticket, case or access log entry.
func TestLastSixDigitsReadAnIndex(t *testing.T) {
	f := newFixture(t)
	want := map[string]string{
		"tickets by caller":  "callers_phone_last6",
		"tickets by contact": "tickets_contact_last6",
		"cases":              "cases_phone_last6",
		"access log":         "access_log_phone_last6",
	}
	plans := tickets.LastSixPlansForTest(t, f.s)
	for name, index := range want {
		t.Logf("%s: %s", name, plans[name])
		if plan := plans[name]; !strings.Contains(plan, "INDEX "+index) || strings.Contains(plan, "SCAN ") {
			t.Errorf("%s by the last six digits: %q, want it to read %s and scan nothing", name, plan, index)
		}
	}
}
