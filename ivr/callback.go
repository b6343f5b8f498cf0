package ivr

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// CallbackRequest asks the hotline to call a citizen back about a ticket: the agent's
// phone rings first, then the citizen's number through the trunk, and the two are
// bridged. The result goes on the ticket.
type CallbackRequest struct {
	TicketID int64
	Agent    string // the agent's phone, as Asterisk dials it (PJSIP/agent101)
	Number   string // the citizen's number, E.164
	Lang     string // the citizen's language, for the introduction; default vi
	// Actor is who asked for the callback (the signed-in agent), for the ticket's trail;
	// the IVR when not set.
	Actor tickets.Actor
	// TicketRef is the ticket's reference, for the agent's console.
	TicketRef string
}

// Results of a callback, as recorded on the ticket.
const (
	CallbackAnswered      = "answered"        // the citizen answered and talked with the agent
	CallbackNoAnswer      = "no_answer"       // the citizen's phone rang out or was unreachable
	CallbackBusy          = "busy"            // the citizen's line was busy
	CallbackAgentNoAnswer = "agent_no_answer" // the agent did not pick up; the citizen was not called
	CallbackAgentLeft     = "agent_left"      // the agent hung up before the citizen answered
	CallbackFailed        = "failed"          // Asterisk refused or lost a leg
)

// Callback starts a callback and returns the ID of its call record at once; the call
// itself goes on in the background, and its result is recorded on the ticket. It fails
// only when the request is wrong or the hotline is shutting down.
func (a *App) Callback(ctx context.Context, r CallbackRequest) (string, error) {
	if !strings.Contains(r.Agent, "/") {
		return "", tickets.Errorf(tickets.EINVALID, "Máy của tổng đài viên %q không hợp lệ (ví dụ PJSIP/agent101).", r.Agent)
	}
	number, err := tickets.NormalizePhone(r.Number)
	if err != nil {
		return "", err
	}
	// The agent's phone is reserved in the queue's state machine: the queue does not ring
	// it meanwhile, and nobody calls the same ticket back twice at once.
	q := a.cfg.Queue
	if q != nil {
		if err := q.reserveCallback(r.Agent, r.TicketID, number); err != nil {
			return "", err
		}
	}
	id, err := a.startCallback(ctx, r, number, nil)
	if err != nil && q != nil {
		q.callbackEnded(r.Agent, r.TicketID, nil, CallbackFailed)
	}
	return id, err
}

// runQueued runs a callback request an agent took from the queue ("Call back now").
func (a *App) runQueued(qc queuedCallback) {
	req := qc.w.cb
	r := CallbackRequest{TicketID: req.TicketID, Agent: qc.endpoint, Number: req.Number, Lang: req.Lang, Actor: qc.actor,
		TicketRef: req.TicketRef}
	if _, err := a.startCallback(context.Background(), r, req.Number, qc.w); err != nil {
		a.cfg.Log.Warn("queued callback not started", "ticket", req.TicketRef, "err", err)
		a.cfg.Queue.callbackEnded(qc.endpoint, req.TicketID, qc.w, CallbackFailed)
	}
}

// startCallback starts the callback's goroutine once its record is saved. w is the
// queued request it serves, if any.
func (a *App) startCallback(ctx context.Context, r CallbackRequest, number string, w *waiter) (string, error) {
	if r.Lang == "" {
		r.Lang = "vi"
	}
	if r.Actor.Role == "" {
		r.Actor = tickets.ActorIVR
	}
	dialed := tickets.NationalDigits(number)
	cb := &callback{
		app: a, req: r, queued: w,
		agentLeg:   asterisk.CallbackLegPrefix + "a-" + asterisk.NewID(),
		citizenLeg: asterisk.CallbackLegPrefix + "c-" + asterisk.NewID(),
		events:     make(chan ari.Event, 256),
		aborted:    make(chan string, 1),
	}
	cb.rec = &tickets.Call{
		ID: tickets.NewCallID(), ChannelID: cb.citizenLeg, Direction: "outbound",
		CallerNumber: &number, CallerRaw: dialed, Dialed: dialed, Language: r.Lang,
		StartedAt: time.Now().UTC(), AgentEndpoint: r.Agent,
	}
	cb.log = a.cfg.Log.With("call", cb.rec.ID, "callback", true)
	done, err := a.Track(cb.abort)
	if err != nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Hệ thống đang dừng; chưa thể gọi lại.")
	}
	if err := a.cfg.Store.SaveCall(ctx, cb.rec); err != nil {
		done()
		return "", fmt.Errorf("callback record: %w", err)
	}
	go func() {
		defer done()
		cb.run()
	}()
	return cb.rec.ID, nil
}

