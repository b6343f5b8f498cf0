package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// tryPassword signs a new browser in and returns it, the status, where it was sent and
// the page (the sign-in page again, when refused).
func (c *console) tryPassword(t *testing.T, username, password string) (*http.Client, int, string, string) {
	t.Helper()
	cl := c.client("")
	resp, err := cl.PostForm(c.srv.URL+"/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return cl, resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// element returns the element with a data-testid, up to the end tag given.
func element(body, testid, end string) string {
	_, rest, ok := strings.Cut(body, `data-testid="`+testid+`"`)
	if !ok {
		return ""
	}
	el, _, _ := strings.Cut(rest, end)
	return el
}

// codeOn returns the sign-in code a page shows, or "".
func codeOn(body string) string {
	el := element(body, "sign-in-code", "</")
	_, code, _ := strings.Cut(el, ">")
	return strings.TrimSpace(code)
}

// userRow returns the row of the admins' user list of a user.
func userRow(t *testing.T, c *console, username string) string {
	t.Helper()
	code, body := get(t, c.client("root"), c.srv.URL+"/admin/users")
	if code != http.StatusOK {
		t.Fatalf("the users page: %d", code)
	}
	for _, r := range strings.Split(body, `data-testid="user-row"`)[1:] {
		if strings.Contains(r, `data-testid="user-name">`+username+`<`) {
			row, _, _ := strings.Cut(r, "</tr>")
			return row
		}
	}
	t.Fatalf("no row for %s on the users page", username)
	return ""
}

// confirmForCode has minh confirm the change waiting for a user and returns the sign-in
// code his page shows.
func (c *console) confirmForCode(t *testing.T, username string) string {
	t.Helper()
	minh := c.client("minh")
	code, body := post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, username)+"/confirm", nil)
	if code != http.StatusOK || codeOn(body) == "" {
		t.Errorf("minh confirms %s: %d, %s; want 200 showing him the sign-in code to hand over", username, code, excerpt(body, "sign-in-code"))
	}
	if !strings.Contains(element(body, "sign-in-code-note", "</p>"), "một lần") {
		t.Errorf("the code is shown without saying how to hand it over: %s", excerpt(body, "sign-in-code-note"))
	}
	return codeOn(body)
}

// takeoverFails checks that the admin signs in as a user with no password they could
// know, or, signed in so, cannot make it their own and reach the user's pages.
func (c *console) takeoverFails(t *testing.T, username string, known []string, page string) {
	t.Helper()
	for _, pw := range known {
		cl, code, _, _ := c.tryPassword(t, username, pw)
		if code == http.StatusUnauthorized {
			continue
		}
		t.Errorf("root signs in as %s with %q, a password root knows: %d, want 401", username, pw, code)
		if code, _ := post(t, cl, c.srv.URL+"/account/password", url.Values{"current": {pw},
			"password": {"root took this over"}, "again": {"root took this over"}}); code != http.StatusSeeOther {
			continue
		}
		if code, _ := get(t, cl, c.srv.URL+page); code == http.StatusOK {
			t.Errorf("root set %s's password and holds their account: %s answers 200", username, page)
		}
	}
}

// noCodeOnTheAdminsPages checks that no page an admin reaches shows the code.
func (c *console) noCodeOnTheAdminsPages(t *testing.T, code string) {
	t.Helper()
	if code == "" {
		return
	}
	root := c.client("root")
	bare := strings.ReplaceAll(code, "-", "")
	for _, path := range []string{"/admin/users", "/admin/audit", "/confirmations", "/account"} {
		_, body := get(t, root, c.srv.URL+path)
		if strings.Contains(body, code) || strings.Contains(body, bare) {
			t.Errorf("root's %s shows the sign-in code", path)
		}
	}
	if _, body := get(t, c.client("minh"), c.srv.URL+"/confirmations"); strings.Contains(body, code) {
		t.Error("the confirmations page shows the code again")
	}
}

