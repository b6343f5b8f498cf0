package desk

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func TestScheduleParse(t *testing.T) {
	s, err := ParseSchedule("mon-fri 07:00-11:30,13:30-21:00; sat,sun 08:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		when time.Time
		open bool
	}{
		{at("2021-08-09", "07:00"), true},  // Monday
		{at("2021-08-09", "06:59"), false}, // before opening
		{at("2021-08-09", "12:00"), false}, // lunch
		{at("2021-08-09", "20:59"), true},
		{at("2021-08-09", "21:00"), false}, // closing time is closed
		{at("2021-08-14", "08:30"), true},  // Saturday
		{at("2021-08-15", "17:30"), false}, // Sunday evening
		{at("2021-08-09", "07:00").UTC(), true},
	}
	for _, tt := range tests {
		if got := s.Open(tt.when); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.when.Format(time.RFC1123), got, tt.open)
		}
	}
	if !AlwaysOpen.Open(at("2021-08-15", "03:00")) {
		t.Error("AlwaysOpen closed at night")
	}
	if (Schedule{}).Open(at("2021-08-09", "09:00")) {
		t.Error("the zero Schedule is open")
	}
	wrap, err := ParseSchedule("fri-mon 00:00-24:00")
	if err != nil || !wrap.Open(at("2021-08-15", "12:00")) || wrap.Open(at("2021-08-11", "12:00")) {
		t.Errorf("a range across the week's end: %v", err)
	}
	for _, bad := range []string{"", "mon", "mon 9-17", "funday 07:00-09:00", "mon 17:00-09:00", "mon 07:00-25:00", "mon-fri 07:60-08:00"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func offered(t *testing.T, w *waiter) string {
	t.Helper()
	select {
	case ep := <-w.offer:
		return ep
	default:
		return ""
	}
}

func TestQueueOrder(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	q := NewQueue(QueueConfig{Hours: AlwaysOpen, Rest: time.Hour})
	q.now = func() time.Time { return now }
	if q.Open() {
		t.Fatal("open with nobody on duty")
	}
	q.SetAgents([]string{"PJSIP/a", "PJSIP/b"})
	// b has been idle longer than a.
	q.agents[0].idleSince = now.Add(-time.Minute)
	q.agents[1].idleSince = now.Add(-10 * time.Minute)
	if !q.Open() {
		t.Fatal("closed with agents on duty")
	}

	w1 := q.join("", false)
	if got := offered(t, w1); got != "PJSIP/b" {
		t.Fatalf("first caller offered %q, want the longest idle agent PJSIP/b", got)
	}
	w2 := q.join("", false)
	if got := offered(t, w2); got != "PJSIP/a" {
		t.Fatalf("second caller offered %q, want PJSIP/a", got)
	}
	w3 := q.join("", false)
	urgent := q.join("", true)
	if got := offered(t, w3) + offered(t, urgent); got != "" {
		t.Fatalf("offered %q with every agent busy", got)
	}
	if p := q.position(urgent); p != 1 {
		t.Errorf("urgent caller at %d, want 1: at the front", p)
	}
	if p := q.position(w3); p != 4 {
		t.Errorf("w3 at %d, want 4", p)
	}
	// b does not answer: passed over, so a's next free moment goes to the urgent caller.
	q.rung(w1, "PJSIP/b", ringFailed)
	if got := offered(t, urgent) + offered(t, w1) + offered(t, w3); got != "" {
		t.Fatalf("offered %q while b rests and a talks", got)
	}
	q.rung(w2, "PJSIP/a", ringAnswered)
	q.leave(w2)
	q.finished("PJSIP/a")
	if len(urgent.offer) != 1 || len(w1.offer) != 0 {
		t.Fatalf("a's next free moment went to %d/%d, want the urgent caller, first in line", len(urgent.offer), len(w1.offer))
	}
	// A caller who leaves with an offer unread frees the agent for the next.
	q.leave(urgent)
	if got := offered(t, w1); got != "PJSIP/a" {
		t.Fatalf("w1 offered %q after the urgent caller left, want PJSIP/a", got)
	}
	// A cancelled ring frees the agent at once.
	q.rung(w1, "PJSIP/a", ringCancelled)
	q.leave(w1)
	if got := offered(t, w3); got != "PJSIP/a" {
		t.Fatalf("w3 offered %q, want PJSIP/a", got)
	}
	// Taking agents off duty.
	q.SetAgents(nil)
	if q.Open() {
		t.Error("open after every agent left")
	}
}

// A caller an agent answered is out of the line: the next free agent goes to the next
// caller, not to the one already talking.
func TestQueueAnsweredCallerLeavesTheLine(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	q := NewQueue(QueueConfig{Hours: AlwaysOpen, Rest: time.Hour})
	q.now = func() time.Time { return now }
	q.SetAgents([]string{"PJSIP/a", "PJSIP/b"})
	q.agents[1].idleSince = now.Add(-time.Minute) // b first, then a

	first := q.join("", false)
	if got := offered(t, first); got != "PJSIP/b" {
		t.Fatalf("first caller offered %q, want PJSIP/b", got)
	}
	q.rung(first, "PJSIP/b", ringAnswered) // talking now
	second := q.join("", false)
	if got := offered(t, second); got != "PJSIP/a" {
		t.Errorf("second caller offered %q while agent a is free, want PJSIP/a", got)
	}
	if got := offered(t, first); got != "" {
		t.Errorf("the caller already talking was offered %q too", got)
	}
}

// deskQueue is a queue with console agents and a fixed clock; timers run for real.
func deskQueue(t *testing.T, cfg QueueConfig) (*Queue, func(time.Duration)) {
	t.Helper()
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	cfg.Hours = AlwaysOpen
	q := NewQueue(cfg)
	var mu sync.Mutex
	q.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	t.Cleanup(q.Close)
	return q, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

func signIn(t *testing.T, q *Queue, id int64, name string) {
	t.Helper()
	u := &tickets.User{ID: id, Username: name, Role: tickets.RoleAgent, Phone: "PJSIP/" + name, Active: true}
	if err := q.SignIn(context.Background(), u); err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
}

func stateOf(q *Queue, id int64) string {
	d := q.Snapshot()
	if a := d.Agent(id); a != nil {
		return a.State
	}
	return tickets.AgentOffline
}

// waitState waits for a timer (wrap-up, offer) to move an agent.
func waitState(t *testing.T, q *Queue, id int64, want string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); stateOf(q, id) != want; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("agent %d is %s, want %s", id, stateOf(q, id), want)
		}
	}
}

