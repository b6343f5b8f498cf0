package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// menuTicket files the ticket of a caller put through to an agent after pressing keys,
// as the IVR does when the agent answers (the call's path is written when it ends).
func (c *console) menuTicket(phone, keys string) *tickets.Ticket {
	c.t.Helper()
	ctx := context.Background()
	n, _ := tickets.NormalizePhone(phone)
	call := &tickets.Call{ChannelID: "ch-" + tickets.NewCallID(), CallerRaw: phone, CallerNumber: &n}
	if err := c.store.StartCall(ctx, call); err != nil {
		c.t.Fatal(err)
	}
	tk := &tickets.Ticket{Category: tickets.CategoryInformation, Priority: tickets.P3, CallerNumber: &n, CallID: &call.ID,
		IVRKeys: keys, Summary: "Cuộc gọi do tổng đài viên trả lời."}
	if err := c.store.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		c.t.Fatal(err)
	}
	return tk
}

// rulesText is the rules' version in effect now, as the store has it.
func (c *console) rulesText() *tickets.ArticleVersion {
	c.t.Helper()
	a, _, err := c.store.Article(context.Background(), c.actor("lan"), tickets.ArticleRules)
	if err != nil || a.Current == nil {
		c.t.Fatalf("the rules: %+v %v", a, err)
	}
	return a.Current
}

// textareaValue is the text of the note's field in a ticket's page.
func textareaValue(body string) string {
	i := strings.Index(body, `data-testid="note-input">`)
	if i < 0 {
		return "(no note field)"
	}
	rest := body[i+len(`data-testid="note-input">`):]
	return html.UnescapeString(rest[:strings.Index(rest, "</textarea>")])
}

// Who may: the call centre and the officers read Hướng dẫn; the supervisors write it; an
// admin reaches none of it.
func TestGuidesWhoMay(t *testing.T) {
	c := newConsole(t)
	for _, who := range []string{"lan", "hoa", "minh"} {
		cl := c.client(who)
		for _, path := range []string{"/guides", "/guides/" + tickets.ArticleRules, "/guides?q=cach+ly", "/note-text?insert=guide:" + tickets.ArticleRules} {
			if code, _ := get(t, cl, c.srv.URL+path); code != http.StatusOK {
				t.Errorf("%s GET %s: %d, want 200", who, path, code)
			}
		}
		_, body := get(t, cl, c.srv.URL+"/guides/"+tickets.ArticleRules)
		if got, want := strings.Contains(body, `data-testid="guide-version-form"`), who == "minh"; got != want {
			t.Errorf("%s sees the new version's form: %v, want %v", who, got, want)
		}
	}
	root := c.client("root")
	for _, path := range []string{"/guides", "/guides/" + tickets.ArticleRules, "/note-text?insert=guide:" + tickets.ArticleRules} {
		if code, _ := get(t, root, c.srv.URL+path); code != http.StatusForbidden {
			t.Errorf("root GET %s: %d, want 403", path, code)
		}
	}
	if code, _ := get(t, c.client(""), c.srv.URL+"/guides"); code != http.StatusSeeOther {
		t.Errorf("nobody signed in GET /guides: %d, want 303 to the sign-in", code)
	}
	form := url.Values{"title": {"Quy định"}, "body": {"Nội dung"}, "seen": {"1"}}
	for _, who := range []string{"lan", "hoa", "root"} {
		cl := c.client(who)
		for _, path := range []string{"/guides/" + tickets.ArticleRules + "/versions", "/guides", "/replies", "/announcements/rules_info/versions/1/guide"} {
			if code, _ := post(t, cl, c.srv.URL+path, form); code != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who, path, code)
			}
		}
	}
	if v := c.rulesText(); v.Number != 1 {
		t.Errorf("the refused posts made version %d", v.Number)
	}
}

