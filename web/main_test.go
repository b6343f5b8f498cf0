package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// One headless Chromium serves every browser test of this package: each test gets a
// browser context of its own (its own cookies), not a browser of its own.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if browserCtx != nil {
		chromedp.Cancel(browserCtx)
	}
	os.Exit(code)
}

// newTab opens a tab in a fresh browser context of the shared browser.
func newTab(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			browserErr = fmt.Errorf("chromium is not installed (apt-get install chromium; make test does it)")
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
			// A microphone for recording prompts in the page: a tone, allowed without asking.
			chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.UserDataDir(filepath.Join(os.TempDir(), fmt.Sprintf("hotline-web-test-%d", os.Getpid()))),
		)
		actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, _ = chromedp.NewContext(actx)
		browserErr = chromedp.Do(browserCtx) // starts the browser
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

// console is a console on a fresh database, with its users and some data.
type console struct {
	t          *testing.T
	srv        *httptest.Server
	site       *web.Server
	store      *tickets.Store
	recordings string
	callbacks  *fakeCallbacks
	users      map[string]*tickets.User
	password   string
}

const phuXuan, kimLong = "19753", "19774"

type consoleOption func(*web.Config)

func newConsole(t *testing.T, opts ...consoleOption) *console {
	t.Helper()
	dir := t.TempDir()
	store, err := tickets.OpenStore(context.Background(), filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := &console{t: t, store: store, recordings: filepath.Join(dir, "recordings"), callbacks: &fakeCallbacks{},
		users: map[string]*tickets.User{}, password: "a long password"}
	cfg := web.Config{Store: store, Sounds: sounds.FS(), Recordings: c.recordings, Sessions: store.DB(), Callbacks: c.callbacks}
	for _, o := range opts {
		o(&cfg)
	}
	site := web.New(cfg)
	c.site = site
	c.srv = httptest.NewServer(site.Handler())
	live, stop := context.WithCancel(context.Background())
	go site.RunLive(live)
	t.Cleanup(func() { stop(); site.CloseLive(); c.srv.Close() })
	for _, u := range []*tickets.User{
		{Username: "lan", DisplayName: "Nguyễn Thị Lan", Role: tickets.RoleAgent, Phone: "PJSIP/agent101"},
		{Username: "hoa", DisplayName: "Trần Văn Hoà", Role: tickets.RoleOfficer, UnitCode: ptr(phuXuan)},
		{Username: "minh", DisplayName: "Lê Minh", Role: tickets.RoleSupervisor},
		{Username: "root", DisplayName: "Quản trị", Role: tickets.RoleAdmin},
	} {
		if err := store.CreateUser(context.Background(), tickets.ActorSystem, u, c.password); err != nil {
			t.Fatal(err)
		}
		c.users[u.Username] = u
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// actor is a user of the console as the store knows them.
func (c *console) actor(name string) tickets.Actor { return tickets.ActorFor(c.users[name]) }

// ticket files a ticket as the IVR would: from a call, with the caller's answers.
func (c *console) ticket(category, phone string, unit *string, answers tickets.Answers) *tickets.Ticket {
	c.t.Helper()
	ctx := context.Background()
	call := &tickets.Call{ChannelID: "ch-" + tickets.NewCallID(), CallerRaw: phone}
	if phone != "" {
		n, _ := tickets.NormalizePhone(phone)
		call.CallerNumber = &n
	}
	if err := c.store.StartCall(ctx, call); err != nil {
		c.t.Fatal(err)
	}
	tk := &tickets.Ticket{Category: category, Priority: tickets.P2, CallerNumber: call.CallerNumber, CallID: &call.ID,
		UnitCode: unit, IVRAnswers: answers, IVRKeys: "21221"}
	if err := c.store.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		c.t.Fatal(err)
	}
	return tk
}

// voiceMessage files a 2-second WAV as the ticket's voice message, and returns its id.
func (c *console) voiceMessage(tk *tickets.Ticket) int64 {
	c.t.Helper()
	rel := "2021/08/10/" + *tk.CallID + "-m1.wav"
	full := filepath.Join(c.recordings, rel)
	os.MkdirAll(filepath.Dir(full), 0o750)
	if err := os.WriteFile(full, soundstest.WAV(2*time.Second, 8000), 0o600); err != nil {
		c.t.Fatal(err)
	}
	r := &tickets.Recording{CallID: tk.CallID, Kind: tickets.RecordingVoiceMessage, Path: rel, DurationMS: 2000}
	if err := c.store.AddRecording(context.Background(), r); err != nil {
		c.t.Fatal(err)
	}
	return r.ID
}

// client is an HTTP client of the console signed in as a user (no redirects followed).
func (c *console) client(username string) *http.Client {
	c.t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if username == "" {
		return cl
	}
	resp, err := cl.PostForm(c.srv.URL+"/login", url.Values{"username": {username}, "password": {c.password}})
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %s", username, resp.Status)
	}
	return cl
}

// get fetches a page and returns its status and body.
func get(t *testing.T, cl *http.Client, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return send(t, cl, req)
}

// send sends a request and returns the answer's status and body.
func send(t *testing.T, cl *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// formRequest is a form posted from a console page (the same origin), as htmx sends it
// when hx is set.
func formRequest(u string, form url.Values, hx bool) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

// signIn signs a browser tab in as a user.
func (c *console) signIn(ctx context.Context, username string) {
	c.t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.srv.URL+"/login"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, username),
		chromedp.SendKeys(`input[name="password"]`, c.password),
		chromedp.Submit(`[data-testid="login-form"]`),
		chromedp.WaitVisible(`[data-testid="me"]`),
	)
	if err != nil {
		c.t.Fatalf("sign in as %s in the browser: %v", username, err)
	}
}

// screenshot saves a PNG of the tab when HOTLINE_SCREENSHOTS names a folder (make
// screenshots refreshes the README's images so): there if the README shows it, else in
// HOTLINE_SCREENSHOTS_EXTRA if that is set, so that the README's folder holds only what
// the README shows.
func screenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv("HOTLINE_SCREENSHOTS")
	if dir == "" {
		return
	}
	if readme, err := os.ReadFile("../README.md"); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(string(readme), "screenshots/"+name+".png") {
		if dir = os.Getenv("HOTLINE_SCREENSHOTS_EXTRA"); dir == "" {
			return
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeCallbacks records the callbacks the console asks for.
type fakeCallbacks struct {
	mu  sync.Mutex
	got []web.CallbackRequest
}

func (f *fakeCallbacks) CallBack(_ context.Context, r web.CallbackRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, r)
	return "call-1", nil
}