// One state machine: a paused agent is never rung; a call ends in a wrap-up, then ready;
// a pause asked for during a call starts when the call ends.
func TestPresence(t *testing.T) {
	q, _ := deskQueue(t, QueueConfig{WrapUp: 30 * time.Millisecond, Rest: time.Hour})
	if err := q.SignIn(context.Background(), &tickets.User{ID: 9, Username: "x", Role: tickets.RoleAgent, Active: true}); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("sign-in without a phone: %v", err)
	}
	if err := q.SignIn(context.Background(), &tickets.User{ID: 8, Username: "o", Role: tickets.RoleOfficer, Phone: "PJSIP/o", Active: true}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an officer on duty: %v", err)
	}
	signIn(t, q, 1, "lan")
	signIn(t, q, 1, "lan") // again: nothing changes
	if err := q.SignIn(context.Background(), &tickets.User{ID: 2, Username: "mai", Role: tickets.RoleAgent, Phone: "PJSIP/lan", Active: true}); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second agent on lan's phone: %v", err)
	}
	if got := stateOf(q, 1); got != tickets.AgentReady {
		t.Fatalf("after sign-in %s, want ready", got)
	}
	if err := q.Pause(1, "nap"); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("pause for an unknown reason: %v", err)
	}
	if err := q.Pause(1, "break"); err != nil {
		t.Fatal(err)
	}
	w := q.join("c1", false)
	if got := offered(t, w); got != "" {
		t.Fatalf("a paused agent was offered: %q", got)
	}
	if err := q.Ready(1); err != nil {
		t.Fatal(err)
	}
	if got := offered(t, w); got != "PJSIP/lan" {
		t.Fatalf("the ready agent was not offered to the waiting caller: %q", got)
	}
	if got := stateOf(q, 1); got != tickets.AgentRinging {
		t.Errorf("ringing agent is %s", got)
	}
	q.rung(w, "PJSIP/lan", ringAnswered)
	q.connected("PJSIP/lan", "c1", "HL-260001", "+84905123456")
	if a := q.Snapshot().Agent(1); a.State != tickets.AgentOnCall || a.CallID != "c1" || a.TicketRef != "HL-260001" || !a.Inbound {
		t.Errorf("on the call: %+v", a)
	}
	q.leave(w)
	other := q.join("c2", false)
	if got := offered(t, other); got != "" {
		t.Errorf("an agent on a call was offered: %q", got)
	}
	if err := q.Pause(1, "meeting"); err != nil { // during the call: after it
		t.Fatal(err)
	}
	q.finished("PJSIP/lan")
	if a := q.Snapshot().Agent(1); a.State != tickets.AgentWrapUp || a.CallID != "c1" {
		t.Errorf("after the call: %+v, want the wrap-up of c1", a)
	}
	q.SetDisposition(1, "c1", "information")
	if a := q.Snapshot().Agent(1); a.Disposition != "information" {
		t.Errorf("disposition %q", a.Disposition)
	}
	waitState(t, q, 1, tickets.AgentPaused)
	if a := q.Snapshot().Agent(1); a.Reason != "meeting" {
		t.Errorf("paused for %q, want the meeting asked for during the call", a.Reason)
	}
	if got := offered(t, other); got != "" {
		t.Errorf("offered %q while paused", got)
	}
	q.Ready(1)
	if got := offered(t, other); got != "PJSIP/lan" {
		t.Errorf("offered %q after unpausing", got)
	}
	q.rung(other, "PJSIP/lan", ringAnswered)
	q.leave(other)
	q.finished("PJSIP/lan")
	q.Ready(1) // ends the wrap-up early
	if got := stateOf(q, 1); got != tickets.AgentReady {
		t.Errorf("after ending the wrap-up: %s", got)
	}
	// A phone Asterisk can no longer ring takes the agent off duty.
	q.checkPhones(context.Background())
	if got := stateOf(q, 1); got != tickets.AgentReady {
		t.Fatalf("without asking Asterisk: %s", got)
	}
	q.reachable = func(_ context.Context, phone string) error {
		if phone == "PJSIP/lan" {
			return tickets.Errorf(tickets.EINVALID, "offline")
		}
		return nil
	}
	q.checkPhones(context.Background())
	if got := stateOf(q, 1); got != tickets.AgentOffline || q.Open() {
		t.Errorf("after the phone went offline: %s, open %v", got, q.Open())
	}
}

