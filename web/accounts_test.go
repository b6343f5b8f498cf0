package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// browserResolve resolves a Location header against the page's URL as a browser does
// (the WHATWG URL standard, not Go's net/url): leading and trailing spaces and control
// characters are trimmed, tabs and newlines anywhere are removed, and in an http(s) URL
// a backslash is a slash. "/\t/evil.example" is so "//evil.example", another site.
func browserResolve(t *testing.T, base, loc string) *url.URL {
	t.Helper()
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= 0x20 })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q does not parse: %v", loc, err)
	}
	return b.ResolveReference(ref)
}

// roundTrip sends one request with the client's cookies and returns the answer as it
// came, without Go's client reading its Location (which refuses some that browsers
// follow).
func roundTrip(t *testing.T, cl *http.Client, req *http.Request) *http.Response {
	t.Helper()
	for _, ck := range cl.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cl.Jar.SetCookies(req.URL, resp.Cookies())
	return resp
}

// After signing in, the console goes to the page asked for in next only when it is a
// path of this console; anything a browser would take to another site goes to "/".
func TestSignInNextStaysOnTheConsole(t *testing.T) {
	c := newConsole(t)
	for _, tc := range []struct{ name, next, want string }{
		{"TabThenSlash", "/\t/evil.example", "/"},
		{"EncodedTab", "/%09/evil.example", "/"},
		{"ProtocolRelative", "//evil.example", "/"},
		{"Backslash", `/\evil.example`, "/"},
		{"EncodedBackslash", "/%5Cevil.example", "/"},
		{"NewlineThenSlash", "/\n/evil.example", "/"},
		{"AbsoluteURL", "https://evil.example", "/"},
		{"SchemeOnly", "javascript:alert(1)", "/"},
		{"PathWithQuery", "/ok?x=1", "/ok?x=1"},
		{"TicketPage", "/tickets/HL-210001", "/tickets/HL-210001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, resp *http.Response) {
				t.Helper()
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: %s, want 303", how, resp.Status)
				}
				loc := resp.Header.Get("Location")
				got := browserResolve(t, c.srv.URL+"/login", loc)
				want := browserResolve(t, c.srv.URL+"/login", tc.want)
				if got.Host != want.Host || got.RequestURI() != want.RequestURI() {
					t.Errorf("%s with next %q: Location %q, which a browser opens as %s; want %s", how, tc.next, loc, got, want)
				}
			}
			cl := c.client("")
			req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/login", strings.NewReader(url.Values{
				"username": {"lan"}, "password": {c.password}, "next": {tc.next}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			check("POST /login", roundTrip(t, cl, req))
			// Signed in already, the sign-in page sends the user on at once
			// (/login?next=/%09/evil.example is the case with a tab).
			req, _ = http.NewRequest(http.MethodGet, c.srv.URL+"/login?next="+url.QueryEscape(tc.next), nil)
			check("GET /login", roundTrip(t, cl, req))
		})
	}
}

