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
// list shows ref, as an agent would see it.
func seeTicketInBrowser(t *testing.T, url, ref string) {
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
}
