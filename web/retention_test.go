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
)

// The retention schedule is the admins' page: others do not reach it; a change is saved
// and shown on the admins' audit view; an access log under six months is refused beside
// its field, with the reason, and nothing changes.
func TestRetentionPage(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	t.Run("AdminsOnly", func(t *testing.T) {
		for _, who := range []string{"minh", "lan"} {
			if status, _ := get(t, c.client(who), c.srv.URL+"/admin/retention"); status == http.StatusOK {
				t.Errorf("%s opens the retention schedule", who)
			}
			status, _ := send(t, c.client(who), formRequest(c.srv.URL+"/admin/retention", url.Values{tickets.RetainAccessLog: {"200"}}, false))
			if status == http.StatusSeeOther || status == http.StatusOK {
				t.Errorf("%s sets the retention schedule: %d", who, status)
			}
		}
	})
	root := c.client("root")
	t.Run("AccessLogUnderSixMonths", func(t *testing.T) {
		status, body := send(t, root, formRequest(c.srv.URL+"/admin/retention", url.Values{tickets.RetainVoiceMessages: {"60"},
			tickets.RetainAccessLog: {"90"}}, false))
		if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Errorf("access log 90 days: %d, want refused", status)
		}
		if !strings.Contains(body, `data-testid="retention-error-access_log"`) || !strings.Contains(body, "ít nhất 6 tháng") {
			t.Errorf("no reason beside the access log's field:\n%s", body)
		}
		if !strings.Contains(body, `value="90"`) {
			t.Error("the refused period is not shown as typed")
		}
		periods, _ := c.store.RetentionPeriods(ctx, c.actor("root"))
		if periods[0].Days != 90 || periods[4].Days != 730 {
			t.Errorf("periods after a refusal: %d, %d; want 90, 730 unchanged", periods[0].Days, periods[4].Days)
		}
	})
	t.Run("OK", func(t *testing.T) {
		status, _ := send(t, root, formRequest(c.srv.URL+"/admin/retention", url.Values{tickets.RetainVoiceMessages: {"60"},
			tickets.RetainAccessLog: {"365"}}, false))
		if status != http.StatusSeeOther {
			t.Fatalf("save: %d, want 303", status)
		}
		_, body := get(t, root, c.srv.URL+"/admin/retention")
		if !strings.Contains(body, `name="voice_messages" type="number" min="1" max="36500" value="60"`) {
			t.Errorf("page does not show voice messages at 60 days:\n%s", body)
		}
		_, audit := get(t, root, c.srv.URL+"/admin/audit")
		for _, want := range []string{"Thời hạn lưu trữ: Nhật ký truy cập", "730 ngày", "365 ngày", "Thời hạn lưu trữ: Lời nhắn thoại"} {
			if !strings.Contains(audit, want) {
				t.Errorf("admins' audit view lacks %q", want)
			}
		}
	})
}

// In a browser: the admin sets the schedule, sees the refusal of an access log under six
// months beside its field, and the last purge's counts.
func TestRetentionPageInBrowser(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	if _, err := c.store.DB().Exec(`INSERT INTO login_failures (username, at) VALUES ('an', ?), ('binh', ?)`,
		time.Now().UTC().AddDate(0, 0, -40), time.Now().UTC().AddDate(0, 0, -41)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.store.Purge(ctx, tickets.PurgeOptions{Source: "serve", Night: tickets.Day(time.Now()), RecordingsDir: c.recordings}); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	c.signIn(tab, "root")
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	err := chromedp.Do(tab,
		chromedp.Navigate(c.srv.URL+"/admin/retention"),
		chromedp.WaitVisible(`[data-testid="purge-runs"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	count := text(`[data-testid="purge-run"] [data-testid="purge-count-login_failures"]`)
	total := text(`[data-testid="purge-run"] [data-testid="purge-total"]`)
	if count != "2" || total != "2" {
		t.Errorf("last run shows %s failed sign-ins, %s in all; want 2, 2", count, total)
	}
	err = chromedp.Do(tab,
		chromedp.SetValue(`[data-testid="retention-access_log"]`, "100"),
		// The browser's own check (min) would stop the form first: the server's is tested.
		chromedp.SetAttributeValue(`[data-testid="retention-access_log"]`, "min", "1"),
		chromedp.Submit(`[data-testid="retention-form"]`),
		chromedp.WaitVisible(`[data-testid="retention-error-access_log"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if errText := text(`[data-testid="retention-error-access_log"]`); !strings.Contains(errText, "6 tháng") {
		t.Errorf("refusal beside the field = %q", errText)
	}
	if v := axeViolations(t, tab); len(v) > 0 {
		t.Errorf("axe on the refused form:\n%s", strings.Join(v, "\n"))
	}
	err = chromedp.Do(tab,
		chromedp.SetValue(`[data-testid="retention-access_log"]`, "400"),
		chromedp.SetValue(`[data-testid="retention-voice_messages"]`, "45"),
		chromedp.Submit(`[data-testid="retention-form"]`),
		chromedp.WaitVisible(`[data-testid="retention-message"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	periods, _ := c.store.RetentionPeriods(ctx, c.actor("root"))
	if periods[0].Days != 45 || periods[4].Days != 400 {
		t.Errorf("periods saved = %d, %d; want 45, 400", periods[0].Days, periods[4].Days)
	}
	if v := axeViolations(t, tab); len(v) > 0 {
		t.Errorf("axe on the schedule:\n%s", strings.Join(v, "\n"))
	}
	screenshot(t, tab, "retention", 1280)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 900)); err != nil {
		t.Fatal(err)
	}
	sizes, err := chromedp.Run(tab, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if sizes[0] > sizes[1] {
		t.Errorf("the schedule with a run is %d px wide on a %d px phone", sizes[0], sizes[1])
	}
}