// Wrong passwords sent at once are throttled as those sent one after another: of 12
// parallel sign-ins with a limit of 5, at most 5 are checked (the others are told the
// name is locked), and then the right password is refused too. The same holds for the
// current password asked to change one's own.
func TestParallelGuessesThrottled(t *testing.T) {
	const guesses, limit = 12, 5
	count := func(t *testing.T, bodies []string, wrong string) (checked int) {
		t.Helper()
		for i, b := range bodies {
			switch {
			case strings.Contains(b, wrong):
				checked++
			case strings.Contains(b, "tạm khoá"):
			default:
				t.Errorf("guess %d: %s", i, excerpt(b, "login-error"))
			}
		}
		return checked
	}
	t.Run("SignIn", func(t *testing.T) {
		c := newConsole(t)
		bodies := make([]string, guesses)
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Go(func() {
				_, bodies[i] = post(t, c.client(""), c.srv.URL+"/login", url.Values{"username": {"lan"}, "password": {fmt.Sprint("guess number ", i)}})
			})
		}
		wg.Wait()
		if got := count(t, bodies, "mật khẩu không đúng"); got > limit {
			t.Errorf("%d of %d parallel sign-ins were checked against the password, want at most %d", got, guesses, limit)
		}
		if code, body := post(t, c.client(""), c.srv.URL+"/login", url.Values{"username": {"lan"}, "password": {c.password}}); code != http.StatusUnauthorized || !strings.Contains(body, "tạm khoá") {
			t.Errorf("the right password after the guesses: %d, want 401 and the name locked", code)
		}
	})
	t.Run("ChangePassword", func(t *testing.T) {
		c := newConsole(t)
		lan := c.client("lan")
		bodies := make([]string, guesses)
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Go(func() {
				_, bodies[i] = post(t, lan, c.srv.URL+"/account/password", url.Values{"current": {fmt.Sprint("guess number ", i)},
					"password": {"a brand new password"}, "again": {"a brand new password"}})
			})
		}
		wg.Wait()
		if got := count(t, bodies, "hiện tại không đúng"); got > limit {
			t.Errorf("%d of %d parallel guesses of the current password were checked, want at most %d", got, guesses, limit)
		}
		code, body := post(t, lan, c.srv.URL+"/account/password", url.Values{"current": {c.password},
			"password": {"a brand new password"}, "again": {"a brand new password"}})
		if code == http.StatusSeeOther || !strings.Contains(body, "tạm khoá") {
			t.Errorf("the right current password after the guesses: %d, want refused, the name locked", code)
		}
	})
}

