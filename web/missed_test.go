package web_test

import (
	"context"
	"net/http"
	"net/url"
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
		code, _ := post(t, lan, c.srv.URL+"/missed/handled", url.Values{"category": {tickets.CategorySymptomReport}})
		if code != http.StatusSeeOther {
			t.Fatalf("mark all: %d, want 303", code)
		}
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
