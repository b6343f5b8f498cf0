package main_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// These tests place real calls through the sandbox Asterisk (make sandbox) into the real
// hotline binary. They are skipped only when HOTLINE_SKIP_INTEGRATION=1, and say so.

var (
	binary  string // the hotline binary built for the tests
	ariURL  = envOr("ARI_URL", "http://127.0.0.1:8088/ari")
	ariUser = envOr("ARI_USERNAME", "hotline")
	ariPass = envOr("ARI_PASSWORD", "hotline")
	skipWhy string
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	// The binary is built either way: the tests that need no Asterisk (the backup's)
	// run it without calls.
	dir, err := os.MkdirTemp("", "hotline-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "hotline")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build hotline:", err)
		os.Exit(1)
	}
	if os.Getenv("HOTLINE_SKIP_INTEGRATION") == "1" {
		skipWhy = "HOTLINE_SKIP_INTEGRATION=1"
		fmt.Fprintln(os.Stderr, "########################################################################")
		fmt.Fprintln(os.Stderr, "# INTEGRATION TESTS SKIPPED (HOTLINE_SKIP_INTEGRATION=1): no real calls #")
		fmt.Fprintln(os.Stderr, "########################################################################")
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	rest := asterisk.NewREST(ariURL, ariUser, ariPass, 3*time.Second)
	if err := rest.Ping(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "integration tests need Asterisk's ARI at %s (start it with `make sandbox`, or set HOTLINE_SKIP_INTEGRATION=1 to skip them): %v\n", ariURL, err)
		os.Exit(1)
	}
	var logStart int64
	if fi, err := os.Stat(asteriskLog()); err == nil {
		logStart = fi.Size()
	}
	code := m.Run()
	closeBrowser()
	os.RemoveAll(dir)
	// Nothing the tests did may have put a caller's number in Asterisk's log either.
	if b, err := os.ReadFile(asteriskLog()); err == nil && int64(len(b)) >= logStart {
		if n := numberIn(string(b[logStart:])); n != "" {
			fmt.Fprintf(os.Stderr, "FAIL: Asterisk's log (%s) holds a caller's number (%s) written during the tests\n", asteriskLog(), n)
			code = 1
		}
	}
	os.Exit(code)
}

func needAsterisk(t *testing.T) {
	t.Helper()
	if skipWhy != "" {
		t.Skipf("SKIPPED: needs Asterisk (%s)", skipWhy)
	}
}

// hotline is one running `hotline serve` process.
type hotline struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	dbPath string
	mu     sync.Mutex
	log    strings.Builder
	out    syncBuffer // what it prints on standard output (the first admin's password)
	ready  chan struct{}
	exited chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startHotline runs the hotline on a fresh database (or dbPath, if given) and waits
// until its IVR takes calls. Cleanup stops it with SIGTERM and expects a clean exit.
func startHotline(t *testing.T, dbPath string, env ...string) *hotline {
	t.Helper()
	needAsterisk(t)
	return launchHotline(t, dbPath, env...)
}

// launchHotline is startHotline without the check for Asterisk, for a test that gives
// the hotline an ARI of its own (ARI_URL in env: a later value wins).
func launchHotline(t *testing.T, dbPath string, env ...string) *hotline {
	t.Helper()
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "hotline.db")
	}
	h := &hotline{t: t, addr: freeAddr(t), dbPath: dbPath, ready: make(chan struct{}), exited: make(chan error, 1)}
	for _, e := range env {
		if addr, ok := strings.CutPrefix(e, "HOTLINE_ADDR="); ok {
			h.addr = addr // a hotline started again where the last one was
		}
	}
	h.cmd = exec.Command(binary, "serve")
	h.cmd.Env = append(os.Environ(),
		"ARI_URL="+ariURL, "ARI_USERNAME="+ariUser, "ARI_PASSWORD="+ariPass,
		"ARI_APPLICATION=hotline", "HOTLINE_DB="+dbPath, "HOTLINE_ADDR="+h.addr)
	h.cmd.Env = append(h.cmd.Env, env...)
	stderr, err := h.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.cmd.Stdout = &h.out
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("start hotline: %v", err)
	}
	go h.readLog(stderr)
	go func() { h.exited <- h.cmd.Wait() }()
	select {
	case <-h.ready:
	case err := <-h.exited:
		t.Fatalf("hotline exited at start: %v\n%s", err, h.logText())
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		t.Fatalf("hotline not ready within 20 s:\n%s", h.logText())
	}
	t.Cleanup(func() { h.stop() })
	return h
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (h *hotline) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	once := sync.Once{}
	for sc.Scan() {
		line := sc.Text()
		h.mu.Lock()
		h.log.WriteString(line + "\n")
		h.mu.Unlock()
		if strings.Contains(line, `msg="ivr ready"`) {
			once.Do(func() { close(h.ready) })
		}
	}
}

func (h *hotline) logText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

