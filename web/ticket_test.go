package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// postHTMX sends a form as htmx does from a console page, and returns the status and body.
func postHTMX(t *testing.T, cl *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// ticketHead returns the header of a ticket's page: its reference, priority, status.
func ticketHead(body string) string {
	i := strings.Index(body, `<header class="ticket-head">`)
	if i < 0 {
		return ""
	}
	h := body[i:]
	return h[:strings.Index(h, "</header>")]
}

// editForm is the edit form of a ticket's page as the browser would send it untouched.
func editForm(tk *tickets.Ticket, updated string) url.Values {
	return url.Values{"updated": {updated}, "category": {tk.Category}, "priority": {tk.Priority},
		"area": {deref(tk.UnitCode)}, "summary": {tk.Summary}}
}

// Issue 29, item 1: an edit changes only what the user changed, and the page shows only
// what the store saved. A ticket made by phone has no summary: the edit form sends it
// back empty with a new priority, and the priority is saved. An edit the store refuses
// leaves the header (and the rest of the page) as saved, the message beside the form,
// and what the user chose in the form.
func TestEditSavesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	lan := c.client("lan")
	version := func(tk *tickets.Ticket) string {
		t.Helper()
		got, err := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got.UpdatedAt.UnixNano())
	}

	t.Run("PriorityOfATicketMadeByPhone", func(t *testing.T) {
		tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
		form := editForm(tk, version(tk))
		form.Set("priority", tickets.P1)
		code, body := post(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/edit", form)
		if code != http.StatusSeeOther {
			t.Errorf("a new priority from the edit form: %d %q, want 303", code, excerpt(body, "error-edit"))
		}
		got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if got.Priority != tickets.P1 {
			t.Errorf("the ticket is %s, want %s", got.Priority, tickets.P1)
		}
	})
	t.Run("RefusedEditShowsWhatWasSaved", func(t *testing.T) {
		tk := c.ticket(tickets.CategorySymptomReport, "0905123457", ptr(phuXuan), nil)
		if err := c.store.EditTicket(ctx, c.actor("lan"), tk.ID, tickets.TicketEdit{Summary: ptr("Sốt 3 ngày, ho")}, ""); err != nil {
			t.Fatal(err)
		}
		tk.Summary = "Sốt 3 ngày, ho"
		form := editForm(tk, version(tk))
		form.Set("priority", tickets.P1)
		form.Set("summary", "   ")
		code, body := postHTMX(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/edit", form)
		if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-edit"), "Tóm tắt không được để trống") {
			t.Errorf("an emptied summary: %d %q, want 422 with the message beside the form", code, excerpt(body, "error-edit"))
		}
		head := ticketHead(body)
		if !strings.Contains(head, `class="prio P2"`) || strings.Contains(head, "P1") {
			t.Errorf("the header after a refused edit shows what was not saved, want P2:\n%s", head)
		}
		if !strings.Contains(excerpt(body, "ticket-summary"), "Sốt 3 ngày, ho") {
			t.Errorf("the summary after a refused edit: %q, want the saved one", excerpt(body, "ticket-summary"))
		}
		if sel := section(body, "edit-priority", "</select>"); !strings.Contains(sel, `value="P1" selected`) {
			t.Errorf("the edit form lost the priority chosen:\n%s", sel)
		}
		got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if got.Priority != tickets.P2 || got.Summary != "Sốt 3 ngày, ho" {
			t.Errorf("after a refused edit the ticket is %s %q", got.Priority, got.Summary)
		}
	})
}