// Deactivating a user, changing their role, an officer's unit or an agent's phone,
// resetting their password, or their changing it themselves ends their sessions at once: their next
// page asks them to sign in, they are off duty, and their pages' live streams end
// without waiting for a request. Their own change keeps the session they made it from.
// An admin's change of a role, a unit or a password takes effect, and so ends the
// sessions, when a supervisor confirms it.
func TestUserChangesEndSessions(t *testing.T) {
	for _, tc := range []struct {
		name, user string
		change     func(c *console, id int64) (int, string)
		confirmed  bool // the change waits for a supervisor's confirmation
	}{
		{"Deactivated", "lan", func(c *console, id int64) (int, string) {
			return post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d", c.srv.URL, id), url.Values{
				"display_name": {"Nguyễn Thị Lan"}, "role": {tickets.RoleAgent}, "unit": {""}, "phone": {"PJSIP/agent101"}, "active": {"0"}})
		}, false},
		{"RoleChanged", "lan", func(c *console, id int64) (int, string) {
			return post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d", c.srv.URL, id), url.Values{
				"display_name": {"Nguyễn Thị Lan"}, "role": {tickets.RoleSupervisor}, "unit": {""}, "phone": {"PJSIP/agent101"}})
		}, true},
		{"PasswordReset", "lan", func(c *console, id int64) (int, string) {
			return post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d/password", c.srv.URL, id), nil)
		}, true},
		{"PhoneChanged", "lan", func(c *console, id int64) (int, string) {
			return post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d", c.srv.URL, id), url.Values{
				"display_name": {"Nguyễn Thị Lan"}, "role": {tickets.RoleAgent}, "unit": {""}, "phone": {"PJSIP/agent102"}})
		}, true},
		{"OfficerUnitChanged", "hoa", func(c *console, id int64) (int, string) {
			return post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d", c.srv.URL, id), url.Values{
				"display_name": {"Trần Văn Hoà"}, "role": {tickets.RoleOfficer}, "unit": {kimLong}, "phone": {""}})
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desk := newFakeDesk()
			c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
			id := c.users[tc.user].ID
			page, other := c.client(tc.user), c.client(tc.user) // two browsers
			if tc.user == "lan" && desk.Snapshot().Agent(id) == nil {
				t.Fatal("lan is not on duty after signing in")
			}
			es := openEvents(t, page, c.srv.URL+"/events")
			if code, body := tc.change(c, id); code != http.StatusSeeOther {
				t.Fatalf("the admin's change: %d %s", code, excerpt(body, "message"))
			}
			if tc.confirmed {
				if es.ended(300*time.Millisecond) || (tc.user == "lan" && desk.Snapshot().Agent(id) == nil) {
					t.Fatal("the admin's change ended the sessions before anyone confirmed it")
				}
				if code, _ := get(t, other, c.srv.URL+"/account"); code != http.StatusOK {
					t.Fatalf("a session before the change is confirmed: %d", code)
				}
				minh := c.client("minh")
				// 200 for a reset: the page shows minh lan's sign-in code.
				if code, body := post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, tc.user)+"/confirm", nil); code != http.StatusSeeOther && codeOn(body) == "" {
					t.Fatalf("the supervisor confirms: %d %s", code, excerpt(body, "change-error"))
				}
			}
			if desk.Snapshot().Agent(id) != nil {
				t.Errorf("%s is still on duty once the change is made", tc.user)
			}
			if !es.ended(2 * time.Second) {
				t.Errorf("%s's live stream is still open 2 s after the change", tc.user)
			}
			for name, cl := range map[string]*http.Client{"the page's": page, "the other": other} {
				if code, _ := get(t, cl, c.srv.URL+"/account"); code != http.StatusSeeOther {
					t.Errorf("%s session after the change: %d, want 303 to sign in", name, code)
				}
			}
		})
	}
	t.Run("OwnPasswordChange", func(t *testing.T) {
		desk := newFakeDesk()
		c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
		id := c.users["lan"].ID
		here, there := c.client("lan"), c.client("lan")
		hereEvents, thereEvents := openEvents(t, here, c.srv.URL+"/events"), openEvents(t, there, c.srv.URL+"/events")
		hereEvents.next("desk", nil)
		if code, body := post(t, here, c.srv.URL+"/account/password", url.Values{"current": {c.password},
			"password": {"my own new password"}, "again": {"my own new password"}}); code != http.StatusSeeOther {
			t.Fatalf("change the password: %d %s", code, excerpt(body, "password-form"))
		}
		if !thereEvents.ended(2 * time.Second) {
			t.Error("the other session's live stream is still open 2 s after the password changed")
		}
		if code, _ := get(t, there, c.srv.URL+"/account"); code != http.StatusSeeOther {
			t.Errorf("the other session after the password changed: %d, want 303 to sign in", code)
		}
		if code, _ := get(t, here, c.srv.URL+"/account"); code != http.StatusOK {
			t.Errorf("the session the password was changed from: %d, want 200", code)
		}
		if desk.Snapshot().Agent(id) == nil {
			t.Error("lan was taken off duty by changing her own password")
		}
		desk.set(func(d *tickets.DeskView) { d.Waiting = []time.Time{time.Now()} })
		hereEvents.next("strip", func(d string) bool { return strings.Contains(d, `data-testid="strip-waiting">1<`) })
	})
}