// callback is one callback in progress; its goroutine owns it.
type callback struct {
	app                  *App
	req                  CallbackRequest
	queued               *waiter // the queued request it serves, if any
	rec                  *tickets.Call
	agentLeg, citizenLeg string
	events               chan ari.Event
	log                  *slog.Logger
	aborted              chan string // the watchdog or shutdown ending it
}

func (cb *callback) run() {
	a := cb.app
	a.attach(cb.agentLeg, cb.events)
	a.attach(cb.citizenLeg, cb.events)
	defer a.detach(cb.agentLeg)
	defer a.detach(cb.citizenLeg)
	result, endedBy := cb.converse()
	for _, leg := range []string{cb.agentLeg, cb.citizenLeg} {
		cb.hangup(leg)
	}
	now := time.Now().UTC()
	cb.rec.EndedAt, cb.rec.EndedBy = &now, endedBy
	cb.rec.Outcome = "callback_" + result
	if err := tickets.Retry(5, func(ctx context.Context) error { return a.cfg.Store.SaveCall(ctx, cb.rec) }); err != nil {
		cb.log.Error("save callback record", "err", err)
	}
	var talk time.Duration
	if cb.rec.TalkMS != nil {
		talk = time.Duration(*cb.rec.TalkMS) * time.Millisecond
	}
	if err := tickets.Retry(3, func(ctx context.Context) error {
		return a.cfg.Store.RecordCallback(ctx, cb.req.Actor, cb.req.TicketID, cb.rec.ID, result, cb.req.Agent, talk)
	}); err != nil {
		cb.log.Error("record the callback on its ticket", "err", err)
	}
	if q := a.cfg.Queue; q != nil {
		q.callbackEnded(cb.req.Agent, cb.req.TicketID, cb.queued, result)
	}
	cb.log.Info("callback ended", "result", result, "ended_by", endedBy)
}

// converse rings the agent, then the citizen, and bridges them. It returns the result
// and who ended the call.
func (cb *callback) converse() (result, endedBy string) {
	ring := 20 * time.Second
	if q := cb.app.cfg.Queue; q != nil {
		ring = q.cfg.Ring
	}
	// The agent first: no citizen is called to wait for a busy agent.
	switch r := cb.dial(cb.req.Agent, cb.agentLeg, ring, map[string]string{"CALLERID(name)": "Gọi lại", "CALLERID(num)": cb.rec.Dialed}); r {
	case CallbackAnswered:
	case CallbackFailed:
		return r, tickets.EndedByHotline
	default:
		return CallbackAgentNoAnswer, tickets.EndedByAgent
	}
	if q := cb.app.cfg.Queue; q != nil {
		q.callbackAnswered(cb.req.Agent, cb.rec.ID, cb.req.TicketRef)
	}
	cb.play(cb.agentLeg, "vi", "callback_dialing")
	trunk := strings.ReplaceAll(cb.app.cfg.Trunk, "{number}", cb.rec.Dialed)
	r := cb.dial(trunk, cb.citizenLeg, 45*time.Second, map[string]string{"CALLERID(num)": "19001075"})
	switch r {
	case CallbackAnswered:
	case "agent_hangup":
		return CallbackAgentLeft, tickets.EndedByAgent
	default:
		return r, tickets.EndedByCaller
	}
	answered := time.Now().UTC()
	cb.rec.AnsweredAt = &answered
	if !cb.play(cb.citizenLeg, cb.req.Lang, "callback_intro") {
		return CallbackAnswered, tickets.EndedByCaller
	}
	destroy, err := cb.app.cfg.REST.Bridge(cb.log, "br-"+cb.rec.ID, cb.agentLeg, cb.citizenLeg)
	defer destroy()
	if err != nil {
		cb.log.Error("bridge callback", "err", err)
		return CallbackFailed, tickets.EndedByHotline
	}
	talking := time.Now().UTC()
	cb.rec.AgentAnsweredAt = &talking
	defer func() {
		talk := time.Since(talking).Milliseconds()
		cb.rec.TalkMS = &talk
	}()
	// Both legs are checked now and then: a lost hang-up event must not keep the agent
	// on a call that is over.
	check := time.NewTicker(cb.app.cfg.ChannelCheckEvery)
	defer check.Stop()
	for {
		select {
		case <-check.C:
			switch {
			case cb.app.cfg.REST.Gone(cb.agentLeg):
				return CallbackAnswered, tickets.EndedByAgent
			case cb.app.cfg.REST.Gone(cb.citizenLeg):
				return CallbackAnswered, tickets.EndedByCaller
			}
		case <-cb.aborted:
			return CallbackAnswered, tickets.EndedBySystem
		case e := <-cb.events:
			switch v := e.(type) {
			case *ari.ChannelHangupRequest, *ari.StasisEnd, *ari.ChannelDestroyed:
				switch asterisk.EventChannel(v) {
				case cb.agentLeg:
					return CallbackAnswered, tickets.EndedByAgent
				case cb.citizenLeg:
					return CallbackAnswered, tickets.EndedByCaller
				}
			}
		}
	}
}

