package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// StripView is the live queue strip every agent page has.
type StripView struct {
	Waiting   int
	Longest   int64 // when the longest-waiting caller joined, Unix ms; 0 when nobody waits
	Ready     int
	OnCall    int // ringing or talking
	WrapUp    int
	Paused    int
	Callbacks int
}

func stripView(d tickets.DeskView) StripView {
	v := StripView{Waiting: len(d.Waiting), Callbacks: d.Callbacks, Ready: d.Count(tickets.AgentReady) + d.Count(tickets.AgentOffered),
		OnCall: d.Count(tickets.AgentOnCall) + d.Count(tickets.AgentRinging), WrapUp: d.Count(tickets.AgentWrapUp), Paused: d.Count(tickets.AgentPaused)}
	for _, at := range d.Waiting {
		if v.Longest == 0 || at.UnixMilli() < v.Longest {
			v.Longest = at.UnixMilli()
		}
	}
	return v
}

// DeskBarView is an agent's own desk: their state and what they can do in it.
type DeskBarView struct {
	CanWork  bool // a call-centre user: the bar is shown
	OnDuty   bool
	HasPhone bool
	Phone    string
	State    string
	Label    string
	Reason   string
	Since    int64 // Unix ms
	// The call in hand.
	CallID      string
	Number      string
	TicketRef   string
	Inbound     bool
	Disposition string // the label of what was entered
	// Dispositions are offered in the wrap-up, one key each.
	Dispositions []KeyedOption
	Offer        *OfferView
	Pauses       []option
	Problem      string
}

// KeyedOption is a choice with its keyboard key.
type KeyedOption struct {
	Key, Value, Text string
}

// OfferView is a callback offered to the agent.
type OfferView struct {
	TicketRef, URL, Number string
	Attempts               int
	Until                  int64 // Unix ms
}

func deskBarView(d tickets.DeskView, u *tickets.User) DeskBarView {
	v := DeskBarView{CanWork: tickets.ActorFor(u).SeesCallCentre(), HasPhone: u.Phone != "", Phone: u.Phone,
		Pauses: labelsVi(tickets.PauseReasons)}
	a := d.Agent(u.ID)
	if a == nil {
		v.State, v.Label = tickets.AgentOffline, tickets.AgentStateLabel(tickets.AgentOffline).Vi
		return v
	}
	v.OnDuty, v.Phone, v.State, v.Label, v.Since = true, a.Endpoint, a.State, tickets.AgentStateLabel(a.State).Vi, a.Since.UnixMilli()
	if a.Reason != "" {
		v.Reason = tickets.PauseReasonLabel(a.Reason).Vi
	}
	v.CallID, v.TicketRef, v.Inbound = a.CallID, a.TicketRef, a.Inbound
	if a.Number != "" {
		v.Number = phoneText(&a.Number)
	}
	if a.Disposition != "" {
		v.Disposition = tickets.DispositionLabel(a.Disposition).Vi
	}
	if a.State == tickets.AgentWrapUp && a.CallID != "" {
		for i, l := range tickets.Dispositions {
			v.Dispositions = append(v.Dispositions, KeyedOption{strconv.Itoa(i + 1), l.Code, l.Vi})
		}
	}
	if o := a.Offer; o != nil {
		v.Offer = &OfferView{TicketRef: o.TicketRef, URL: "/tickets/" + o.TicketRef, Number: phoneText(&o.Number),
			Attempts: o.Attempts, Until: o.Until.UnixMilli()}
	}
	return v
}

// deskBarFor renders the current desk of the signed-in agent, for a request.
func (s *Server) deskBarFor(r *http.Request, me *viewer) DeskBarView {
	if s.cfg.Desk == nil {
		return DeskBarView{}
	}
	return s.deskBarShown(r.Context(), me, remoteAddr(r), fromConsole(r), s.cfg.Desk.Snapshot())
}