// A change of a user made elsewhere (on the shell, or by another hotline on the same
// database) takes them off duty as well as ending their sessions: at their next request,
// or, with a page open and no request, when the live streams are checked. Their own
// password change made elsewhere ends the streams of their other sessions and leaves
// them on duty: the session they made it from goes on.
func TestChangesElsewhereEndTheShift(t *testing.T) {
	elsewhere := map[string]func(t *testing.T, c *console){
		"RoleOnTheShell": func(t *testing.T, c *console) {
			if _, err := c.store.UpdateUser(t.Context(), tickets.ActorSystem, c.users["lan"].ID, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)}); err != nil {
				t.Fatal(err)
			}
		},
		"PhoneOnTheShell": func(t *testing.T, c *console) {
			if _, err := c.store.UpdateUser(t.Context(), tickets.ActorSystem, c.users["lan"].ID, tickets.UserEdit{Phone: ptr("PJSIP/agent102")}); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, change := range elsewhere {
		t.Run("NextRequest/"+name, func(t *testing.T) {
			desk := newFakeDesk()
			c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
			lan := c.client("lan")
			id := c.users["lan"].ID
			if desk.Snapshot().Agent(id) == nil {
				t.Fatal("lan is not on duty after signing in")
			}
			change(t, c)
			if code, _ := get(t, lan, c.srv.URL+"/account"); code != http.StatusSeeOther {
				t.Errorf("lan's session after the change: %d, want 303 to sign in", code)
			}
			if desk.Snapshot().Agent(id) != nil {
				t.Error("lan is still on duty after her session ended with the change")
			}
		})
		t.Run("LiveStream/"+name, func(t *testing.T) {
			desk := newFakeDesk()
			c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk; cfg.LiveCheck = 100 * time.Millisecond })
			id := c.users["lan"].ID
			es := openEvents(t, c.client("lan"), c.srv.URL+"/events")
			es.next("desk", nil)
			change(t, c)
			if !es.ended(3 * time.Second) {
				t.Fatal("lan's live stream is still open 3 s after the change")
			}
			if desk.Snapshot().Agent(id) != nil {
				t.Error("lan is still on duty after her live stream ended with the change, without a request")
			}
		})
	}
	t.Run("LiveStream/OwnPasswordElsewhere", func(t *testing.T) {
		desk := newFakeDesk()
		c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk; cfg.LiveCheck = 100 * time.Millisecond })
		id := c.users["lan"].ID
		old := c.client("lan")
		es := openEvents(t, old, c.srv.URL+"/events")
		es.next("desk", nil)
		if _, err := c.store.ChangePassword(t.Context(), c.actor("lan"), c.password, "lan's very own"); err != nil {
			t.Fatal(err)
		}
		if !es.ended(3 * time.Second) {
			t.Fatal("the live stream of lan's other session is still open 3 s after she changed her password")
		}
		if code, _ := get(t, old, c.srv.URL+"/account"); code != http.StatusSeeOther {
			t.Errorf("lan's other session after her own change: %d, want 303 to sign in", code)
		}
		if desk.Snapshot().Agent(id) == nil {
			t.Error("lan was taken off duty by changing her own password elsewhere")
		}
	})
}

// A page's live stream ends when its session does, idle or at its absolute lifetime, or
// signed out from another page of it, not only at the next request.
func TestLiveStreamEndsWithItsSession(t *testing.T) {
	t.Run("SignedOut", func(t *testing.T) {
		c := newConsole(t, func(cfg *web.Config) { cfg.Desk = newFakeDesk() })
		minh := c.client("minh")
		es := openEvents(t, minh, c.srv.URL+"/events")
		es.next("strip", nil)
		if code, _ := post(t, minh, c.srv.URL+"/logout", nil); code != http.StatusSeeOther {
			t.Fatalf("sign out: %d", code)
		}
		if !es.ended(2 * time.Second) {
			t.Error("the live stream is still open 2 s after its session signed out")
		}
	})
	for name, opt := range map[string]consoleOption{
		"Idle":     func(cfg *web.Config) { cfg.SessionIdle = time.Second },
		"Lifetime": func(cfg *web.Config) { cfg.SessionLifetime = time.Second },
	} {
		t.Run(name, func(t *testing.T) {
			desk := newFakeDesk()
			c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk }, opt)
			es := openEvents(t, c.client("minh"), c.srv.URL+"/events")
			if !es.ended(3 * time.Second) {
				t.Error("the live stream is still open 3 s after a session of 1 s")
			}
		})
	}
}

// pendingChangeID finds the change waiting for confirmation about a user on the
// confirmations page.
func pendingChangeID(t *testing.T, cl *http.Client, c *console, username string) string {
	t.Helper()
	code, body := get(t, cl, c.srv.URL+"/confirmations")
	if code != http.StatusOK {
		t.Fatalf("the confirmations page: %d", code)
	}
	for _, row := range strings.Split(body, `data-testid="pending-change"`)[1:] {
		if strings.Contains(row, `data-user="`+username+`"`) {
			_, rest, _ := strings.Cut(row, `data-id="`)
			id, _, _ := strings.Cut(rest, `"`)
			return id
		}
	}
	t.Fatalf("no change waiting for %s on the confirmations page", username)
	return ""
}

