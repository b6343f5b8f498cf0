package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// atHue fixes the console's and the store's clock at a Huế time, movable through the
// returned pointer.
func atHue(t *testing.T, s string) (*time.Time, consoleOption) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, tickets.Local)
	if err != nil {
		t.Fatal(err)
	}
	now := at.UTC()
	return &now, func(cfg *web.Config) { cfg.Now = func() time.Time { return now } }
}

// fixClock makes the store read the same clock as the console.
func (c *console) fixClock(now *time.Time) { c.store.Now = func() time.Time { return *now } }

func TestRequestsDeskRoles(t *testing.T) {
	c := newConsole(t)
	for _, name := range []string{"lan", "hoa", "root"} {
		if status, _ := get(t, c.client(name), c.srv.URL+"/requests"); status != http.StatusForbidden {
			t.Errorf("%s opens the desk: %d, want 403", name, status)
		}
		status, _ := send(t, c.client(name), formRequest(c.srv.URL+"/requests", url.Values{"kind": {"access"}, "channel": {"call"}, "phone": {"0905123456"}}, false))
		if status != http.StatusForbidden {
			t.Errorf("%s registers: %d, want 403", name, status)
		}
	}
	status, body := get(t, c.client("minh"), c.srv.URL+"/requests")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="request-add"`) || !strings.Contains(body, `data-testid="dpo-none"`) {
		t.Errorf("a supervisor opens the desk: %d", status)
	}
}

func TestRequestsDeskRegisterAndWork(t *testing.T) {
	now, opt := atHue(t, "2026-06-01 09:00")
	c := newConsole(t, opt)
	c.fixClock(now)
	sup := c.client("minh")

	status, body := send(t, sup, formRequest(c.srv.URL+"/requests", url.Values{"kind": {"access"}, "channel": {"letter"}, "phone": {"0905 12"}}, false))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-phone"`) || !strings.Contains(body, `value="0905 12"`) {
		t.Errorf("a bad number: %d, want 422 with the message beside the number and the number kept", status)
	}
	status, body = send(t, sup, formRequest(c.srv.URL+"/requests", url.Values{"channel": {"letter"}, "phone": {"0905123456"}}, false))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-kind"`) {
		t.Errorf("no kind: %d, want 422 beside the kind", status)
	}

	req := formRequest(c.srv.URL+"/requests", url.Values{"kind": {"access"}, "channel": {"letter"}, "phone": {"0905 123 456"},
		"requester": {"Trần Thị Bình"}, "details": {"xin bản sao dữ liệu"}}, false)
	resp, err := sup.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page, "/requests/") {
		t.Fatalf("registering: %s to %q", resp.Status, page)
	}
	_, body = get(t, sup, c.srv.URL+page)
	for _, want := range []string{"0905 123 456", "03/06/2026", "15/06/2026", "Còn 2 ngày làm việc", "chưa xác minh"} {
		if !strings.Contains(body, want) {
			t.Errorf("the request's page lacks %q", want)
		}
	}
	step := func(action string, form url.Values) (int, string) {
		t.Helper()
		return send(t, sup, formRequest(c.srv.URL+page+"/"+action, form, false))
	}
	if status, body := step("verify", url.Values{"method": {"document"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-verify.document"`) {
		t.Errorf("a document of no kind: %d", status)
	}
	if status, _ := step("verify", url.Values{"method": {"document"}, "document": {"citizen_id"}}); status != http.StatusSeeOther {
		t.Errorf("verify: %d", status)
	}
	if status, body := step("answer", url.Values{"note": {""}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-answer.note"`) {
		t.Errorf("an empty answer: %d", status)
	}
	if status, _ := step("answer", url.Values{"note": {"hẹn gửi bản sao"}}); status != http.StatusSeeOther {
		t.Errorf("answer: %d", status)
	}
	if status, _ := step("extend", url.Values{"reason": {"dữ liệu ở nhiều nơi"}}); status != http.StatusSeeOther {
		t.Errorf("extend: %d", status)
	}
	if status, body := step("extend", url.Values{"reason": {"lần hai"}}); status != http.StatusConflict || !strings.Contains(body, "chỉ được gia hạn một lần") {
		t.Errorf("a second extension: %d", status)
	}
	_, body = get(t, sup, c.srv.URL+page)
	for _, want := range []string{"Thẻ căn cước", "06/07/2026", "gia hạn thêm 15 ngày làm việc", "Đã gia hạn"} {
		if !strings.Contains(body, want) {
			t.Errorf("after verify, answer, extend the page lacks %q", want)
		}
	}
	if status, _ := step("done", url.Values{"outcome": {"đã gửi bản sao"}}); status != http.StatusSeeOther {
		t.Errorf("done: %d", status)
	}
	_, body = get(t, sup, c.srv.URL+page)
	if !strings.Contains(body, `data-testid="request-outcome"`) || strings.Contains(body, `data-testid="request-done"`) {
		t.Error("a done request still offers its forms, or has no outcome")
	}
	if n := strings.Count(body, `data-testid="request-event"`); n != 5 {
		t.Errorf("%d entries on the trail, want 5", n)
	}
}

// The overdue and near-due count is on the supervisors' daily report, not the officers'.
func TestRequestsDueOnTheDailyReport(t *testing.T) {
	now, opt := atHue(t, "2026-04-23 10:00")
	c := newConsole(t, opt)
	c.fixClock(now)
	ctx := context.Background()
	for _, phone := range []string{"0905123456", "0905123457"} {
		if err := c.store.RegisterDataRequest(ctx, c.actor("minh"), &tickets.DataRequest{Kind: tickets.RequestAccess, Channel: "call", Phone: phone}); err != nil {
			t.Fatal(err)
		}
	}
	_, body := get(t, c.client("minh"), c.srv.URL+"/reports/daily")
	if strings.Contains(body, `data-testid="report-requests"`) {
		t.Error("the report warns of requests due in two working days")
	}
	*now = now.AddDate(0, 0, 5) // Tuesday 28/4: the answer is due today (Monday 27/4 is a holiday)
	_, body = get(t, c.client("minh"), c.srv.URL+"/reports/daily")
	if !strings.Contains(body, `data-testid="report-requests-overdue">0<`) || !strings.Contains(body, `data-testid="report-requests-near">2<`) {
		t.Errorf("the report on 28/4 does not count 2 near due, 0 overdue")
	}
	*now = now.AddDate(0, 0, 1)
	_, body = get(t, c.client("minh"), c.srv.URL+"/reports/daily")
	if !strings.Contains(body, `data-testid="report-requests-overdue">2<`) {
		t.Errorf("the report on 29/4 does not count 2 overdue")
	}
	if _, body := get(t, c.client("hoa"), c.srv.URL+"/reports/daily"); strings.Contains(body, `data-testid="report-requests"`) {
		t.Error("an officer's report counts the data requests")
	}
}

func TestHolidaysPage(t *testing.T) {
	c := newConsole(t)
	admin := c.client("root")
	status, body := get(t, admin, c.srv.URL+"/admin/holidays")
	if status != http.StatusOK || strings.Count(body, `data-testid="holiday-row"`) != 22 || !strings.Contains(body, "17/02/2026") {
		t.Errorf("the admin's holidays: %d, %d rows", status, strings.Count(body, `data-testid="holiday-row"`))
	}
	if status, _ := get(t, c.client("minh"), c.srv.URL+"/admin/holidays"); status != http.StatusForbidden {
		t.Errorf("a supervisor opens the holidays: %d", status)
	}
	status, body = send(t, admin, formRequest(c.srv.URL+"/admin/holidays", url.Values{"day": {"01/01/2028"}, "name": {"Tết Dương lịch"}}, false))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-day"`) {
		t.Errorf("a Saturday: %d, want 422 beside the day", status)
	}
	status, _ = send(t, admin, formRequest(c.srv.URL+"/admin/holidays", url.Values{"day": {"03/01/2028"}, "name": {"Tết Dương lịch (nghỉ bù)"}}, false))
	if status != http.StatusSeeOther {
		t.Errorf("adding 03/01/2028: %d", status)
	}
	if _, body = get(t, admin, c.srv.URL+"/admin/holidays"); !strings.Contains(body, "03/01/2028") {
		t.Error("the day added is not listed")
	}
	if status, _ = send(t, admin, formRequest(c.srv.URL+"/admin/holidays/2028-01-03/remove", url.Values{}, false)); status != http.StatusSeeOther {
		t.Errorf("removing it: %d", status)
	}
	if _, body = get(t, admin, c.srv.URL+"/admin/holidays"); strings.Contains(body, "03/01/2028") {
		t.Error("the day removed is still listed")
	}
}

// An admin names the data-protection officer on the users' page; it waits for a second
// person, whose confirmation page says what it changes.
func TestDataProtectionOfficerNamed(t *testing.T) {
	c := newConsole(t)
	id := itoa(c.users["minh"].ID)
	status, body := send(t, c.client("root"), formRequest(c.srv.URL+"/admin/users/"+id, url.Values{"display_name": {"Lê Minh"}, "role": {"supervisor"},
		"phone": {""}, "dpo_shown": {"1"}, "dpo": {"1"}}, false))
	if status != http.StatusSeeOther {
		t.Fatalf("naming the officer: %d %s", status, body)
	}
	if u, _ := c.store.FindUser(context.Background(), c.users["minh"].ID); u.DataProtectionOfficer {
		t.Fatal("named before a second person confirmed it")
	}
	_, body = get(t, c.client("minh"), c.srv.URL+"/confirmations") // minh is the user changed: reads it, may not confirm
	if !strings.Contains(body, "phụ trách bảo vệ dữ liệu cá nhân") {
		t.Error("the confirmation does not say it names the data-protection officer")
	}
	status, _ = send(t, c.client("lan"), formRequest(c.srv.URL+"/admin/users/"+id, url.Values{"dpo_shown": {"1"}, "dpo": {"1"}}, false))
	if status != http.StatusForbidden {
		t.Errorf("an agent names the officer: %d", status)
	}
}

// A request past its deadline shows as overdue, at the top of the desk, on an injected
// clock with a holiday (Giỗ Tổ's made-up Monday) in between; the day before it is only
// due.
func TestRequestOverdueInTheBrowser(t *testing.T) {
	now, opt := atHue(t, "2026-04-23 10:00") // Thursday
	c := newConsole(t, opt)
	c.fixClock(now)
	ctx := context.Background()
	older := &tickets.DataRequest{Kind: tickets.RequestDeletion, Channel: "in_person", Phone: "0905111222"}
	if err := c.store.RegisterDataRequest(ctx, c.actor("minh"), older); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(24 * time.Hour) // Friday: a later one, due later
	later := &tickets.DataRequest{Kind: tickets.RequestAccess, Channel: "call", Phone: "0905333444"}
	if err := c.store.RegisterDataRequest(ctx, c.actor("minh"), later); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	c.signIn(tab, "minh")
	firstDue := func() (string, string) {
		t.Helper()
		err := chromedp.Do(tab,
			chromedp.Navigate(c.srv.URL+"/requests"),
			chromedp.WaitVisible(`[data-testid="requests"]`),
		)
		if err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(tab, chromedp.Text(`[data-testid="request-row"]:first-child [data-testid="request-due"]`))
		if err != nil {
			t.Fatal(err)
		}
		href, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="request-row"] [data-testid="request-link"]').getAttribute('href')`))
		return text, href
	}
	*now = time.Date(2026, 4, 28, 3, 0, 0, 0, time.UTC) // Tuesday 28/4, 10:00 in Huế
	if text, href := firstDue(); text != "Hết hạn hôm nay" || href != "/requests/"+itoa(older.ID) {
		t.Errorf("on 28/4 the first row is %s, %q; want the older, due today (27/4 is a holiday)", href, text)
	}
	*now = now.Add(24 * time.Hour)
	if text, href := firstDue(); text != "Quá hạn" || href != "/requests/"+itoa(older.ID) {
		t.Errorf("on 29/4 the first row is %s, %q; want the older, overdue", href, text)
	}
	overdue, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="requests-overdue"]`))
	err := chromedp.Do(tab,
		chromedp.Click(`[data-testid="request-row"]:first-child [data-testid="request-link"]`),
		chromedp.WaitVisible(`[data-testid="request-clock"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if overdue != "1 quá hạn" {
		t.Errorf("the desk counts %q", overdue)
	}
	clock, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="request-clock"]').innerText`))
	if !strings.Contains(clock, "28/04/2026") || !strings.Contains(clock, "Quá hạn") {
		t.Errorf("the request's clock reads %q", clock)
	}
}