func (cb *callback) abort(outcome string) {
	select {
	case cb.aborted <- outcome:
	default:
	}
}

// dial creates a leg into the application, dials it once it is there, and waits until it
// answers (CallbackAnswered), fails (CallbackBusy, CallbackNoAnswer, CallbackFailed), or,
// while dialing the citizen, the agent hangs up ("agent_hangup").
func (cb *callback) dial(endpoint, leg string, ring time.Duration, vars map[string]string) string {
	// The agent hanging up while the citizen's phone rings ends the callback.
	agentGone := func(e ari.Event) bool {
		d, ok := e.(*ari.ChannelDestroyed)
		return ok && leg != cb.agentLeg && d.Channel.ID == cb.agentLeg
	}
	// The citizen's leg names their number: the log says which leg, not the endpoint.
	answered, cause := cb.app.cfg.REST.DialLeg(cb.log.With("leg", cb.legName(leg)), cb.app.cfg.Application, "callback leg", leg, endpoint, ring, vars, cb.events, cb.aborted, agentGone)
	if answered {
		return CallbackAnswered
	}
	switch cause {
	case asterisk.DialFailed, asterisk.DialAborted:
		return CallbackFailed
	case asterisk.DialWatched:
		cb.hangup(leg)
		return "agent_hangup"
	case 17: // user busy
		return CallbackBusy
	}
	return CallbackNoAnswer
}

// legName says which leg of the callback a channel is, for logs.
func (cb *callback) legName(leg string) string {
	if leg == cb.agentLeg {
		return "agent"
	}
	return "citizen"
}

// play plays a prompt to one leg and waits for it to end; false if that leg hung up.
func (cb *callback) play(leg, lang, prompt string) bool {
	id := leg + "-" + prompt
	ref := PromptRef{Lang: lang, ID: prompt}
	ctx, cancel := asterisk.CommandContext()
	err := cb.app.cfg.REST.Play(ctx, leg, id, []string{cb.app.MediaURI(ref)})
	cancel()
	if err != nil {
		return !asterisk.IsNotFound(err)
	}
	limit := time.NewTimer(cb.app.PlaybackLimit([]PromptRef{ref}))
	defer limit.Stop()
	for {
		select {
		case <-limit.C:
			return true
		case <-cb.aborted:
			return false
		case e := <-cb.events:
			switch v := e.(type) {
			case *ari.PlaybackFinished:
				if v.Playback.ID == id {
					return true
				}
			case *ari.ChannelHangupRequest, *ari.StasisEnd, *ari.ChannelDestroyed:
				if asterisk.EventChannel(v) == leg || asterisk.EventChannel(v) == cb.agentLeg {
					return false
				}
			}
		}
	}
}

func (cb *callback) hangup(leg string) { cb.app.cfg.REST.HangupLogged(cb.log, leg) }

// requestCallback puts the callback request of a caller who pressed 1 in the queue, at
// the place they had, once their callback ticket is made. A ticket the database did not
// take yet (spooled) stays an ordinary callback ticket for the agents.
func (c *call) requestCallback() {
	w, q := c.place, c.app.cfg.Queue
	c.place = nil
	number := c.m.Answers["callback"]
	if number == "" && c.rec.CallerNumber != nil {
		number = *c.rec.CallerNumber
	}
	if n, err := tickets.NormalizePhone(number); err == nil {
		number = n
	} else {
		number = ""
	}
	if c.ticketID == 0 || number == "" {
		q.dropPlace(w)
		return
	}
	callID := c.rec.ID
	r := &tickets.CallbackRequest{TicketID: c.ticketID, CallID: &callID, Number: number, Lang: c.m.Lang, TicketRef: c.ticketRef}
	err := tickets.RetryTransient(3*time.Second, func(ctx context.Context) error { return q.placeKept(ctx, w, r) })
	if err != nil {
		c.log.Error("keep the caller's place for the callback", "err", err)
		q.dropPlace(w)
		return
	}
	c.log.Info("callback request keeps the caller's place", "ticket", c.ticketRef)
}