// useCode signs in with a code: the account page only, once; the user sets their own
// password with it, and their own password opens page from then on, the code nothing.
func (c *console) useCode(t *testing.T, username, code, page string) *http.Client {
	t.Helper()
	if code == "" {
		t.Fatalf("no sign-in code for %s", username)
	}
	cl, status, went, _ := c.tryPassword(t, username, code)
	if status != http.StatusSeeOther || went != "/account" {
		t.Fatalf("%s signs in with the code: %d to %q, want 303 to /account", username, status, went)
	}
	resp, err := cl.Get(c.srv.URL + page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Errorf("%s with the code opens %s: %s, want 303 to /account", username, page, resp.Status)
	}
	if _, body := get(t, cl, c.srv.URL+"/account"); !strings.Contains(excerpt(body, "must-change-password"), "mã đăng nhập một lần") {
		t.Errorf("%s's account page: %s; want it says to set their own password", username, excerpt(body, "must-change-password"))
	}
	if _, status, _, body := c.tryPassword(t, username, code); status != http.StatusUnauthorized || !strings.Contains(excerpt(body, "login-error"), "đã được dùng") {
		t.Errorf("the code a second time: %d, %s; want 401 saying it was used", status, excerpt(body, "login-error"))
	}
	own := username + "'s very own"
	if status, body := post(t, cl, c.srv.URL+"/account/password", url.Values{"current": {code}, "password": {own}, "again": {own}}); status != http.StatusSeeOther {
		t.Fatalf("%s sets their own password with the code: %d %s", username, status, excerpt(body, "password-form"))
	}
	if status, _ := get(t, cl, c.srv.URL+page); status != http.StatusOK {
		t.Errorf("%s with their own password opens %s: %d, want 200", username, page, status)
	}
	if _, status, _, _ := c.tryPassword(t, username, code); status != http.StatusUnauthorized {
		t.Errorf("the code once %s set their own password: %d, want 401", username, status)
	}
	if _, status, _, _ := c.tryPassword(t, username, own); status != http.StatusSeeOther {
		t.Errorf("%s's own password: %d, want 303", username, status)
	}
	return cl
}

// The admin never knows a password the user works with. The console asks an admin for
// no password, for a new user nor for a reset, and takes none a request sends; the
// supervisor who confirms is shown a one-time sign-in code, once, to hand over; the
// admin's pages say only that a code was issued, and when. Otherwise the admin signs in
// as the new supervisor before they do, "changes" the password they know, and holds a
// working account (confirms their own proposals), or reads citizens' data as the agent.
func TestAdminCannotTakeOverAnAccount(t *testing.T) {
	t.Run("NewSupervisor", func(t *testing.T) {
		c := newConsole(t)
		root := c.client("root")
		if _, body := get(t, root, c.srv.URL+"/admin/users"); strings.Contains(element(body, "user-add", "</form>"), `name="password"`) {
			t.Error("the add-user form asks the admin for a password")
		}
		known := []string{"the admin's choice", ""}
		if code, body := post(t, root, c.srv.URL+"/admin/users", url.Values{"username": {"sup2"}, "role": {tickets.RoleSupervisor},
			"password": {known[0]}}); code != http.StatusSeeOther {
			t.Fatalf("root adds sup2: %d %s", code, excerpt(body, "user-add"))
		}
		code := c.confirmForCode(t, "sup2")
		c.takeoverFails(t, "sup2", known, "/confirmations")
		c.noCodeOnTheAdminsPages(t, code)
		if row := userRow(t, c, "sup2"); !strings.Contains(element(row, "user-own-password", "</span>"), "chưa tự đặt mật khẩu") ||
			!strings.Contains(element(row, "user-own-password", "</span>"), "cấp lúc") {
			t.Errorf("the admins' list does not say sup2 has not set their own password, and when the code was issued:\n%s", row)
		}
		c.useCode(t, "sup2", code, "/confirmations")
		if row := userRow(t, c, "sup2"); strings.Contains(row, `data-testid="user-own-password"`) {
			t.Errorf("the admins' list says sup2 has not set their own password, once they did:\n%s", row)
		}
	})
	t.Run("AnotherAdminConfirmsNot", func(t *testing.T) {
		c := newConsole(t)
		if code, _ := post(t, c.client("root"), c.srv.URL+"/admin/users", url.Values{"username": {"sup2"}, "role": {tickets.RoleSupervisor}}); code != http.StatusSeeOther {
			t.Fatalf("root adds sup2: %d", code)
		}
		// Another admin is not shown a code: only a supervisor confirms a new user or a reset.
		root2 := &tickets.User{Username: "root2", Role: tickets.RoleAdmin}
		if err := c.store.CreateUser(t.Context(), tickets.ActorSystem, root2, c.password); err != nil {
			t.Fatal(err)
		}
		other := c.client("root2")
		if row := pendingRow(t, other, c, "sup2"); strings.Contains(row, `data-testid="confirm"`) || !strings.Contains(row, `data-testid="why-not"`) {
			t.Errorf("another admin is offered to confirm sup2, or not told why not:\n%s", row)
		}
		if code, body := post(t, other, c.srv.URL+"/confirmations/"+pendingChangeID(t, other, c, "sup2")+"/confirm", nil); code != http.StatusForbidden || codeOn(body) != "" {
			t.Errorf("another admin confirms sup2: %d, %s; want 403 and no code", code, excerpt(body, "sign-in-code"))
		}
	})
	t.Run("PasswordReset", func(t *testing.T) {
		desk := newFakeDesk()
		c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
		lan := c.users["lan"]
		root := c.client("root")
		if _, body := get(t, root, c.srv.URL+"/admin/users"); strings.Contains(body, `name="password"`) {
			t.Error("the users page asks the admin for a password")
		}
		known := []string{"reset by the admin", ""}
		if code, _ := post(t, root, fmt.Sprintf("%s/admin/users/%d/password", c.srv.URL, lan.ID), url.Values{"password": {known[0]}}); code != http.StatusSeeOther {
			t.Fatalf("root resets lan's password: %d", code)
		}
		code := c.confirmForCode(t, "lan")
		if _, status, _, _ := c.tryPassword(t, "lan", c.password); status != http.StatusUnauthorized {
			t.Errorf("lan's old password after the reset: %d, want 401", status)
		}
		tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
		c.takeoverFails(t, "lan", known, "/tickets/"+tk.Ref)
		c.noCodeOnTheAdminsPages(t, code)
		c.useCode(t, "lan", code, "/tickets/"+tk.Ref)
		if desk.Snapshot().Agent(lan.ID) == nil {
			t.Error("lan is not on duty once she set her own password")
		}
	})
}

