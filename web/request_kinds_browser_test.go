package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// registerInBrowser registers a request of a kind for a number on the desk and records a
// callback as its verification, leaving the tab on the request's page.
func (c *console) registerInBrowser(t *testing.T, tab context.Context, kind, phone string) {
	t.Helper()
	err := chromedp.Do(tab,
		chromedp.Navigate(c.srv.URL+"/requests"),
		chromedp.WaitVisible(`[data-testid="request-add"]`),
		chromedp.SetValue(`[data-testid="request-kind"]`, kind),
		chromedp.SetValue(`[data-testid="request-channel"]`, "call"),
		chromedp.SendKeys(`[data-testid="request-phone"]`, phone),
		chromedp.SendKeys(`[data-testid="request-requester"]`, "Trần Thị Bình"),
		chromedp.Click(`[data-testid="request-submit"]`),
		chromedp.WaitVisible(`[data-testid="request-verify"]`),
		chromedp.Click(`[data-testid="verify-callback"]`),
		chromedp.Click(`[data-testid="verify-submit"]`),
		chromedp.WaitVisible(`[data-testid="message"]`),
	)
	if err != nil {
		t.Fatalf("register and verify a %s request: %v", kind, err)
	}
	if v, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-verification"]`)); !strings.Contains(v, "gọi lại") {
		t.Errorf("the %s request's verification reads %q", kind, v)
	}
}

// Correction, withdrawal of consent and restriction or objection end to end in the
// browser: a ticket's field corrected from the request's link and listed on it; the
// withdrawal done and the number's case page saying its automated calls are stopped;
// an objection refused with its reason.
func TestCorrectionWithdrawalRestrictionInTheBrowser(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	if err := c.store.EditTicket(ctx, c.actor("minh"), tk.ID, tickets.TicketEdit{Summary: ptr("Sốt ở Phú Hậu")}, ""); err != nil {
		t.Fatal(err)
	}
	cs, _ := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	tab := newTab(t)
	c.signIn(tab, "minh")

	t.Run("Correction", func(t *testing.T) {
		c.registerInBrowser(t, tab, "correction", "0905 123 456")
		err := chromedp.Do(tab,
			chromedp.Click(`[data-testid="request-ticket-link"]`),
			chromedp.WaitVisible(`[data-testid="edit-request"]`),
			chromedp.SetValue(`[data-testid="edit-summary"]`, "Sốt ở Phú Hội"),
			chromedp.Click(`[data-testid="edit-save"]`),
			chromedp.WaitVisible(`[data-testid="message"]`),
			chromedp.Click(`[data-testid="edit-request"] a`),
			chromedp.WaitVisible(`[data-testid="request-corrections"]`),
		)
		if err != nil {
			t.Fatalf("correct the ticket from the request's link: %v", err)
		}
		row, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-correction"]`))
		for _, want := range []string{tk.Ref, "Tóm tắt", "Sốt ở Phú Hậu", "Sốt ở Phú Hội", "minh"} {
			if !strings.Contains(row, want) {
				t.Errorf("the correction reads %q, without %q", row, want)
			}
		}
		err = chromedp.Do(tab,
			chromedp.SendKeys(`[data-testid="done-outcome"]`, "Đã sửa tóm tắt phiếu theo lời người dân"),
			chromedp.Click(`[data-testid="done-submit"]`),
			chromedp.WaitVisible(`[data-testid="request-outcome"]`),
		)
		if err != nil {
			t.Fatalf("done: %v", err)
		}
		status, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-status"]`))
		row, _ = chromedp.Run(tab, chromedp.Text(`[data-testid="request-correction"]`))
		if status != "Đã thực hiện" || !strings.Contains(row, "Sốt ở Phú Hội") {
			t.Errorf("once done: %q, the correction %q", status, row)
		}
		if got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID); got.Summary != "Sốt ở Phú Hội" {
			t.Errorf("the ticket's summary is %q", got.Summary)
		}
	})

	t.Run("Withdrawal", func(t *testing.T) {
		autoCalls := func() (string, string) {
			t.Helper()
			err := chromedp.Do(tab, chromedp.Navigate(c.srv.URL+"/cases/"+cs.Ref), chromedp.WaitVisible(`[data-testid="auto-calls-status"]`))
			if err != nil {
				t.Fatal(err)
			}
			text, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="auto-calls-status"]`))
			state, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="auto-calls-status"]').dataset.state`))
			return state, text
		}
		if state, _ := autoCalls(); state != tickets.AutoCallsOn {
			t.Fatalf("before the withdrawal the case's automated calls are %q", state)
		}
		c.registerInBrowser(t, tab, "withdrawal", "0905 777 999")
		err := chromedp.Do(tab,
			chromedp.Click(`[data-testid="done-submit"]`),
			chromedp.WaitVisible(`[data-testid="request-outcome"]`),
		)
		if err != nil {
			t.Fatalf("done: %v", err)
		}
		if outcome, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-outcome"]`)); !strings.Contains(outcome, "ngừng gọi theo dõi tự động") {
			t.Errorf("the withdrawal's outcome reads %q", outcome)
		}
		state, text := autoCalls()
		if state != "withdrawn" || !strings.Contains(text, "rút lại sự đồng ý") {
			t.Errorf("after the withdrawal the case page says %q (%s)", text, state)
		}
		if n, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="auto-calls-now"], [data-testid="auto-calls-resume"]').length`)); n != 0 {
			t.Errorf("the case page still offers %d buttons to call automatically", n)
		}
	})

	t.Run("RestrictionRefused", func(t *testing.T) {
		c.registerInBrowser(t, tab, "restriction", "0914 555 666")
		err := chromedp.Do(tab,
			chromedp.SendKeys(`[data-testid="refuse-reason"]`, "Dữ liệu cần cho phòng, chống dịch đang diễn ra"),
			chromedp.Click(`[data-testid="refuse-submit"]`),
			chromedp.WaitVisible(`[data-testid="request-refusal"]`),
		)
		if err != nil {
			t.Fatalf("refuse: %v", err)
		}
		status, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-status"]`))
		reason, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-refusal"]`))
		if status != "Từ chối" || !strings.Contains(reason, "phòng, chống dịch") {
			t.Errorf("the refused objection: %q, %q", status, reason)
		}
		if w, _ := c.store.ConsentWithdrawn(ctx, "0914555666"); w {
			t.Error("a refused objection marks the number withdrawn")
		}
	})

	t.Run("RestrictionDone", func(t *testing.T) {
		c.registerInBrowser(t, tab, "restriction", "0914 555 777")
		err := chromedp.Do(tab,
			chromedp.Click(`[data-testid="done-submit"]`),
			chromedp.WaitVisible(`[data-testid="request-outcome"]`),
		)
		if err != nil {
			t.Fatalf("done: %v", err)
		}
		if w, _ := c.store.ConsentWithdrawn(ctx, "0914555777"); !w {
			t.Error("an objection carried out does not mark the number")
		}
	})
}
