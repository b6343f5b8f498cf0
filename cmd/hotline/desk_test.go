package main_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/tickets"
)

// One headless Chromium serves every browser test of this binary: each test gets a
// browser context of its own (its own cookies), not a browser of its own.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// closeBrowser ends the shared browser (TestMain, after the tests).
func closeBrowser() {
	if browserCtx != nil {
		chromedp.Cancel(browserCtx)
	}
}

// newTab opens a tab in a fresh browser context of the shared browser.
func newTab(t *testing.T, limit time.Duration) context.Context {
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
			chromedp.UserDataDir(filepath.Join(os.TempDir(), fmt.Sprintf("hotline-cmd-test-%d", os.Getpid()))),
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
	ctx, cancel2 := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel2)
	return ctx
}

// signInTab signs a tab in to the console as a user the test added.
func signInTab(t *testing.T, ctx context.Context, h *hotline, username string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+h.addr+"/login"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, username),
		chromedp.SendKeys(`input[name="password"]`, testPassword),
		chromedp.Submit(`[data-testid="login-form"]`),
		chromedp.WaitVisible(`[data-testid="me"]`),
	)
	if err != nil {
		t.Fatalf("sign in as %s in the browser: %v", username, err)
	}
}

// tabState says where a tab is and what its desk bar shows, for a failure's message.
func tabState(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.getElementById("desk") || {}).outerHTML`))
	if err != nil {
		return "the tab: " + err.Error()
	}
	return "the tab: " + s
}

// waitFor polls until ok, or fails the test after limit saying what it waited for, with
// the hotline's log.
func waitFor(t *testing.T, h *hotline, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s\n%s", limit, what, h.logText())
		}
	}
}

var deskStateRE = regexp.MustCompile(`data-testid="desk" data-state="([a-z_]+)"`)

// deskState reads an agent's state from their desk bar.
func deskState(t *testing.T, h *hotline, cl *http.Client) string {
	t.Helper()
	_, body := getPage(t, cl, "http://"+h.addr+"/account")
	if m := deskStateRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// queueEvents reads the day's queue log: event lines as "EVENT agent call".
func queueEvents(t *testing.T, s *tickets.Store) []*tickets.QueueEntry {
	t.Helper()
	list, err := s.QueueLog(context.Background(), tickets.Day(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// asyncCall places a test call in the background.
func asyncCall(t *testing.T, c *testcaller.Caller, tc testcaller.TestCall) <-chan *testcaller.TestCallResult {
	t.Helper()
	out := make(chan *testcaller.TestCallResult, 1)
	if tc.MaxDuration == 0 {
		tc.MaxDuration = 2 * time.Minute
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), tc.MaxDuration+30*time.Second)
		defer cancel()
		res, err := c.Place(ctx, tc)
		if err != nil {
			t.Errorf("test call from %s: %v", tc.From, err)
		}
		out <- res
	}()
	return out
}

// An agent's call from sign-in to ready again: the agent signs in with their phone and is
// ready; a caller presses 0; the agent's phone answers and their browser opens the
// caller's ticket (the screen-pop) with the caller's earlier ticket, within a second; at
// hang-up the agent presses 1 for the disposition, is in the wrap-up, and ends it.
func TestScreenPop(t *testing.T) {
	phoneDone := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 1)
	h := startHotline(t, "", "HOTLINE_WRAPUP=60s")
	s := h.store()
	ctx := context.Background()
	number := "+84905123456"
	earlier := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &number,
		Summary: "Sốt và ho từ hôm qua."}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, earlier); err != nil {
		t.Fatal(err)
	}
	h.consoleUser("lan", tickets.RoleAgent, "PJSIP/agent101")
	tab := newTab(t, 3*time.Minute)
	signInTab(t, tab, h, "lan")
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+h.addr+"/tickets"),
		chromedp.WaitVisible(`[data-testid="desk"][data-state="ready"]`)); err != nil {
		t.Fatalf("the agent is not ready after signing in: %v", err)
	}
	screenshot(t, tab, "desk-ready", 1280)

	res := asyncCall(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 6 * time.Second})
	// The screen-pop: the browser goes to the call's ticket by itself.
	popCtx, popCancel := context.WithTimeout(tab, 40*time.Second)
	defer popCancel()
	if err := chromedp.Do(popCtx, chromedp.WaitVisible(`[data-testid="ticket"]`),
		chromedp.WaitVisible(`[data-testid="desk"][data-state="on_call"]`)); err != nil {
		t.Fatalf("no screen-pop: %v\n%s\n%s", err, tabState(tab), h.logText())
	}
	popped, err := chromedp.Run(tab, chromedp.Evaluate[float64](`performance.timeOrigin`))
	if err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil {
		t.Fatal(err)
	}
	calls, err := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
	if err != nil || len(calls) == 0 || calls[0].AgentAnsweredAt == nil {
		t.Fatalf("the call's record has no agent yet: %+v %v", calls, err)
	}
	c := calls[0]
	took := time.UnixMilli(int64(popped)).Sub(*c.AgentAnsweredAt)
	t.Logf("screen-pop: the browser opened %s %d ms after the agent answered", page, took.Milliseconds())
	if took > time.Second {
		t.Errorf("the screen-pop took %s, want within 1 s", took)
	}
	list := ticketsOf(t, s, c)
	if len(list) != 1 || !strings.HasPrefix(page, "/tickets/"+list[0].Ref+"?call="+c.ID) {
		t.Errorf("the browser opened %s; want the call's ticket %+v", page, list)
	}
	// What the agent needs while talking: the caller's earlier ticket, the call's ticket
	// open for editing, the caller's number on the desk.
	texts, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[
		[...document.querySelectorAll('[data-testid="caller-tickets"] [data-testid="ticket-ref"]')].map(e => e.textContent).join(" "),
		String(document.querySelector('[data-testid="edit-details"]').open),
		document.querySelector('[data-testid="desk-number"]').textContent,
		document.querySelector('[data-testid="caller-number"]').textContent]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(texts[0], earlier.Ref) || texts[1] != "true" || texts[2] != "0905 123 456" {
		t.Errorf("screen-pop shows earlier tickets %q, edit form open %s, desk number %q; want %s, true, 0905 123 456",
			texts[0], texts[1], texts[2], earlier.Ref)
	}
	screenshot(t, tab, "desk-screen-pop", 1280)

	// The caller hangs up: the wrap-up, with the dispositions; key 1 is "information given".
	if err := chromedp.Do(tab, chromedp.WaitVisible(`[data-testid="desk"][data-state="wrap_up"]`),
		chromedp.WaitVisible(`[data-testid="dispositions"]`)); err != nil {
		t.Fatalf("no wrap-up after the call: %v", err)
	}
	screenshot(t, tab, "desk-wrap-up", 1280)
	if err := chromedp.Do(tab, chromedp.KeyEvent("1"), chromedp.WaitVisible(`[data-testid="desk-disposition"]`)); err != nil {
		t.Fatalf("disposition by key 1: %v", err)
	}
	waitFor(t, h, 5*time.Second, "the disposition in the call's record", func() bool {
		got, err := s.FindCall(ctx, c.ID)
		return err == nil && got.Disposition == "information"
	})
	if err := chromedp.Do(tab, chromedp.Click(`[data-testid="desk-ready"]`),
		chromedp.WaitVisible(`[data-testid="desk"][data-state="ready"]`)); err != nil {
		t.Fatalf("ending the wrap-up: %v", err)
	}
	if r := <-res; r == nil || r.EndedBy != "caller" {
		t.Errorf("caller: %+v", r)
	}
	if err := <-phoneDone; err != nil {
		t.Error(err)
	}
	// The shift as reports see it: its states in order, and the queue log.
	h.stop()
	var states []string
	rows, err := s.DB().Query(`SELECT state FROM agent_states st JOIN users u ON u.id = st.user_id WHERE u.username = 'lan' ORDER BY st.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var st string
		rows.Scan(&st)
		states = append(states, st)
	}
	rows.Close()
	if got := strings.Join(states, " "); !strings.HasPrefix(got, "ready ringing on_call wrap_up ready") {
		t.Errorf("agent states %q, want ready ringing on_call wrap_up ready", got)
	}
	var events []string
	for _, e := range queueEvents(t, s) {
		events = append(events, e.Event)
	}
	if got := strings.Join(events, " "); !strings.Contains(got, "AGENTLOGIN ENTERQUEUE CONNECT COMPLETECALLER") {
		t.Errorf("queue log %q", got)
	}
}

