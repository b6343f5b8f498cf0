package desk

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Results of a callback, as recorded on the ticket.
const (
	CallbackAnswered      = "answered"        // the citizen answered and talked with the agent
	CallbackNoAnswer      = "no_answer"       // the citizen's phone rang out or was unreachable
	CallbackBusy          = "busy"            // the citizen's line was busy
	CallbackAgentNoAnswer = "agent_no_answer" // the agent did not pick up; the citizen was not called
	CallbackAgentLeft     = "agent_left"      // the agent hung up before the citizen answered
	CallbackFailed        = "failed"          // Asterisk refused or lost a leg
)

// agent is one agent on duty: a console user on a shift with a phone, or a phone on duty
// by configuration. Its state changes only under the queue's lock, through setState.
type agent struct {
	endpoint   string
	userID     int64 // 0 for a configured phone
	username   string
	name       string
	role       string
	session    int64
	configured bool
	state      string
	reason     string
	since      time.Time
	gen        int // counts state changes, so that a timer of an old state does nothing
	idleSince  time.Time
	restUntil  time.Time
	loggedIn   time.Time
	call       agentCall
	offer      *waiter // the callback offered
	// after is the state to go to once the call in hand and its wrap-up are over (paused,
	// when the agent paused during the call); leaving, why the agent goes off duty then.
	after, afterReason string
	leaving            string
}

// agentCall is the call in an agent's hands: ringing, talking, or in its wrap-up.
type agentCall struct {
	id, ticketRef, number, disposition string
	inbound, talking                   bool
	ticketID                           int64
}

func (a *agent) logName() string {
	if a.username != "" {
		return a.username
	}
	return a.endpoint
}

// setState moves an agent to a state, and has it written. q.mu is held.
func (q *Queue) setState(a *agent, state, reason string) {
	if a.state == state && a.reason == reason {
		return
	}
	switch {
	case state == tickets.AgentPaused && a.state != tickets.AgentPaused:
		q.logEntry("", a.endpoint, tickets.QueuePause, reason)
	case state != tickets.AgentPaused && a.state == tickets.AgentPaused:
		q.logEntry("", a.endpoint, tickets.QueueUnpause, a.reason)
	}
	a.state, a.reason, a.since = state, reason, q.now()
	a.gen++
	if state == tickets.AgentReady {
		a.call = agentCall{}
	}
	q.persistState(a)
	q.notify()
}

// persistState has an agent's current state written (a new interval of their shift).
func (q *Queue) persistState(a *agent) {
	if q.writer == nil || a.session == 0 {
		return
	}
	session, user, state, reason, at := a.session, a.userID, a.state, a.reason, a.since
	q.writer.add(deskWrite{what: "agent state", do: func(ctx context.Context, s DeskStore) error {
		return s.SetAgentState(ctx, session, user, state, reason, at)
	}})
}

// afterCall ends an agent's call: the wrap-up (for console agents), then what the agent
// asked for meanwhile, or ready. talked says there was a conversation to wrap up.
func (q *Queue) afterCall(a *agent, talked bool) {
	a.idleSince = q.now()
	if a.leaving != "" {
		q.signOut(a, a.leaving)
		return
	}
	if talked && !a.configured && q.cfg.WrapUp > 0 {
		q.setState(a, tickets.AgentWrapUp, "")
		gen := a.gen
		time.AfterFunc(q.cfg.WrapUp, func() {
			q.mu.Lock()
			defer q.mu.Unlock()
			if a.gen == gen && a.state == tickets.AgentWrapUp {
				q.endWrapUp(a)
				q.assign()
			}
		})
		return
	}
	q.endWrapUp(a)
}

// endWrapUp takes an agent out of their wrap-up: paused if they asked during the call,
// else ready.
func (q *Queue) endWrapUp(a *agent) {
	if a.after != "" {
		state, reason := a.after, a.afterReason
		a.after, a.afterReason = "", ""
		a.call = agentCall{}
		q.setState(a, state, reason)
		return
	}
	q.setState(a, tickets.AgentReady, "")
}