// A callback reserves the agent: the queue does not ring them meanwhile; one callback per
// ticket at a time; an agent signing out during a call leaves when it ends.
func TestCallbackReservesTheAgent(t *testing.T) {
	q, _ := deskQueue(t, QueueConfig{WrapUp: -1, Rest: time.Hour})
	signIn(t, q, 1, "lan")
	if err := q.reserveCallback("PJSIP/lan", 7, "+84905123456"); err != nil {
		t.Fatal(err)
	}
	if err := q.reserveCallback("PJSIP/lan", 8, "+84905123456"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second callback on a busy phone: %v", err)
	}
	if err := q.reserveCallback("PJSIP/other", 7, "+84905123456"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second callback of the same ticket: %v", err)
	}
	w := q.join("c1", false)
	if got := offered(t, w); got != "" {
		t.Fatalf("the queue rang an agent on a callback: %q", got)
	}
	q.callbackAnswered("PJSIP/lan", "cb1", "HL-1")
	if got := stateOf(q, 1); got != tickets.AgentOnCall {
		t.Errorf("on the callback: %s", got)
	}
	q.SignOut(context.Background(), 1, "signed out")
	if got := stateOf(q, 1); got != tickets.AgentOnCall {
		t.Errorf("signing out during a call: %s, want the call to go on", got)
	}
	q.callbackEnded("PJSIP/lan", 7, nil, CallbackAnswered)
	if got := stateOf(q, 1); got != tickets.AgentOffline {
		t.Errorf("after the call of an agent who signed out: %s", got)
	}
	// A phone off duty calling back is reserved too.
	if err := q.reserveCallback("PJSIP/mai", 9, "+84905123456"); err != nil {
		t.Fatal(err)
	}
	if err := q.reserveCallback("PJSIP/mai", 10, "+84905123456"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("two callbacks from one phone: %v", err)
	}
	q.callbackEnded("PJSIP/mai", 9, nil, CallbackNoAnswer)
	if err := q.reserveCallback("PJSIP/mai", 10, "+84905123456"); err != nil {
		t.Errorf("the phone free again: %v", err)
	}
}