// deskBarShown builds a user's desk bar and writes the citizens' numbers it shows in
// full (the call in their hands, a callback offered) to the access log, as views. A
// number is logged once per showing: once per call or offer and number, however many
// pages and live events show it (deskShown keeps which are logged while they stay on
// the bar). A number is shown in full only once its entry is written: a bar rendered
// while another page's write of it is under way waits for that write (as long as a write
// may take), and a bar for a page opened from another site (console false), or whose
// number the log did not take, shows the number masked.
func (s *Server) deskBarShown(ctx context.Context, me *viewer, remote string, console bool, d tickets.DeskView) DeskBarView {
	v := deskBarView(d, me.User)
	a := d.Agent(me.User.ID)
	if a == nil {
		s.shown.keep(me.User.ID, nil)
		return v
	}
	type showing struct {
		key, action, subject, number string
		mask                         func()
	}
	var list []showing
	if a.Number != "" && (a.CallID != "" || a.TicketRef != "") {
		subject := a.TicketRef
		if subject == "" {
			subject = "call " + a.CallID
		}
		key := "call:" + a.CallID
		if a.CallID == "" {
			key = "ticket:" + a.TicketRef
		}
		list = append(list, showing{key + ":" + a.Number, tickets.AccessDeskNumber, subject, a.Number,
			func() { v.Number = tickets.MaskPhone(a.Number) }})
	}
	if o := a.Offer; o != nil && o.Number != "" && v.Offer != nil {
		list = append(list, showing{"offer:" + strconv.FormatInt(o.RequestID, 10) + ":" + strconv.FormatInt(o.Until.UnixMilli(), 10) + ":" + o.Number,
			tickets.AccessOfferNumber, o.TicketRef, o.Number, func() { v.Offer.Number = tickets.MaskPhone(o.Number) }})
	}
	keys := make([]string, len(list))
	for i, sh := range list {
		keys[i] = sh.key
	}
	s.shown.keep(me.User.ID, keys)
	for _, sh := range list {
		if !console {
			sh.mask()
			continue
		}
		// The live events' one sender waits for this write, or for another's: not for long.
		lctx, cancel := context.WithTimeout(ctx, deskLogWait)
		w, mine := s.shown.claim(me.User.ID, sh.key)
		if !mine { // logged, or being logged by another page
			select {
			case <-w.done:
				if !w.ok {
					sh.mask()
				}
			case <-lctx.Done():
				sh.mask()
			}
			cancel()
			continue
		}
		number := sh.number
		err := s.cfg.Store.LogAccess(lctx, me.Actor, &tickets.Access{Action: sh.action, Subject: sh.subject, Phone: &number, RemoteAddr: remote})
		cancel()
		s.shown.settle(me.User.ID, sh.key, w, err == nil)
		if err != nil {
			s.log.Error("access log: a number on the desk bar", "err", err)
			sh.mask()
		}
	}
	return v
}

// deskLogWait is how long a desk bar waits for the access log to take one of its numbers.
const deskLogWait = 2 * time.Second

// deskShown keeps, for each user, the numbers on their desk bar written to the access
// log, or being written, while they stay on it: at most a call and an offer per user.
type deskShown struct {
	mu     sync.Mutex
	logged map[int64]map[string]*shownWrite
}

// shownWrite is the access log's write of one number on a desk bar: done is closed when
// it ends, and ok then says whether the log took it.
type shownWrite struct {
	done chan struct{}
	ok   bool
}

// keep forgets the user's showings that are no longer on their bar.
func (d *deskShown) keep(userID int64, keys []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.logged[userID] {
		if !slices.Contains(keys, k) {
			delete(d.logged[userID], k)
		}
	}
	if len(d.logged[userID]) == 0 {
		delete(d.logged, userID)
	}
}

// claim returns the write of a showing's number: a new one, which the caller makes and
// settles (mine), or the one made or under way.
func (d *deskShown) claim(userID int64, key string) (w *shownWrite, mine bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.logged[userID][key]; w != nil {
		return w, false
	}
	if d.logged == nil {
		d.logged = map[int64]map[string]*shownWrite{}
	}
	if d.logged[userID] == nil {
		d.logged[userID] = map[string]*shownWrite{}
	}
	w = &shownWrite{done: make(chan struct{})}
	d.logged[userID][key] = w
	return w, true
}