// A supervisor writes versions: now, or from a time; an effective time passed, an empty
// body, a time not understood or a page older than another supervisor's version are
// refused beside their field (or on the page) with what was written kept, and change
// nothing.
func TestGuideVersionsInTheConsole(t *testing.T) {
	c := newConsole(t)
	minh := c.client("minh")
	page := c.srv.URL + "/guides/" + tickets.ArticleRules
	body := "Từ 00:00 ngày 12/08: người vào Huế từ vùng có dịch cách ly 14 ngày."
	for name, f := range map[string]struct {
		form  url.Values
		code  int
		where string
	}{
		"an effective time passed": {url.Values{"title": {"Quy định"}, "body": {body}, "from": {"01/01/2021 08:00"}, "seen": {"1"}}, 422, `data-testid="error-effective_from"`},
		"a time not understood":    {url.Values{"title": {"Quy định"}, "body": {body}, "from": {"2031-13-45"}, "seen": {"1"}}, 422, `data-testid="error-effective_from"`},
		"an empty body":            {url.Values{"title": {"Quy định"}, "body": {"  "}, "seen": {"1"}}, 422, `data-testid="error-body"`},
		"no title":                 {url.Values{"title": {""}, "body": {body}, "seen": {"1"}}, 422, `data-testid="error-title"`},
		"a stale page":             {url.Values{"title": {"Quy định"}, "body": {body}, "seen": {"0"}}, 409, `data-testid="problem"`},
	} {
		code, got := post(t, minh, page+"/versions", f.form)
		if code != f.code || !strings.Contains(got, f.where) {
			t.Errorf("%s: %d, want %d with %s", name, code, f.code, f.where)
		}
		if b := f.form.Get("body"); strings.TrimSpace(b) != "" && !strings.Contains(got, b) {
			t.Errorf("%s: what the supervisor wrote is not in the form shown again", name)
		}
	}
	if v := c.rulesText(); v.Number != 1 {
		t.Fatalf("refused versions changed the rules: version %d in effect", v.Number)
	}
	// Tomorrow's rules, written tonight: shown as coming, not in effect.
	tomorrow := time.Now().In(tickets.Local).Add(24 * time.Hour).Format("02/01/2006 15:04")
	code, got := post(t, minh, page+"/versions", url.Values{"title": {"Quy định từ ngày mai"}, "body": {body}, "from": {tomorrow}, "seen": {"1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("a version from tomorrow: %d\n%s", code, excerpt(got, "error-message"))
	}
	_, got = get(t, c.client("lan"), page)
	if !strings.Contains(got, `data-testid="guide-next"`) || !strings.Contains(got, "Phiên bản 2 có hiệu lực từ "+tomorrow) || c.rulesText().Number != 1 {
		t.Errorf("the rules page does not show version 2 as coming from %s with version 1 in effect: %s", tomorrow, excerpt(got, "guide-article"))
	}
	_, list := get(t, c.client("lan"), c.srv.URL+"/guides")
	if !strings.Contains(list, "phiên bản 2 có hiệu lực từ "+tomorrow) {
		t.Errorf("the list does not say version 2 is coming: %s", excerpt(list, "guides"))
	}
	if code, _ := post(t, minh, page+"/versions", url.Values{"title": {"Quy định"}, "body": {"Bản sửa, có hiệu lực ngay."}, "seen": {"2"}}); code != http.StatusSeeOther {
		t.Fatalf("a version from now: %d", code)
	}
	if v := c.rulesText(); v.Number != 3 || v.Body != "Bản sửa, có hiệu lực ngay." {
		t.Errorf("in effect after a version from now: %+v", v)
	}
}

// A search typed without accents finds the articles with the words, and says when it
// finds none.
func TestGuidesSearch(t *testing.T) {
	c := newConsole(t)
	lan := c.client("lan")
	_, body := get(t, lan, c.srv.URL+"/guides?q="+url.QueryEscape("khu cach ly"))
	results := excerptAll(body, "guide-result")
	if !strings.Contains(results, "/guides/"+tickets.ArticleQuarantine) || strings.Contains(results, "/guides/"+tickets.ArticleSupport) {
		t.Errorf("search “khu cach ly”: %s", results)
	}
	if !strings.Contains(results, "khu cách ly") {
		t.Errorf("the result does not show the sentence found: %s", results)
	}
	if _, body := get(t, lan, c.srv.URL+"/guides?q=xyzw"); !strings.Contains(body, `data-testid="no-results"`) {
		t.Errorf("a search that finds nothing does not say so")
	}
}

// A menu-1 caller's ticket links the rules at the top; a menu-2 caller's links nothing.
// Without the page's script, inserting an article or a saved reply shows the ticket again
// with the text in the note's field; the script gets it as plain text.
func TestTicketGuidesAndInserts(t *testing.T) {
	c := newConsole(t)
	lan := c.client("lan")
	rules := c.menuTicket("0905123456", "10")
	_, body := get(t, lan, c.srv.URL+"/tickets/"+rules.Ref)
	links := excerpt(body, "guide-links")
	if !strings.Contains(links, `href="/guides/`+tickets.ArticleRules+`"`) || !strings.Contains(links, "phím 1") {
		t.Errorf("a menu-1 ticket's guide links: %s", links)
	}
	symptoms := c.ticket(tickets.CategorySymptomReport, "0911222333", nil, nil)
	if _, body := get(t, lan, c.srv.URL+"/tickets/"+symptoms.Ref); strings.Contains(body, `data-testid="guide-links"`) {
		t.Errorf("a menu-2 ticket links guides")
	}
	v := c.rulesText()
	code, body := get(t, lan, c.srv.URL+"/tickets/"+rules.Ref+"?insert=guide:"+tickets.ArticleRules)
	if got := textareaValue(body); code != http.StatusOK || !strings.Contains(got, v.Body) || !strings.Contains(got, "phiên bản 1") {
		t.Errorf("insert the rules without the script: %d, the note field has %q", code, got)
	}
	replies, _ := c.store.SavedReplies(context.Background(), c.actor("lan"))
	_, body = get(t, lan, fmt.Sprintf("%s/tickets/%s?insert=reply:%d", c.srv.URL, rules.Ref, replies[0].ID))
	if got := textareaValue(body); got != replies[0].Body {
		t.Errorf("insert a saved reply: the note field has %q, want %q", got, replies[0].Body)
	}
	code, body = get(t, lan, c.srv.URL+"/tickets/"+rules.Ref+"?insert=guide:khong-co")
	if code != http.StatusNotFound && code != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-insert"`) {
		t.Errorf("insert an article that does not exist: %d, want the message beside the insert", code)
	}
	code, text := get(t, lan, fmt.Sprintf("%s/note-text?insert=reply:%d", c.srv.URL, replies[0].ID))
	if code != http.StatusOK || text != replies[0].Body {
		t.Errorf("the script's text: %d %q", code, text)
	}
	if code, _ := get(t, lan, c.srv.URL+"/note-text?insert=nothing"); code != http.StatusUnprocessableEntity {
		t.Errorf("the script's text for nothing: %d, want 422", code)
	}
}

// A supervisor publishes an announcement's typed text as the article's new version from
// the announcement's page; a recording cannot be, and says why beside its row.
func TestPromptToGuideInTheConsole(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	text := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText, Text: "Từ 00:00 ngày 12/08, người vào Huế phải khai báo y tế trên Hue-S."}
	rec := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptUpload, Text: "bản ghi âm"}
	for _, v := range []*tickets.PromptVersion{text, rec} {
		if err := c.store.AddPromptVersion(ctx, c.actor("minh"), v, soundstest.WAV(2*time.Second, 8000)); err != nil {
			t.Fatal(err)
		}
	}
	minh := c.client("minh")
	page := c.srv.URL + "/announcements/rules_info"
	_, body := get(t, minh, page)
	if !strings.Contains(body, `data-testid="publish-vi-2"`) || strings.Contains(body, `data-testid="publish-vi-3"`) {
		t.Errorf("the publish form: on the typed version %v, on the recording %v; want on the typed one only",
			strings.Contains(body, `data-testid="publish-vi-2"`), strings.Contains(body, `data-testid="publish-vi-3"`))
	}
	code, body := post(t, minh, fmt.Sprintf("%s/versions/%d/guide", page, rec.ID), url.Values{"article": {tickets.ArticleRules}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fmt.Sprintf(`data-testid="error-guide-%d"`, rec.ID)) {
		t.Errorf("publish a recording: %d, want 422 beside its row", code)
	}
	code, body = post(t, minh, fmt.Sprintf("%s/versions/%d/guide", page, text.ID), url.Values{"article": {tickets.ArticleRules}})
	if code != http.StatusSeeOther {
		t.Fatalf("publish the typed text: %d\n%s", code, excerpt(body, "error-message"))
	}
	if v := c.rulesText(); v.Body != text.Text || v.Number != 2 {
		t.Errorf("the rules after publishing: %+v", v)
	}
	_, body = get(t, minh, page)
	if !strings.Contains(excerptAll(body, "published"), "/guides/"+tickets.ArticleRules) || !strings.Contains(excerpt(body, "prompt-history"), "lên Hướng dẫn") {
		t.Errorf("the announcement's page does not say the version was published")
	}
}

