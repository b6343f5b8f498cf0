package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// figureOf reads a figure's value from the report page by its key.
func figureOf(body, key string) string {
	m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `"[^>]*>\s*([^<\s][^<]*?)\s*<`).FindStringSubmatch(body)
	if m == nil {
		return "(none)"
	}
	return m[1]
}

// The daily report as supervisors and officers read it, as CSV and as PDF (read back
// with pdftotext and drawn with pdftoppm), frozen and then changed by a late ticket.
func TestDailyReportPage(t *testing.T) {
	c := newConsole(t)
	s := c.store
	ctx := context.Background()
	const day = "2021-08-10"
	at := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC) // 09:00 in Huế
	s.Now = func() time.Time { return at }
	for i, n := range []string{"+84905000001", "+84905000002", "+84905000001"} {
		start := at.Add(time.Duration(i) * time.Minute)
		end := start.Add(40 * time.Second)
		if err := s.SaveCall(ctx, &tickets.Call{ID: "c" + n[9:] + string(rune('a'+i)), ChannelID: "ch" + string(rune('a'+i)), CallerNumber: &n,
			StartedAt: start, EndedAt: &end, Outcome: tickets.OutcomeInformation,
			Path: tickets.Path{{At: start, Node: "main", Key: "1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.LogQueue(ctx, []*tickets.QueueEntry{
		{At: at, CallID: "q1", Event: tickets.QueueEnter},
		{At: at.Add(19 * time.Second), CallID: "q1", Agent: "lan", Event: tickets.QueueConnect, Data1: "19"},
	}); err != nil {
		t.Fatal(err)
	}
	c.ticket(tickets.CategorySymptomReport, "0905000001", ptr(phuXuan), nil)
	c.ticket(tickets.CategoryCommunityReport, "0905000002", ptr(kimLong), nil)
	s.Now = time.Now

	minh := c.client("minh")
	url := c.srv.URL + "/reports/daily?day=" + day
	code, body := get(t, minh, url)
	if code != http.StatusOK {
		t.Fatalf("report: %d %s", code, body)
	}
	// Five calls: three by hand, and one behind each ticket.
	for key, want := range map[string]string{"calls.received": "5", "calls.repeat": "2", "queue.offered": "1",
		"queue.service_level": "100.0 %", "tickets.created": "2", "tickets.unit." + phuXuan + ".created": "1",
		"queue.interval.0000.offered": "0", "queue.interval.0000.service_level": "–", "queue.interval.0900.service_level": "100.0 %"} {
		if got := figureOf(body, key); got != want {
			t.Errorf("figure %s = %q, want %q", key, got, want)
		}
	}
	if !strings.Contains(body, "Báo cáo ngày 10/08/2021") || !strings.Contains(body, "chưa chốt") || strings.Count(body, "<svg") != 3 {
		t.Errorf("report page: title, stamp or its three charts missing")
	}
	// An officer reads their unit's part; an agent has no report; a bad day is said so.
	code, body = get(t, c.client("hoa"), url)
	if code != http.StatusOK || figureOf(body, "tickets.unit."+phuXuan+".created") != "1" ||
		strings.Contains(body, "tickets.unit."+kimLong) || strings.Contains(body, "calls.received") {
		t.Errorf("officer's report: %d, their unit only", code)
	}
	if code, _ := get(t, c.client("lan"), url); code != http.StatusForbidden {
		t.Errorf("an agent's report: %d", code)
	}
	if code, body := get(t, minh, c.srv.URL+"/reports/daily?day=2021-13-45"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "không hợp lệ") {
		t.Errorf("a bad day: %d", code)
	}
	if code, body := get(t, minh, c.srv.URL+"/reports/daily?day="+day+"&period=week"); code != http.StatusOK ||
		!strings.Contains(body, "Báo cáo tuần 09/08–15/08/2021") || figureOf(body, "calls.received") != "5" {
		t.Errorf("the week's report: %d", code)
	}

	// Frozen, then a ticket of the day arrives late: the frozen figure stays, the value
	// now beside it.
	if _, err := s.FreezeDay(ctx, day); err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return at.Add(time.Hour) }
	c.ticket(tickets.CategorySymptomReport, "0905000003", ptr(phuXuan), nil)
	s.Now = time.Now
	_, body = get(t, minh, url)
	if figureOf(body, "tickets.created") != "2" || !strings.Contains(body, "nay 3 (+1)") || !strings.Contains(body, "Số liệu chốt lúc") {
		t.Errorf("the frozen report after a late ticket: created %q", figureOf(body, "tickets.created"))
	}
	page := figureOf(body, "calls.received")

	code, csv := get(t, minh, c.srv.URL+"/reports/daily.csv?day="+day)
	if code != http.StatusOK || !strings.HasPrefix(csv, "\ufeffsection,key,label,value,value_now,unit\n") ||
		!strings.Contains(csv, "\nCuộc gọi,calls.received,Cuộc gọi đến,5,6,count\n") || !strings.Contains(csv, ",tickets.created,Phiếu mới,2,3,count\n") {
		t.Errorf("csv: %d\n%.600s", code, csv)
	}

	resp, err := minh.Get(c.srv.URL + "/reports/daily.pdf?day=" + day)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "report.pdf")
	f, _ := os.Create(pdfPath)
	n, _ := f.ReadFrom(resp.Body)
	f.Close()
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || n < 1000 {
		t.Fatalf("pdf: %s, %d bytes", resp.Status, n)
	}
	text, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils; make test installs it): %v", err)
	}
	txt := string(text)
	for _, want := range []string{"TỔNG ĐÀI 1900 1075", "Báo cáo ngày 10/08/2021", "Số liệu chốt lúc", "Trang 1/", "Phường Phú Xuân"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`Cuộc gọi đến\s+(\d+)`).FindStringSubmatch(txt); m == nil || m[1] != page {
		t.Errorf("calls received in the PDF %v, on the page %s", m, page)
	}
	if m := regexp.MustCompile(`Phiếu mới\s+(\d+)\s+nay (\d+) \(\+1\)`).FindStringSubmatch(txt); m == nil || m[1] != "2" || m[2] != "3" {
		t.Errorf("tickets created in the PDF %v, want 2, now 3 (+1)", m)
	}
	out := filepath.Join(dir, "page")
	if err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdfPath, out).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pngs, _ := filepath.Glob(out + "*.png")
	if len(pngs) != 1 {
		t.Fatalf("pdftoppm drew %v", pngs)
	}
	if st, err := os.Stat(pngs[0]); err != nil || st.Size() < 5000 {
		t.Errorf("the PDF's first page drawn: %v %v", st, err)
	}

	// In the browser, as a supervisor reads and prints it.
	tab := newTab(t)
	c.signIn(tab, "minh")
	if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitVisible(`[data-testid="report"]`)); err != nil {
		t.Fatal(err)
	}
	if shots := os.Getenv("HOTLINE_SCREENSHOTS"); shots != "" {
		// The top of the page: the charts and the first figures.
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1100, 1500)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, "report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		// At a phone's width, for an officer in the field.
		if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 1400)); err != nil {
			t.Fatal(err)
		}
		if png, err = chromedp.Run(tab, chromedp.CaptureScreenshot()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, "report-phone.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
