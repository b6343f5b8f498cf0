package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// manyViews logs a user opening n distinct citizens' numbers now.
func (c *console) manyViews(username string, n int) {
	c.t.Helper()
	var list []*tickets.Access
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+8490577%04d", i)
		list = append(list, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: fmt.Sprintf("HL-26%04d", i), Phone: &phone})
	}
	if err := c.store.LogAccesses(context.Background(), c.actor(username), list); err != nil {
		c.t.Fatal(err)
	}
}

// The register is the supervisors' only: agents, officers and admins may not see it nor
// write to it, nor act on a flag.
func TestIncidentPagesAccess(t *testing.T) {
	c := newConsole(t)
	inc, err := c.store.CreateIncident(context.Background(), c.actor("minh"), tickets.NewIncident{FoundAt: time.Now().Add(-time.Hour),
		FoundBy: "Lê Minh", Summary: "Lộ danh sách", DataKinds: []string{"phone"}})
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(inc.ID)
	pages := []string{"/incidents", "/incidents/new", "/incidents/" + id, "/incidents/" + id + "/clock"}
	posts := []string{"/incidents", "/incidents/" + id + "/minutes", "/incidents/" + id + "/close", "/access-flags/1/dismiss", "/access-flags/1/incident"}
	for _, who := range []string{"lan", "hoa", "root"} {
		t.Run(who, func(t *testing.T) {
			cl := c.client(who)
			for _, p := range pages {
				if code, _ := get(t, cl, c.srv.URL+p); code != http.StatusForbidden {
					t.Errorf("GET %s: %d, want 403", p, code)
				}
			}
			for _, p := range posts {
				form := url.Values{"minute": {"x"}, "summary": {"x"}, "reason": {"x"}}
				if code, _ := send(t, cl, formRequest(c.srv.URL+p, form, false)); code != http.StatusForbidden {
					t.Errorf("POST %s: %d, want 403", p, code)
				}
			}
			if _, body := get(t, cl, c.srv.URL+"/tickets"); strings.Contains(body, `href="/incidents"`) {
				t.Errorf("%s's header links the register", who)
			}
		})
	}
	evs, _ := c.store.IncidentEvents(context.Background(), c.actor("minh"), inc.ID)
	if len(evs) != 1 {
		t.Errorf("the incident's trail after the refusals: %d entries", len(evs))
	}
	t.Run("minh", func(t *testing.T) {
		cl := c.client("minh")
		for _, p := range pages {
			if code, _ := get(t, cl, c.srv.URL+p); code != http.StatusOK {
				t.Errorf("GET %s: %d, want 200", p, code)
			}
		}
		if _, body := get(t, cl, c.srv.URL+"/tickets"); !strings.Contains(body, `href="/incidents"`) {
			t.Errorf("the supervisor's header does not link the register")
		}
	})
}

// A new incident's form refused shows the message beside the field at fault, and keeps
// what was typed.
func TestIncidentFormErrors(t *testing.T) {
	c := newConsole(t)
	minh := c.client("minh")
	ok := url.Values{"found_at": {time.Now().In(tickets.Local).Add(-time.Hour).Format("02/01/2006 15:04")}, "found_by": {"Lê Minh"},
		"summary": {"Thất lạc sổ ghi chép số điện thoại"}, "data_kinds": {"phone"}, "people": {"40"}}
	for _, tc := range []struct {
		name, field, value string
	}{
		{"NoFoundAt", "found_at", ""},
		{"FoundAtNotATime", "found_at", "hôm qua"},
		{"FoundInTheFuture", "found_at", time.Now().In(tickets.Local).Add(3 * time.Hour).Format("02/01/2006 15:04")},
		{"NoSummary", "summary", " "},
		{"NoKinds", "data_kinds", ""},
		{"PeopleNotANumber", "people", "bốn mươi"},
		{"NoFinder", "found_by", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range ok {
				form[k] = v
			}
			if tc.value == "" && tc.field == "data_kinds" {
				delete(form, "data_kinds")
			} else {
				form.Set(tc.field, tc.value)
			}
			code, body := send(t, minh, formRequest(c.srv.URL+"/incidents", form, false))
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", code)
			}
			errs := regexp.MustCompile(`data-testid="error-([a-z_]+)"`).FindAllStringSubmatch(body, -1)
			if len(errs) != 1 || errs[0][1] != tc.field {
				t.Errorf("errors beside %v, want only beside %s", errs, tc.field)
			}
			if !strings.Contains(body, "Thất lạc sổ ghi chép số điện thoại") && tc.field != "summary" {
				t.Errorf("what was typed is lost")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		code, _ := send(t, minh, formRequest(c.srv.URL+"/incidents", ok, false))
		if code != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", code)
		}
		list, _ := c.store.Incidents(context.Background(), c.actor("minh"))
		if len(list) != 1 || *list[0].People != 40 {
			t.Errorf("register %+v", list)
		}
	})
}