// In the browser: the agent's phone answers a caller who chose menu 1; the screen-pop
// opens their ticket, which links the rules; the agent reads them, comes back, inserts
// their text and a saved reply into the note and saves it.
func TestAgentFindsTheGuideFromTheScreenPop(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.menuTicket("0905123456", "10")
	rules := c.rulesText()
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	if err := chromedp.Do(ctx, chromedp.Navigate(c.srv.URL+"/tickets"), chromedp.WaitVisible(`[data-testid="tickets"]`)); err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	// The live stream is open when the desk says the agent is on the call.
	time.Sleep(time.Second)
	desk.agent(c.users["lan"].ID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.Inbound, a.TicketRef, a.Number, a.Talking = tickets.AgentOnCall, "call-1", true, tk.Ref, "+84905123456", true
	})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`[data-testid="guide-links"]`)); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("no screen-pop with the guide links: %v\n%s", err, page)
	}
	screenshot(t, ctx, "ticket-guide-links", 1280)
	err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="guide-link"]`),
		chromedp.WaitVisible(`[data-testid="guide-body"]`),
	)
	if err != nil {
		t.Fatalf("open the rules from the ticket: %v", err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="guide-body"]`)); !strings.Contains(got, "Quy định hiện hành") {
		t.Errorf("the rules page shows %q", got)
	}
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="print"]').hidden`)); hidden {
		t.Errorf("the print button stays hidden with the script")
	}
	screenshot(t, ctx, "guide-article", 1280)
	screenshot(t, ctx, "guide-article-phone", 390)
	// Printed: the article and when it was printed, not the console around it.
	printMedia := func(media string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
			return err
		})
	}
	if err := chromedp.Do(ctx, printMedia("print")); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]bool](`Object.fromEntries(["header.top", ".live-bar", ".crumbs",
		'[data-testid="guide-history"]', '[data-testid="print"]', '[data-testid="guide-body"]', ".print-only"].map(s => {
		const e = document.querySelector(s); return [s, !!e && e.getClientRects().length > 0]; }))`))
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]bool{"header.top": false, ".live-bar": false, ".crumbs": false, `[data-testid="guide-history"]`: false,
		`[data-testid="print"]`: false, `[data-testid="guide-body"]`: true, ".print-only": true} {
		if shown[sel] != want {
			t.Errorf("printed, %s shown: %v, want %v", sel, shown[sel], want)
		}
	}
	screenshot(t, ctx, "guide-article-print", 800)
	if err := chromedp.Do(ctx, printMedia("")); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.NavigateBack(),
		chromedp.WaitVisible(`[data-testid="insert-form"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	htmxReady(t, ctx)
	replies, _ := c.store.SavedReplies(context.Background(), c.actor("lan"))
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="note-input"]`, "Người gọi hỏi quy định vào Huế."),
		chromedp.SetValue(`[data-testid="insert-choice"]`, "guide:"+tickets.ArticleRules),
		chromedp.Click(`[data-testid="insert"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitValue := func(want string) string {
		t.Helper()
		var got string
		for range 100 {
			got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="note-input"]').value`))
			if strings.Contains(got, want) {
				return got
			}
			time.Sleep(100 * time.Millisecond)
		}
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("the note does not get %q within 10 s: %q\n%s", want, got, page)
		return ""
	}
	note := waitValue(rules.Body)
	if !strings.HasPrefix(note, "Người gọi hỏi quy định vào Huế.\nHướng dẫn “") {
		t.Errorf("the rules were not put after what the agent wrote: %q", note)
	}
	if href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); strings.Contains(href, "insert=") {
		t.Errorf("the script let the page reload: %s", href)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(`[data-testid="insert-choice"]`, fmt.Sprintf("reply:%d", replies[0].ID)),
		chromedp.Click(`[data-testid="insert"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitValue(replies[0].Body)
	screenshot(t, ctx, "ticket-note-insert", 1280)
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="note-form"] button`)); err != nil {
		t.Fatal(err)
	}
	notes := waitTexts(t, ctx, `[data-testid="timeline-note"]`, func(s []string) bool { return len(s) > 0 })
	if last := notes[len(notes)-1]; !strings.Contains(last, rules.Body) || !strings.Contains(last, replies[0].Body) {
		t.Errorf("the note saved: %q", last)
	}

	// Hướng dẫn, searched without accents, at a desk's and a phone's width.
	err = chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/guides"),
		chromedp.WaitVisible(`[data-testid="guide-q"]`),
		chromedp.SendKeys(`[data-testid="guide-q"]`, "cach ly"),
		chromedp.Submit(`[data-testid="guide-search"]`),
		chromedp.WaitVisible(`[data-testid="guide-result"]`),
	)
	if err != nil {
		t.Fatalf("search the guides: %v", err)
	}
	screenshot(t, ctx, "guides", 1280)
	screenshot(t, ctx, "guides-phone", 390)
}

