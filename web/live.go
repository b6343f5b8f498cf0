package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/huehotline/hotline/tickets"
)

// Desk is the agents' desk the console drives and shows live: the queue, the agents'
// presence, callback offers. The IVR's queue is one.
type Desk interface {
	Snapshot() tickets.DeskView
	Changed() <-chan struct{}
	SignIn(ctx context.Context, u *tickets.User) error
	SignOut(ctx context.Context, userID int64, why string) error
	Pause(userID int64, reason string) error
	Ready(userID int64) error
	AcceptOffer(userID int64) (string, error)
	SetDisposition(userID int64, callID, code string)
}

// consoleGrace is how long an agent on duty may be without a console page open (a
// reload, a lost network) before they are taken off duty: nobody is rung whose console
// cannot show the call.
const consoleGrace = 60 * time.Second

// liveCheck is how often, by default, the streams' users are read again from the
// database and agents without a console page are looked for.
const liveCheck = 10 * time.Second

// liveStreamsPerUser is how many live streams one user may have open at once by default:
// a tab each, several tabs; more is a script, or a leak.
const liveStreamsPerUser = 8

// liveEvent is one server-sent event.
type liveEvent struct {
	name string
	data string
}

// liveClient is one console page connected for live events.
type liveClient struct {
	user      *tickets.User
	actor     tickets.Actor
	remote    string    // where the page is, for the access log
	token     string    // the page's session
	gen       int64     // the user's session generation the session holds
	expires   time.Time // when the session ends unless the user uses it meanwhile
	ticket    string    // the ticket the page shows, for soft presence
	wallboard bool
	send      chan liveEvent
	last      map[string]string // the last data sent per event, so nothing is sent twice
}

// hub fans the desk's changes out to the console pages connected: the queue strip, each
// agent's desk bar and screen-pop, who has which ticket open, the wallboard.
type hub struct {
	s       *Server
	mu      sync.Mutex
	clients map[*liveClient]struct{}
	seen    map[int64]time.Time // users on duty without a page open, since when
	popped  map[int64]string    // the call each agent's console was last sent to
	kick    chan struct{}
	closed  bool
	stats   *tickets.QueueStats
	statsAt time.Time
}

func newHub(s *Server) *hub {
	return &hub{s: s, clients: map[*liveClient]struct{}{}, seen: map[int64]time.Time{}, popped: map[int64]string{},
		kick: make(chan struct{}, 1)}
}

// run sends changes until ctx ends: on each change of the desk, each page joining or
// leaving, and every few seconds for the wallboard's figures.
func (h *hub) run(ctx context.Context) {
	desk := h.s.cfg.Desk
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	grace := time.NewTicker(h.s.liveCheck())
	defer grace.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-desk.Changed():
		case <-h.kick:
		case <-tick.C:
			h.mu.Lock()
			boards := h.anyClient(func(c *liveClient) bool { return c.wallboard })
			h.mu.Unlock()
			if !boards {
				continue
			}
			h.refreshStats(ctx, true)
		case <-grace.C:
			h.signOutAbsent(ctx)
			h.checkSessions(ctx)
			continue
		}
		h.broadcast(ctx)
	}
}

// anyClient reports whether a connected page is one ok accepts. h.mu is held.
func (h *hub) anyClient(ok func(*liveClient) bool) bool {
	for c := range h.clients {
		if ok(c) {
			return true
		}
	}
	return false
}

// poke asks the hub to send the current state again (a page joined or left).
func (h *hub) poke() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// refreshStats reads today's queue figures for the wallboard, at most once a second
// unless forced.
func (h *hub) refreshStats(ctx context.Context, force bool) *tickets.QueueStats {
	h.mu.Lock()
	if h.stats != nil && !force && time.Since(h.statsAt) < time.Second {
		st := h.stats
		h.mu.Unlock()
		return st
	}
	h.mu.Unlock()
	st, err := h.s.cfg.Store.QueueStats(ctx, tickets.Day(h.s.cfg.Now()))
	if err != nil {
		h.s.log.Warn("queue figures for the wallboard", "err", err)
		return nil
	}
	h.mu.Lock()
	h.stats, h.statsAt = st, time.Now()
	h.mu.Unlock()
	return st
}

