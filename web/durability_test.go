package web_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	_ "github.com/mattn/go-sqlite3"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// failingHealth is a database that takes writes until failing is set.
type failingHealth struct{ failing atomic.Bool }

func (f *failingHealth) CheckWritable(context.Context) error {
	if f.failing.Load() {
		return errors.New("disk I/O error: no such file or directory")
	}
	return nil
}

// /healthz answers from a write to the database, not a constant "ok": 503 once the
// database stops taking writes (within the second it keeps an answer), 200 again after.
func TestHealthzWritesTheDatabase(t *testing.T) {
	h := &failingHealth{}
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	c := newConsole(t, func(cfg *web.Config) { cfg.Health = h; cfg.Now = func() time.Time { return now } })
	anon := c.client("")
	if code, body := get(t, anon, c.srv.URL+"/healthz"); code != 200 || !strings.HasPrefix(body, "ok\n") {
		t.Fatalf("healthy: %d %q", code, body)
	}
	h.failing.Store(true)
	now = now.Add(1500 * time.Millisecond)
	code, body := get(t, anon, c.srv.URL+"/healthz")
	if code != 503 || strings.Contains(body, "ok") || !strings.Contains(body, "database") {
		t.Errorf("database failing: %d %q, want 503 naming the database", code, body)
	}
	if strings.Contains(body, "I/O") {
		t.Errorf("the error's details reach an anonymous caller: %q", body)
	}
	h.failing.Store(false)
	now = now.Add(1500 * time.Millisecond)
	if code, _ := get(t, anon, c.srv.URL+"/healthz"); code != 200 {
		t.Errorf("after the database came back: %d", code)
	}
}

// The real store's check, through the console: a fresh database is writable.
func TestHealthzOnTheStore(t *testing.T) {
	c := newConsole(t, func(cfg *web.Config) { cfg.Health = cfg.Store.(web.HealthCheck) })
	if code, body := get(t, c.client(""), c.srv.URL+"/healthz"); code != 200 || !strings.HasPrefix(body, "ok\n") {
		t.Errorf("healthz on a fresh store: %d %q", code, body)
	}
}

// A session store that fails (the database gone) answers sign-in with a Vietnamese page
// saying nothing was saved, not a bare English "Internal Server Error".
func TestSessionStoreFailing(t *testing.T) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "gone.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // every use fails
	c := newConsole(t, func(cfg *web.Config) { cfg.Sessions = db })
	resp, err := c.client("").PostForm(c.srv.URL+"/login", url.Values{"username": {"lan"}, "password": {c.password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 8192)
	for n, err := resp.Body.Read(buf); n > 0 || err == nil; n, err = resp.Body.Read(buf) {
		b.Write(buf[:n])
	}
	if resp.StatusCode != 503 || !strings.Contains(b.String(), "chưa được lưu") || strings.Contains(b.String(), "Internal Server Error") ||
		strings.Count(b.String(), "</html>") != 1 || resp.Header.Get("Location") != "" {
		t.Errorf("sign-in with the session store failing: %d\n%s", resp.StatusCode, b.String())
	}
}

// notesFailing is the store with its notes failing as a database that cannot be written
// does.
type notesFailing struct {
	*tickets.Store
	failing atomic.Bool
}

func (s *notesFailing) AddTicketNote(ctx context.Context, actor tickets.Actor, id int64, note string) error {
	if s.failing.Load() {
		return errors.New("commit: disk I/O error")
	}
	return s.Store.AddTicketNote(ctx, actor, id, note)
}

// A change the server could not save is never left looking saved: the agent sees, beside
// the form, a Vietnamese message that it was not saved, and the note is not on the page;
// once the database takes it again, the same form saves it and the message goes.
func TestFailedChangeSaysNotSaved(t *testing.T) {
	var failing *notesFailing
	c := newConsole(t, func(cfg *web.Config) {
		failing = &notesFailing{Store: cfg.Store.(*tickets.Store)}
		failing.failing.Store(true)
		cfg.Store = failing
	})
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	ctx := newTab(t)
	c.signIn(ctx, "lan")
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/tickets/"+tk.Ref),
		chromedp.WaitVisible(`[data-testid="note-form"]`),
		chromedp.SendKeys(`[data-testid="note-form"] textarea`, "Đã gọi lại, không nghe máy"),
		chromedp.Click(`[data-testid="note-form"] button`),
		chromedp.WaitVisible(`[data-testid="request-error"]`),
	)
	if err != nil {
		t.Fatalf("a note the database refuses: %v", err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="request-error"]`))
	if !strings.Contains(msg, "chưa được lưu") {
		t.Errorf("message beside the form: %q", msg)
	}
	if timeline, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="timeline"]`)); strings.Contains(timeline, "không nghe máy") {
		t.Errorf("the note that was not saved shows in the timeline: %q", timeline)
	}
	failing.failing.Store(false)
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="note-form"] button`),
		chromedp.WaitNotPresent(`[data-testid="request-error"]`),
	)
	if err != nil {
		t.Fatalf("the same note once the database takes it: %v", err)
	}
	waitTexts(t, ctx, `[data-testid="timeline-note"]`, func(s []string) bool { return len(s) == 1 && s[0] == "Đã gọi lại, không nghe máy" })
}
