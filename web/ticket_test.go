package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// postHTMX sends a form as htmx does from a console page, and returns the status and body.
func postHTMX(t *testing.T, cl *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	return send(t, cl, formRequest(u, form, true))
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

// stepValues returns the values of the buttons of the ticket page's workflow row, in
// their order, whether they may be pressed now or not.
func stepValues(body string) []string {
	form := section(body, "status-form", "</form>")
	var out []string
	for _, m := range buttonValue.FindAllStringSubmatch(form, -1) {
		out = append(out, m[1])
	}
	return out
}

var buttonValue = regexp.MustCompile(`<button[^>]* value="([^"]*)"`)

// Issue 29, item 2: cancelling asks for a reason and a confirmation, stands apart from the
// workflow's moves, and a supervisor can reopen a cancelled ticket. The buttons of the
// workflow keep their places from one status to the next, so that a move that ends work
// never appears where the one just pressed was.
func TestCancelAsksAReasonAndASupervisorReopens(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	lan, minh := c.client("lan"), c.client("minh")
	page := func(cl *http.Client) string {
		t.Helper()
		code, body := get(t, cl, c.srv.URL+"/tickets/"+tk.Ref)
		if code != http.StatusOK {
			t.Fatalf("the ticket's page: %d", code)
		}
		return body
	}
	status := func() string {
		t.Helper()
		got, err := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	version := func() string {
		t.Helper()
		got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		return fmt.Sprint(got.UpdatedAt.UnixNano())
	}

	newSteps := stepValues(page(lan))
	if err := c.store.TransitionTicket(ctx, c.actor("lan"), tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	body := page(lan)
	t.Run("StepsKeepTheirPlaces", func(t *testing.T) {
		if got := stepValues(body); strings.Join(got, " ") != strings.Join(newSteps, " ") || len(got) == 0 {
			t.Errorf("the workflow's buttons moved from one status to the next: new %v, triaged %v", newSteps, got)
		}
		if strings.Contains(section(body, "status-form", "</form>"), tickets.StatusCancelled) {
			t.Errorf("cancelling is among the workflow's moves:\n%s", section(body, "status-form", "</form>"))
		}
		if i, j := strings.Index(body, `data-testid="status-form"`), strings.Index(body, `data-testid="cancel-form"`); j < 0 || j < i {
			t.Errorf("the cancel form is not apart, after the workflow's moves (at %d, the moves at %d)", j, i)
		}
	})
	t.Run("NoReason", func(t *testing.T) {
		code, body := post(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/status", url.Values{"to": {tickets.StatusCancelled}, "updated": {version()}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-cancel"), "lý do") {
			t.Errorf("a cancel with no reason: %d %q, want 422 asking for the reason beside the form", code, excerpt(body, "error-cancel"))
		}
		if got := status(); got != tickets.StatusTriaged {
			t.Errorf("the ticket is %s, want %s", got, tickets.StatusTriaged)
		}
	})
	t.Run("AsksToConfirm", func(t *testing.T) {
		code, body := postHTMX(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/status", url.Values{"to": {tickets.StatusCancelled},
			"note": {"Gọi nhầm số"}, "updated": {version()}})
		confirm := section(body, "cancel-confirm", "</form>")
		if code != http.StatusOK || !strings.Contains(confirm, tk.Ref) || !strings.Contains(confirm, "Gọi nhầm số") ||
			!strings.Contains(confirm, `name="confirm"`) {
			t.Errorf("a cancel with a reason: %d, want the confirmation naming the ticket and the reason:\n%s", code, confirm)
		}
		if got := status(); got != tickets.StatusTriaged {
			t.Errorf("the ticket is %s before the confirmation, want %s", got, tickets.StatusTriaged)
		}
	})
	t.Run("Confirmed", func(t *testing.T) {
		code, _ := post(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/status", url.Values{"to": {tickets.StatusCancelled},
			"note": {"Gọi nhầm số"}, "confirm": {"yes"}, "updated": {version()}})
		if code != http.StatusSeeOther || status() != tickets.StatusCancelled {
			t.Errorf("a confirmed cancel: %d, the ticket %s", code, status())
		}
	})
	t.Run("AgentDoesNotReopen", func(t *testing.T) {
		if body := page(lan); strings.Contains(body, `data-testid="reopen-form"`) {
			t.Error("an agent is offered to reopen a cancelled ticket")
		}
		if code, _ := post(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/reopen", url.Values{"note": {"nhầm"}, "updated": {version()}}); code != http.StatusForbidden {
			t.Errorf("an agent reopens: %d, want 403", code)
		}
	})
	t.Run("SupervisorReopens", func(t *testing.T) {
		if body := page(minh); !strings.Contains(body, `data-testid="reopen-form"`) {
			t.Error("a supervisor is not offered to reopen a cancelled ticket")
		}
		code, body := post(t, minh, c.srv.URL+"/tickets/"+tk.Ref+"/reopen", url.Values{"updated": {version()}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-reopen"), "lý do") {
			t.Errorf("a reopen with no reason: %d %q", code, excerpt(body, "error-reopen"))
		}
		code, _ = post(t, minh, c.srv.URL+"/tickets/"+tk.Ref+"/reopen", url.Values{"note": {"Người dân gọi lại, vẫn sốt"}, "updated": {version()}})
		if code != http.StatusSeeOther || status() != tickets.StatusTriaged {
			t.Errorf("a supervisor reopens: %d, the ticket %s, want 303 and %s", code, status(), tickets.StatusTriaged)
		}
	})
}

// In the browser: the agent triages a ticket; where the button she pressed was, there is
// no button that ends work (the row keeps its places); cancelling asks for the reason,
// then to confirm, and only then cancels.
func TestCancelInTheBrowser(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes"})
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets/"+tk.Ref), chromedp.WaitVisible(`[data-testid="move-triaged"]`)); err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	at, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const b = document.querySelector('[data-testid="move-triaged"]'); b.scrollIntoView({block: "center"}); const r = b.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="move-triaged"]`)); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, ctx, `[data-testid="ticket-status"]`, func(s []string) bool { return len(s) == 1 && s[0] == "Đã phân loại" })
	settled(t, ctx)
	under, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.elementFromPoint(%f, %f);
		const b = e && e.closest("button"); return b ? (b.disabled ? "disabled " : "") + (b.dataset.testid || b.textContent) : (e ? e.tagName : ""); })()`, at[0], at[1])))
	if err != nil || under != "disabled step-triaged" {
		t.Errorf("under the pointer after triaging: %q (%v), want the disabled step it pressed", under, err)
	}
	screenshot(t, ctx, "ticket-steps", 1280)
	screenshot(t, ctx, "ticket-steps-phone", 390)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.Click(`[data-testid="cancel-details"] summary`),
		chromedp.WaitVisible(`[data-testid="cancel-reason"]`),
		chromedp.SendKeys(`[data-testid="cancel-reason"]`, "Gọi nhầm số, người dân xác nhận"),
		chromedp.Click(`[data-testid="cancel"]`),
		chromedp.WaitVisible(`[data-testid="cancel-confirm"]`),
	); err != nil {
		t.Fatalf("cancel with a reason: %v", err)
	}
	settled(t, ctx)
	if got, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="ticket-status"]`)); got != "Đã phân loại" {
		t.Errorf("before the confirmation the ticket is %q", got)
	}
	screenshot(t, ctx, "ticket-cancel-confirm", 1280)
	screenshot(t, ctx, "ticket-cancel-confirm-phone", 390)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Click(`[data-testid="cancel-confirmed"]`)); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, ctx, `[data-testid="ticket-status"]`, func(s []string) bool { return len(s) == 1 && s[0] == "Đã huỷ" })
	trail := waitTexts(t, ctx, `[data-testid="timeline-note"]`, func(s []string) bool { return len(s) > 0 })
	if trail[len(trail)-1] != "Gọi nhầm số, người dân xác nhận" {
		t.Errorf("the reason on the trail: %q", trail)
	}
	screenshot(t, ctx, "ticket-cancelled", 1280)
}