// An admin adds a user; the user cannot sign in until a supervisor confirms it, from a
// page supervisors reach. The admin cannot confirm their own change, nor give their own
// account a working role. Admins read every user change in their audit view, never a
// password.
func TestAdminChangesNeedConfirmation(t *testing.T) {
	c := newConsole(t)
	root, minh := c.client("root"), c.client("minh")
	code, body := post(t, root, c.srv.URL+"/admin/users", url.Values{"username": {"mai"}, "display_name": {"Phạm Thị Mai"},
		"role": {tickets.RoleAgent}})
	if code != http.StatusSeeOther {
		t.Fatalf("add mai: %d %s", code, excerpt(body, "user-add"))
	}
	if u, err := c.store.FindUserByName(t.Context(), "mai"); err != nil || u.Active || u.PasswordHash != "" {
		t.Errorf("mai before anyone confirmed her: %v; want inactive, no password", err)
	}
	rootID := c.users["root"].ID
	if code, _ := post(t, root, fmt.Sprintf("%s/admin/users/%d", c.srv.URL, rootID), url.Values{"display_name": {"Quản trị"},
		"role": {tickets.RoleSupervisor}, "unit": {""}, "phone": {""}}); code != http.StatusForbidden {
		t.Errorf("the admin gives their own account a working role: %d, want 403", code)
	}
	if u, _ := c.store.FindUser(t.Context(), rootID); u.Role != tickets.RoleAdmin {
		t.Errorf("the admin's role is %s", u.Role)
	}
	id := pendingChangeID(t, root, c, "mai") // admins see the list too
	if code, _ := post(t, root, c.srv.URL+"/confirmations/"+id+"/confirm", nil); code != http.StatusForbidden {
		t.Errorf("the admin confirms their own change: %d, want 403", code)
	}
	if code, _ := post(t, c.client("lan"), c.srv.URL+"/confirmations/"+id+"/confirm", nil); code != http.StatusForbidden {
		t.Errorf("an agent confirms a user change: %d, want 403", code)
	}
	code, body = post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, "mai")+"/confirm", nil)
	signInCode := codeOn(body)
	if code != http.StatusOK || signInCode == "" {
		t.Fatalf("the supervisor confirms: %d %s", code, excerpt(body, "sign-in-code"))
	}
	if code, _ := post(t, c.client(""), c.srv.URL+"/login", url.Values{"username": {"mai"}, "password": {signInCode}}); code != http.StatusSeeOther {
		t.Errorf("mai signs in with her code once confirmed: %d, want 303", code)
	}
	code, body = get(t, root, c.srv.URL+"/admin/audit")
	if code != http.StatusOK {
		t.Fatalf("the admin's audit view: %d", code)
	}
	audit := excerptAll(body, "audit-row")
	for _, want := range [][]string{
		{`data-testid="audit-actor">root<`, `data-testid="audit-user">mai<`, "Tạo tài khoản", "Tổng đài viên"},
		{`data-testid="audit-actor">root<`, `data-testid="audit-user">mai<`, "Đề xuất"},
		{`data-testid="audit-actor">minh<`, `data-testid="audit-user">mai<`, "Xác nhận"},
		{`data-testid="audit-actor">minh<`, `data-testid="audit-user">mai<`, "Được đăng nhập", "đề xuất của root"},
	} {
		found := false
		for _, row := range strings.Split(audit, "\n") {
			all := true
			for _, w := range want {
				all = all && strings.Contains(row, w)
			}
			found = found || all
		}
		if !found {
			t.Errorf("the audit view has no row with %q:\n%s", want, audit)
		}
	}
	if strings.Contains(body, signInCode) || strings.Contains(body, "$2a$") {
		t.Error("the audit view shows a sign-in code or a hash")
	}
	if code, _ := get(t, minh, c.srv.URL+"/admin/audit"); code != http.StatusForbidden {
		t.Errorf("a supervisor reads the admins' audit view: %d, want 403", code)
	}
}