// In the browser: a supervisor publishes an announcement's typed text as the rules' new
// version in one step, and the rules say it.
func TestSupervisorPublishesAnnouncementToGuide(t *testing.T) {
	c := newConsole(t)
	text := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText, Text: "Từ 00:00 ngày 12/08, người vào Huế phải khai báo y tế trên Hue-S và cách ly 7 ngày."}
	if err := c.store.AddPromptVersion(context.Background(), c.actor("minh"), text, soundstest.WAV(2*time.Second, 8000)); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t)
	c.signIn(ctx, "minh")
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/announcements/rules_info"),
		chromedp.WaitVisible(`[data-testid="publish-open-vi-2"]`),
		chromedp.Click(`[data-testid="publish-open-vi-2"]`),
		chromedp.WaitVisible(`[data-testid="publish-vi-2"] button`),
	)
	if err != nil {
		t.Fatalf("open the publish form: %v", err)
	}
	screenshot(t, ctx, "announcement-publish", 1280)
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="publish-vi-2"] button`),
		chromedp.WaitVisible(`[data-testid="published"]`),
	)
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("publish: %v\n%s", err, page)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="message"]`)); !strings.Contains(msg, "phiên bản 2 của bài hướng dẫn") {
		t.Errorf("message %q", msg)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="published"] a`),
		chromedp.WaitVisible(`[data-testid="guide-body"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="guide-body"]`))
	version, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="guide-version"]`))
	if body != text.Text || !strings.Contains(version, "Phiên bản 2") {
		t.Errorf("the rules after publishing: %q, %q", version, body)
	}
	screenshot(t, ctx, "guide-article-supervisor", 1280)
	screenshot(t, ctx, "guide-article-supervisor-phone", 390)
}
