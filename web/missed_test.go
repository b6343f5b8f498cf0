package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// "Mark all handled" on the missed calls resolves missed calls only, whatever filter the
// request carries: a category of the request does not widen it to symptom reports, and
// marking one ticket handled refuses a ticket that is not a missed call.
func TestMarkHandledOnlyMissedCalls(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	missed := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	symptoms := c.ticket(tickets.CategorySymptomReport, "0905000002", ptr(phuXuan), nil)
	other := c.ticket(tickets.CategorySymptomReport, "0905000003", ptr(kimLong), nil)
	lan := c.client("lan")
	status := func(tk *tickets.Ticket) string {
		t.Helper()
		got, err := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}

	t.Run("ListWithCategory", func(t *testing.T) {
		_, page := get(t, lan, c.srv.URL+"/tickets?view=missed&category="+tickets.CategorySymptomReport)
		if strings.Contains(page, symptoms.Ref) || strings.Contains(page, other.Ref) {
			t.Errorf("the missed-call view lists symptom reports")
		}
		if strings.Contains(page, `name="category"`+` value="`+tickets.CategorySymptomReport+`"`) {
			t.Errorf("the mark-all form carries the category")
		}
		if strings.Contains(page, `<select name="category"`) {
			t.Errorf("the missed-call view offers a category filter it does not apply")
		}
	})
	t.Run("OneNotMissed", func(t *testing.T) {
		code, body := post(t, lan, c.srv.URL+"/tickets/"+symptoms.Ref+"/handled", nil)
		if code != http.StatusConflict || !strings.Contains(body, "không phải cuộc gọi nhỡ") {
			t.Errorf("a symptom report marked handled: %d %q, want 409 saying it is not a missed call", code, excerpt(body, "error-message"))
		}
		if got, want := status(symptoms), tickets.StatusNew; got != want {
			t.Errorf("%s is %s, want %s", symptoms.Ref, got, want)
		}
	})
	t.Run("MarkAllWithCategory", func(t *testing.T) {
		markAll(t, c, lan, url.Values{"category": {tickets.CategorySymptomReport}})
		for _, tk := range []*tickets.Ticket{symptoms, other} {
			if got, want := status(tk), tickets.StatusNew; got != want {
				t.Errorf("%s (%s) is %s, want %s", tk.Ref, tk.Category, got, want)
			}
		}
		if got, want := status(missed), tickets.StatusResolved; got != want {
			t.Errorf("the missed call %s is %s, want %s", missed.Ref, got, want)
		}
	})
}

// colleague adds another agent to the console, and returns them.
func (c *console) colleague(username, name string) *tickets.User {
	c.t.Helper()
	u := &tickets.User{Username: username, DisplayName: name, Role: tickets.RoleAgent}
	if err := c.store.CreateUser(context.Background(), tickets.ActorSystem, u, c.password); err != nil {
		c.t.Fatal(err)
	}
	c.users[username] = u
	return u
}

// Issue 29, item 3: an error answered to htmx is a fragment (a sentence in Vietnamese),
// never a whole page to be put inside a table row or a form: whatever refused the
// request (the action itself, the role, a ticket that is not there).
func TestErrorsToHTMXAreFragments(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	mai := c.colleague("mai", "Phan Thị Mai")
	theirs := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	if err := c.store.AssignTicket(ctx, tickets.ActorFor(mai), theirs.ID, &mai.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, user, path string
		status           int
		says             string
	}{
		{"ColleaguesTicketHandled", "lan", "/tickets/" + theirs.Ref + "/handled", http.StatusConflict, "đang do Phan Thị Mai"},
		{"NotAllowed", "hoa", "/missed/handled", http.StatusForbidden, "không có quyền"},
		{"NoSuchTicket", "lan", "/tickets/HL-999999/handled", http.StatusNotFound, "Không tìm thấy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := postHTMX(t, c.client(tt.user), c.srv.URL+tt.path, nil)
			if code != tt.status {
				t.Errorf("%s: %d, want %d", tt.path, code, tt.status)
			}
			for _, page := range []string{"<html", "<header", `data-testid="nav"`, `id="main"`} {
				if strings.Contains(body, page) {
					t.Errorf("the answer to htmx is a page (it has %s):\n%.400s", page, body)
					break
				}
			}
			if !strings.Contains(excerpt(body, "error-message"), tt.says) {
				t.Errorf("the answer says %q, want %q", excerpt(body, "error-message"), tt.says)
			}
		})
	}
}

