package main_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// seeTicketInBrowser opens the console in headless Chromium and checks that the ticket
// list shows ref, as an agent would see it, and that the browser's player loads the
// ticket's voice message from recording (a path) when one is given.
func seeTicketInBrowser(t *testing.T, url, ref, recording string) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (apt-get install chromium; make test does it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	// The deadline is on the allocator: it ends the browser, which is what a stuck test needs.
	actx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, cancel = chromedp.NewExecAllocator(actx, opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`[data-testid="tickets"]`)); err != nil {
		t.Fatalf("browse %s: %v", url, err)
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
	refs := strings.Join(list, " ")
	if !strings.Contains(refs, ref) {
		t.Errorf("console shows tickets %q, want %s", refs, ref)
	}
	if !strings.Contains(title, "1900 1075") {
		t.Errorf("page title %q", title)
	}
	if recording == "" {
		return
	}
	// The player in the ticket's row loads the message and knows how long it is.
	seconds, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
		const row = [...document.querySelectorAll('[data-testid="ticket-row"]')]
			.find(r => r.querySelector('[data-testid="ticket-ref"]').textContent === `+"`"+ref+"`"+`);
		const a = row && row.querySelector('audio[src="`+recording+`"]');
		if (!a) return -1;
		await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error("audio error " + (a.error && a.error.code))); a.preload = "auto"; a.load(); });
		return a.duration;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("play the voice message in the browser: %v", err)
	}
	if seconds < 1 {
		t.Errorf("the console's player for %s reports %.2f s (-1: no player in the ticket's row)", recording, seconds)
	}
}
