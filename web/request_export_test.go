package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// verifiedRequest registers a request of a kind for a number and records its
// verification, as a supervisor would.
func (c *console) verifiedRequest(kind, phone string) *tickets.DataRequest {
	c.t.Helper()
	ctx := context.Background()
	r := &tickets.DataRequest{Kind: kind, Channel: "letter", Phone: phone}
	if err := c.store.RegisterDataRequest(ctx, c.actor("minh"), r); err != nil {
		c.t.Fatal(err)
	}
	if err := c.store.VerifyDataRequest(ctx, c.actor("minh"), r.ID, tickets.VerifyDocument, "citizen_id"); err != nil {
		c.t.Fatal(err)
	}
	return r
}

// The access export as the citizen gets it: the PDF read back with pdftotext has the
// calls and tickets; the JSON holds what the database does; both are in the access log.
func TestRequestExportPDFAndJSON(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes"})
	if err := c.store.AddTicketNote(ctx, c.actor("lan"), tk.ID, "sốt cao từ hôm qua"); err != nil {
		t.Fatal(err)
	}
	c.voiceMessage(tk)
	other := c.ticket(tickets.CategorySymptomReport, "0914555666", ptr(phuXuan), nil)
	r := c.verifiedRequest(tickets.RequestAccess, "0905 123 456")
	base := c.srv.URL + "/requests/" + itoa(r.ID)
	sup := c.client("minh")

	status, pdf := get(t, sup, base+"/export.pdf")
	if status != http.StatusOK || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("the PDF: %d", status)
	}
	path := filepath.Join(t.TempDir(), "export.pdf")
	os.WriteFile(path, []byte(pdf), 0o600)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils; make test installs it): %v", err)
	}
	text := string(out)
	for _, want := range []string{"0905 123 456", "Cuộc gọi (1)", "Phiếu (1)", tk.Ref, "sốt cao từ hôm qua", "Lời nhắn thoại, ghi âm (1)", "2 giây"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, other.Ref) {
		t.Error("the PDF has another caller's ticket")
	}

	status, body := get(t, sup, base+"/export.json")
	if status != http.StatusOK {
		t.Fatalf("the JSON: %d", status)
	}
	var x struct {
		Phone string `json:"phone"`
		Calls []struct {
			ID       string `json:"id"`
			Outcome  string `json:"outcome"`
			MenuPath []any  `json:"menu_path"`
		} `json:"calls"`
		Tickets []struct {
			Ref     string            `json:"ref"`
			Answers string            `json:"ivr_answers"`
			Trail   []json.RawMessage `json:"trail"`
		} `json:"tickets"`
		Voice []struct {
			ID        int64  `json:"id"`
			TicketRef string `json:"ticket_ref"`
		} `json:"voice_messages"`
	}
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatal(err)
	}
	// What the database holds for the number.
	var callIDs []string
	rows, _ := c.store.DB().Query(`SELECT id FROM calls WHERE caller_number = '+84905123456'`)
	for rows.Next() {
		var id string
		rows.Scan(&id)
		callIDs = append(callIDs, id)
	}
	rows.Close()
	var events, voice int
	c.store.DB().QueryRow(`SELECT COUNT(*) FROM events WHERE entity = 'ticket' AND entity_id = ?`, tk.ID).Scan(&events)
	c.store.DB().QueryRow(`SELECT COUNT(*) FROM recordings WHERE ticket_id = ?`, tk.ID).Scan(&voice)
	if x.Phone != "+84905123456" || len(x.Calls) != len(callIDs) || len(callIDs) != 1 || x.Calls[0].ID != callIDs[0] {
		t.Errorf("the JSON's calls %+v, the database's %v", x.Calls, callIDs)
	}
	if len(x.Tickets) != 1 || x.Tickets[0].Ref != tk.Ref || len(x.Tickets[0].Trail) != events || !strings.Contains(x.Tickets[0].Answers, "fever") {
		t.Errorf("the JSON's tickets %+v; the database has %s with %d events", x.Tickets, tk.Ref, events)
	}
	// The trail's entries have stable snake_case names, and hold what the events table does.
	var kinds []string
	rows, _ = c.store.DB().Query(`SELECT kind FROM events WHERE entity = 'ticket' AND entity_id = ? ORDER BY at, id`, tk.ID)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	wantKeys := "actor at field kind new_value note old_value"
	for i, raw := range x.Tickets[0].Trail {
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, " "); got != wantKeys {
			t.Errorf("trail entry %d has the names %q, want %q", i, got, wantKeys)
		}
		if i < len(kinds) && e["kind"] != kinds[i] {
			t.Errorf("trail entry %d is %v, the database's %q", i, e["kind"], kinds[i])
		}
	}
	if len(x.Voice) != voice || voice != 1 || x.Voice[0].TicketRef != tk.Ref {
		t.Errorf("the JSON's voice messages %+v, the database's %d", x.Voice, voice)
	}
	if strings.Contains(body, "0914555666") || strings.Contains(body, other.Ref) {
		t.Error("the JSON has another caller's data")
	}
	log, err := c.store.ListAccess(ctx, c.actor("minh"), tickets.AccessFilter{Phone: "0905123456", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, a := range log {
		if a.Action == tickets.AccessDataExport {
			exports++
		}
	}
	if exports != 2 {
		t.Errorf("%d exports in the access log, want 2 (the PDF and the JSON)", exports)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/export.json", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, _ := send(t, sup, req); status != http.StatusForbidden {
		t.Errorf("an export asked from another site: %d, want 403", status)
	}
	if status, _ := get(t, c.client("root"), base+"/export.json"); status != http.StatusForbidden {
		t.Errorf("an admin exports: %d, want 403", status)
	}
}

// Access and deletion requests end to end in the browser: register, verify, export,
// delete; afterwards the number is in no ticket and the export of it is logged.
func TestAccessAndDeletionRequestsInTheBrowser(t *testing.T) {
	c := newConsole(t)
	c.store.Recordings = c.recordings // as serve sets it
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	rec := c.voiceMessage(tk)
	tab := newTab(t)
	c.signIn(tab, "minh")
	register := func(kind string) {
		t.Helper()
		err := chromedp.Do(tab,
			chromedp.Navigate(c.srv.URL+"/requests"),
			chromedp.WaitVisible(`[data-testid="request-add"]`),
			chromedp.SetValue(`[data-testid="request-kind"]`, kind),
			chromedp.SetValue(`[data-testid="request-channel"]`, "in_person"),
			chromedp.SendKeys(`[data-testid="request-phone"]`, "0905 123 456"),
			chromedp.SendKeys(`[data-testid="request-requester"]`, "Trần Thị Bình"),
			chromedp.Click(`[data-testid="request-submit"]`),
			chromedp.WaitVisible(`[data-testid="request-verify"]`),
			chromedp.Click(`[data-testid="verify-document"]`),
			chromedp.SetValue(`[data-testid="verify-document-kind"]`, "citizen_id"),
			chromedp.Click(`[data-testid="verify-submit"]`),
			chromedp.WaitVisible(`[data-testid="message"]`),
		)
		if err != nil {
			t.Fatalf("register and verify a %s request: %v", kind, err)
		}
	}
	register("access")
	verification, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-verification"]`))
	if !strings.Contains(verification, "Thẻ căn cước") {
		t.Errorf("the verification reads %q", verification)
	}
	ref, err := chromedp.Run(tab, chromedp.Evaluate[string](`(async () => {
		const a = document.querySelector('[data-testid="export-json"]');
		const x = await (await fetch(a.href)).json();
		const pdf = await fetch(document.querySelector('[data-testid="export-pdf"]').href);
		return x.tickets[0].ref + " " + x.voice_messages.length + " " + pdf.headers.get("content-type");
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || ref != tk.Ref+" 1 application/pdf" {
		t.Errorf("the export from the page: %q, %v", ref, err)
	}

	register("deletion")
	err = chromedp.Do(tab,
		chromedp.Click(`[data-testid="erase-submit"]`),
		chromedp.WaitVisible(`[data-testid="request-outcome"]`),
	)
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	status, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-status"]`))
	outcome, _ := chromedp.Run(tab, chromedp.Text(`[data-testid="request-outcome"]`))
	if status != "Đã thực hiện" || !strings.Contains(outcome, "1 cuộc gọi") {
		t.Errorf("after the erasure: %q, %q", status, outcome)
	}
	got, err := c.store.GetTicket(context.Background(), tickets.ActorSystem, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CallerNumber != nil {
		t.Errorf("the ticket still has the number %s", *got.CallerNumber)
	}
	if _, err := c.store.GetRecording(context.Background(), tickets.ActorSystem, rec); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("the voice message after the erasure: %v, want not found", err)
	}
	list, _ := chromedp.Run(tab, chromedp.Evaluate[string](`(async () => (await (await fetch("/requests")).text()))()`, chromedp.EvalAwaitPromise))
	if strings.Contains(list, ">0905 123 456<") || !strings.Contains(list, ">0905 *** 456<") { // the form's placeholder is an example number
		t.Errorf("the desk still shows the erased number in full (%v), or not masked (%v)", strings.Contains(list, ">0905 123 456<"), strings.Contains(list, ">0905 *** 456<"))
	}
	if _, err := os.Stat(filepath.Join(c.recordings, "2021/08/10/"+*tk.CallID+"-m1.wav")); !os.IsNotExist(err) {
		t.Errorf("the voice message's file after the erasure: %v", err)
	}
}
