// Package desk is the agents' side of the hotline: who is on duty and in which state
// (presence.go, one state machine), the line of callers waiting for an agent and the
// callers who kept their place for a callback (queue.go), which agent is offered to
// whom, and the callbacks themselves (callback.go). It owns every agent's state; a
// caller's call (ivr) takes part through Queue's methods keyed by the call's ID (Join,
// Position, Answered, Leave, ...) and never holds the desk's state. The console (web)
// reads it through Snapshot and Changed and puts agents on duty with SignIn.
package desk

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// QueueConfig sets up the agent queue.
type QueueConfig struct {
	// Agents are phones on duty by configuration (HOTLINE_AGENTS), for the sandbox and
	// tests: always ready once a call ends, without a console. The call centre's agents
	// come on duty by signing in to the console with their phone.
	Agents   []string
	Hours    Schedule      // when agents answer; the zero Schedule is never
	MaxWait  time.Duration // the longest a caller waits before leaving a message; default 3 min
	Ring     time.Duration // how long an agent's phone rings; default 20 s
	Announce time.Duration // how often the caller's place is announced; default 30 s
	// Rest is how long an agent whose phone was not answered (or who let a callback offer
	// pass) is passed over, so that the next agent is rung; default 15 s.
	Rest time.Duration
	// WrapUp is an agent's time after each conversation, to finish the ticket and enter
	// what the call was; default 30 s; negative for none.
	WrapUp time.Duration
	// OfferFor is how long a callback offered to an agent waits for "Call back now"
	// before it goes to the next agent; default 30 s.
	OfferFor time.Duration
	// RetryAfter is when a callback the citizen did not answer is tried again; default
	// 15 min. Attempts is how many tries it gets before it becomes a missed call for the
	// worklist; default 3.
	RetryAfter time.Duration
	Attempts   int
	// CheckPhones is how often the signed-in agents' phones are asked after (an
	// unregistered phone takes its agent off duty); default 15 s.
	CheckPhones time.Duration
	// Store keeps agents' shifts and states, the queue log and callback requests; nil
	// keeps nothing (unit tests).
	Store DeskStore
	Log   *slog.Logger
}

// DeskStore is what the queue keeps in the database.
type DeskStore interface {
	StartAgentSession(ctx context.Context, userID int64, phone string) (*tickets.AgentSession, error)
	EndAgentSession(ctx context.Context, userID int64, why string) error
	SetAgentState(ctx context.Context, sessionID, userID int64, state, reason string, at time.Time) error
	OpenAgentSessions(ctx context.Context) ([]*tickets.AgentSession, error)
	LogQueue(ctx context.Context, entries []*tickets.QueueEntry) error
	AddCallbackRequest(ctx context.Context, r *tickets.CallbackRequest) error
	WaitingCallbacks(ctx context.Context) ([]*tickets.CallbackRequest, error)
	SaveCallbackRequest(ctx context.Context, r *tickets.CallbackRequest) error
	FailCallbackRequest(ctx context.Context, r *tickets.CallbackRequest, why string) error
}

// Queue hands waiting callers to Ready agents: callers in order (urgent ones first),
// agents longest idle first, one phone ringing per caller at a time. A caller who asked
// to be called back keeps their place as a callback request, offered to an agent when it
// reaches the front. The agents' presence is one state machine (presence.go), used by
// the queue and by callbacks alike, so nobody is rung twice.
type Queue struct {
	cfg     QueueConfig
	mu      sync.Mutex
	agents  []*agent
	waiting []*waiter
	byCall  map[string]*waiter // callers who joined the line, by their call's ID
	// inFlight are the tickets being called back; reserved, phones calling back that are
	// not on duty.
	inFlight map[int64]bool
	reserved map[string]bool
	now      func() time.Time
	changed  chan struct{}
	writer   *deskWriter
	// startCallback runs a queued callback an agent accepted (set by the App).
	startCallback func(qc queuedCallback)
	// reachable says whether a phone can be rung (set by the App).
	reachable func(ctx context.Context, endpoint string) error
	log       *slog.Logger
}

