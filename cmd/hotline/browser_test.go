package main_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// seeTicketInBrowser signs in to the console in headless Chromium as an agent, finds the
// ticket in the list of all tickets, opens it, and checks that the browser's player loads
// the ticket's voice message (when a recording path is given).
func seeTicketInBrowser(t *testing.T, h *hotline, ref, recording string) {
	t.Helper()
	h.consoleUser("test-agent", tickets.RoleAgent, "") // exists from here on
	ctx := newTab(t, 60*time.Second)
	base := "http://" + h.addr
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(`input[name="username"]`, "test-agent"),
		chromedp.SendKeys(`input[name="password"]`, testPassword),
		chromedp.Submit(`[data-testid="login-form"]`),
		chromedp.WaitVisible(`[data-testid="me"]`),
		chromedp.Navigate(base+"/tickets?view=all"),
		chromedp.WaitVisible(`[data-testid="tickets"]`),
	)
	if err != nil {
		t.Fatalf("browse %s: %v", base, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	list, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="ticket-ref"]')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if refs := strings.Join(list, " "); !strings.Contains(refs, ref) {
		t.Fatalf("console shows tickets %q, want %s", refs, ref)
	}
	if !strings.Contains(title, "1900 1075") {
		t.Errorf("page title %q", title)
	}
	if recording == "" {
		return
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tickets/"+ref), chromedp.WaitVisible(`[data-testid="ticket"]`)); err != nil {
		t.Fatal(err)
	}
	// The ticket's player loads the message and knows how long it is.
	seconds, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
		const a = document.querySelector('audio[src="`+recording+`"]');
		if (!a) return -1;
		await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error("audio error " + (a.error && a.error.code))); a.preload = "auto"; a.load(); });
		return a.duration;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("play the voice message in the browser: %v", err)
	}
	if seconds < 1 {
		t.Errorf("the console's player for %s reports %.2f s (-1: no player on the ticket's page)", recording, seconds)
	}
}