// settle ends a write claimed: taken (ok), or failed, so that the next showing tries
// again. Those waiting for it read ok once done is closed.
func (d *deskShown) settle(userID int64, key string, w *shownWrite, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w.ok = ok
	close(w.done)
	if !ok && d.logged[userID][key] == w {
		delete(d.logged[userID], key)
	}
}

// deskAction runs an action on the agent's desk and answers with the desk bar (htmx), or
// sends the browser back (a plain form).
func (s *Server) deskAction(do func(r *http.Request, me *viewer) error) handler {
	return func(w http.ResponseWriter, r *http.Request, me *viewer) {
		if s.cfg.Desk == nil {
			s.renderError(w, r, me, http.StatusNotFound, "Tổng đài chưa bật nhận cuộc gọi từ bảng điều khiển.")
			return
		}
		err := do(r, me)
		status := http.StatusOK
		v := s.deskBarFor(r, me)
		if err != nil {
			status = statusFor(err)
			if status == http.StatusInternalServerError {
				s.log.Error("desk action", "path", r.URL.Path, "err", err)
			}
			v.Problem = tickets.ErrorMessage(err)
		}
		if isHTMX(r) {
			if status >= 400 {
				status = http.StatusUnprocessableEntity // shown in place
			}
			s.render(w, r, status, deskBar(v))
			return
		}
		if err != nil {
			s.renderError(w, r, me, status, v.Problem)
			return
		}
		seeOther(w, r, safeNext(r.PostFormValue("back")))
	}
}

func (s *Server) handleDeskStart(r *http.Request, me *viewer) error {
	return s.cfg.Desk.SignIn(r.Context(), me.User)
}

func (s *Server) handleDeskStop(r *http.Request, me *viewer) error {
	return s.cfg.Desk.SignOut(r.Context(), me.User.ID, "ended shift")
}

func (s *Server) handleDeskReady(r *http.Request, me *viewer) error {
	return s.cfg.Desk.Ready(me.User.ID)
}

func (s *Server) handleDeskPause(r *http.Request, me *viewer) error {
	return s.cfg.Desk.Pause(me.User.ID, r.PostFormValue("reason"))
}

// handleDeskDisposition records what the agent made of the call in their hands.
func (s *Server) handleDeskDisposition(r *http.Request, me *viewer) error {
	call, code := r.PostFormValue("call"), r.PostFormValue("disposition")
	if err := s.cfg.Store.SetCallDisposition(r.Context(), me.Actor, call, code); err != nil {
		return err
	}
	s.cfg.Desk.SetDisposition(me.User.ID, call, code)
	return nil
}

// handleDeskOffer takes the callback offered ("Call back now") and opens its ticket.
func (s *Server) handleDeskOffer(w http.ResponseWriter, r *http.Request, me *viewer) {
	if s.cfg.Desk == nil {
		s.renderError(w, r, me, http.StatusNotFound, "Tổng đài chưa bật nhận cuộc gọi từ bảng điều khiển.")
		return
	}
	ref, err := s.cfg.Desk.AcceptOffer(me.User.ID)
	if err != nil {
		if isHTMX(r) {
			v := s.deskBarFor(r, me)
			v.Problem = tickets.ErrorMessage(err)
			s.render(w, r, http.StatusUnprocessableEntity, deskBar(v))
			return
		}
		s.fail(w, r, me, err)
		return
	}
	seeOther(w, r, "/tickets/"+ref)
}

// startShift puts an agent with a phone on duty as they sign in; a problem (the phone not
// connected) is shown on their desk bar.
func (s *Server) startShift(r *http.Request, u *tickets.User) {
	if s.cfg.Desk == nil || u.Role != tickets.RoleAgent || u.Phone == "" || !tickets.ActorFor(u).SeesCallCentre() {
		return
	}
	if err := s.cfg.Desk.SignIn(r.Context(), u); err != nil {
		s.sessions.Put(r.Context(), sessionDeskProblem, tickets.ErrorMessage(err))
	}
}

// sessionDeskProblem is the session key of a problem starting the shift, shown once.
const sessionDeskProblem = "desk_problem"

// untilText is a time left, for offers.
func untilText(until int64) string {
	d := time.Until(time.UnixMilli(until)).Round(time.Second)
	return strconv.Itoa(int(max(d, 0) / time.Second))
}