// excerptAll returns every element with a data-testid, for messages.
func excerptAll(body, testid string) string {
	var b strings.Builder
	for _, part := range strings.Split(body, `data-testid="`+testid+`"`)[1:] {
		end := strings.Index(part, "</tr>")
		if end < 0 {
			end = min(len(part), 600)
		}
		b.WriteString(part[:end])
		b.WriteString("\n")
	}
	return b.String()
}

// signInWith signs a new browser in with a password other than the console's own, and
// returns it and where the sign-in sent it.
func (c *console) signInWith(t *testing.T, username, password string) (*http.Client, string) {
	t.Helper()
	cl := c.client("")
	resp, err := cl.PostForm(c.srv.URL+"/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %s", username, resp.Status)
	}
	return cl, resp.Header.Get("Location")
}

// addConfirmed has root add a user in the console, and minh confirm it; it returns the
// sign-in code minh is shown.
func (c *console) addConfirmed(t *testing.T, form url.Values) string {
	t.Helper()
	if code, body := post(t, c.client("root"), c.srv.URL+"/admin/users", form); code != http.StatusSeeOther {
		t.Fatalf("root adds %s: %d %s", form.Get("username"), code, excerpt(body, "user-add"))
	}
	minh := c.client("minh")
	code, body := post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, form.Get("username"))+"/confirm", nil)
	if code != http.StatusOK || codeOn(body) == "" {
		t.Fatalf("minh confirms %s: %d %s", form.Get("username"), code, excerpt(body, "change-error"))
	}
	return codeOn(body)
}