// SetAgents sets the phones on duty by configuration. Phones already on duty keep their
// idle time; those taken off duty in the middle of a call finish it. Agents signed in
// at the console are left alone.
func (q *Queue) SetAgents(endpoints []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next []*agent
	for _, a := range q.agents {
		if !a.configured {
			next = append(next, a)
		}
	}
	for _, ep := range endpoints {
		i := slices.IndexFunc(q.agents, func(a *agent) bool { return a.endpoint == ep && a.configured })
		if i >= 0 {
			next = append(next, q.agents[i])
		} else {
			now := q.now()
			next = append(next, &agent{endpoint: ep, name: ep, configured: true, state: tickets.AgentReady,
				since: now, idleSince: now, loggedIn: now})
		}
	}
	q.agents = next
	q.assign()
	q.notify()
}

func (q *Queue) agent(endpoint string) *agent {
	for _, a := range q.agents {
		if a.endpoint == endpoint {
			return a
		}
	}
	return nil
}

func (q *Queue) agentOf(userID int64) *agent {
	for _, a := range q.agents {
		if a.userID == userID && userID != 0 {
			return a
		}
	}
	return nil
}

// SignIn puts a console user on duty with their phone, ready: the start of a shift. It
// is refused for a user without a phone, a phone that cannot be rung, or a phone another
// agent has. Signing in again with the same phone changes nothing.
func (q *Queue) SignIn(ctx context.Context, u *tickets.User) error {
	if !tickets.ActorFor(u).SeesCallCentre() {
		return tickets.Errorf(tickets.EFORBIDDEN, "Chỉ tổng đài viên và giám sát viên nhận cuộc gọi.")
	}
	phone := strings.TrimSpace(u.Phone)
	if !strings.Contains(phone, "/") {
		return tickets.Errorf(tickets.EINVALID, "Tài khoản của bạn chưa có máy điện thoại (ví dụ PJSIP/agent101); hãy nhờ quản trị viên thêm.")
	}
	q.mu.Lock()
	err := q.checkSignIn(u.ID, phone)
	q.mu.Unlock()
	if err != nil {
		if err == errAlreadyOnDuty {
			return nil
		}
		return err
	}
	if q.reachable != nil {
		if err := q.reachable(ctx, phone); err != nil {
			return err
		}
	}
	var session *tickets.AgentSession
	if q.cfg.Store != nil {
		if session, err = q.cfg.Store.StartAgentSession(ctx, u.ID, phone); err != nil {
			return err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.checkSignIn(u.ID, phone); err != nil {
		if err == errAlreadyOnDuty {
			return nil
		}
		return err
	}
	now := q.now()
	a := &agent{endpoint: phone, userID: u.ID, username: u.Username, name: u.Name(), role: u.Role, state: tickets.AgentReady,
		since: now, idleSince: now, loggedIn: now}
	if session != nil {
		a.session = session.ID
	}
	q.agents = append(q.agents, a)
	q.logEntry("", phone, tickets.QueueLogin, phone)
	q.assign()
	q.notify()
	return nil
}

var errAlreadyOnDuty = tickets.Errorf(tickets.ECONFLICT, "already on duty")

func (q *Queue) checkSignIn(userID int64, phone string) error {
	if a := q.agentOf(userID); a != nil {
		if a.endpoint == phone {
			return errAlreadyOnDuty
		}
		return tickets.Errorf(tickets.ECONFLICT, "Bạn đang trực với máy %s.", a.endpoint)
	}
	if a := q.agent(phone); a != nil {
		return tickets.Errorf(tickets.ECONFLICT, "Máy %s đang được %s dùng để trực.", phone, a.name)
	}
	if q.reserved[phone] {
		return tickets.Errorf(tickets.ECONFLICT, "Máy %s đang gọi lại cho người dân.", phone)
	}
	return nil
}

// SignOut takes an agent off duty (signed out, the console closed, the phone lost): at
// once, or when the call in hand ends.
func (q *Queue) SignOut(ctx context.Context, userID int64, why string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.agentOf(userID)
	if a == nil {
		return nil
	}
	if a.state == tickets.AgentRinging || a.state == tickets.AgentOnCall {
		a.leaving = why
		return nil
	}
	q.signOut(a, why)
	q.assign()
	return nil
}

// signOut removes an agent from duty. q.mu is held.
func (q *Queue) signOut(a *agent, why string) {
	q.releaseOffer(a)
	if a.state == tickets.AgentPaused {
		q.logEntry("", a.endpoint, tickets.QueueUnpause, a.reason)
	}
	a.state, a.gen = tickets.AgentOffline, a.gen+1
	q.agents = slices.DeleteFunc(q.agents, func(o *agent) bool { return o == a })
	q.logEntry("", a.endpoint, tickets.QueueLogoff, a.endpoint, strconv.Itoa(int(q.now().Sub(a.loggedIn)/time.Second)))
	if q.writer != nil && a.userID != 0 {
		user := a.userID
		q.writer.add(deskWrite{what: "end shift", do: func(ctx context.Context, s DeskStore) error {
			return s.EndAgentSession(ctx, user, why)
		}})
	}
	q.log.Info("agent off duty", "agent", a.logName(), "why", why)
	q.notify()
}

// Pause takes an agent out of the queue with a reason (break, meeting, training, other):
// at once, or after the call in hand. A callback offered to them goes to the next agent.
func (q *Queue) Pause(userID int64, reason string) error {
	if !slices.ContainsFunc(tickets.PauseReasons, func(l tickets.Label) bool { return l.Code == reason }) {
		return tickets.Errorf(tickets.EINVALID, "Lý do tạm nghỉ %q không có trong danh sách.", reason)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.agentOf(userID)
	if a == nil {
		return tickets.Errorf(tickets.ECONFLICT, "Bạn chưa vào ca trực.")
	}
	switch a.state {
	case tickets.AgentRinging, tickets.AgentOnCall, tickets.AgentWrapUp:
		a.after, a.afterReason = tickets.AgentPaused, reason
		if a.state == tickets.AgentWrapUp {
			q.endWrapUp(a)
		}
	default:
		q.releaseOffer(a)
		q.setState(a, tickets.AgentPaused, reason)
	}
	q.assign()
	q.notify()
	return nil
}

// Ready puts an agent back in the queue: from a pause, or ending their wrap-up early. A
// pause asked for during a call is cancelled.
func (q *Queue) Ready(userID int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.agentOf(userID)
	if a == nil {
		return tickets.Errorf(tickets.ECONFLICT, "Bạn chưa vào ca trực.")
	}
	a.after, a.afterReason = "", ""
	switch a.state {
	case tickets.AgentPaused, tickets.AgentWrapUp:
		q.setState(a, tickets.AgentReady, "")
	}
	q.assign()
	q.notify()
	return nil
}

// SetDisposition notes what the agent entered for the call in their hands.
func (q *Queue) SetDisposition(userID int64, callID, code string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.agentOf(userID); a != nil && a.call.id == callID {
		a.call.disposition = code
		q.notify()
	}
}

// phoneUnreachable takes the agent of a phone Asterisk cannot ring off duty (after the
// call in hand).
func (q *Queue) phoneUnreachable(endpoint string) {
	q.mu.Lock()
	a := q.agent(endpoint)
	var user int64
	if a != nil && !a.configured {
		user = a.userID
	}
	q.mu.Unlock()
	if user != 0 {
		q.SignOut(context.Background(), user, "phone unreachable")
	}
}

// offerCallback offers a callback request at its turn to a ready agent: on their console
// until OfferFor passes, or at once for a configured phone, which has no console. q.mu
// is held.
func (q *Queue) offerCallback(a *agent, w *waiter) {
	if a.configured {
		q.startQueued(a, w)
		return
	}
	a.offer = w
	q.setState(a, tickets.AgentOffered, "")
	gen := a.gen
	time.AfterFunc(q.cfg.OfferFor, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if a.gen != gen || a.offer != w {
			return
		}
		q.log.Info("callback offer not taken", "agent", a.logName(), "ticket", w.cb.TicketRef)
		q.releaseOffer(a)
		a.restUntil = q.now().Add(q.cfg.Rest)
		q.setState(a, tickets.AgentReady, "")
		time.AfterFunc(q.cfg.Rest, q.kick)
		q.assign()
	})
}

// releaseOffer hands an agent's callback offer back to the queue. q.mu is held.
func (q *Queue) releaseOffer(a *agent) {
	if a.offer != nil {
		a.offer.ringing = false
		a.offer = nil
		q.notify()
	}
}

// AcceptOffer starts the callback offered to an agent ("Call back now"): their phone
// rings, then the citizen's. It returns the ticket's reference.
func (q *Queue) AcceptOffer(userID int64) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.agentOf(userID)
	if a == nil || a.state != tickets.AgentOffered || a.offer == nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Yêu cầu gọi lại này không còn dành cho bạn (đã hết thời gian hoặc đã chuyển cho người khác).")
	}
	if q.startCallback == nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Tổng đài chưa kết nối với Asterisk; chưa gọi lại được.")
	}
	w := a.offer
	a.offer = nil
	q.startQueued(a, w)
	return w.cb.TicketRef, nil
}