// broadcast renders what each page shows and sends what changed.
func (h *hub) broadcast(ctx context.Context) {
	d := h.s.cfg.Desk.Snapshot()
	h.mu.Lock()
	clients := slices.Collect(maps.Keys(h.clients)) // sent to after the lock is let go
	boards := h.anyClient(func(c *liveClient) bool { return c.wallboard })
	h.mu.Unlock()
	var board string
	if boards {
		st := h.refreshStats(ctx, false)
		board = renderString(ctx, wallboardBody(wallboardView(d, st, h.s.cfg.Now())))
	}
	strip := renderString(ctx, queueStrip(stripView(d)))
	viewers := h.viewers()
	// Who has a ticket open is told only to those who may see the ticket (the store's
	// rule: an officer, their unit's); a ticket that cannot be read now is told to nobody.
	refs := slices.Collect(maps.Keys(viewers))
	open, err := h.s.cfg.Store.FindTicketsByRef(ctx, tickets.ActorSystem, refs)
	if err != nil {
		h.s.log.Warn("tickets open in the console", "err", err)
		open = nil
	}
	for _, c := range clients {
		if c.wallboard {
			h.deliver(c, liveEvent{"wallboard", board})
		}
		if c.actor.SeesCallCentre() {
			h.deliver(c, liveEvent{"strip", strip})
			bar := h.s.deskBarShown(ctx, &viewer{User: c.user, Actor: c.actor}, c.remote, true, d)
			h.deliver(c, liveEvent{"desk", renderString(ctx, deskBar(bar))})
			if pop := h.popFor(d, c.user.ID); pop != "" && !c.wallboard {
				h.deliver(c, liveEvent{"pop", pop})
			}
		}
		sees := func(ref string) bool { tk := open[ref]; return tk != nil && c.actor.SeesTicket(tk) }
		for ref, names := range viewers {
			if sees(ref) {
				h.deliver(c, liveEvent{"viewers-" + ref, renderString(ctx, viewersNote(othersViewing(names, c.user)))})
			}
		}
		// A ticket nobody else has open any more, or that this page may no longer see.
		for name := range c.last {
			if ref, ok := strings.CutPrefix(name, "viewers-"); ok {
				if _, still := viewers[ref]; !still || !sees(ref) {
					h.deliver(c, liveEvent{name, ""})
				}
			}
		}
	}
	h.markPopped(d)
}

// popFor is the page an agent's console opens for a queued caller they just answered,
// once: the call's ticket, ready to edit.
func (h *hub) popFor(d tickets.DeskView, userID int64) string {
	a := d.Agent(userID)
	if a == nil || a.State != tickets.AgentOnCall || !a.Inbound || !a.Talking || a.CallID == "" {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.popped[userID] == a.CallID {
		return ""
	}
	if a.TicketRef == "" {
		// The number as it is typed: 0905123456, or +1... escaped (a bare + reads as a space).
		return "/tickets?view=all&q=" + url.QueryEscape(tickets.NationalDigits(a.Number))
	}
	return "/tickets/" + a.TicketRef + "?call=" + a.CallID
}

// markPopped notes the calls sent to each agent's console (to a page connected).
func (h *hub) markPopped(d tickets.DeskView) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range d.Agents {
		if a.UserID == 0 || a.State != tickets.AgentOnCall || !a.Inbound || !a.Talking {
			continue
		}
		for c := range h.clients {
			if c.user.ID == a.UserID && !c.wallboard {
				h.popped[a.UserID] = a.CallID
				break
			}
		}
	}
}

// viewers returns who has each ticket open: names by reference.
func (h *hub) viewers() map[string][]viewerName {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]viewerName{}
	for c := range h.clients {
		if c.ticket == "" {
			continue
		}
		v := viewerName{c.user.ID, c.user.Name()}
		if !slices.Contains(out[c.ticket], v) {
			out[c.ticket] = append(out[c.ticket], v)
		}
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	}
	return out
}

// viewerName is a user with a ticket open.
type viewerName struct {
	id   int64
	name string
}

// othersViewing are the names of those other than me with a ticket open.
func othersViewing(list []viewerName, me *tickets.User) []string {
	var out []string
	for _, v := range list {
		if v.id != me.ID {
			out = append(out, v.name)
		}
	}
	return out
}

// viewersOf returns who else has a ticket open now, for a page rendered.
func (h *hub) viewersOf(ref string, me *tickets.User) []string {
	if h == nil {
		return nil
	}
	return othersViewing(h.viewers()[ref], me)
}

