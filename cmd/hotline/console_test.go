package main_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// A hotline on a database without users creates admin with a random password, printed
// once on its standard output; the password signs in, and the next start prints nothing.
func TestFirstAdmin(t *testing.T) {
	h := startHotline(t, "")
	m := regexp.MustCompile(`first user: admin, password (\S+)`).FindStringSubmatch(h.out.String())
	if m == nil {
		t.Fatalf("no first admin printed: %q", h.out.String())
	}
	if strings.Contains(h.logText(), m[1]) {
		t.Error("the first admin's password is in the log")
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.PostForm("http://"+h.addr+"/login", url.Values{"username": {"admin"}, "password": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in as the first admin: %s", resp.Status)
	}
	h.stop()
	h2 := startHotline(t, h.dbPath)
	if strings.Contains(h2.out.String(), "password") {
		t.Errorf("the second start printed a password: %q", h2.out.String())
	}
}

// hotline users add reads the password from standard input, migrates a new database,
// refuses a user who exists (changing nothing), and says why in one sentence.
func TestUsersAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new", "hotline.db")
	add := func(password string, args ...string) (int, string) {
		cmd := exec.Command(binary, append([]string{"users", "add"}, args...)...)
		cmd.Env = append(os.Environ(), "HOTLINE_DB="+db)
		cmd.Stdin = strings.NewReader(password)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		return 0, string(out)
	}
	if code, out := add("lan's long password\n", "Lan", "--role", "agent", "--phone", "PJSIP/agent101", "--name", "Nguyễn Thị Lan"); code != 0 || !strings.Contains(out, "user lan added") {
		t.Fatalf("add lan: %d %q", code, out)
	}
	if code, out := add("another long password\n", "LAN", "--role", "supervisor"); code != 2 || !strings.Contains(out, "đã có người dùng") {
		t.Errorf("add lan again: %d %q", code, out)
	}
	for name, args := range map[string][]string{
		"no role":          {"x1"},
		"unknown role":     {"x2", "--role", "janitor"},
		"officer w/o unit": {"x3", "--role", "officer"},
	} {
		if code, out := add("a long enough password\n", args...); code != 2 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%s: %d %q, want one sentence and status 2", name, code, out)
		}
	}
	if code, _ := add("short\n", "x4", "--role", "agent"); code != 2 {
		t.Errorf("a short password: %d", code)
	}
	s, err := tickets.OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.Authenticate(context.Background(), "lan", "lan's long password")
	if err != nil || u.Role != tickets.RoleAgent || u.Phone != "PJSIP/agent101" || u.DisplayName != "Nguyễn Thị Lan" {
		t.Errorf("lan: %+v, %v", u, err)
	}
}