// An account signed in with its one-time sign-in code (a user an admin added, a reset of
// an admin's) opens only its own account page until its user sets their own password:
// every other page sends it there, saying why, and every action is refused; an agent so
// signed in is not put on duty. Whoever held the code on its way to the user cannot work
// with it. (This was TestAdminSetPasswordOnlyOpensTheAccount, of passwords the admin typed.)
func TestSignInCodeOnlyOpensTheAccount(t *testing.T) {
	t.Run("NewSupervisor", func(t *testing.T) {
		c := newConsole(t)
		signInCode := c.addConfirmed(t, url.Values{"username": {"sup2"}, "role": {tickets.RoleSupervisor}})
		root := c.client("root")
		if code, _ := post(t, root, c.srv.URL+"/admin/users", url.Values{"username": {"rootwork"}, "role": {tickets.RoleSupervisor}}); code != http.StatusSeeOther {
			t.Fatalf("root proposes a working account: %d", code)
		}
		work := pendingChangeID(t, root, c, "rootwork")
		sup2, went := c.signInWith(t, "sup2", signInCode)
		if went != "/account" {
			t.Errorf("signed in, sup2 is sent to %q, want /account", went)
		}
		for _, path := range []string{"/", "/confirmations", "/tickets", "/access", "/wallboard"} {
			resp, err := sup2.Get(c.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/account" {
				t.Errorf("sup2 opens %s: %s to %q, want 303 to /account", path, resp.Status, got)
			}
		}
		code, body := get(t, sup2, c.srv.URL+"/account")
		if code != http.StatusOK || !strings.Contains(excerpt(body, "must-change-password"), "mã đăng nhập một lần") {
			t.Errorf("sup2's account page: %d, %s; want 200 saying why", code, excerpt(body, "must-change-password"))
		}
		if strings.Contains(body, `href="/confirmations"`) {
			t.Error("sup2's account page links to the confirmations")
		}
		code, body = post(t, sup2, c.srv.URL+"/confirmations/"+work+"/confirm", nil)
		if code != http.StatusForbidden || !strings.Contains(body, "Bạn đã đăng nhập bằng mã đăng nhập một lần") {
			t.Errorf("sup2 confirms root's proposal: %d %s; want 403 saying why", code, excerpt(body, "error-message"))
		}
		if u, _ := c.store.FindUserByName(t.Context(), "rootwork"); u.Active {
			t.Fatal("rootwork is active: sup2 confirmed it signed in with the code")
		}
		if code, _ := eventsStatus(t, sup2, c.srv.URL+"/events"); code == http.StatusOK {
			t.Error("sup2 opens a live stream")
		}
		if code, body := post(t, sup2, c.srv.URL+"/account/password", url.Values{"current": {signInCode},
			"password": {"sup2's very own"}, "again": {"sup2's very own"}}); code != http.StatusSeeOther {
			t.Fatalf("sup2 sets their own password: %d %s", code, excerpt(body, "password-form"))
		}
		if code, _ := get(t, sup2, c.srv.URL+"/confirmations"); code != http.StatusOK {
			t.Errorf("sup2 with their own password opens the confirmations: %d, want 200", code)
		}
	})
	t.Run("ResetAgent", func(t *testing.T) {
		desk := newFakeDesk()
		c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
		lan := c.users["lan"]
		if code, _ := post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d/password", c.srv.URL, lan.ID), nil); code != http.StatusSeeOther {
			t.Fatalf("root resets lan's password: %d", code)
		}
		minh := c.client("minh")
		code, body := post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, "lan")+"/confirm", nil)
		if code != http.StatusOK || codeOn(body) == "" {
			t.Fatalf("minh confirms: %d %s", code, excerpt(body, "sign-in-code"))
		}
		signInCode := codeOn(body)
		tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
		cl, _ := c.signInWith(t, "lan", signInCode)
		if desk.Snapshot().Agent(lan.ID) != nil {
			t.Error("lan is on duty signed in with the code")
		}
		code, body = get(t, cl, c.srv.URL+"/tickets/"+tk.Ref)
		if code == http.StatusOK || strings.Contains(body, "0905") {
			t.Errorf("lan opens a ticket signed in with the code: %d", code)
		}
		if code, body := post(t, cl, c.srv.URL+"/account/password", url.Values{"current": {signInCode},
			"password": {"lan's very own"}, "again": {"lan's very own"}}); code != http.StatusSeeOther {
			t.Fatalf("lan sets her own password: %d %s", code, excerpt(body, "password-form"))
		}
		if desk.Snapshot().Agent(lan.ID) == nil {
			t.Error("lan is not on duty once she set her own password")
		}
		if code, _ := get(t, cl, c.srv.URL+"/tickets/"+tk.Ref); code != http.StatusOK {
			t.Errorf("lan opens a ticket with her own password: %d, want 200", code)
		}
	})
}

// The confirmations page says what the user a change is about is now (their role), so
// that whoever confirms a password reset knows whose account it opens.
func TestConfirmationsShowTheUsersRole(t *testing.T) {
	c := newConsole(t)
	root := c.client("root")
	for _, u := range []string{"minh", "lan"} {
		if code, _ := post(t, root, fmt.Sprintf("%s/admin/users/%d/password", c.srv.URL, c.users[u].ID), nil); code != http.StatusSeeOther {
			t.Fatalf("root resets %s's password: %d", u, code)
		}
	}
	code, body := get(t, root, c.srv.URL+"/confirmations")
	if code != http.StatusOK {
		t.Fatalf("the confirmations page: %d", code)
	}
	for user, want := range map[string]string{"minh": "Giám sát", "lan": "Tổng đài viên"} {
		var row string
		for _, r := range strings.Split(body, `data-testid="pending-change"`)[1:] {
			if strings.Contains(r, `data-user="`+user+`"`) {
				row, _, _ = strings.Cut(r, "</tr>")
			}
		}
		if got := excerpt(row, "change-role"); !strings.Contains(got, ">"+want+"<") {
			t.Errorf("%s's row: %s; want the role %s", user, got, want)
		}
	}
}