// deliver queues an event for a page unless it already shows it. A page that does not
// keep up is dropped; its browser reconnects and gets the current state.
func (h *hub) deliver(c *liveClient, e liveEvent) {
	if c.last[e.name] == e.data {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	select {
	case c.send <- e:
		c.last[e.name] = e.data
	default:
		h.dropLocked(c)
	}
}

// errTooManyStreams refuses a stream beyond a user's cap; errLiveClosed one asked
// while the server shuts down.
var (
	errTooManyStreams = errors.New("too many live streams")
	errLiveClosed     = errors.New("live events closed")
)

// add registers a page's stream, unless its user has limit open already.
func (h *hub) add(c *liveClient, limit int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errLiveClosed
	}
	n := 0
	for o := range h.clients {
		if o.user.ID == c.user.ID {
			n++
		}
	}
	if n >= limit {
		return errTooManyStreams
	}
	h.clients[c] = struct{}{}
	delete(h.seen, c.user.ID)
	return nil
}

func (h *hub) drop(c *liveClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(c)
}

func (h *hub) dropLocked(c *liveClient) {
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	close(c.send)
	if !h.anyClient(func(o *liveClient) bool { return o.user.ID == c.user.ID }) {
		h.seen[c.user.ID] = time.Now()
	}
}

// close ends every page's stream (the server is shutting down).
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		close(c.send)
	}
}

// endSessions closes the streams of a user's sessions but the one whose token is keep,
// which goes on with the session generation gen: their sessions have ended.
func (h *hub) endSessions(userID int64, keep string, gen int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		switch {
		case c.user.ID != userID:
		case keep != "" && c.token == keep:
			c.gen = gen
		default:
			h.dropLocked(c)
		}
	}
}

// endSession closes the streams of one session (signed out).
func (h *hub) endSession(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.token == token {
			h.dropLocked(c)
		}
	}
}

// checkSessions closes the streams of users deactivated, or whose session generation
// moved on, by a change this process was not told of (another hotline's console, the
// shell), and takes those users off duty as viewerOf does: unless the change was their
// own password change, made from a session that goes on (tickets.User.ShiftEndsWith).
func (h *hub) checkSessions(ctx context.Context) {
	h.mu.Lock()
	users := map[int64]bool{}
	for c := range h.clients {
		users[c.user.ID] = true
	}
	h.mu.Unlock()
	for id := range users {
		u, err := h.s.cfg.Store.FindUser(ctx, id)
		if err != nil && tickets.ErrorCode(err) != tickets.ENOTFOUND {
			continue // a database failing now ends nobody's stream
		}
		offDuty := false
		h.mu.Lock()
		for c := range h.clients {
			if c.user.ID == id && (u == nil || !u.Active || u.SessionGen != c.gen) {
				h.dropLocked(c)
				offDuty = offDuty || u == nil || u.ShiftEndsWith(c.gen)
			}
		}
		h.mu.Unlock()
		if offDuty {
			if err := h.s.cfg.Desk.SignOut(ctx, id, "session ended"); err != nil {
				h.s.log.Warn("take a user off duty whose session ended", "user", id, "err", err)
			}
		}
	}
}

// signOutAbsent takes off duty the agents whose console has been closed longer than the
// grace: a shift restored after a restart whose agent never came back, a browser closed.
func (h *hub) signOutAbsent(ctx context.Context) {
	d := h.s.cfg.Desk.Snapshot()
	now := time.Now()
	h.mu.Lock()
	var gone []int64
	for _, a := range d.Agents {
		if a.UserID == 0 {
			continue
		}
		if h.anyClient(func(c *liveClient) bool { return c.user.ID == a.UserID }) {
			continue
		}
		since, ok := h.seen[a.UserID]
		if !ok {
			h.seen[a.UserID] = now // not seen since this hotline started
			continue
		}
		if now.Sub(since) > h.s.consoleGrace() {
			gone = append(gone, a.UserID)
			delete(h.seen, a.UserID)
		}
	}
	h.mu.Unlock()
	for _, id := range gone {
		if err := h.s.cfg.Desk.SignOut(ctx, id, "console closed"); err != nil {
			h.s.log.Warn("take an absent agent off duty", "user", id, "err", err)
		}
	}
}

// liveCheck is how often the hub checks the streams' users and the agents' consoles.
func (s *Server) liveCheck() time.Duration {
	if s.cfg.LiveCheck > 0 {
		return s.cfg.LiveCheck
	}
	return liveCheck
}

func (s *Server) consoleGrace() time.Duration {
	if s.cfg.ConsoleGrace > 0 {
		return s.cfg.ConsoleGrace
	}
	return consoleGrace
}