// waiter is a caller in the queue, or a callback request keeping its caller's place.
type waiter struct {
	front   bool
	since   time.Time
	offer   chan string // an agent's endpoint to ring, given by the queue
	ringing bool        // being rung, or a callback offered or in progress
	callID  string
	origPos int
	// holding says the caller pressed 1 and the request is being saved; cb is the saved
	// request.
	holding bool
	cb      *tickets.CallbackRequest
}

// NewQueue returns a queue with the configured phones on duty and ready from now.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 3 * time.Minute
	}
	if cfg.Ring == 0 {
		cfg.Ring = 20 * time.Second
	}
	if cfg.Announce == 0 {
		cfg.Announce = 30 * time.Second
	}
	if cfg.Rest == 0 {
		cfg.Rest = 15 * time.Second
	}
	if cfg.WrapUp == 0 {
		cfg.WrapUp = 30 * time.Second
	}
	if cfg.OfferFor == 0 {
		cfg.OfferFor = 30 * time.Second
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = 15 * time.Minute
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 3
	}
	if cfg.CheckPhones == 0 {
		cfg.CheckPhones = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	q := &Queue{cfg: cfg, now: time.Now, changed: make(chan struct{}, 1), inFlight: map[int64]bool{}, byCall: map[string]*waiter{},
		reserved: map[string]bool{}, log: cfg.Log}
	if cfg.Store != nil {
		q.writer = newDeskWriter(cfg.Store, cfg.Log)
	}
	q.SetAgents(cfg.Agents)
	return q
}

// Close writes what the queue has not written yet (agents' states, the queue log) and
// stops its writer.
func (q *Queue) Close() {
	if q.writer != nil {
		q.writer.close()
	}
}

// Changed delivers a signal after the queue or an agent changes: the console's live
// views read Snapshot then. Signals coalesce; there is one reader.
func (q *Queue) Changed() <-chan struct{} { return q.changed }

// notify signals a change. q.mu is held or not; it never blocks.
func (q *Queue) notify() {
	select {
	case q.changed <- struct{}{}:
	default:
	}
}

// Open reports whether a caller can wait for an agent now: someone is on duty, within
// the agents' hours.
func (q *Queue) Open() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.agents) > 0 && q.cfg.Hours.Open(q.now())
}

// join puts a caller in line: behind every caller already there, or behind only the
// urgent ones when front is set.
func (q *Queue) join(callID string, front bool) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := &waiter{front: front, since: q.now(), offer: make(chan string, 1), callID: callID}
	q.insert(w)
	w.origPos = slices.Index(q.waiting, w) + 1
	q.logEntry(callID, "", tickets.QueueEnter, "", "", strconv.Itoa(w.origPos))
	q.assign()
	q.notify()
	return w
}

// insert puts a waiter in its place: urgent ones first, then by when they joined (a
// callback request restored after a restart takes the place its caller had).
func (q *Queue) insert(w *waiter) {
	i := slices.IndexFunc(q.waiting, func(o *waiter) bool {
		if o.front != w.front {
			return w.front
		}
		return w.since.Before(o.since)
	})
	if i < 0 {
		i = len(q.waiting)
	}
	q.waiting = slices.Insert(q.waiting, i, w)
}

// leave takes a caller out of line, unless their place is kept for a callback.
func (q *Queue) leave(w *waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !w.holding {
		q.remove(w)
	}
	select {
	case ep := <-w.offer: // offered an agent the caller never rang
		if a := q.agent(ep); a != nil && a.state == tickets.AgentRinging {
			q.setState(a, tickets.AgentReady, "")
		}
	default:
	}
	q.assign()
	q.notify()
}

func (q *Queue) remove(w *waiter) {
	if i := slices.Index(q.waiting, w); i >= 0 {
		q.waiting = slices.Delete(q.waiting, i, i+1)
	}
}

// position is the caller's place in line, 1 for the next to be answered.
func (q *Queue) position(w *waiter) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Index(q.waiting, w) + 1
}

// waited is how long a caller has waited, in whole seconds, and their place now (0 when
// out of line), for the queue log.
func (q *Queue) waited(w *waiter) (secs, pos string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return strconv.Itoa(int(q.now().Sub(w.since).Round(time.Second) / time.Second)), strconv.Itoa(slices.Index(q.waiting, w) + 1)
}