// A password reset proposed for a user who has changed since (an agent made a supervisor)
// is not confirmed: the page says why beside it, shows no code, and the user's password
// stays theirs.
func TestStaleResetRefused(t *testing.T) {
	c := newConsole(t)
	lan := c.users["lan"]
	if code, _ := post(t, c.client("root"), fmt.Sprintf("%s/admin/users/%d/password", c.srv.URL, lan.ID), nil); code != http.StatusSeeOther {
		t.Fatalf("root resets lan's password: %d", code)
	}
	if _, err := c.store.UpdateUser(t.Context(), tickets.ActorSystem, lan.ID, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)}); err != nil {
		t.Fatal(err)
	}
	minh := c.client("minh")
	code, body := post(t, minh, c.srv.URL+"/confirmations/"+pendingChangeID(t, minh, c, "lan")+"/confirm", nil)
	if code != http.StatusConflict || !strings.Contains(excerpt(body, "change-error"), "đã thay đổi từ khi đề xuất") || codeOn(body) != "" {
		t.Errorf("minh confirms the reset of lan, a supervisor since: %d %s; want 409 saying she changed", code, excerpt(body, "change-error"))
	}
	if _, code, went, _ := c.tryPassword(t, "lan", c.password); code != http.StatusSeeOther || went == "/account" {
		t.Errorf("lan's own password after the stale reset was refused: %d to %q, want 303 to her work", code, went)
	}
}

// pendingRow returns the row of the confirmations page of the change waiting for a user.
func pendingRow(t *testing.T, cl *http.Client, c *console, username string) string {
	t.Helper()
	code, body := get(t, cl, c.srv.URL+"/confirmations")
	if code != http.StatusOK {
		t.Fatalf("the confirmations page: %d", code)
	}
	for _, r := range strings.Split(body, `data-testid="pending-change"`)[1:] {
		if strings.Contains(r, `data-user="`+username+`"`) {
			row, _, _ := strings.Cut(r, "</tr>")
			return row
		}
	}
	return ""
}

// The user a change is about cannot refuse it (minh his own demotion): the page offers
// him no button and the console refuses the request; the proposer may take it back.
func TestUserChangedCannotRefuse(t *testing.T) {
	c := newConsole(t)
	root, minh := c.client("root"), c.client("minh")
	if code, _ := post(t, root, fmt.Sprintf("%s/admin/users/%d", c.srv.URL, c.users["minh"].ID), url.Values{
		"display_name": {"Lê Minh"}, "role": {tickets.RoleAgent}, "unit": {""}, "phone": {""}}); code != http.StatusSeeOther {
		t.Fatalf("root proposes minh's demotion: %d", code)
	}
	id := pendingChangeID(t, root, c, "minh")
	if row := pendingRow(t, minh, c, "minh"); strings.Contains(row, `data-testid="refuse"`) || !strings.Contains(row, `data-testid="why-not"`) {
		t.Errorf("minh's own demotion on his page offers him to refuse it, or says not why he may not:\n%s", row)
	}
	if code, body := post(t, minh, c.srv.URL+"/confirmations/"+id+"/refuse", nil); code != http.StatusForbidden {
		t.Errorf("minh refuses his own demotion: %d %s, want 403", code, excerpt(body, "change-error"))
	}
	if pendingRow(t, root, c, "minh") == "" {
		t.Fatal("minh's demotion no longer waits")
	}
	if row := pendingRow(t, root, c, "minh"); !strings.Contains(row, `data-testid="refuse"`) {
		t.Errorf("the proposer is not offered to take the change back:\n%s", row)
	}
	if code, _ := post(t, root, c.srv.URL+"/confirmations/"+id+"/refuse", nil); code != http.StatusSeeOther {
		t.Errorf("root takes the demotion back: %d, want 303", code)
	}
}