// The register lists the incidents whose clock runs first, the overdue one at the top
// in red, then the near one; a flag shows the user, the hour and the count, no citizen's
// number, and links to the access log of that user and hour.
func TestIncidentRegister(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	now := time.Now()
	mk := func(summary string, found time.Time) *tickets.Incident {
		inc, err := c.store.CreateIncident(ctx, c.actor("minh"), tickets.NewIncident{FoundAt: found, FoundBy: "Lê Minh", Summary: summary, DataKinds: []string{"phone"}})
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	done := mk("Đã thông báo", now.Add(-80*time.Hour))
	if err := c.store.RecordNotification(ctx, c.actor("minh"), done.ID, now.Add(-79*time.Hour), "Công văn"); err != nil {
		t.Fatal(err)
	}
	mk("Còn xa", now.Add(-time.Hour))
	mk("Quá hạn", now.Add(-73*time.Hour))
	mk("Sắp hết hạn", now.Add(-60*time.Hour))
	c.manyViews("lan", 31)
	c.manyViews("hoa", 30) // exactly the default threshold: not flagged
	minh := c.client("minh")
	code, body := get(t, minh, c.srv.URL+"/incidents")
	if code != http.StatusOK {
		t.Fatalf("register: %d", code)
	}
	open := body[strings.Index(body, `data-testid="incidents-open"`):strings.Index(body, `data-testid="incidents-others"`)]
	order := regexp.MustCompile(`<td data-label="Điều đã xảy ra">([^<]+)</td>`).FindAllStringSubmatch(open, -1)
	var got []string
	for _, m := range order {
		got = append(got, m[1])
	}
	if strings.Join(got, ", ") != "Quá hạn, Sắp hết hạn, Còn xa" {
		t.Errorf("waiting for notice: %v", got)
	}
	if !regexp.MustCompile(`class="overdue"[^>]*>(?s:.*?)Quá hạn(?s:.*?)class="clock overdue"`).MatchString(open) {
		t.Errorf("the overdue incident is not shown overdue:\n%s", open)
	}
	if !strings.Contains(open, `class="clock soon"`) {
		t.Errorf("the incident near its deadline is not shown near it")
	}
	flags := body[strings.Index(body, `data-testid="flags"`):strings.Index(body, `data-testid="incident-list"`)]
	if n := strings.Count(flags, `data-testid="flag"`); n != 1 || !strings.Contains(flags, "(lan)") || !strings.Contains(flags, `data-testid="flag-count">31<`) {
		t.Errorf("flags (%d):\n%s", n, flags)
	}
	if strings.Contains(flags, "0905") || strings.Contains(flags, "+8490") {
		t.Errorf("a flag shows a citizen's number:\n%s", flags)
	}
	link := regexp.MustCompile(`href="(/access\?hour=[^"]+)" data-testid="flag-access"`).FindStringSubmatch(flags)
	if link == nil {
		t.Fatalf("no link to the access log:\n%s", flags)
	}
	code, access := get(t, minh, c.srv.URL+strings.ReplaceAll(link[1], "&amp;", "&"))
	if code != http.StatusOK || strings.Count(access, `data-testid="access-row"`) != 31 || !strings.Contains(access, `data-testid="access-hour"`) {
		t.Errorf("the flag's access log: %d, %d rows", code, strings.Count(access, `data-testid="access-row"`))
	}
	// Opened again: the same flag, not a second.
	_, body = get(t, minh, c.srv.URL+"/incidents")
	if n := strings.Count(body, `data-testid="flag"`); n != 1 {
		t.Errorf("%d flags after the register was opened again", n)
	}
}

// A flag dismissed without a reason is refused beside its field.
func TestFlagDismiss(t *testing.T) {
	c := newConsole(t)
	c.manyViews("lan", 31)
	minh := c.client("minh")
	get(t, minh, c.srv.URL+"/incidents")
	flags, err := c.store.AccessFlags(context.Background(), c.actor("minh"))
	if err != nil || len(flags) != 1 {
		t.Fatalf("flags %v, %v", flags, err)
	}
	u := fmt.Sprintf("%s/access-flags/%d/dismiss", c.srv.URL, flags[0].ID)
	code, body := send(t, minh, formRequest(u, url.Values{"reason": {""}}, false))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fmt.Sprintf(`data-testid="error-%d.reason"`, flags[0].ID)) {
		t.Errorf("dismissed without a reason: %d", code)
	}
	if code, _ := send(t, minh, formRequest(u, url.Values{"reason": {"Gọi lại danh sách ca theo dõi"}}, false)); code != http.StatusSeeOther {
		t.Errorf("dismissed: %d", code)
	}
	_, body = get(t, minh, c.srv.URL+"/incidents")
	if strings.Contains(body, `data-testid="flag"`) || !strings.Contains(body, "Gọi lại danh sách ca theo dõi") {
		t.Errorf("after the dismissal the flag still waits, or its reason is not shown")
	}
}