// A caller who pressed 1 keeps their place: the caller ahead is answered first, then the
// callback is offered before the callers who came later; an offer not taken goes to the
// next agent; a citizen not answering is tried again later, then becomes a missed call.
func TestCallbackKeepsItsPlace(t *testing.T) {
	s, err := tickets.OpenStore(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	number := "+84905123456"
	tk := &tickets.Ticket{Category: tickets.CategoryCallback, Priority: tickets.P2, CallerNumber: &number}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lan", "mai"} {
		if err := s.CreateUser(ctx, tickets.ActorSystem, &tickets.User{Username: name, Role: tickets.RoleAgent, Phone: "PJSIP/" + name}, "a-long-password-1"); err != nil {
			t.Fatal(err)
		}
	}
	q, advance := deskQueue(t, QueueConfig{WrapUp: -1, Rest: time.Hour, OfferFor: 50 * time.Millisecond, RetryAfter: time.Hour, Attempts: 2, Store: s})
	var started []queuedCallback
	var mu sync.Mutex
	q.startCallback = func(qc queuedCallback) { mu.Lock(); started = append(started, qc); mu.Unlock() }

	signIn(t, q, 1, "lan")
	busy := q.join("c0", false) // lan talks with c0
	q.rung(busy, "PJSIP/lan", ringAnswered)
	q.leave(busy)
	first := q.join("c1", false)
	advance(time.Second)
	second := q.join("c2", false)
	advance(time.Second)
	third := q.join("c3", false)
	// The second caller presses 1 and hangs up; their request takes their place.
	q.keepPlace(second)
	q.leave(second)
	if err := q.placeKept(ctx, second, &tickets.CallbackRequest{TicketID: tk.ID, Number: number, TicketRef: tk.Ref}); err != nil {
		t.Fatal(err)
	}
	if p := q.position(third); p != 3 {
		t.Errorf("the third caller at %d, want 3: behind the kept place", p)
	}
	if d := q.Snapshot(); len(d.Waiting) != 2 || d.Callbacks != 1 {
		t.Errorf("snapshot: %d waiting, %d callbacks", len(d.Waiting), d.Callbacks)
	}
	q.finished("PJSIP/lan")
	if got := offered(t, first); got != "PJSIP/lan" {
		t.Fatalf("the first caller was not answered first: %q", got)
	}
	q.rung(first, "PJSIP/lan", ringAnswered)
	q.leave(first)
	q.finished("PJSIP/lan")
	a := q.Snapshot().Agent(1)
	if a.State != tickets.AgentOffered || a.Offer == nil || a.Offer.TicketRef != tk.Ref {
		t.Fatalf("after the first caller: %+v, want the callback offered", a)
	}
	if got := offered(t, third); got != "" {
		t.Fatalf("the later caller was rung before the callback: %q", got)
	}
	// Not taken in time: passed on (the agent rests), the third caller still waits.
	waitState(t, q, 1, tickets.AgentReady)
	signIn(t, q, 2, "mai")
	if a := q.Snapshot().Agent(2); a.State != tickets.AgentOffered {
		t.Fatalf("the next agent was not offered the callback: %+v", a)
	}
	if _, err := q.AcceptOffer(1); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("lan took an offer that went to mai: %v", err)
	}
	ref, err := q.AcceptOffer(2)
	if err != nil || ref != tk.Ref {
		t.Fatalf("accept: %q %v", ref, err)
	}
	startedCount := func(list *[]queuedCallback) int {
		for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			n := len(*list)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				return n
			}
		}
	}
	startedCount(&started)
	mu.Lock()
	if len(started) != 1 || started[0].endpoint != "PJSIP/mai" || *started[0].actor.UserID != 2 {
		t.Fatalf("callbacks started: %+v", started)
	}
	mu.Unlock()
	// The citizen does not answer: tried again after RetryAfter; the third caller's turn.
	q.callbackEnded("PJSIP/mai", tk.ID, second, CallbackNoAnswer)
	if got := offered(t, third); got != "PJSIP/mai" {
		t.Errorf("the third caller was not rung after the callback: %q", got)
	}
	q.Close() // the writer flushes
	waiting, err := s.WaitingCallbacks(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].Attempts != 1 || waiting[0].NextAt == nil || waiting[0].LastResult != CallbackNoAnswer {
		t.Fatalf("after one attempt: %+v %v", waiting, err)
	}
	// A restart puts the request back at its place, before a caller who comes later.
	q2, advance2 := deskQueue(t, QueueConfig{WrapUp: -1, Rest: time.Hour, RetryAfter: time.Hour, Attempts: 2, Store: s})
	advance2(waiting[0].NextAt.Sub(time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)) + time.Second)
	var restarted []queuedCallback
	q2.startCallback = func(qc queuedCallback) { mu.Lock(); restarted = append(restarted, qc); mu.Unlock() }
	if err := q2.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if d := q2.Snapshot(); d.Callbacks != 1 || len(d.Agents) != 2 {
		t.Fatalf("restored: %+v", d)
	}
	// Both agents come back ready: the callback is offered to one before the caller who
	// joins after the restart gets the other.
	var offeredTo *tickets.AgentView
	for _, a := range q2.Snapshot().Agents {
		if a.Offer != nil && a.Offer.TicketRef == tk.Ref {
			offeredTo = &a
		}
	}
	if offeredTo == nil {
		t.Fatalf("the restored request was not offered: %+v", q2.Snapshot().Agents)
	}
	later := q2.join("c4", false)
	if got := offered(t, later); got == "" || got == offeredTo.Endpoint {
		t.Fatalf("the later caller was offered %q", got)
	}
	if _, err := q2.AcceptOffer(offeredTo.UserID); err != nil {
		t.Fatal(err)
	}
	startedCount(&restarted)
	mu.Lock()
	if len(restarted) != 1 || restarted[0].w.cb.TicketID != tk.ID {
		t.Fatalf("restored callback not run: %+v", restarted)
	}
	mu.Unlock()
	// Its last attempt fails: a missed call on the worklist.
	q2.callbackEnded(offeredTo.Endpoint, tk.ID, restarted[0].w, CallbackBusy)
	q2.Close()
	if w, _ := s.WaitingCallbacks(ctx); len(w) != 0 {
		t.Errorf("still waiting after its attempts: %+v", w)
	}
	got, err := s.GetTicket(ctx, tickets.ActorSystem, tk.ID)
	if err != nil || got.Category != tickets.CategoryMissedCall {
		t.Errorf("ticket after the attempts: %+v %v, want a missed call", got, err)
	}
	log, err := s.QueueLog(ctx, tickets.Day(time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range log {
		events = append(events, e.Event)
	}
	if !slices.Contains(events, tickets.QueueLogin) || !slices.Contains(events, tickets.QueueEnter) {
		t.Errorf("queue log: %v", events)
	}
}
