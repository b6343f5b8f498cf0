package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// axeSource is axe-core, from the npm registry (testdata/VENDORED.md).
//
//go:embed testdata/axe.min.js
var axeSource string

// consolePage is a page of the console as one role sees it.
type consolePage struct {
	role, path string
}

// withPages fills a console with what makes every page show its parts (a caller with
// several tickets, a voice message, a case followed up, a missed call, a change waiting
// for confirmation), and returns the pages each role reaches.
func withPages(t *testing.T, c *console) []consolePage {
	t.Helper()
	ctx := context.Background()
	first := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes", "cough": "no", "unit": phuXuan})
	c.ticket(tickets.CategoryInformation, "0905123456", ptr(phuXuan), nil)
	c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes", "unit": phuXuan})
	c.voiceMessage(tk)
	c.ticket(tickets.CategoryMissedCall, "0911222333", nil, nil)
	cs := &tickets.Case{PersonName: "Nguyễn Văn An", Phone: ptr("0905 123 456"), UnitCode: ptr(phuXuan), Address: "12 Lê Lợi, tổ 3", BirthYear: ptr(1958)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, &first.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx, c.actor("lan"), cs.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.store.CreateUser(ctx, c.actor("root"), &tickets.User{Username: "mai", DisplayName: "Phan Thị Mai", Role: tickets.RoleAgent}, ""); err != nil {
		t.Fatal(err)
	}
	// Hướng dẫn: a menu-1 caller's ticket (its guide links), the rules with a version to
	// come, an announcement's typed text to publish.
	rules := c.menuTicket("0905123456", "10")
	if _, err := c.store.AddArticleVersion(ctx, c.actor("minh"), tickets.ArticleRules, tickets.NewArticleVersion{Title: "Quy định từ 00:00 ngày mai",
		Body: "Người vào Huế từ vùng có dịch cách ly 7 ngày tại nhà.", From: time.Now().Add(24 * time.Hour), Seen: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.store.AddPromptVersion(ctx, c.actor("minh"), &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText,
		Text: "Từ 00:00 ngày mai, người vào Huế từ vùng có dịch cách ly 7 ngày tại nhà."}, soundstest.WAV(2*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	// The data-request desk: an access request verified, a deletion waiting for it.
	access := c.verifiedRequest(tickets.RequestAccess, "0905 123 456")
	correction := c.verifiedRequest(tickets.RequestCorrection, "0905 123 456") // links the number's tickets to correct
	deletion := &tickets.DataRequest{Kind: tickets.RequestDeletion, Channel: "call", Phone: "0905 123 456"}
	if err := c.store.RegisterDataRequest(ctx, c.actor("minh"), deletion); err != nil {
		t.Fatal(err)
	}
	// Sự cố dữ liệu: an incident overdue, one notified, and a flag of the access log.
	overdue, err := c.store.CreateIncident(ctx, c.actor("minh"), tickets.NewIncident{FoundAt: time.Now().Add(-80 * time.Hour), FoundBy: "Lê Minh",
		Summary: "Thất lạc sổ ghi số điện thoại người gọi", DataKinds: []string{"phone", "health"}, People: ptr(int64(40)), PeopleEstimated: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.store.AddIncidentMinute(ctx, c.actor("minh"), overdue.ID, "Đã khoanh vùng các trang bị mất"); err != nil {
		t.Fatal(err)
	}
	c.manyViews("lan", 31)
	incident := fmt.Sprintf("/incidents/%d", overdue.ID)
	ticket, kase := "/tickets/"+tk.Ref, "/cases/"+cs.Ref
	var pages []consolePage
	add := func(role string, paths ...string) {
		for _, p := range paths {
			pages = append(pages, consolePage{role, p})
		}
	}
	add("", "/login")
	add("lan", "/tickets", "/tickets?view=missed", ticket, "/cases", kase, "/board?unit="+phuXuan, "/account", "/tickets/HL-999999",
		"/tickets?view=all&from=31/02/2021", "/guides", "/guides?q=cach+ly", "/guides/"+tickets.ArticleRules, "/tickets/"+rules.Ref,
		"/tickets/"+rules.Ref+"?insert=guide:"+tickets.ArticleRules)
	add("hoa", "/board", "/tickets", ticket, "/cases", kase, "/reports/daily", "/account", "/board?day=01/01/2030", "/guides/"+tickets.ArticleQuarantine)
	add("minh", "/tickets", ticket, "/access", "/reports/daily", "/reports/daily?period=week", "/wallboard", "/confirmations", kase,
		"/reports/daily?day=2021-13-45", "/access?phone=12", "/announcements", "/announcements/rules_info", "/announcements/urgent_message",
		"/guides", "/guides/"+tickets.ArticleRules, "/guides?q=xyzw", "/incidents", "/incidents/new", incident, "/requests",
		fmt.Sprintf("/requests/%d", access.ID), fmt.Sprintf("/requests/%d", deletion.ID),
		fmt.Sprintf("/requests/%d", correction.ID), fmt.Sprintf("%s?request=%d", ticket, correction.ID))
	add("root", "/admin/users", "/admin/audit", "/admin/units", "/admin/retention", "/admin/holidays", "/confirmations", "/account")
	return pages
}

// axeViolations runs axe-core on the tab's page against WCAG 2.1 A and AA, and returns
// each violation in a line: its rule, what it asks, and the elements at fault.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined" || (function(){`+axeSource+`; return true})()`)); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " — " +
			v.nodes.slice(0, 5).map(n => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.replace(/\s+/g, " ") + "]" : "")).join("; ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return found
}

// Every page of the console, as each role that reaches it sees it, at a desktop's and a
// phone's width: nothing wider than the window (no sideways scrolling), and no WCAG 2.1
// AA violation that axe-core finds.
func TestPagesFitAndPassAxe(t *testing.T) {
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk, cfg.Studio = newFakeDesk(), &fakeStudio{} })
	pages := withPages(t, c)
	tabs := map[string]context.Context{}
	for _, p := range pages {
		ctx, ok := tabs[p.role]
		if !ok {
			ctx = newTab(t)
			if p.role != "" {
				c.signIn(ctx, p.role)
			}
			tabs[p.role] = ctx
		}
		for _, width := range []int64{1280, 390} {
			name := fmt.Sprintf("%s%s@%d", p.role, strings.ReplaceAll(p.path, "/", "_"), width)
			t.Run(name, func(t *testing.T) {
				err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(c.srv.URL+p.path),
					chromedp.WaitReady(`main`))
				if err != nil {
					t.Fatalf("open %s: %v", p.path, err)
				}
				htmxReady(t, ctx)
				sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
				if err != nil {
					t.Fatal(err)
				}
				if sizes[0] > sizes[1] {
					wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main *")]
						.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
						.filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
						.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") +
							(e.dataset.testid ? "[" + e.dataset.testid + "]" : "") + " " + Math.round(e.getBoundingClientRect().right) + "px")`))
					t.Errorf("%s at %d px: the page is %d px wide, the window %d; too wide: %s", p.path, width, sizes[0], sizes[1], strings.Join(wide, ", "))
				}
				for _, v := range axeViolations(t, ctx) {
					t.Errorf("%s at %d px: %s", p.path, width, v)
				}
				screenshot(t, ctx, "page-"+strings.NewReplacer("?", "_", "=", "-", "&", "_").Replace(name), width)
			})
		}
	}
}