// queuedCallback is a callback request an agent took, for the App to run.
type queuedCallback struct {
	w        *waiter
	endpoint string
	actor    tickets.Actor
}

// startQueued runs a callback request with an agent. q.mu is held.
func (q *Queue) startQueued(a *agent, w *waiter) {
	r := w.cb
	r.Status = tickets.CallbackCalling
	q.saveRequest(r)
	q.inFlight[r.TicketID] = true
	a.call = agentCall{ticketRef: r.TicketRef, ticketID: r.TicketID, number: r.Number}
	q.setState(a, tickets.AgentRinging, "")
	actor := tickets.ActorIVR
	if a.userID != 0 {
		id := a.userID
		actor = tickets.Actor{UserID: &id, Name: a.username, Role: a.role}
	}
	if q.startCallback == nil {
		q.callbackDone(a, w, CallbackFailed)
		return
	}
	go q.startCallback(queuedCallback{w: w, endpoint: a.endpoint, actor: actor})
}

// reserveCallback reserves a phone for a callback about a ticket: an agent on duty must
// be free (ready, paused or in a wrap-up), a phone off duty not already calling; one
// callback per ticket at a time.
func (q *Queue) reserveCallback(endpoint string, ticketID int64, number string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.inFlight[ticketID] {
		return tickets.Errorf(tickets.ECONFLICT, "Phiếu này đang được gọi lại; hãy chờ cuộc gọi đó kết thúc.")
	}
	a := q.agent(endpoint)
	switch {
	case a == nil && q.reserved[endpoint]:
		return tickets.Errorf(tickets.ECONFLICT, "Máy %s đang gọi lại một cuộc khác.", endpoint)
	case a == nil:
		q.reserved[endpoint] = true
	case a.state == tickets.AgentReady || a.state == tickets.AgentPaused || a.state == tickets.AgentWrapUp:
		if a.state == tickets.AgentPaused && a.after == "" {
			a.after, a.afterReason = tickets.AgentPaused, a.reason // back to the pause afterwards
		}
		a.call = agentCall{ticketID: ticketID, number: number}
		q.setState(a, tickets.AgentRinging, "")
	default:
		return tickets.Errorf(tickets.ECONFLICT, "Máy của bạn đang bận (%s); hãy gọi lại khi xong.",
			strings.ToLower(tickets.AgentStateLabel(a.state).Vi))
	}
	q.inFlight[ticketID] = true
	q.notify()
	return nil
}