// stop sends SIGTERM and expects the hotline to drain and exit 0.
func (h *hotline) stop() {
	if h.cmd.ProcessState != nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.exited:
		if err != nil {
			h.t.Errorf("hotline exit after SIGTERM: %v\n%s", err, h.logText())
		}
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
		h.t.Errorf("hotline did not exit within 30 s of SIGTERM:\n%s", h.logText())
	}
	if n := numberIn(h.logText()); n != "" {
		h.t.Errorf("the hotline's log holds a caller's number (%s):\n%s", n, h.logText())
	}
}

// testNumbers are the digits of every phone number the tests call with or key in.
var testNumbers = []string{"905123456", "905123457", "911222333", "321234567", "1621234567"}

// numberIn returns the first test phone number found in a log, in any of its forms
// (0905 123 456 written together, +84905123456, 84905123456), or "".
func numberIn(log string) string {
	for _, n := range testNumbers {
		if strings.Contains(log, n) {
			return n
		}
	}
	return ""
}

// asteriskLog is the sandbox Asterisk's log, where the dialplan and channel drivers write.
func asteriskLog() string {
	root := os.Getenv("ASTERISK_CHROOT")
	if root == "" {
		root = "/var/cache/hotline/asterisk-chroot"
	}
	return filepath.Join(root, "var/log/asterisk/messages.log")
}

// store opens the hotline's database beside it, as the console would.
func (h *hotline) store() *tickets.Store {
	h.t.Helper()
	s, err := tickets.OpenStore(context.Background(), h.dbPath)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Close() })
	return s
}

// testPassword is the password of the console users the tests add.
const testPassword = "a test password"

// consoleUser adds a user of the console to the hotline's database (once) and returns an
// HTTP client signed in as them.
func (h *hotline) consoleUser(username, role, phone string) *http.Client {
	h.t.Helper()
	s := h.store()
	if _, err := s.FindUserByName(context.Background(), username); err != nil {
		u := &tickets.User{Username: username, Role: role, Phone: phone}
		if err := s.CreateUser(context.Background(), tickets.ActorSystem, u, testPassword); err != nil {
			h.t.Fatal(err)
		}
	}
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.PostForm("http://"+h.addr+"/login", url.Values{"username": {username}, "password": {testPassword}})
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in to the console as %s: %s", username, resp.Status)
	}
	return cl
}

// consolePost sends a form to the console as its own page does.
func consolePost(t *testing.T, cl *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// newCaller connects a test caller application to Asterisk.
func newCaller(t *testing.T) *testcaller.Caller {
	t.Helper()
	app := fmt.Sprintf("hotline-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	rest := asterisk.NewREST(ariURL, ariUser, ariPass, 5*time.Second)
	c, stop, err := testcaller.ConnectCaller(context.Background(), strings.Replace(ariURL, "http", "ws", 1)+"/events", app, ariUser, ariPass, rest)
	if err != nil {
		t.Fatalf("connect test caller: %v", err)
	}
	t.Cleanup(stop)
	return c
}

// call places a test call and fails the test if it could not be placed.
func call(t *testing.T, c *testcaller.Caller, tc testcaller.TestCall) *testcaller.TestCallResult {
	t.Helper()
	if tc.MaxDuration == 0 {
		tc.MaxDuration = 2 * time.Minute
	}
	res, err := c.Place(context.Background(), tc)
	if err != nil {
		t.Fatalf("place call: %v", err)
	}
	var b strings.Builder
	res.Print(&b)
	t.Logf("call %v:\n%s", tc.Keys, b.String())
	if !res.Answered {
		t.Fatal("the hotline did not answer")
	}
	if res.EndedBy == "timeout" {
		t.Fatal("the call did not end")
	}
	return res
}

// finalRecord waits for the hotline to write a call's final record and checks there is
// exactly one record for the channel.
func finalRecord(t *testing.T, s *tickets.Store, channelID string) *tickets.Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		calls, err := s.ListCalls(context.Background(), tickets.ActorSystem, tickets.CallFilter{ChannelID: &channelID})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) > 1 {
			t.Fatalf("%d call records for channel %s, want 1", len(calls), channelID)
		}
		if len(calls) == 1 && calls[0].EndedAt != nil {
			return calls[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final call record for channel %s: %+v", channelID, calls)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// servedCalls lists the calls the hotline served, newest first: not those Asterisk took
// alone while no hotline was running (earlier tests leave some), which every hotline
// imports when it starts.
func servedCalls(s *tickets.Store) ([]*tickets.Call, error) {
	all, err := s.ListCalls(context.Background(), tickets.ActorSystem, tickets.CallFilter{})
	var calls []*tickets.Call
	for _, c := range all {
		if c.Outcome != tickets.OutcomeUnavailable {
			calls = append(calls, c)
		}
	}
	return calls, err
}

func ticketsOf(t *testing.T, s *tickets.Store, c *tickets.Call) []*tickets.Ticket {
	t.Helper()
	page, err := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{CallID: &c.ID})
	if err != nil {
		t.Fatal(err)
	}
	return page.Tickets
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func waitExit(t *testing.T, h *hotline) error {
	t.Helper()
	select {
	case err := <-h.exited:
		return err
	case <-time.After(60 * time.Second):
		h.cmd.Process.Kill()
		return errors.New("did not exit within 60 s")
	}
}