// After a withdrawal of consent is carried out, the ticket page of that number tells the
// agent so, beside the caller; another caller's page does not.
func TestTicketSaysConsentWithdrawn(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tk := c.ticket(tickets.CategorySymptomReport, "0905777888", nil, nil)
	other := c.ticket(tickets.CategorySymptomReport, "0905777889", nil, nil)
	agent := c.client("lan")
	page := func(tk *tickets.Ticket) string {
		t.Helper()
		status, body := get(t, agent, c.srv.URL+"/tickets/"+tk.Ref)
		if status != http.StatusOK {
			t.Fatalf("the ticket's page: %d", status)
		}
		return body
	}
	if strings.Contains(page(tk), `data-testid="consent-withdrawn"`) {
		t.Error("the page says consent was withdrawn before any request")
	}
	sup := c.actor("minh")
	r := &tickets.DataRequest{Kind: tickets.RequestWithdrawal, Phone: "0905 777 888", Channel: "letter"}
	if err := c.store.RegisterDataRequest(ctx, sup, r); err != nil {
		t.Fatal(err)
	}
	if err := c.store.VerifyDataRequest(ctx, sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page(tk), `data-testid="consent-withdrawn"`) {
		t.Error("the page says consent was withdrawn before the request was carried out")
	}
	if err := c.store.CompleteDataRequest(ctx, sup, r.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page(tk), `data-testid="consent-withdrawn"`) {
		t.Error("the page of the number that withdrew its consent does not say so")
	}
	if strings.Contains(page(other), `data-testid="consent-withdrawn"`) {
		t.Error("another number's page says its consent was withdrawn")
	}
}