// Issue 29, items 3 and 4: the missed-call worklist offers "handled" only on the tickets
// the agent may mark (not a colleague's, unless a supervisor), and says whose they are.
func TestWorklistOffersOnlyWhatMayBeDone(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	mai := c.colleague("mai", "Phan Thị Mai")
	mine := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	theirs := c.ticket(tickets.CategoryMissedCall, "0905000002", ptr(phuXuan), nil)
	if err := c.store.AssignTicket(ctx, tickets.ActorFor(mai), theirs.ID, &mai.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	row := func(body, ref string) string {
		i := strings.Index(body, ">"+ref+"<")
		if i < 0 {
			return ""
		}
		r := body[i:]
		return r[:strings.Index(r, "</tr>")]
	}
	_, lan := get(t, c.client("lan"), c.srv.URL+"/tickets?view=missed")
	if !strings.Contains(row(lan, mine.Ref), `data-testid="row-handled"`) {
		t.Errorf("an unassigned missed call is not offered to be marked handled")
	}
	if r := row(lan, theirs.Ref); strings.Contains(r, `data-testid="row-handled"`) || !strings.Contains(r, "Phan Thị Mai") {
		t.Errorf("a colleague's missed call: offered to be marked handled, or not said whose:\n%s", r)
	}
	_, minh := get(t, c.client("minh"), c.srv.URL+"/tickets?view=missed")
	if !strings.Contains(row(minh, theirs.Ref), `data-testid="row-handled"`) {
		t.Errorf("a supervisor is not offered to mark an agent's missed call handled")
	}
}

// Issue 29, item 3, in the browser: on the missed-call worklist, "handled" on a ticket a
// colleague took since the list was shown is refused (409); the refusal stands in place,
// beside the row's button, in Vietnamese, and no page lands inside the table.
func TestRefusalStandsInTheRow(t *testing.T) {
	ctx0 := context.Background()
	c := newConsole(t)
	mai := c.colleague("mai", "Phan Thị Mai")
	tk := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets?view=missed"),
		chromedp.WaitVisible(`[data-testid="row-handled"]`)); err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	if err := c.store.AssignTicket(ctx0, tickets.ActorFor(mai), tk.ID, &mai.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="row-handled"]`)); err != nil {
		t.Fatal(err)
	}
	var state struct {
		Headers, Rows int
		Error, Row    string
	}
	for i := 0; i < 50; i++ {
		var err error
		state, err = chromedp.Run(ctx, chromedp.Evaluate[struct {
			Headers, Rows int
			Error, Row    string
		}](`(() => { const e = document.querySelector('[data-testid="ticket-row"] [data-testid="request-error"]');
			const r = document.querySelector('[data-testid="ticket-row"]');
			return {Headers: document.querySelectorAll("header.top").length, Rows: document.querySelectorAll('[data-testid="ticket-row"]').length,
				Error: e ? e.textContent : "", Row: r ? r.innerText.slice(0, 300) : ""}; })()`))
		if err == nil && (state.Error != "" || state.Headers > 1) {
			break
		}
		chromedp.Do(ctx, chromedp.Sleep(100_000_000))
	}
	if state.Headers != 1 {
		t.Errorf("%d site headers on the page after the refusal: a page landed in the row:\n%s", state.Headers, state.Row)
	}
	if !strings.Contains(state.Error, "Phan Thị Mai") {
		t.Errorf("beside the row's button: %q, want the refusal in Vietnamese (the row: %q)", state.Error, state.Row)
	}
	if state.Rows != 1 {
		t.Errorf("%d rows after the refusal, want the row still there", state.Rows)
	}
	screenshot(t, ctx, "missed-refused", 1280)
	screenshot(t, ctx, "missed-refused-phone", 390)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)

// confirmForm returns the fields of the form that confirms "mark all handled", from the
// page that asks.
func confirmForm(t *testing.T, body string) url.Values {
	t.Helper()
	form := section(body, "mark-all-confirm", "</form>")
	if form == "" {
		t.Fatalf("no confirmation of mark all handled on the page:\n%s", excerpt(body, "message"))
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// markAll marks the worklist's filtered set handled as an agent does: asks, reads the
// count, confirms. It returns the confirmation's page and where the confirmed marking
// went.
func markAll(t *testing.T, c *console, cl *http.Client, filters url.Values) (ask string, done string) {
	t.Helper()
	code, body := post(t, cl, c.srv.URL+"/missed/handled", filters)
	if code != http.StatusOK {
		t.Fatalf("mark all handled, asking: %d, want 200 and the count to confirm", code)
	}
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/missed/handled", strings.NewReader(confirmForm(t, body).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark all handled, confirmed: %s, want 303", resp.Status)
	}
	return body, resp.Header.Get("Location")
}

// Issue 29, item 4: "mark all handled" says how many tickets it will resolve and asks
// before; the confirmation resolves those it counted (not one that came in since), and
// the message after says how many were resolved.
func TestMarkAllAsksFirst(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	mai := c.colleague("mai", "Phan Thị Mai")
	a := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	b := c.ticket(tickets.CategoryMissedCall, "0905000002", ptr(phuXuan), nil)
	theirs := c.ticket(tickets.CategoryMissedCall, "0905000003", ptr(phuXuan), nil)
	if err := c.store.AssignTicket(ctx, tickets.ActorFor(mai), theirs.ID, &mai.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	lan := c.client("lan")
	status := func(tk *tickets.Ticket) string {
		t.Helper()
		got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		return got.Status
	}

	code, body := post(t, lan, c.srv.URL+"/missed/handled", url.Values{"area": {phuXuan}})
	confirm := section(body, "mark-all-confirm", "</form>")
	if code != http.StatusOK || !strings.Contains(confirm, "2 phiếu") || !strings.Contains(confirm, "1 phiếu đang do người khác") {
		t.Errorf("mark all handled: %d, want the page asking to confirm 2 tickets (1 a colleague's):\n%s", code, confirm)
	}
	for _, tk := range []*tickets.Ticket{a, b, theirs} {
		if got := status(tk); got != tickets.StatusNew && got != tickets.StatusAssigned {
			t.Errorf("%s is %s before the confirmation", tk.Ref, got)
		}
	}
	if t.Failed() {
		return
	}
	late := c.ticket(tickets.CategoryMissedCall, "0905000004", ptr(phuXuan), nil) // while the agent reads
	code, _ = post(t, lan, c.srv.URL+"/missed/handled", confirmForm(t, body))
	if code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", code)
	}
	for _, x := range []struct {
		tk   *tickets.Ticket
		want string
	}{{a, tickets.StatusResolved}, {b, tickets.StatusResolved}, {theirs, tickets.StatusAssigned}, {late, tickets.StatusNew}} {
		if got := status(x.tk); got != x.want {
			t.Errorf("%s is %s, want %s", x.tk.Ref, got, x.want)
		}
	}
	_, done := markAll(t, c, lan, url.Values{"area": {phuXuan}}) // the late one
	_, page := get(t, lan, c.srv.URL+done)
	if !strings.Contains(excerpt(page, "message"), "Đã đánh dấu 1 phiếu") {
		t.Errorf("after marking: %q", excerpt(page, "message"))
	}
	t.Run("NothingToMark", func(t *testing.T) {
		code, body := post(t, lan, c.srv.URL+"/missed/handled", url.Values{"area": {phuXuan}})
		if confirm := section(body, "mark-all-confirm", "</section>"); code != http.StatusOK || !strings.Contains(confirm, "Không có phiếu nào") ||
			strings.Contains(confirm, `name="confirm"`) {
			t.Errorf("with nothing left to mark: %d\n%s", code, confirm)
		}
	})
}

// In the browser: "mark all handled" asks with the count, and says what it did.
func TestMarkAllInTheBrowser(t *testing.T) {
	c := newConsole(t)
	for _, n := range []string{"0905000001", "0905000002", "0905000003"} {
		c.ticket(tickets.CategoryMissedCall, n, ptr(phuXuan), nil)
	}
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets?view=missed"),
		chromedp.Click(`[data-testid="mark-all-handled"]`), chromedp.WaitVisible(`[data-testid="mark-all-confirm"]`)); err != nil {
		t.Fatal(err)
	}
	ask := waitTexts(t, ctx, `[data-testid="mark-all-confirm"]`, func(s []string) bool { return len(s) == 1 })
	if !strings.Contains(ask[0], "Đánh dấu 3 phiếu") {
		t.Errorf("the question: %q", ask[0])
	}
	screenshot(t, ctx, "missed-mark-all", 1280)
	screenshot(t, ctx, "missed-mark-all-phone", 390)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Click(`[data-testid="mark-all-confirmed"]`)); err != nil {
		t.Fatal(err)
	}
	msg := waitTexts(t, ctx, `[data-testid="message"]`, func(s []string) bool { return len(s) == 1 })
	if !strings.Contains(msg[0], "Đã đánh dấu 3 phiếu") {
		t.Errorf("after: %q", msg[0])
	}
}
