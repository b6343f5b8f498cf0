package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// Nothing but the prompts, health and the sign-in page answers without a session.
func TestSignInRequired(t *testing.T) {
	c := newConsole(t)
	anon := c.client("")
	for path, want := range map[string]int{
		"/healthz": 200, "/sounds/vi/welcome.wav": 200, "/login": 200, "/static/htmx.min.js": 200,
		"/": 303, "/tickets": 303, "/tickets/HL-210001": 303, "/cases": 303, "/board": 303, "/recordings/1": 303,
		"/access": 303, "/admin/users": 303, "/debug/ivr/reactions": 404,
	} {
		if got, _ := get(t, anon, c.srv.URL+path); got != want {
			t.Errorf("GET %s without a session: %d, want %d", path, got, want)
		}
	}
	resp, err := anon.PostForm(c.srv.URL+"/tickets/HL-210001/notes", url.Values{"note": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d, want 401", resp.StatusCode)
	}
}

// Every answer carries the security headers; pages with personal data are not cached.
func TestSecurityHeaders(t *testing.T) {
	c := newConsole(t)
	cl := c.client("lan")
	for _, path := range []string{"/login", "/tickets", "/healthz", "/no/such/page"} {
		resp, err := cl.Get(c.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	resp, _ := cl.Get(c.srv.URL + "/tickets")
	resp.Body.Close()
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("ticket list Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	login, _ := c.client("").PostForm(c.srv.URL+"/login", url.Values{"username": {"lan"}, "password": {c.password}})
	login.Body.Close()
	sc := login.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie %q", sc)
	}
}

// A state-changing request from another site is refused, and changes nothing.
func TestCrossSiteRequestsRefused(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	cl := c.client("lan")
	for name, header := range map[string][2]string{
		"Sec-Fetch-Site": {"Sec-Fetch-Site", "cross-site"},
		"Origin":         {"Origin", "http://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/tickets/"+tk.Ref+"/notes", strings.NewReader("note=pwned"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header[0], header[1])
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	evs, _ := c.store.TicketEvents(context.Background(), tickets.ActorSystem, tk.ID)
	for _, e := range evs {
		if e.Kind == "note" {
			t.Errorf("a cross-site note was written: %+v", e)
		}
	}
	// The same request from the console's own page goes through.
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/tickets/"+tk.Ref+"/notes", strings.NewReader("note=ok"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, _ := cl.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin note: %d", resp.StatusCode)
	}
}

// Five wrong passwords lock a name for 15 minutes, even against the right one; the log
// says so without the password.
func TestSignInThrottled(t *testing.T) {
	var logs bytes.Buffer
	c := newConsole(t, func(cfg *web.Config) { cfg.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	for i := 0; i < 5; i++ {
		resp, _ := c.client("").PostForm(c.srv.URL+"/login", url.Values{"username": {"LAN "}, "password": {"guess-" + fmt.Sprint(i)}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, resp.StatusCode)
		}
	}
	code, body := post(t, c.client(""), c.srv.URL+"/login", url.Values{"username": {"lan"}, "password": {c.password}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "tạm khoá") {
		t.Errorf("the right password while locked: %d %q", code, excerpt(body, "login-error"))
	}
	if strings.Contains(logs.String(), "guess-") || strings.Contains(logs.String(), c.password) {
		t.Errorf("a password is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "too many failures") || !strings.Contains(logs.String(), "username=lan") {
		t.Errorf("the lock-out is not logged:\n%s", logs.String())
	}
}

// A session unused for its idle time is over: the next page asks to sign in again.
func TestSessionExpires(t *testing.T) {
	c := newConsole(t, func(cfg *web.Config) { cfg.SessionIdle = time.Second })
	cl := c.client("lan")
	if code, _ := get(t, cl, c.srv.URL+"/tickets"); code != 200 {
		t.Fatalf("signed in: %d", code)
	}
	time.Sleep(1500 * time.Millisecond)
	if code, _ := get(t, cl, c.srv.URL+"/tickets"); code != http.StatusSeeOther {
		t.Errorf("after the idle time: %d, want a redirect to sign in", code)
	}
}

// A note is shown as the text it is: markup in it is not the page's.
func TestNoteShownAsText(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	cl := c.client("lan")
	post(t, cl, c.srv.URL+"/tickets/"+tk.Ref+"/notes", url.Values{"note": {`<script>alert("x")</script><b>đậm</b>`}})
	_, body := get(t, cl, c.srv.URL+"/tickets/"+tk.Ref)
	if strings.Contains(body, `<script>alert`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
		t.Errorf("the note is not escaped: %s", excerpt(body, "timeline-note"))
	}
}

// Access is by role: an admin sees no citizen's data; an officer sees only their unit's
// (another unit's ticket, case and voice message do not exist for them), and not who
// reported a case in their commune; an agent sees the full number on a ticket's page,
// and that is logged, while lists stay masked.
func TestRolesInConsole(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	mine := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), tickets.Answers{"fever": "yes"})
	report := c.ticket(tickets.CategoryCommunityReport, "0911222333", ptr(phuXuan), nil)
	theirs := c.ticket(tickets.CategorySymptomReport, "0905777888", ptr(kimLong), nil)
	rec := c.voiceMessage(theirs)
	theirCase := &tickets.Case{PersonName: "Phan Văn Bình", UnitCode: ptr(kimLong)}
	if err := c.store.CreateCase(ctx, tickets.ActorSystem, theirCase, nil); err != nil {
		t.Fatal(err)
	}

	admin := c.client("root")
	for _, path := range []string{"/tickets", "/tickets/" + mine.Ref, "/cases", "/board", fmt.Sprintf("/recordings/%d", rec), "/access"} {
		if code, _ := get(t, admin, c.srv.URL+path); code != http.StatusForbidden {
			t.Errorf("admin GET %s: %d, want 403", path, code)
		}
	}
	officer := c.client("hoa")
	for _, path := range []string{"/tickets/" + theirs.Ref, "/cases/" + theirCase.Ref, fmt.Sprintf("/recordings/%d", rec)} {
		code, body := get(t, officer, c.srv.URL+path)
		if code != http.StatusNotFound || !strings.Contains(body, "Không tìm thấy") {
			t.Errorf("officer GET %s: %d, want 404 in Vietnamese", path, code)
		}
	}
	_, list := get(t, officer, c.srv.URL+"/tickets?view=all")
	if strings.Contains(list, theirs.Ref) || !strings.Contains(list, mine.Ref) {
		t.Errorf("officer's list: want %s and not %s", mine.Ref, theirs.Ref)
	}
	_, page := get(t, officer, c.srv.URL+"/tickets/"+report.Ref)
	if strings.Contains(page, "0911") || strings.Contains(page, "911222333") || !strings.Contains(page, "Ẩn danh") {
		t.Errorf("officer sees the reporter of a community report: %s", excerpt(page, "caller-number"))
	}
	agent := c.client("lan")
	_, page = get(t, agent, c.srv.URL+"/tickets/"+report.Ref)
	if !strings.Contains(page, "0911 222 333") {
		t.Errorf("agent does not see the full number: %s", excerpt(page, "caller-number"))
	}
	_, list = get(t, agent, c.srv.URL+"/tickets?view=all")
	if strings.Contains(list, "0911 222 333") || !strings.Contains(list, "0911 *** 333") {
		t.Errorf("agent's list does not mask numbers")
	}
	logged, err := c.store.ListAccess(ctx, c.actor("minh"), tickets.AccessFilter{Phone: "0911222333"})
	if err != nil || len(logged) != 1 || logged[0].Username != "lan" || logged[0].Subject != report.Ref {
		t.Errorf("access log for the reporter's number: %+v, %v", logged, err)
	}
	if code, body := get(t, c.client("minh"), c.srv.URL+"/access?phone=0911+222+333"); code != 200 || !strings.Contains(body, report.Ref) {
		t.Errorf("supervisor's access log page: %d", code)
	}
	if code, _ := get(t, agent, c.srv.URL+"/access"); code != http.StatusForbidden {
		t.Errorf("agent reads the access log: %d", code)
	}
}

// Bad input: a form comes back with the user's input and the message beside the field;
// a change made on an out-of-date page says so and shows the ticket as it is now.
func TestBadFormsKeepWhatWasTyped(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	// A summary emptied on purpose (one left empty is no change: see TestEditSavesOnlyWhatChanged).
	if err := c.store.EditTicket(context.Background(), c.actor("lan"), tk.ID, tickets.TicketEdit{Summary: ptr("Sốt, ho")}, ""); err != nil {
		t.Fatal(err)
	}
	tk, _ = c.store.GetTicket(context.Background(), tickets.ActorSystem, tk.ID)
	cl := c.client("lan")
	code, body := post(t, cl, c.srv.URL+"/tickets/"+tk.Ref+"/edit", url.Values{"summary": {"   "}, "priority": {"P1"},
		"updated": {fmt.Sprint(tk.UpdatedAt.UnixNano())}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-edit"), "Tóm tắt không được để trống") {
		t.Errorf("empty summary: %d %q", code, excerpt(body, "error-edit"))
	}
	code, body = post(t, cl, c.srv.URL+"/tickets/"+tk.Ref+"/case", url.Values{"person_name": {"Lê Thị Mai"}, "birth_year": {"năm 60"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-case.birth_year"), "Năm sinh") || !strings.Contains(body, `value="Lê Thị Mai"`) {
		t.Errorf("a bad birth year: %d %q", code, excerpt(body, "error-case.birth_year"))
	}
	// Someone else triages the ticket; the page Lan has open is out of date.
	if err := c.store.TransitionTicket(context.Background(), c.actor("minh"), tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	code, body = post(t, cl, c.srv.URL+"/tickets/"+tk.Ref+"/status", url.Values{"to": {tickets.StatusCancelled},
		"updated": {fmt.Sprint(tk.UpdatedAt.UnixNano())}})
	if code != http.StatusConflict || !strings.Contains(excerpt(body, "problem"), "người khác thay đổi") || !strings.Contains(body, "Đã phân loại") {
		t.Errorf("a stale move: %d %q", code, excerpt(body, "problem"))
	}
	if code, body := get(t, cl, c.srv.URL+"/tickets/HL-999999"); code != 404 || !strings.Contains(body, "Không tìm thấy") {
		t.Errorf("a ticket that does not exist: %d", code)
	}
}

// post sends a form as the console's own page would, and returns the status and body.
func post(t *testing.T, cl *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	return send(t, cl, formRequest(u, form, false))
}

// excerpt returns the text around an element with a data-testid, for messages.
func excerpt(body, testid string) string {
	i := strings.Index(body, `data-testid="`+testid+`"`)
	if i < 0 {
		return "(no " + testid + ")"
	}
	return body[i:min(len(body), i+300)]
}