// Two agents share the queue, and one state machine keeps them apart: a paused agent is
// never rung; two agents talk with two callers at once; an agent calling a citizen back
// is not rung by the queue meanwhile. The wallboard's figures for the day equal those
// computed from the call records.
func TestAgentsShareTheQueue(t *testing.T) {
	lanPhone := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 2)
	maiPhone := agentPhone(t, "agent102", 5092, "agent_phone.xml", time.Second, 1)
	citizen := phone(t, "citizen", 5080, "agent_calls_back.xml", 3*time.Second, 1)
	h := startHotline(t, "", "HOTLINE_WRAPUP=2s", "HOTLINE_QUEUE_ANNOUNCE=5s", "HOTLINE_CONSOLE_GRACE=10m")
	s := h.store()
	ctx := context.Background()
	base := "http://" + h.addr
	lan := h.consoleUser("lan", tickets.RoleAgent, "PJSIP/agent101")
	mai := h.consoleUser("mai", tickets.RoleAgent, "PJSIP/agent102")
	for name, cl := range map[string]*http.Client{"lan": lan, "mai": mai} {
		if got := deskState(t, h, cl); got != tickets.AgentReady {
			t.Fatalf("%s after signing in: %q, want ready", name, got)
		}
	}
	if code, body := consolePost(t, mai, base+"/desk/pause", url.Values{"reason": {"break"}}); code != http.StatusSeeOther {
		t.Fatalf("pause: %d %s", code, body)
	}
	if got := deskState(t, h, mai); got != tickets.AgentPaused {
		t.Fatalf("mai paused: %q", got)
	}
	caller := newCaller(t)
	a := asyncCall(t, caller, testcaller.TestCall{From: "0905000001", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 12 * time.Second})
	waitFor(t, h, 20*time.Second, "lan on the first call", func() bool { return deskState(t, h, lan) == tickets.AgentOnCall })
	b := asyncCall(t, caller, testcaller.TestCall{From: "0905000002", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 15 * time.Second})
	time.Sleep(4 * time.Second) // the second caller waits: lan talks, mai is paused
	for _, e := range queueEvents(t, s) {
		if e.Agent == "mai" && (e.Event == tickets.QueueRingNoAns || e.Event == tickets.QueueConnect) {
			t.Errorf("the paused agent was rung: %+v", e)
		}
	}
	if code, _ := consolePost(t, mai, base+"/desk/ready", nil); code != http.StatusSeeOther {
		t.Fatalf("unpause: %d", code)
	}
	waitFor(t, h, 20*time.Second, "mai on the second call", func() bool { return deskState(t, h, mai) == tickets.AgentOnCall })
	if got := deskState(t, h, lan); got != tickets.AgentOnCall {
		t.Errorf("lan is %q while mai talks; want both on a call at once", got)
	}
	// lan finishes and calls a citizen back from a ticket; a caller who comes meanwhile
	// waits (mai talks) and is not put through to lan.
	if r := <-a; r == nil || r.EndedBy != "caller" {
		t.Errorf("first caller: %+v", r)
	}
	waitFor(t, h, 10*time.Second, "lan ready after the wrap-up", func() bool { return deskState(t, h, lan) == tickets.AgentReady })
	contact := "+84911222333"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, ContactPhone: &contact}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	if code, body := consolePost(t, lan, base+"/tickets/"+tk.Ref+"/callback", nil); code != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", code, body)
	}
	if code, _ := consolePost(t, mai, base+"/tickets/"+tk.Ref+"/callback", nil); code != http.StatusConflict {
		t.Errorf("a second callback of the ticket in flight: %d, want 409", code)
	}
	callbackStart := time.Now()
	waitFor(t, h, 20*time.Second, "lan on the callback", func() bool { return deskState(t, h, lan) == tickets.AgentOnCall })
	c := asyncCall(t, caller, testcaller.TestCall{From: "0905000003", Keys: []string{"0", "hup"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
	rc := <-c
	waitFor(t, h, 30*time.Second, "the callback's end", func() bool {
		calls, _ := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
		for _, cl := range calls {
			if cl.Direction == "outbound" && cl.EndedAt != nil {
				return true
			}
		}
		return false
	})
	for _, e := range queueEvents(t, s) {
		if e.At.After(callbackStart) && e.Agent == "lan" && (e.Event == tickets.QueueRingNoAns || e.Event == tickets.QueueConnect) {
			t.Errorf("lan was rung by the queue during the callback: %+v", e)
		}
	}
	if rc == nil || rc.EndedBy != "caller" {
		t.Errorf("the caller during the callback: %+v", rc)
	}
	if r := <-b; r == nil || r.EndedBy != "caller" {
		t.Errorf("second caller: %+v", r)
	}
	for name, done := range map[string]<-chan error{"lan": lanPhone, "mai": maiPhone, "citizen": citizen} {
		if err := <-done; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Both talked at once.
	calls, err := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byFrom := map[string]*tickets.Call{}
	for _, cl := range calls {
		if cl.Direction != "outbound" {
			byFrom[cl.CallerRaw] = cl
		}
	}
	one, two := byFrom["0905000001"], byFrom["0905000002"]
	if one == nil || two == nil || one.AgentEndpoint != "PJSIP/agent101" || two.AgentEndpoint != "PJSIP/agent102" ||
		one.AgentAnsweredAt == nil || two.AgentAnsweredAt == nil || one.TalkMS == nil ||
		!two.AgentAnsweredAt.Before(one.AgentAnsweredAt.Add(time.Duration(*one.TalkMS)*time.Millisecond)) {
		t.Errorf("the two calls did not overlap with one agent each: %+v / %+v", one, two)
	}
	wallboardMatchesRecords(t, h, s, calls)
}

var wbRE = regexp.MustCompile(`data-testid="wb-([a-z]+)">([^<]*)<`)

// wallboardMatchesRecords reads the wallboard's figures for the day and computes them
// again from the calls' records: offered (callers who waited for an agent), answered,
// abandoned, the service level (answered within 20 s ÷ answered and abandoned after 5 s)
// and the average wait of the answered.
func wallboardMatchesRecords(t *testing.T, h *hotline, s *tickets.Store, calls []*tickets.Call) {
	t.Helper()
	sup := h.consoleUser("minh", tickets.RoleSupervisor, "")
	time.Sleep(500 * time.Millisecond) // the queue log's writer
	code, body := getPage(t, sup, "http://"+h.addr+"/wallboard")
	if code != http.StatusOK {
		t.Fatalf("wallboard: %d", code)
	}
	got := map[string]string{}
	for _, m := range wbRE.FindAllStringSubmatch(body, -1) {
		got[m[1]] = strings.TrimSpace(m[2])
	}
	var offered, answered, in20, abandoned, after5 int
	var wait time.Duration
	for _, c := range calls {
		if c.Direction == "outbound" || c.QueuedAt == nil {
			continue
		}
		offered++
		switch {
		case c.AgentAnsweredAt != nil:
			answered++
			w := time.Duration(*c.QueueWaitMS) * time.Millisecond
			wait += w.Round(time.Second)
			if w.Round(time.Second) <= 20*time.Second {
				in20++
			}
		case c.Outcome == tickets.OutcomeAbandoned:
			abandoned++
			if c.EndedAt.Sub(*c.QueuedAt).Round(time.Second) > 5*time.Second {
				after5++
			}
		}
	}
	want := map[string]string{"offered": strconv.Itoa(offered), "answered": strconv.Itoa(answered), "abandoned": strconv.Itoa(abandoned),
		"sl": "–", "avgwait": "0:00"}
	if answered+after5 > 0 {
		want["sl"] = fmt.Sprintf("%.0f%%", 100*float64(in20)/float64(answered+after5))
	}
	if answered > 0 {
		sec := int((wait / time.Duration(answered)).Round(time.Second) / time.Second)
		want["avgwait"] = fmt.Sprintf("%d:%02d", sec/60, sec%60)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("wallboard %s = %q, the call records say %q", k, got[k], v)
		}
	}
	t.Logf("wallboard: %v", got)
	if offered < 3 || answered < 2 || abandoned < 1 {
		t.Errorf("the day has %d offered, %d answered, %d abandoned: the test made 3, 2, 1", offered, answered, abandoned)
	}
}

// getPage fetches a page of the console.
func getPage(t *testing.T, cl *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// A caller who presses 1 keeps their place: the caller ahead of them is answered first,
// then their callback is offered, before callers who came later, and the order survives
// a restart of the hotline. The wallboard reconnects by itself after the restart.
func TestCallbackKeepsItsPlace(t *testing.T) {
	lanPhone := agentPhone(t, "agent101", 5072, "agent_phone.xml", time.Second, 5)
	citizen := phone(t, "citizen", 5080, "agent_calls_back.xml", 2*time.Second, 2)
	dbPath := filepath.Join(t.TempDir(), "hotline.db")
	env := []string{"HOTLINE_WRAPUP=2s", "HOTLINE_QUEUE_ANNOUNCE=4s", "HOTLINE_CONSOLE_GRACE=10m"}
	h := startHotline(t, dbPath, env...)
	env = append(env, "HOTLINE_ADDR="+h.addr) // the wallboard reconnects to the same address
	s := h.store()
	ctx := context.Background()
	base := "http://" + h.addr
	lan := h.consoleUser("lan", tickets.RoleAgent, "PJSIP/agent101")
	h.consoleUser("minh", tickets.RoleSupervisor, "")
	board := newTab(t, 4*time.Minute)
	signInTab(t, board, h, "minh")
	if err := chromedp.Do(board, chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(`[data-testid="wallboard"]`)); err != nil {
		t.Fatal(err)
	}
	boardText := func(id string) string {
		v, _ := chromedp.Run(board, chromedp.Evaluate[string](`(document.querySelector('[data-testid="wb-`+id+`"]') || {}).textContent || ""`))
		return strings.TrimSpace(v)
	}

	caller := newCaller(t)
	x := asyncCall(t, caller, testcaller.TestCall{From: "0905000010", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 10 * time.Second})
	waitFor(t, h, 20*time.Second, "lan talking with the first caller", func() bool { return deskState(t, h, lan) == tickets.AgentOnCall })
	// p1 talks long enough for the test to pause lan during the call.
	p1 := asyncCall(t, caller, testcaller.TestCall{From: "0905000011", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 15 * time.Second})
	time.Sleep(time.Second)
	p2 := asyncCall(t, caller, testcaller.TestCall{From: "0905000012", Keys: []string{"0", "1"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
	time.Sleep(time.Second)
	p3 := asyncCall(t, caller, testcaller.TestCall{From: "0905000013", Keys: []string{"0", "1"}, Barge: 500 * time.Millisecond, HangupAfterKeys: -1})
	for _, ch := range []<-chan *testcaller.TestCallResult{p2, p3} {
		if r := <-ch; r == nil || !slices.Contains(r.Prompts(), "vi/callback_created") {
			t.Fatalf("a caller pressing 1: %+v", r)
		}
	}
	waitFor(t, h, 10*time.Second, "two callbacks on the wallboard", func() bool { return boardText("callbacks") == "2" })
	// lan pauses during the calls: after the first caller (answered before any callback)
	// lan goes on a break, and the two requests wait through a restart.
	<-x
	waitFor(t, h, 20*time.Second, "lan talking with the caller who waited", func() bool { return deskState(t, h, lan) == tickets.AgentOnCall })
	consolePost(t, lan, base+"/desk/pause", url.Values{"reason": {"meeting"}})
	if r := <-p1; r == nil || r.EndedBy != "caller" || r.Ticket == "" {
		t.Fatalf("the caller ahead of the callbacks was not answered: %+v", r)
	}
	waitFor(t, h, 10*time.Second, "lan paused after the call", func() bool { return deskState(t, h, lan) == tickets.AgentPaused })

	h.stop()
	h = startHotline(t, dbPath, env...)
	// The wallboard reconnects by itself and shows the requests kept.
	waitFor(t, h, 30*time.Second, "the wallboard back after the restart", func() bool { return boardText("callbacks") == "2" && boardText("paused") == "1" })
	p4 := asyncCall(t, caller, testcaller.TestCall{From: "0905000014", Keys: []string{"0"}, Barge: 500 * time.Millisecond,
		HangupAfterKeys: -1, HangupAfterTicket: 3 * time.Second})
	time.Sleep(2 * time.Second) // p4 is in the queue, behind the requests
	if code, _ := consolePost(t, lan, base+"/desk/ready", nil); code != http.StatusSeeOther {
		t.Fatal("lan could not end the pause after the restart")
	}
	for _, want := range []string{"0905000012", "0905000013"} {
		var offer string
		waitFor(t, h, 30*time.Second, "the callback offered to lan", func() bool {
			_, body := getPage(t, lan, base+"/account")
			if m := regexp.MustCompile(`data-testid="offer"[\s\S]*?(HL-\d+)`).FindStringSubmatch(body); m != nil {
				offer = m[1]
				return true
			}
			return false
		})
		tk, err := s.FindTicketByRef(ctx, tickets.ActorSystem, offer)
		if err != nil || tk.CallerNumber == nil || tickets.FormatPhone(*tk.CallerNumber) != tickets.FormatPhone("+84"+want[1:]) {
			t.Fatalf("offered %s (%v), want the callback of %s", offer, err, want)
		}
		if code, _ := consolePost(t, lan, base+"/desk/offer", nil); code != http.StatusSeeOther {
			t.Fatalf("accept the offer of %s", offer)
		}
		waitFor(t, h, 40*time.Second, "the callback to "+want, func() bool {
			calls, _ := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
			for _, c := range calls {
				if c.Direction == "outbound" && c.Dialed == want && c.EndedAt != nil {
					return true
				}
			}
			return false
		})
	}
	if r := <-p4; r == nil || r.EndedBy != "caller" || r.Ticket == "" {
		t.Errorf("the caller after the restart: %+v", r)
	}
	waitFor(t, h, 10*time.Second, "no callback left on the wallboard", func() bool { return boardText("callbacks") == "0" })
	for name, done := range map[string]<-chan error{"lan": lanPhone, "citizen": citizen} {
		if err := <-done; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The order, from the records: p1's agent answered before both callbacks, which were
	// before p4's.
	calls, err := s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]time.Time{}
	for _, c := range calls {
		switch {
		case c.Direction == "outbound":
			at["cb"+c.Dialed] = c.StartedAt
		case c.AgentAnsweredAt != nil:
			at[c.CallerRaw] = *c.AgentAnsweredAt
		}
	}
	order := []string{"0905000011", "cb0905000012", "cb0905000013", "0905000014"}
	for i := 1; i < len(order); i++ {
		if a, b := at[order[i-1]], at[order[i]]; a.IsZero() || b.IsZero() || !a.Before(b) {
			t.Errorf("%s (%s) not before %s (%s)", order[i-1], a, order[i], b)
		}
	}
	if w, _ := s.WaitingCallbacks(ctx); len(w) != 0 {
		t.Errorf("requests still waiting: %+v", w)
	}
}

// screenshot saves a PNG of the tab when HOTLINE_SCREENSHOTS names a folder (make
// screenshots refreshes the README's images so).
func screenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv("HOTLINE_SCREENSHOTS")
	if dir == "" {
		return
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
