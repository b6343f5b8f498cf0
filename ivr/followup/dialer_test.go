package followup_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/followup"
	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/tickets"
)

// monitoredCases opens n cases in monitoring, with follow-ups due from today.
func monitoredCases(t *testing.T, s *tickets.Store, n int, lang string) []*tickets.Case {
	t.Helper()
	var list []*tickets.Case
	for i := 0; i < n; i++ {
		phone := "0905" + strings.Repeat("0", 3) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		c := &tickets.Case{PersonName: "Trần Thị Bình", Phone: &phone, Language: lang}
		if err := s.CreateCase(context.Background(), tickets.ActorSystem, c, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCaseStatus(context.Background(), tickets.ActorSystem, c.ID, tickets.CaseMonitoring, ""); err != nil {
			t.Fatal(err)
		}
		list = append(list, c)
	}
	return list
}

// hueToday returns a Huế clock time of today.
func hueToday(t *testing.T, clock string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", tickets.Day(time.Now())+" "+clock, tickets.Local)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// storeClock returns a settable clock at a Huế time of today and makes it the store's
// clock too, so that the times the store writes (an attempt's end) and the dialer's clock
// agree whatever the real time of day. Call it before the application runs.
func storeClock(t *testing.T, s *tickets.Store, at string) *clock {
	t.Helper()
	c := &clock{t: hueToday(t, at)}
	s.Now = c.now
	return c
}

// followUpDay is the fake Asterisk, a store whose clock is set to a Huế time of today
// (storeClock), and an App serving calls through them.
func followUpDay(t *testing.T, at string) (*ivrtest.ARI, *tickets.Store, *clock, *ivr.App) {
	t.Helper()
	f := ivrtest.NewARI(t)
	s := ivrtest.OpenStore(t)
	clk := storeClock(t, s, at)
	return f, s, clk, ivrtest.RunApp(t, f, s)
}

// clock is a settable clock for the dialer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// runDialer runs a dialer at a fast pace against the fake until the test ends.
func runDialer(t *testing.T, f *ivrtest.ARI, app *ivr.App, s followup.Store, clk *clock, concurrent int) *followup.Dialer {
	t.Helper()
	d, _ := startDialer(t, f, app, s, clk, followup.Config{Concurrent: concurrent})
	return d
}

// startDialer runs a dialer with cfg (its store, window, pace, clock and FastAGI listener
// set here) until the test ends, and returns it with the address its FastAGI listens on.
func startDialer(t *testing.T, f *ivrtest.ARI, app *ivr.App, s followup.Store, clk *clock, cfg followup.Config) (*followup.Dialer, string) {
	t.Helper()
	window, _ := followup.ParseWindow("08:00-20:00")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cfg.Store, cfg.Window, cfg.Rate, cfg.Every, cfg.Now, cfg.AGI = s, window, 6000, 50*time.Millisecond, clk.now, ln
	cfg.REST, cfg.Log = f.REST(), ivrtest.Discard
	if cfg.Concurrent == 0 {
		cfg.Concurrent = 1
	}
	d := followup.NewDialer(app, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, ln.Addr().String()
}

// Nothing is dialled outside the calling window (07:59 and 20:00 Huế time are outside,
// 08:00 inside), and no more calls are up at once than the setting.
func TestFollowUpWindowAndConcurrency(t *testing.T) {
	f, s, clk, app := followUpDay(t, "07:59")
	monitoredCases(t, s, 10, "vi")
	runDialer(t, f, app, s, clk, 4)
	time.Sleep(300 * time.Millisecond)
	if n := f.CreatedN(); n != 0 {
		t.Fatalf("%d calls dialled at 07:59", n)
	}
	clk.set(hueToday(t, "20:00"))
	time.Sleep(300 * time.Millisecond)
	if n := f.CreatedN(); n != 0 {
		t.Fatalf("%d calls dialled at 20:00", n)
	}
	clk.set(hueToday(t, "08:00"))
	// The citizens answer and say nothing: each call waits out its intro, up to four at once.
	for deadline := time.Now().Add(5 * time.Second); f.CreatedN() < 4; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls dialled at 08:00, want 4", f.CreatedN())
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n, most := f.CreatedN(), f.MostUp(); n != 4 || most != 4 {
		t.Errorf("dialled %d, most up at once %d; want 4 and 4", n, most)
	}
	for _, leg := range f.Legs() {
		if !strings.HasPrefix(f.Created(leg), "PJSIP/0905") || !strings.HasSuffix(f.Created(leg), "@carrier") {
			t.Errorf("dialled %q, want the national number through the carrier", f.Created(leg))
		}
		clk.set(hueToday(t, "20:00")) // no more calls
		f.HangUp(leg)
	}
	for _, leg := range f.Legs() {
		ivrtest.CallOn(t, s, leg)
	}
}

// slowOptOut fails the opt-out as a locked database would, twice, and notes what the
// citizen had heard when it was finally stored.
type slowOptOut struct {
	*tickets.Store
	f       *ivrtest.ARI
	mu      sync.Mutex
	tries   int
	stored  bool
	heardAt []string // prompts played when the opt-out was stored
}

func (s *slowOptOut) OptOutOfFollowUpCalls(ctx context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.tries <= 2 {
		return sqlite3.Error{Code: sqlite3.ErrBusy}
	}
	if err := s.Store.OptOutOfFollowUpCalls(ctx, id); err != nil {
		return err
	}
	s.stored = true
	for _, leg := range s.f.Legs() {
		s.heardAt = append(s.heardAt, s.f.Prompts(leg)...)
	}
	return nil
}

// Pressing 9 stores the opt-out (through a locked database, retried) before the
// confirmation plays; the case is never dialled again.
func TestFollowUpOptOutStoredBeforeConfirmation(t *testing.T) {
	f, s, clk, app := followUpDay(t, "10:00")
	c := monitoredCases(t, s, 1, "en")[0]
	store := &slowOptOut{Store: s, f: f}
	runDialer(t, f, app, store, clk, 4)
	leg := f.AnsweredLeg(t)
	if got := f.Prompts(leg); got[0] != "en/fu_intro" {
		t.Errorf("the citizen heard %v first, want the intro in English", got)
	}
	f.Send("ChannelDtmfReceived", map[string]any{"digit": "9", "duration_ms": 100, "channel": ivrtest.ChannelJSON(leg, "")})
	rec := ivrtest.CallOn(t, s, leg)
	store.mu.Lock()
	heard, stored, tries := store.heardAt, store.stored, store.tries
	store.mu.Unlock()
	if !stored || tries != 3 {
		t.Fatalf("opt-out stored %v after %d tries, want stored on the third", stored, tries)
	}
	if slices.Contains(heard, "en/fu_optout_done") {
		t.Errorf("the confirmation played before the opt-out was stored: %v", heard)
	}
	if !slices.Contains(heard, "en/thanks") {
		t.Errorf("nothing answered the key while the opt-out was being stored: %v", heard)
	}
	if got := f.Prompts(leg); !slices.Contains(got, "en/fu_optout_done") {
		t.Errorf("the confirmation never played: %v", got)
	}
	got, _ := s.GetCase(context.Background(), tickets.ActorSystem, c.ID)
	if got.AutoCalls != tickets.AutoCallsOptedOut {
		t.Errorf("case automated calls %q", got.AutoCalls)
	}
	if rec.Direction != "follow_up" || rec.Outcome != tickets.OutcomeOptedOut || rec.Path.Keys() != "9" {
		t.Errorf("call record %s %s keys %q", rec.Direction, rec.Outcome, rec.Path.Keys())
	}
	attempts, _ := s.FollowUpCallsOf(context.Background(), tickets.ActorSystem, c.ID)
	if len(attempts) != 1 || attempts[0].State != tickets.AttemptEnded || *attempts[0].Result != tickets.AttemptOptedOut ||
		attempts[0].CallID == nil || *attempts[0].CallID != rec.ID {
		t.Errorf("attempts %+v", attempts)
	}
	clk.set(hueToday(t, "12:00"))
	time.Sleep(300 * time.Millisecond)
	if n := f.CreatedN(); n != 1 {
		t.Errorf("the case that opted out was dialled again (%d calls)", n)
	}
}

// A citizen who hangs up in the middle of the questions leaves a partial attempt with
// the answers given; an unanswered call is ended with its cause.
func TestFollowUpHangUpMidway(t *testing.T) {
	f, s, clk, app := followUpDay(t, "09:00")
	cases := monitoredCases(t, s, 2, "vi")
	f.DialEnd = func(endpoint string) int {
		if strings.Contains(endpoint, "0905000001") {
			return 17 // busy
		}
		return 0
	}
	runDialer(t, f, app, s, clk, 4)
	var leg string
	for deadline := time.Now().Add(5 * time.Second); leg == ""; time.Sleep(20 * time.Millisecond) {
		for _, l := range f.Legs() {
			if strings.Contains(f.Created(l), "0905000000") && len(f.Prompts(l)) > 0 {
				leg = l
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the first case was not called")
		}
	}
	f.Press(t, leg, "1", "2")
	f.HangUp(leg)
	rec := ivrtest.CallOn(t, s, leg)
	if rec.EndedBy != tickets.EndedByCaller {
		t.Errorf("ended by %s", rec.EndedBy)
	}
	a0, a1 := attemptsEnded(t, s, cases[0].ID, 1), attemptsEnded(t, s, cases[1].ID, 1)
	if *a0[0].Result != tickets.AttemptPartial || a0[0].Answers["fever"] != "no" || a0[0].AnsweredAt == nil {
		t.Errorf("hung up midway: %+v %v", a0[0], *a0[0].Result)
	}
	if *a1[0].Result != tickets.AttemptBusy || a1[0].Cause == nil || *a1[0].Cause != 17 || a1[0].AnsweredAt != nil {
		t.Errorf("busy: %+v %v", a1[0], *a1[0].Result)
	}
	// Both are tried again 45 min later, not before.
	clk.set(hueToday(t, "09:30"))
	time.Sleep(300 * time.Millisecond)
	if n := f.CreatedN(); n != 2 {
		t.Errorf("%d calls by 09:30, want 2", n)
	}
	if due, _ := s.FollowUpCallsDue(context.Background(), hueToday(t, "09:46"), 10); len(due) != 2 {
		t.Errorf("due at 09:46: %d, want 2", len(due))
	}
}

// A leg destroyed with cause 0 was not answered: the attempt ends unanswered, and nobody
// is walked through questions on a channel that is gone.
func TestFollowUpLegGoneWithoutCause(t *testing.T) {
	f, s, clk, app := followUpDay(t, "09:00")
	c := monitoredCases(t, s, 1, "vi")[0]
	f.DialEnd = func(string) int { return ivrtest.CauseNotDefined }
	runDialer(t, f, app, s, clk, 4)
	if a := attemptsEnded(t, s, c.ID, 1); a[0].AnsweredAt != nil || *a[0].Result != tickets.AttemptNoAnswer {
		t.Errorf("a leg gone with cause 0: answered %v, result %s; want not answered, %s", a[0].AnsweredAt, *a[0].Result, tickets.AttemptNoAnswer)
	}
	for _, l := range f.Legs() {
		if p := f.Prompts(l); len(p) > 0 {
			t.Errorf("prompts played on a leg that was never answered: %v", p)
		}
	}
}

// A citizen who presses 0 is handed from the questions (FastAGI) into the application,
// where the agent queue takes them: with no agent on duty they are asked for a voice
// message, and hanging up leaves a missed call for the agents. The attempt says the
// citizen asked for an agent.
func TestFollowUpAgentHandOver(t *testing.T) {
	f, s, clk, app := followUpDay(t, "10:00")
	c := monitoredCases(t, s, 1, "vi")[0]
	runDialer(t, f, app, s, clk, 4)
	leg := f.AnsweredLeg(t)
	f.Send("ChannelDtmfReceived", map[string]any{"digit": "0", "duration_ms": 100, "channel": ivrtest.ChannelJSON(leg, "")})
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(f.Prompts(leg), "vi/queue_message"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no voice message asked for in the application: %v", f.Prompts(leg))
		}
	}
	f.HangUp(leg)
	rec := ivrtest.CallOn(t, s, leg)
	if rec.Direction != "follow_up" || rec.EndedBy != tickets.EndedByCaller || rec.Path.Keys() != "0" {
		t.Errorf("call record %s ended by %s keys %q", rec.Direction, rec.EndedBy, rec.Path.Keys())
	}
	attempts := attemptsEnded(t, s, c.ID, 1)
	if *attempts[0].Result != tickets.AttemptAgent || attempts[0].AnsweredAt == nil {
		t.Errorf("attempt result %s, answered %v; want %s", *attempts[0].Result, attempts[0].AnsweredAt, tickets.AttemptAgent)
	}
	page, _ := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{CallID: &rec.ID})
	if len(page.Tickets) != 1 || page.Tickets[0].Category != tickets.CategoryMissedCall {
		t.Errorf("tickets of the call: %+v, want one missed call for the agents", page.Tickets)
	}
}

// attemptsEnded waits until a case has n attempts, all ended.
func attemptsEnded(t *testing.T, s *tickets.Store, caseID int64, n int) []*tickets.FollowUpCall {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		a, _ := s.FollowUpCallsOf(context.Background(), tickets.ActorSystem, caseID)
		ended := 0
		for _, x := range a {
			if x.State == tickets.AttemptEnded {
				ended++
			}
		}
		if len(a) == n && ended == n {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempts of case %d: %+v, want %d ended", caseID, a, n)
		}
	}
}

// A prompt Asterisk cannot play (it answers result=-1 while the channel is still up: a
// missing file, say) is skipped: the citizen hears the next one, or is waited for as
// after the prompt, and the call goes on. Only a second failure ends the call, as over
// ARI. fu_how is played alone (STREAM FILE), q_fever with the wait for its key (GET DATA).
func TestFollowUpPromptNotPlayed(t *testing.T) {
	for _, prompt := range []string{"fu_how", "q_fever"} {
		t.Run(prompt, func(t *testing.T) {
			f, s, clk, app := followUpDay(t, "10:00")
			f.Unplayable = prompt
			c := monitoredCases(t, s, 1, "vi")[0]
			runDialer(t, f, app, s, clk, 4)
			leg := f.AnsweredLeg(t)
			f.Press(t, leg, "1", "2", "2", "2", "2")
			a := attemptsEnded(t, s, c.ID, 1)
			if *a[0].Result != tickets.AttemptWell {
				t.Errorf("attempt result %s, want %s; heard %v", *a[0].Result, tickets.AttemptWell, f.Prompts(leg))
			}
		})
	}
}

// Asterisk dies during the questions: the FastAGI connection breaks and no end is
// reported. The attempt is closed as interrupted (not counted), with what was answered,
// and the call record says the call dropped.
func TestFollowUpAsteriskGoneMidway(t *testing.T) {
	f, s, clk, app := followUpDay(t, "10:00")
	c := monitoredCases(t, s, 1, "vi")[0]
	runDialer(t, f, app, s, clk, 4)
	leg := f.AnsweredLeg(t)
	f.Press(t, leg, "1", "2")
	f.CrashAGI(leg)
	rec := ivrtest.CallOn(t, s, leg)
	a := attemptsEnded(t, s, c.ID, 1)[0]
	if *a.Result != tickets.AttemptInterrupted || a.Counted || a.Answers["fever"] != "no" {
		t.Errorf("attempt result %s, counted %v, answers %v; want interrupted, not counted, fever no", *a.Result, a.Counted, a.Answers)
	}
	if rec.Outcome != tickets.OutcomeDropped || rec.EndedBy != tickets.EndedBySystem {
		t.Errorf("call record %s ended by %s, want dropped by the system", rec.Outcome, rec.EndedBy)
	}
}