// callbackAnswered says the agent picked up their phone for a callback: on a call.
func (q *Queue) callbackAnswered(endpoint, callID, ticketRef string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.agent(endpoint); a != nil && a.state == tickets.AgentRinging {
		a.call.id, a.call.ticketRef = callID, ticketRef
		q.setState(a, tickets.AgentOnCall, "")
	}
}

// callbackEnded frees the phone and the ticket of a callback; for a queued request, the
// request is done, tried again later, or, after its attempts, a missed call.
func (q *Queue) callbackEnded(endpoint string, ticketID int64, w *waiter, result string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, ticketID)
	delete(q.reserved, endpoint)
	a := q.agent(endpoint)
	if w != nil {
		q.callbackDone(a, w, result)
		return
	}
	if a != nil {
		q.agentAfterCallback(a, result)
	}
	q.assign()
	q.notify()
}

// agentAfterCallback: an agent who talked wraps up; one who did not pick up rests.
func (q *Queue) agentAfterCallback(a *agent, result string) {
	switch result {
	case CallbackAgentNoAnswer, CallbackFailed:
		if a.leaving != "" {
			q.signOut(a, a.leaving)
			return
		}
		if result == CallbackAgentNoAnswer {
			a.restUntil = q.now().Add(q.cfg.Rest)
			time.AfterFunc(q.cfg.Rest, q.kick)
		}
		q.endWrapUp(a)
	default:
		q.afterCall(a, true)
	}
}