// How ringing an agent's phone ended.
const (
	ringAnswered  = iota // the agent answered: on a call until finished
	ringFailed           // not answered, busy, unreachable: passed over for a while
	ringCancelled        // the caller left first: the agent is ready again at once
)

// rung reports how ringing an agent for a caller ended. A caller whose agent answered
// leaves the line at once: no other agent is offered to a caller already talking.
func (q *Queue) rung(w *waiter, endpoint string, how int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	w.ringing = false
	if how == ringAnswered {
		q.remove(w)
	}
	if a := q.agent(endpoint); a != nil {
		switch how {
		case ringAnswered:
			a.call = agentCall{id: w.callID, inbound: true}
			q.setState(a, tickets.AgentOnCall, "")
		case ringFailed:
			a.restUntil = q.now().Add(q.cfg.Rest)
			q.setState(a, tickets.AgentReady, "")
			time.AfterFunc(q.cfg.Rest, q.kick)
		case ringCancelled:
			q.setState(a, tickets.AgentReady, "")
		}
	}
	q.assign()
	q.notify()
}

// connected gives the agent the call's ticket and number once they talk: their console
// opens it (the screen-pop).
func (q *Queue) connected(endpoint, callID, ticketRef, number string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.agent(endpoint); a != nil && a.call.id == callID {
		a.call.ticketRef, a.call.number, a.call.talking = ticketRef, number, true
		q.notify()
	}
}

// finished ends an agent's conversation: wrap-up, then ready.
func (q *Queue) finished(endpoint string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.agent(endpoint); a != nil {
		q.afterCall(a, true)
	}
	q.assign()
	q.notify()
}

// kick hands free agents to waiting callers: after a rest, a retry's time, or the hours
// opening.
func (q *Queue) kick() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.assign()
}

// assign offers Ready agents, longest idle first, to waiting callers in order; a
// callback request at its turn is offered on the agent's console. q.mu is held.
func (q *Queue) assign() {
	now := q.now()
	open := q.cfg.Hours.Open(now)
	for _, w := range q.waiting {
		if w.ringing || w.holding {
			continue
		}
		if w.cb != nil && (!open || q.inFlight[w.cb.TicketID] || (w.cb.NextAt != nil && now.Before(*w.cb.NextAt))) {
			continue // not its time: the callers behind it are not held up
		}
		var best *agent
		for _, a := range q.agents {
			if a.state != tickets.AgentReady || now.Before(a.restUntil) {
				continue
			}
			if best == nil || a.idleSince.Before(best.idleSince) {
				best = a
			}
		}
		if best == nil {
			return
		}
		w.ringing = true
		if w.cb != nil {
			q.offerCallback(best, w)
			continue
		}
		q.setState(best, tickets.AgentRinging, "")
		best.call = agentCall{id: w.callID, inbound: true}
		w.offer <- best.endpoint
	}
}

// OnDuty reports whether an agent's phone is on duty.
func (q *Queue) OnDuty(endpoint string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.agent(endpoint) != nil
}

// logCall writes a queue log line about a call, the agent named by their phone.
func (q *Queue) logCall(callID, endpoint, event string, data ...string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.logEntry(callID, endpoint, event, data...)
}

// logEntry queues a queue log line for the writer. q.mu is held.
func (q *Queue) logEntry(callID, endpoint, event string, data ...string) {
	if q.writer == nil {
		return
	}
	e := &tickets.QueueEntry{At: q.now().UTC(), CallID: callID, Event: event}
	if endpoint != "" {
		e.Agent = endpoint
		if a := q.agent(endpoint); a != nil {
			e.Agent = a.logName()
		}
	}
	for i, d := range data {
		*[]*string{&e.Data1, &e.Data2, &e.Data3, &e.Data4, &e.Data5}[i] = d
	}
	q.writer.add(deskWrite{entry: e})
}

// keepPlace keeps a caller's place in line after they pressed 1, until their callback
// request is saved (placeKept) or given up (dropPlace).
func (q *Queue) keepPlace(w *waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if slices.Index(q.waiting, w) >= 0 {
		w.holding, w.ringing = true, false
		q.notify()
	}
}