// settled waits until what htmx swapped in has settled: for that moment (600 ms after a
// move) the ticket's buttons take no click, so that the second click of a double click
// presses nothing.
func settled(t *testing.T, ctx context.Context) {
	t.Helper()
	for i := 0; i < 100; i++ {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".htmx-added, .htmx-settling") === null`))
		if err == nil && ok {
			return
		}
		chromedp.Do(ctx, chromedp.Sleep(100_000_000))
	}
	t.Fatal("the page did not settle within 10 s")
}

// In the browser, issue 29 item 1: on a ticket made by phone the agent gives it P1 from
// the edit form, and it is saved; emptying a summary it has is refused beside the form,
// and the header keeps what was saved.
func TestEditInTheBrowser(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets/"+tk.Ref),
		chromedp.WaitVisible(`[data-testid="edit-details"]`)); err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	save := func(priority, summary string) {
		t.Helper()
		settled(t, ctx)
		// The form as the agent leaves it: the priority chosen, the summary as typed.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
			document.querySelector('[data-testid="edit-details"]').open = true;
			document.querySelector('[data-testid="edit-priority"]').value = %q;
			document.querySelector('[data-testid="edit-summary"]').value = %q;
			return true; })()`, priority, summary))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="edit-save"]`)); err != nil {
			t.Fatal(err)
		}
	}
	head := func() string {
		t.Helper()
		h, _ := chromedp.Run(ctx, chromedp.Text(`.ticket-head .prio`))
		return h
	}
	save("P1", "")
	waitTexts(t, ctx, `[data-testid="message"]`, func(s []string) bool { return len(s) == 1 && strings.Contains(s[0], "Đã lưu") })
	if got := head(); got != "P1" {
		t.Errorf("the header after saving P1: %q", got)
	}
	save("P1", "Sốt 3 ngày, ho")
	waitTexts(t, ctx, `[data-testid="ticket-summary"]`, func(s []string) bool { return len(s) == 1 && s[0] == "Sốt 3 ngày, ho" })
	save("P3", "")
	msg := waitTexts(t, ctx, `[data-testid="error-edit"]`, func(s []string) bool { return len(s) == 1 })
	if !strings.Contains(msg[0], "Tóm tắt không được để trống") {
		t.Errorf("beside the form: %q", msg[0])
	}
	if got := head(); got != "P1" {
		t.Errorf("the header after a refused edit: %q, want P1 as saved", got)
	}
	screenshot(t, ctx, "ticket-edit-refused", 1280)
	screenshot(t, ctx, "ticket-edit-refused-phone", 390)
}
