package web

import (
	"net/http"
	"strconv"
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

// deskBarFor renders the current desk of the signed-in agent.
func (s *Server) deskBarFor(me *viewer) DeskBarView {
	if s.cfg.Desk == nil {
		return DeskBarView{}
	}
	return deskBarView(s.cfg.Desk.Snapshot(), me.User)
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
		v := s.deskBarFor(me)
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
			v := s.deskBarFor(me)
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
	if s.cfg.Desk == nil || u.Role != tickets.RoleAgent || u.Phone == "" {
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