// handleEvents streams a page's live events (server-sent events): the queue strip, the
// agent's desk and screen-pop, who else has a ticket open, the wallboard. The desk shows
// citizens' numbers, logged as views: only the console's own pages get the stream.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, me *viewer) {
	if s.hub == nil {
		http.Error(w, "Tổng đài chưa bật cập nhật trực tiếp cho bảng điều khiển.", http.StatusNotFound)
		return
	}
	if !fromConsole(r) {
		s.fail(w, r, me, notFromConsole)
		return
	}
	q := r.URL.Query()
	ctx := r.Context()
	c := &liveClient{user: me.User, actor: me.Actor, remote: remoteAddr(r), send: make(chan liveEvent, 64), last: map[string]string{},
		token: s.sessions.Token(ctx), gen: s.sessions.GetInt64(ctx, sessionGen), expires: s.sessions.Deadline(ctx)}
	// A stream does not use its session: it ends when the session would, unused since the
	// stream began (the page's browser reconnects if the user kept it alive elsewhere).
	if idle := time.Now().Add(s.sessions.IdleTimeout); s.sessions.IdleTimeout > 0 && idle.Before(c.expires) {
		c.expires = idle
	}
	if q.Get("wallboard") == "1" {
		if !me.Actor.IsSupervisor() {
			http.Error(w, "Chỉ giám sát viên xem được bảng theo dõi tổng đài.", http.StatusForbidden)
			return
		}
		c.wallboard = true
	}
	// The ticket the page shows: a reference in its exact form, of a ticket the user may
	// see, or no stream (so that nothing else reaches another page's stream as an event's
	// name, and nobody is named viewing a ticket they may not see).
	if ref := q.Get("ticket"); ref != "" {
		if !tickets.IsTicketRef(ref) {
			http.Error(w, "Trang này không gửi đúng mã phiếu (ví dụ HL-260012) nên không nhận được cập nhật trực tiếp; hãy tải lại trang.", http.StatusBadRequest)
			return
		}
		tk, err := s.cfg.Store.FindTicketByRef(ctx, me.Actor, ref)
		if err != nil {
			s.fail(w, r, me, err)
			return
		}
		c.ticket = tk.Ref
	}
	limit := s.cfg.LiveStreamsPerUser
	if limit <= 0 {
		limit = liveStreamsPerUser
	}
	switch err := s.hub.add(c, limit); err {
	case nil:
	case errTooManyStreams:
		http.Error(w, fmt.Sprintf("Bạn đang mở quá %d trang cập nhật trực tiếp; hãy đóng bớt một trang rồi tải lại trang này.", limit), http.StatusTooManyRequests)
		return
	default:
		http.Error(w, "Bảng điều khiển đang khởi động lại; trang sẽ tự kết nối lại sau giây lát.", http.StatusServiceUnavailable)
		return
	}
	defer s.hub.poke() // who has which ticket open changed
	defer s.hub.drop(c)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Reconnect soon after a restart; the first events are the current state.
	fmt.Fprint(w, "retry: 1000\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	s.hub.poke()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	expired := time.NewTimer(time.Until(c.expires))
	defer expired.Stop()
	var buf bytes.Buffer
	for {
		select {
		case <-r.Context().Done():
			return
		case <-expired.C:
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case e, ok := <-c.send:
			if !ok {
				return
			}
			buf.Reset()
			writeEvent(&buf, e)
			// Send what else is queued in the same write.
			for more := true; more; {
				select {
				case e, ok := <-c.send:
					if !ok {
						w.Write(buf.Bytes())
						rc.Flush()
						return
					}
					writeEvent(&buf, e)
				default:
					more = false
				}
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeEvent writes one event in the text/event-stream format. A name never carries a
// line break (it would end the event and start another).
func writeEvent(b *bytes.Buffer, e liveEvent) {
	b.WriteString("event: ")
	b.WriteString(strings.NewReplacer("\r", "", "\n", "").Replace(e.name))
	b.WriteByte('\n')
	for _, line := range strings.Split(e.data, "\n") {
		b.WriteString("data: ")
		b.WriteString(strings.TrimRight(line, "\r"))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// renderString renders a component for an event; a failed render sends nothing new.
func renderString(ctx context.Context, c templ.Component) string {
	var b strings.Builder
	if err := c.Render(ctx, &b); err != nil {
		return ""
	}
	return b.String()
}