// In the browser: a supervisor records an incident found two hours ago and sees its
// clock count the 70 hours left; then opens an incident from a flag in one click.
func TestSupervisorRecordsAnIncident(t *testing.T) {
	c := newConsole(t)
	ctx := newTab(t)
	c.signIn(ctx, "minh")
	found := time.Now().In(tickets.Local).Add(-2 * time.Hour).Format("02/01/2006 15:04")
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/incidents"),
		chromedp.WaitVisible(`[data-testid="no-flags"]`),
		chromedp.Click(`[data-testid="incident-new"]`),
		chromedp.WaitVisible(`[data-testid="incident-form"]`),
		chromedp.SetValue(`[data-testid="incident-found-at"]`, found),
		chromedp.SendKeys(`[data-testid="incident-summary"]`, "Một tờ danh sách số điện thoại bị bỏ quên ở quầy"),
		chromedp.Click(`[data-testid="incident-submit"]`),
		chromedp.WaitVisible(`[data-testid="error-data_kinds"]`),
	)
	if err != nil {
		t.Fatalf("the form refused without the kinds of data: %v", err)
	}
	for _, v := range axeViolations(t, ctx) {
		t.Errorf("the form: %s", v)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="kind-phone"]`),
		chromedp.SendKeys(`[data-testid="incident-people"]`, "25"),
		chromedp.Click(`[data-testid="incident-submit"]`),
		chromedp.WaitVisible(`[data-testid="incident"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	clock := waitTexts(t, ctx, `[data-testid="incident-clock"]`, func([]string) bool { return true })
	if !regexp.MustCompile(`^Còn (69 giờ 5\d|70 giờ 00) phút`).MatchString(clock[0]) {
		t.Errorf("the clock of an incident found 2 hours ago: %q", clock[0])
	}
	for _, v := range axeViolations(t, ctx) {
		t.Errorf("the incident's page: %s", v)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="minute-input"]`, "Đã thu hồi tờ danh sách"),
		chromedp.Submit(`[data-testid="minute-form"]`),
		chromedp.WaitVisible(`[data-testid="minute"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "incident", 1280)

	// A flag, opened as an incident in one step.
	c.manyViews("lan", 31)
	err = chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/incidents"),
		chromedp.WaitVisible(`[data-testid="flag"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "incidents", 1280)
	for _, v := range axeViolations(t, ctx) {
		t.Errorf("the register: %s", v)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="flag-open"]`), chromedp.WaitVisible(`[data-testid="incident"]`)); err != nil {
		t.Fatal(err)
	}
	summary, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="incident-summary"]`))
	people, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="incident-people"]`))
	if !strings.Contains(summary, "lan") || !strings.Contains(summary, "31") || people != "31" {
		t.Errorf("the incident from the flag: %q, %q people", summary, people)
	}
	clock = waitTexts(t, ctx, `[data-testid="incident-clock"]`, func([]string) bool { return true })
	if !strings.HasPrefix(clock[0], "Còn 7") {
		t.Errorf("the clock of an incident from a flag just raised: %q", clock[0])
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(c.srv.URL+"/incidents"), chromedp.WaitVisible(`[data-testid="no-flags"]`)); err != nil {
		t.Errorf("the flag still waits: %v", err)
	}
	if n := len(waitTexts(t, ctx, `[data-testid="incidents-open"] [data-testid="incident-row"]`, func([]string) bool { return true })); n != 2 {
		t.Errorf("%d incidents waiting for notice, want 2", n)
	}
}

// The access log refuses an hour it cannot read, in a sentence, not beside the number.
func TestAccessLogBadHour(t *testing.T) {
	c := newConsole(t)
	code, body := get(t, c.client("minh"), c.srv.URL+"/access?hour=hôm-qua&phone=0905123456")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Giờ") || strings.Contains(body, `data-testid="error-phone"`) {
		t.Errorf("a bad hour: %d", code)
	}
}