// An expired sign-in code signs nobody in and says so; the admins' list says it expired.
func TestSignInCodeExpired(t *testing.T) {
	var ahead atomic.Int64 // how far the clocks are moved on
	clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	c := newConsole(t, func(cfg *web.Config) { cfg.Now = clock })
	c.store.Now = clock
	if code, _ := post(t, c.client("root"), c.srv.URL+"/admin/users", url.Values{"username": {"mai"}, "role": {tickets.RoleAgent}}); code != http.StatusSeeOther {
		t.Fatalf("root adds mai: %d", code)
	}
	code := c.confirmForCode(t, "mai")
	if code == "" {
		t.Fatal("no sign-in code for mai")
	}
	ahead.Store(int64(tickets.SignInCodeLifetime + time.Minute))
	if _, status, _, body := c.tryPassword(t, "mai", code); status != http.StatusUnauthorized || !strings.Contains(excerpt(body, "login-error"), "hết hạn") {
		t.Errorf("mai signs in with her code after it expired: %d, %s; want 401 saying it expired", status, excerpt(body, "login-error"))
	}
	if row := userRow(t, c, "mai"); !strings.Contains(element(row, "user-own-password", "</span>"), "hết hạn") {
		t.Errorf("the admins' list does not say mai's code expired:\n%s", row)
	}
	c.noCodeOnTheAdminsPages(t, code)
}

// In the browser: the supervisor confirms a new user and reads the code on the page that
// answers, once (within a phone's width, free of axe-core's violations); the user signs
// in with it, is sent to their account, and sets their own password there.
func TestSignInCodeInTheBrowser(t *testing.T) {
	c := newConsole(t)
	if err := c.store.CreateUser(t.Context(), c.actor("root"), &tickets.User{Username: "mai", DisplayName: "Phan Thị Mai", Role: tickets.RoleAgent}, ""); err != nil {
		t.Fatal(err)
	}
	sup := newTab(t)
	c.signIn(sup, "minh")
	err := chromedp.Do(sup,
		chromedp.EmulateViewport(390, 900),
		chromedp.Navigate(c.srv.URL+"/confirmations"),
		chromedp.WaitVisible(`[data-user="mai"] [data-testid="confirm"]`),
		chromedp.Click(`[data-user="mai"] [data-testid="confirm"]`),
		chromedp.WaitVisible(`[data-testid="sign-in-code"]`),
	)
	if err != nil {
		t.Fatalf("minh confirms mai in the browser: %v", err)
	}
	code, err := chromedp.Run(sup, chromedp.Text(`[data-testid="sign-in-code"]`))
	if err != nil {
		t.Fatal(err)
	}
	code = strings.TrimSpace(code)
	if len(strings.ReplaceAll(code, "-", "")) < 16 {
		t.Fatalf("the code shown: %q, want 16 characters at least", code)
	}
	sizes, err := chromedp.Run(sup, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err == nil && sizes[0] > sizes[1] {
		t.Errorf("the page with the code is %d px wide in a window of %d", sizes[0], sizes[1])
	}
	for _, v := range axeViolations(t, sup) {
		t.Errorf("the page with the code: %s", v)
	}

	user := newTab(t)
	err = chromedp.Do(user,
		chromedp.Navigate(c.srv.URL+"/login"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, "mai"),
		chromedp.SendKeys(`input[name="password"]`, strings.ToUpper(code)), // as read out: any case
		chromedp.Submit(`[data-testid="login-form"]`),
		chromedp.WaitVisible(`[data-testid="must-change-password"]`),
		chromedp.SendKeys(`input[name="current"]`, code),
		chromedp.SendKeys(`input[name="password"]`, "mai's very own"),
		chromedp.SendKeys(`input[name="again"]`, "mai's very own"),
		chromedp.Submit(`[data-testid="password-form"]`),
		chromedp.WaitVisible(`[data-testid="password-changed"]`),
	)
	if err != nil {
		page, _ := chromedp.Run(user, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("mai signs in with the code and sets her own password: %v\n%s", err, page)
	}
}