// placeKept saves the callback request of a caller whose place is kept, and puts it in
// the queue at that place.
func (q *Queue) placeKept(ctx context.Context, w *waiter, r *tickets.CallbackRequest) error {
	r.QueuedAt, r.Front = w.since, w.front
	if q.cfg.Store != nil {
		if err := q.cfg.Store.AddCallbackRequest(ctx, r); err != nil {
			return err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	w.holding, w.cb = false, r
	q.assign()
	q.notify()
	return nil
}

// dropPlace gives up a kept place: the request could not be saved, or there is no number
// to call back.
func (q *Queue) dropPlace(w *waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.holding {
		w.holding = false
		q.remove(w)
		q.assign()
		q.notify()
	}
}

// The caller's side of the line, by the call's ID (ivr.Desk): a call joins, hears its
// place, rings the agents the desk offers on the channel Join returns, and leaves.

// Join puts a caller in line (behind every caller, or behind only the urgent ones when
// front is set) and returns where the desk offers them an agent's phone to ring.
func (q *Queue) Join(callID string, front bool) <-chan string {
	w := q.join(callID, front)
	q.mu.Lock()
	q.byCall[callID] = w
	q.mu.Unlock()
	return w.offer
}

// waiterOf is the waiter of a call that joined, or nil.
func (q *Queue) waiterOf(callID string) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.byCall[callID]
}

// Position is a caller's place in line, 1 for the next to be answered (0 once out).
func (q *Queue) Position(callID string) int {
	if w := q.waiterOf(callID); w != nil {
		return q.position(w)
	}
	return 0
}

// Waited is how long a caller has waited, in whole seconds, their place now and the
// place they joined at, for the queue log.
func (q *Queue) Waited(callID string) (secs, pos, orig string) {
	w := q.waiterOf(callID)
	if w == nil {
		return "0", "0", "0"
	}
	secs, pos = q.waited(w)
	return secs, pos, strconv.Itoa(w.origPos)
}

// Answered says the agent the desk offered answered the caller: the agent is on the
// call, and the caller out of line.
func (q *Queue) Answered(callID, endpoint string) { q.rungFor(callID, endpoint, ringAnswered) }

// NotAnswered says the agent's phone was not answered (busy, unreachable, rang out): the
// agent is passed over for a while, and the caller waits for the next.
func (q *Queue) NotAnswered(callID, endpoint string) { q.rungFor(callID, endpoint, ringFailed) }

// Cancelled says the caller stopped the ringing (they left, or asked for a callback):
// the agent is ready again at once.
func (q *Queue) Cancelled(callID, endpoint string) { q.rungFor(callID, endpoint, ringCancelled) }

func (q *Queue) rungFor(callID, endpoint string, how int) {
	if w := q.waiterOf(callID); w != nil {
		q.rung(w, endpoint, how)
	}
}

// Leave takes a caller out of line, unless their place is kept for a callback
// (KeepPlace), until PlaceKept or DropPlace.
func (q *Queue) Leave(callID string) {
	w := q.waiterOf(callID)
	if w == nil {
		return
	}
	q.leave(w)
	q.mu.Lock()
	if !w.holding {
		delete(q.byCall, callID)
	}
	q.mu.Unlock()
}

// KeepPlace keeps the place of a caller who pressed 1, until their callback request is
// saved (PlaceKept) or given up (DropPlace).
func (q *Queue) KeepPlace(callID string) {
	if w := q.waiterOf(callID); w != nil {
		q.keepPlace(w)
	}
}

// PlaceKept saves the callback request of a caller whose place is kept, and puts it in
// the line at that place.
func (q *Queue) PlaceKept(ctx context.Context, callID string, r *tickets.CallbackRequest) error {
	w := q.waiterOf(callID)
	if w == nil {
		return tickets.Errorf(tickets.ENOTFOUND, "Không còn chỗ của cuộc gọi trong hàng chờ.")
	}
	if err := q.placeKept(ctx, w, r); err != nil {
		return err
	}
	q.mu.Lock()
	delete(q.byCall, callID)
	q.mu.Unlock()
	return nil
}

// DropPlace gives up a kept place: the request could not be saved, or there is no number
// to call back.
func (q *Queue) DropPlace(callID string) {
	w := q.waiterOf(callID)
	if w == nil {
		return
	}
	q.dropPlace(w)
	q.mu.Lock()
	delete(q.byCall, callID)
	q.mu.Unlock()
}

// Connected gives the agent the call's ticket and number once they talk: their console
// opens it (the screen-pop).
func (q *Queue) Connected(endpoint, callID, ticketRef, number string) {
	q.connected(endpoint, callID, ticketRef, number)
}

// Finished ends an agent's conversation: wrap-up, then ready.
func (q *Queue) Finished(endpoint string) { q.finished(endpoint) }

// LogCall writes a queue log line about a call, the agent named by their phone.
func (q *Queue) LogCall(callID, endpoint, event string, data ...string) {
	q.logCall(callID, endpoint, event, data...)
}

// MaxWait is the longest a caller waits before leaving a message.
func (q *Queue) MaxWait() time.Duration { return q.cfg.MaxWait }

// Announce is how often a waiting caller hears their place.
func (q *Queue) Announce() time.Duration { return q.cfg.Announce }

// RingTime is how long an agent's phone rings.
func (q *Queue) RingTime() time.Duration { return q.cfg.Ring }

// Restore puts back what a hotline restarting finds in the database: callback requests in
// their places, and agents whose shifts are still open (in the state they were in, or
// ready if they were on a call). The console signs out those who do not come back.
func (q *Queue) Restore(ctx context.Context) error {
	if q.cfg.Store == nil {
		return nil
	}
	reqs, err := q.cfg.Store.WaitingCallbacks(ctx)
	if err != nil {
		return err
	}
	sessions, err := q.cfg.Store.OpenAgentSessions(ctx)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for _, r := range reqs {
		if r.Status == tickets.CallbackCalling { // the hotline stopped during the call
			r.Status = tickets.CallbackWaiting
			q.saveRequest(r)
		}
		q.insert(&waiter{front: r.Front, since: r.QueuedAt, offer: make(chan string, 1), cb: r})
		if r.NextAt != nil && r.NextAt.After(now) {
			time.AfterFunc(r.NextAt.Sub(now), q.kick)
		}
	}
	for _, s := range sessions {
		if q.agent(s.Phone) != nil {
			continue
		}
		a := &agent{endpoint: s.Phone, userID: s.UserID, session: s.ID, state: tickets.AgentReady, since: now,
			idleSince: now, loggedIn: s.StartedAt}
		q.agents = append(q.agents, a)
		switch s.State {
		case tickets.AgentPaused:
			a.state, a.reason = tickets.AgentPaused, s.Reason
		case tickets.AgentReady:
		default:
			q.persistState(a)
		}
	}
	q.assign()
	q.notify()
	return nil
}

// Run keeps the queue going until ctx ends: it looks every 30 s for callback requests
// whose time came (the agents' hours opening).
func (q *Queue) Run(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	phones := time.NewTicker(q.cfg.CheckPhones)
	defer phones.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			q.kick()
		case <-phones.C:
			q.checkPhones(ctx)
		}
	}
}

// checkPhones asks Asterisk about each signed-in agent's phone: one it cannot ring
// (unregistered, or gone from its configuration) takes its agent off duty. Asterisk's
// endpoint events would tell at once, but subscribing the application to the PJSIP
// endpoints also sends it every event of every PJSIP channel a second time (a caller's
// key over the trunk counted twice), so the phones are asked instead.
func (q *Queue) checkPhones(ctx context.Context) {
	q.mu.Lock()
	reachable := q.reachable
	var phones []string
	for _, a := range q.agents {
		if !a.configured {
			phones = append(phones, a.endpoint)
		}
	}
	q.mu.Unlock()
	if reachable == nil {
		return
	}
	for _, p := range phones {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := reachable(cctx, p)
		cancel()
		if tickets.ErrorCode(err) == tickets.EINVALID { // not a failure to ask
			q.phoneUnreachable(p)
		}
	}
}
