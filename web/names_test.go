package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

var cellText = regexp.MustCompile(`<[^>]+>`)

// texts returns the texts of the elements of a page with a data-testid, tags stripped.
func texts(body, testid string) []string {
	var out []string
	for rest := body; ; {
		i := strings.Index(rest, `data-testid="`+testid+`"`)
		if i < 0 {
			return out
		}
		rest = rest[i:]
		start := strings.Index(rest, ">") + 1
		end := strings.Index(rest[start:], "</")
		out = append(out, strings.TrimSpace(cellText.ReplaceAllString(rest[start:start+end], "")))
		rest = rest[start:]
	}
}

// Issue 29, item 5: people are shown by their names everywhere, to everyone who sees the
// page: an officer who has a ticket (to a supervisor: not "người dùng #79"), with the role
// where it helps; an agent on the trail an officer reads (not her login name); the officer
// who recorded a follow-up, to an agent; the agent who looked, in the access log.
func TestPeopleShownByName(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	thu := &tickets.User{Username: "thu", DisplayName: "Nguyễn Thị Thu", Role: tickets.RoleOfficer, UnitCode: ptr(phuXuan)}
	if err := c.store.CreateUser(ctx, tickets.ActorSystem, thu, c.password); err != nil {
		t.Fatal(err)
	}
	tk := c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	if err := c.store.TransitionTicket(ctx, c.actor("lan"), tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.store.AssignTicket(ctx, c.actor("hoa"), tk.ID, &thu.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	cs := &tickets.Case{PersonName: "Nguyễn Văn An", Phone: ptr("0905 777 999"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx, c.actor("lan"), cs.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	fus, _ := c.store.FollowUps(ctx, tickets.ActorSystem, cs.ID)
	if err := c.store.RecordFollowUp(ctx, c.actor("hoa"), fus[0].ID, tickets.ResultWell, tickets.MethodHomeVisit, nil, ""); err != nil {
		t.Fatal(err)
	}
	lan, hoa, minh := c.client("lan"), c.client("hoa"), c.client("minh")
	get(t, lan, c.srv.URL+"/tickets/"+tk.Ref) // written to the access log

	t.Run("AssigneeToASupervisor", func(t *testing.T) {
		_, page := get(t, minh, c.srv.URL+"/tickets/"+tk.Ref)
		if a := strings.Join(texts(page, "ticket-assignee"), ""); !strings.Contains(a, "Nguyễn Thị Thu") || !strings.Contains(a, "Cán bộ phường/xã") {
			t.Errorf("the assignee on the ticket's page: %q, want her name and role", a)
		}
		_, list := get(t, minh, c.srv.URL+"/tickets?view=all")
		if strings.Contains(list, "người dùng #") || !strings.Contains(list, "Nguyễn Thị Thu") {
			t.Errorf("the assignee in the list is not named: %q", excerpt(list, "ticket-row"))
		}
	})
	t.Run("TrailToAnOfficer", func(t *testing.T) {
		_, page := get(t, hoa, c.srv.URL+"/tickets/"+tk.Ref)
		actors := texts(page, "timeline-actor")
		for _, a := range actors {
			if a == "lan" || a == "hoa" || strings.HasPrefix(a, "người dùng #") {
				t.Errorf("the trail names someone by login or number: %q", actors)
				break
			}
		}
		if !strings.Contains(strings.Join(actors, "|"), "Nguyễn Thị Lan") {
			t.Errorf("the agent's triage on the trail: %q, want Nguyễn Thị Lan", actors)
		}
	})
	t.Run("FollowUpToAnAgent", func(t *testing.T) {
		_, page := get(t, lan, c.srv.URL+"/cases/"+cs.Ref)
		if !strings.Contains(page, "Trần Văn Hoà") || strings.Contains(page, "người dùng #") {
			t.Errorf("who recorded the follow-up is not named on the case's page")
		}
	})
	t.Run("AccessLog", func(t *testing.T) {
		_, page := get(t, minh, c.srv.URL+"/access")
		users := texts(page, "access-user")
		if len(users) == 0 || !strings.Contains(users[0], "Nguyễn Thị Lan") {
			t.Errorf("the access log's viewers: %q, want Nguyễn Thị Lan", users)
		}
	})
}

// In the browser, the pages of item 5 at both widths: the ticket's page a supervisor
// reads (the officer who has it, the trail with roles), and the access log.
func TestPeopleInTheBrowser(t *testing.T) {
	ctx0 := context.Background()
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	if err := c.store.TransitionTicket(ctx0, c.actor("lan"), tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	hoa := c.users["hoa"].ID
	if err := c.store.AssignTicket(ctx0, c.actor("hoa"), tk.ID, &hoa, nil, "Tôi đến nhà chiều nay"); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	c.signIn(ctx, "minh")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets/"+tk.Ref),
		chromedp.WaitVisible(`[data-testid="ticket-assignee"]`)); err != nil {
		t.Fatal(err)
	}
	if a, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="ticket-assignee"]`)); !strings.Contains(a, "Trần Văn Hoà (Cán bộ phường/xã, Phường Phú Xuân)") {
		t.Errorf("the assignee: %q", a)
	}
	screenshot(t, ctx, "ticket-names", 1280)
	screenshot(t, ctx, "ticket-names-phone", 390)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/access"),
		chromedp.WaitVisible(`[data-testid="access-log"]`)); err != nil {
		t.Fatal(err)
	}
	users := waitTexts(t, ctx, `[data-testid="access-user"]`, func(s []string) bool { return len(s) > 0 })
	if users[0] != "Lê Minh" {
		t.Errorf("the access log's last viewer: %q, want Lê Minh", users[0])
	}
	screenshot(t, ctx, "access-names", 1280)
	screenshot(t, ctx, "access-names-phone", 390)
}

// Issue 29, item 6, on the pages: the ticket search, the case search and the access log's
// number filter take a number without its 0, and its last six digits.
func TestSearchBoxesTakeEveryShape(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0831683885", ptr(phuXuan), nil)
	cs := &tickets.Case{PersonName: "Lê Văn Tám", Phone: ptr("0831683885"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	lan, minh := c.client("lan"), c.client("minh")
	get(t, lan, c.srv.URL+"/tickets/"+tk.Ref) // logged
	for _, q := range []string{"831 683 885", "683 885"} {
		t.Run(q, func(t *testing.T) {
			v := url.QueryEscape(q)
			if code, page := get(t, lan, c.srv.URL+"/tickets?view=all&q="+v); code != 200 || !strings.Contains(page, tk.Ref) {
				t.Errorf("the ticket search for %q: %d, %s not found", q, code, tk.Ref)
			}
			if code, page := get(t, lan, c.srv.URL+"/cases?q="+v); code != 200 || !strings.Contains(page, cs.Ref) {
				t.Errorf("the case search for %q: %d, %s not found", q, code, cs.Ref)
			}
			if code, page := get(t, minh, c.srv.URL+"/access?phone="+v); code != 200 || !strings.Contains(page, tk.Ref) {
				t.Errorf("the access log by %q: %d, %s not found", q, code, tk.Ref)
			}
		})
	}
}

// In the browser, issue 29 item 6: the agent types the last six digits a masked list
// shows into the ticket search, and a number without its 0 into the case search.
func TestSearchInTheBrowser(t *testing.T) {
	ctx0 := context.Background()
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0831683885", ptr(phuXuan), nil)
	c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	cs := &tickets.Case{PersonName: "Lê Văn Tám", Phone: ptr("0831683885"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx0, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/tickets"),
		chromedp.WaitVisible(`[data-testid="search"]`)); err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	if err := chromedp.Do(ctx, chromedp.SendKeys(`[data-testid="search"]`, "683 885"), chromedp.Submit(`[data-testid="filters"]`)); err != nil {
		t.Fatal(err)
	}
	if refs := waitTexts(t, ctx, `[data-testid="ticket-ref"]`, func(r []string) bool { return len(r) == 1 }); refs[0] != tk.Ref {
		t.Errorf("the last six digits found %v, want %s", refs, tk.Ref)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(c.srv.URL+"/cases?q="+url.QueryEscape("831 683 885")),
		chromedp.WaitVisible(`[data-testid="case-search"]`)); err != nil {
		t.Fatal(err)
	}
	body, _ := chromedp.Run(ctx, chromedp.Text(`main`))
	if !strings.Contains(body, cs.Ref) {
		t.Errorf("the case search without the 0 does not find %s", cs.Ref)
	}
	screenshot(t, ctx, "cases-search", 1280)
	screenshot(t, ctx, "cases-search-phone", 390)
}