// callbackDone settles a queued request after its callback. q.mu is held.
func (q *Queue) callbackDone(a *agent, w *waiter, result string) {
	delete(q.inFlight, w.cb.TicketID)
	r := w.cb
	w.ringing = false
	r.LastResult = result
	switch result {
	case CallbackAnswered:
		r.Status, r.NextAt = tickets.CallbackDone, nil
		q.remove(w)
		q.saveRequest(r)
	case CallbackNoAnswer, CallbackBusy:
		r.Attempts++
		if r.Attempts >= q.cfg.Attempts {
			q.remove(w)
			why := "Gọi lại " + strconv.Itoa(r.Attempts) + " lần không được; chuyển vào danh sách cuộc gọi nhỡ."
			if q.writer != nil {
				req := *r
				q.writer.add(deskWrite{what: "missed callback", do: func(ctx context.Context, s DeskStore) error {
					return s.FailCallbackRequest(ctx, &req, why)
				}})
			}
			break
		}
		next := q.now().Add(q.cfg.RetryAfter)
		r.Status, r.NextAt = tickets.CallbackWaiting, &next
		q.saveRequest(r)
		time.AfterFunc(q.cfg.RetryAfter, q.kick)
	default: // the agent's side failed: the citizen keeps their place and tries
		r.Status = tickets.CallbackWaiting
		q.saveRequest(r)
	}
	if a != nil {
		q.agentAfterCallback(a, result)
	}
	q.assign()
	q.notify()
}

// saveRequest has a callback request's status written. q.mu is held.
func (q *Queue) saveRequest(r *tickets.CallbackRequest) {
	if q.writer == nil {
		return
	}
	req := *r
	q.writer.add(deskWrite{what: "callback request", do: func(ctx context.Context, s DeskStore) error {
		return s.SaveCallbackRequest(ctx, &req)
	}})
}

// Snapshot returns the queue and the agents as they are now.
func (q *Queue) Snapshot() tickets.DeskView {
	q.mu.Lock()
	defer q.mu.Unlock()
	d := tickets.DeskView{At: q.now()}
	for _, w := range q.waiting {
		if w.cb != nil || w.holding {
			d.Callbacks++
			continue
		}
		d.Waiting = append(d.Waiting, w.since)
	}
	for _, a := range q.agents {
		v := tickets.AgentView{UserID: a.userID, Name: a.name, Endpoint: a.endpoint, State: a.state, Reason: a.reason,
			Since: a.since, CallID: a.call.id, TicketRef: a.call.ticketRef, Number: a.call.number, Inbound: a.call.inbound, Talking: a.call.talking,
			Disposition: a.call.disposition}
		if a.offer != nil {
			r := a.offer.cb
			v.Offer = &tickets.CallbackOffer{RequestID: r.ID, TicketRef: r.TicketRef, Number: r.Number, Attempts: r.Attempts,
				Until: a.since.Add(q.cfg.OfferFor)}
		}
		d.Agents = append(d.Agents, v)
	}
	return d
}

// deskWrite is one thing for the database: a queue log line, or a change.
type deskWrite struct {
	entry *tickets.QueueEntry
	what  string
	do    func(ctx context.Context, s DeskStore) error
}

// deskWriter writes the queue's changes in order, in its own goroutine, so that neither
// a caller nor an agent waits for the database: queue log lines in batches, changes one
// by one, each retried while the database is busy.
type deskWriter struct {
	store   DeskStore
	log     *slog.Logger
	mu      sync.Mutex
	pending []deskWrite
	signal  chan struct{}
	done    chan struct{}
	stop    chan struct{}
	once    sync.Once
}

func newDeskWriter(store DeskStore, log *slog.Logger) *deskWriter {
	w := &deskWriter{store: store, log: log, signal: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	go w.run()
	return w
}

func (w *deskWriter) add(x deskWrite) {
	w.mu.Lock()
	w.pending = append(w.pending, x)
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

// close writes what is pending and stops.
func (w *deskWriter) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

func (w *deskWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.signal:
		case <-w.stop:
			w.flush()
			return
		}
		w.flush()
	}
}

func (w *deskWriter) flush() {
	w.mu.Lock()
	batch := w.pending
	w.pending = nil
	w.mu.Unlock()
	var entries []*tickets.QueueEntry
	writeEntries := func() {
		if len(entries) == 0 {
			return
		}
		list := entries
		entries = nil
		if err := tickets.RetryTransient(10*time.Second, func(ctx context.Context) error { return w.store.LogQueue(ctx, list) }); err != nil {
			w.log.Error("write the queue log", "lines", len(list), "err", err)
		}
	}
	for _, x := range batch {
		if x.entry != nil {
			entries = append(entries, x.entry)
			continue
		}
		writeEntries()
		if err := tickets.RetryTransient(10*time.Second, func(ctx context.Context) error { return x.do(ctx, w.store) }); err != nil {
			w.log.Error("write the agents' desk", "what", x.what, "err", err)
		}
	}
	writeEntries()
}
