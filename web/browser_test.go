package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// An agent's work on a ticket, in the browser: signs in, finds the caller by a number
// typed with spaces, opens the ticket, plays the voice message, adds a note, triages,
// assigns it to a ward, resolves it; the timeline shows each step with her name.
func TestAgentWorksATicket(t *testing.T) {
	c := newConsole(t)
	c.ticket(tickets.CategoryInformation, "0911222333", nil, nil)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes", "cough": "no", "breath": "no", "unit": phuXuan})
	c.voiceMessage(tk)
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	screenshot(t, ctx, "triage-queue", 1280)

	// The keyboard: j chooses the first row, k cannot go above it, Enter opens it; back,
	// / puts the cursor in the search box.
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/tickets"),
		chromedp.WaitVisible(`[data-testid="tickets"]`),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("k"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`[data-testid="ticket"]`),
	)
	if err != nil {
		t.Fatalf("open a ticket with the keyboard: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/tickets"),
		chromedp.WaitVisible(`[data-testid="search"]`),
		chromedp.KeyEvent("/"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if focused, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.dataset.testid || ""`)); focused != "search" {
		t.Errorf("/ focused %q, want the search box", focused)
	}
	// (the / itself may reach the box as it takes the focus)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.value = ""`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="search"]`, "0905 123 456"),
		chromedp.Submit(`[data-testid="filters"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	refs := waitTexts(t, ctx, `[data-testid="ticket-ref"]`, func(refs []string) bool { return len(refs) == 1 })
	if refs[0] != tk.Ref {
		t.Fatalf("search by a number with spaces found %v, want %s", refs, tk.Ref)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="ticket-ref"]`), chromedp.WaitVisible(`[data-testid="ticket"]`)); err != nil {
		t.Fatal(err)
	}
	answers, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="answers"]`))
	if !strings.Contains(answers, "Sốt: có") || !strings.Contains(answers, "Phường Phú Xuân") || strings.Contains(answers, "21221") {
		t.Errorf("answers in words: %q", answers)
	}
	number, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="caller-number"]`))
	if number != "0905 123 456" {
		t.Errorf("caller number %q", number)
	}
	seconds, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
		const a = document.querySelector('audio[data-testid="recording"]');
		await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error("audio " + (a.error && a.error.code))); a.preload = "auto"; a.load(); });
		await a.play();
		return a.duration;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || seconds < 1.9 {
		t.Errorf("playing the voice message: %v s, %v", seconds, err)
	}
	screenshot(t, ctx, "ticket", 1280)

	step := func(what, want string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		htmxReady(t, ctx) // a click before htmx has loaded posts the plain form, which reloads with no message
		settled(t, ctx)   // the moves take no click while the page the last one swapped in settles
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for i := 0; i < 100; i++ {
			m, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="message"]')].map(e => e.textContent.trim())`))
			if err == nil && len(m) == 1 && strings.Contains(m[0], want) {
				t.Logf("%s: %s", what, m[0])
				return
			}
			chromedp.Do(ctx, chromedp.Sleep(100_000_000))
		}
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("%s: no message %q within 10 s; the page:\n%s", what, want, page)
	}
	step("note", "ghi chú", chromedp.SendKeys(`[data-testid="note-input"]`, "Đã gọi, bà Hoa ho nhẹ, hẹn gọi lại chiều"),
		chromedp.Click(`[data-testid="note-form"] button`))
	step("triage", "Đã phân loại", chromedp.Click(`[data-testid="move-triaged"]`))
	step("assign", "Đã giao", chromedp.SetValue(`[data-testid="assignee"]`, "unit:"+phuXuan), chromedp.Click(`[data-testid="assign"]`))
	step("in progress", "Đang xử lý", chromedp.Click(`[data-testid="move-in_progress"]`))
	step("resolve", "Đã giải quyết", chromedp.Click(`[data-testid="move-resolved"]`))
	status, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="ticket-status"]`))
	if status != "Đã giải quyết" {
		t.Errorf("status %q", status)
	}
	actors := waitTexts(t, ctx, `[data-testid="timeline-actor"]`, func([]string) bool { return true })
	entries := waitTexts(t, ctx, `[data-testid="timeline-entry"]`, func([]string) bool { return true })
	want := []string{"Ghi chú", "Đã phân loại", "Phường Phú Xuân", "Đang xử lý", "Đã giải quyết"}
	joined := strings.Join(entries, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("timeline lacks %q:\n%s", w, joined)
		}
	}
	lan := 0
	for _, a := range actors {
		if a == "Nguyễn Thị Lan" {
			lan++
		}
	}
	if lan < 6 { // note, triaged, assigned (with the move), in progress, resolved
		t.Errorf("the agent's name on %d steps of the timeline:\n%s", lan, joined)
	}
}

// A ward officer's day, in the browser (and on a phone's width): only their unit's
// tickets; the board of follow-ups, a result recorded in one click.
func TestOfficerWorksTheBoard(t *testing.T) {
	ctx0 := context.Background()
	c := newConsole(t)
	mine := c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	theirs := c.ticket(tickets.CategorySupportRequest, "0905777888", ptr(kimLong), nil)
	cs := &tickets.Case{PersonName: "Nguyễn Văn An", Phone: ptr("0905 777 999"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx0, c.actor("lan"), cs, &mine.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx0, c.actor("lan"), cs.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	binh := &tickets.Case{PersonName: "Trần Thị Bình", Phone: ptr("0905 777 222"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx0, c.actor("lan"), binh, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx0, c.actor("lan"), binh.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	c.signIn(ctx, "hoa")
	if err := chromedp.Do(ctx, chromedp.Navigate(c.srv.URL+"/tickets?view=all"), chromedp.WaitVisible(`[data-testid="tickets"]`)); err != nil {
		t.Fatal(err)
	}
	refs := waitTexts(t, ctx, `[data-testid="ticket-ref"]`, func([]string) bool { return true })
	if strings.Join(refs, " ") != mine.Ref {
		t.Errorf("officer sees %v, want only %s (not %s)", refs, mine.Ref, theirs.Ref)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(c.srv.URL+"/board"), chromedp.WaitVisible(`[data-testid="due-today"]`)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "officer-board", 1280)
	screenshot(t, ctx, "officer-board-phone", 390)
	// The method is asked (a home visit here), then the result.
	htmxReady(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Click(`[data-testid="due-today"] input[value="home_visit"]`),
		chromedp.Click(`[data-testid="due-today"] [data-testid="result-well"]`)); err != nil {
		t.Fatal(err)
	}
	msg := waitTexts(t, ctx, `[data-testid="message"]`, func(m []string) bool { return len(m) == 1 })
	if !strings.Contains(msg[0], "không có dấu hiệu") {
		t.Errorf("message %q", msg[0])
	}
	fus, _ := c.store.FollowUps(ctx0, tickets.ActorSystem, cs.ID)
	if fus[0].Result == nil || *fus[0].Result != tickets.ResultWell || fus[0].Method == nil || *fus[0].Method != tickets.MethodHomeVisit ||
		fus[0].RecordedBy == nil || *fus[0].RecordedBy != c.users["hoa"].ID {
		t.Errorf("day 1: %+v", fus[0])
	}
	// The next card remembers the method; "seen, with signs" asks to confirm, then
	// refers the case.
	if checked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="due-today"] input[value="home_visit"]').checked`)); !checked {
		t.Errorf("the next card does not remember the home visit")
	}
	htmxReady(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="due-today"] [data-testid="result-symptomatic"]`),
		chromedp.WaitVisible(`[data-testid="confirm-symptomatic"]`)); err != nil {
		t.Fatalf("'seen, with signs' asks no confirmation: %v", err)
	}
	screenshot(t, ctx, "officer-board-confirm-phone", 390)
	for _, v := range axeViolations(t, ctx) {
		t.Errorf("the confirmation: %s", v)
	}
	if got, _ := c.store.GetCase(ctx0, tickets.ActorSystem, binh.ID); got.Status != tickets.CaseMonitoring {
		t.Errorf("before the confirmation the case is %s", got.Status)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="confirm-yes"]`)); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, ctx, `[data-testid="message"]`, func(m []string) bool { return len(m) == 1 && strings.Contains(m[0], "có dấu hiệu") })
	if got, _ := c.store.GetCase(ctx0, tickets.ActorSystem, binh.ID); got.Status != tickets.CaseReferred {
		t.Errorf("after the confirmation the case is %s, want referred", got.Status)
	}

	// The case's automated calls: the day's two attempts are on its page; the officer
	// pauses the calls from it.
	other := &tickets.Case{PersonName: "Lê Thị Cúc", Phone: ptr("0905 777 111"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx0, c.actor("lan"), other, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx0, c.actor("lan"), other.ID, tickets.CaseMonitoring, ""); err != nil {
		t.Fatal(err)
	}
	for i, end := range []tickets.FollowUpCallEnd{{Result: tickets.AttemptBusy, Cause: ptr(17)}, {Result: tickets.AttemptPartial,
		Answers: tickets.Answers{"fever": "no"}}} {
		at := time.Now().Add(time.Duration(i) * 50 * time.Minute) // the second after the first's 45 min
		due, _ := c.store.FollowUpCallsDue(ctx0, at, 10)
		a, err := c.store.ClaimFollowUpCall(ctx0, due[0], at, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.store.EndFollowUpCall(ctx0, a.ID, end)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.srv.URL+"/cases/"+other.Ref),
		chromedp.WaitVisible(`[data-testid="auto-calls"]`), chromedp.Click(`[data-testid="auto-calls-pause"]`)); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, ctx, `[data-testid="auto-calls-status"]`, func(s []string) bool { return len(s) == 1 && strings.HasPrefix(s[0], "Tạm dừng") })
	rows := waitTexts(t, ctx, `[data-testid="auto-call"]`, func(s []string) bool { return len(s) == 2 })
	if !strings.Contains(rows[0], "Gác máy giữa chừng") || !strings.Contains(rows[0], "Sốt: không") || !strings.Contains(rows[1], "Máy bận (mã 17)") {
		t.Errorf("attempts on the case page: %q", rows)
	}
	trail := waitTexts(t, ctx, `[data-testid="timeline-entry"]`, func(s []string) bool { return len(s) > 0 })
	if last := trail[len(trail)-1]; !strings.Contains(last, "Gọi tự động") || !strings.Contains(last, "Đang gọi tự động → Tạm dừng gọi tự động") {
		t.Errorf("the pause on the case's trail: %q", last)
	}
	screenshot(t, ctx, "case-auto-calls", 1280)
	screenshot(t, ctx, "case-auto-calls-phone", 390)
}

// htmxReady waits until the page's htmx has loaded and processed the page (the scripts
// are deferred: under load a test can click before they run).
func htmxReady(t *testing.T, ctx context.Context) {
	t.Helper()
	for i := 0; i < 100; i++ {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && typeof htmx !== "undefined"`))
		if err == nil && ok {
			return
		}
		chromedp.Do(ctx, chromedp.Sleep(100_000_000))
	}
	t.Fatal("htmx did not load within 10 s")
}

// waitTexts waits until the texts of the elements matching sel satisfy ok, and returns
// them.
func waitTexts(t *testing.T, ctx context.Context, sel string, ok func([]string) bool) []string {
	t.Helper()
	var texts []string
	for i := 0; i < 100; i++ {
		var err error
		texts, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`[...document.querySelectorAll(%q)].map(e => e.textContent.trim())`, sel)))
		if err == nil && ok(texts) && len(texts) > 0 {
			return texts
		}
		chromedp.Do(ctx, chromedp.Sleep(100_000_000))
	}
	t.Fatalf("%s: %q", sel, texts)
	return nil
}
