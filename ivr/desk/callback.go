package desk

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

// Lines is what callbacks need of the hotline's Stasis application (ivr.App): the events
// of the legs they dial, routed to them; their lifetime, which shutdown waits for; and
// the prompts they play.
type Lines interface {
	Attach(leg string, inbox chan ari.Event)
	Detach(leg string)
	Track(abort func(outcome string)) (done func(), err error)
	Prompt(lang, id string) (uri string, limit time.Duration)
}

// CallbackStore is what callbacks keep in the database: the outbound call's record and
// the result on the ticket.
type CallbackStore interface {
	SaveCall(ctx context.Context, c *tickets.Call) error
	RecordCallback(ctx context.Context, actor tickets.Actor, ticketID int64, callID, result, agent string, talk time.Duration) error
}

// CallbackConfig sets up the callbacks.
type CallbackConfig struct {
	Queue *Queue // the agents' desk whose phones are rung (required)
	Lines Lines  // the hotline's Stasis application (required)
	REST  *asterisk.REST
	Store CallbackStore
	// Application is the Stasis application legs are created in; Trunk is how Asterisk
	// dials a citizen, {number} standing for the national number (default
	// PJSIP/{number}@carrier).
	Application, Trunk string
	// CheckEvery is how often a conversation checks that its legs still exist, in case
	// their hang-up events were lost; default 30 s.
	CheckEvery time.Duration
	Log        *slog.Logger
}

// Callbacks calls citizens back for agents: the agent's phone first, then the citizen's
// number through the trunk, and the two bridged. It runs the callbacks an agent starts
// from a ticket and those the queue offers (a caller who kept their place).
type Callbacks struct {
	cfg CallbackConfig
}

// NewCallbacks returns the callbacks of a desk, and makes it run the queued ones and ask
// Asterisk whether a phone can be rung.
func NewCallbacks(cfg CallbackConfig) *Callbacks {
	if cfg.Application == "" {
		cfg.Application = "hotline"
	}
	if cfg.Trunk == "" {
		cfg.Trunk = "PJSIP/{number}@carrier"
	}
	if cfg.CheckEvery == 0 {
		cfg.CheckEvery = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cs := &Callbacks{cfg: cfg}
	q := cfg.Queue
	q.mu.Lock()
	q.startCallback, q.reachable = cs.runQueued, cs.endpointReachable
	q.mu.Unlock()
	return cs
}

// endpointReachable says whether Asterisk can ring a phone: it knows the endpoint, and
// the phone is registered (or has a fixed address).
func (cs *Callbacks) endpointReachable(ctx context.Context, endpoint string) error {
	tech, resource, _ := strings.Cut(endpoint, "/")
	state, err := cs.cfg.REST.EndpointState(ctx, tech, resource)
	switch {
	case asterisk.IsNotFound(err):
		return tickets.Errorf(tickets.EINVALID, "Tổng đài không có máy %s; hãy kiểm tra số máy trong tài khoản.", endpoint)
	case err != nil:
		return tickets.Errorf(tickets.ECONFLICT, "Không hỏi được tổng đài về máy %s; hãy thử lại.", endpoint)
	case state == "offline":
		return tickets.Errorf(tickets.EINVALID, "Máy %s chưa kết nối với tổng đài; hãy mở phần mềm điện thoại rồi thử lại.", endpoint)
	}
	return nil
}

// Callback starts a callback and returns the ID of its call record at once; the call
// itself goes on in the background, and its result is recorded on the ticket. It fails
// only when the request is wrong or the hotline is shutting down.
func (cs *Callbacks) Callback(ctx context.Context, r CallbackRequest) (string, error) {
	if !strings.Contains(r.Agent, "/") {
		return "", tickets.Errorf(tickets.EINVALID, "Máy của tổng đài viên %q không hợp lệ (ví dụ PJSIP/agent101).", r.Agent)
	}
	number, err := tickets.NormalizePhone(r.Number)
	if err != nil {
		return "", err
	}
	// The agent's phone is reserved in the queue's state machine: the queue does not ring
	// it meanwhile, and nobody calls the same ticket back twice at once.
	q := cs.cfg.Queue
	if err := q.reserveCallback(r.Agent, r.TicketID, number); err != nil {
		return "", err
	}
	id, err := cs.startCallback(ctx, r, number, nil)
	if err != nil {
		q.callbackEnded(r.Agent, r.TicketID, nil, CallbackFailed)
	}
	return id, err
}

// runQueued runs a callback request an agent took from the queue ("Call back now").
func (cs *Callbacks) runQueued(qc queuedCallback) {
	req := qc.w.cb
	r := CallbackRequest{TicketID: req.TicketID, Agent: qc.endpoint, Number: req.Number, Lang: req.Lang, Actor: qc.actor,
		TicketRef: req.TicketRef}
	if _, err := cs.startCallback(context.Background(), r, req.Number, qc.w); err != nil {
		cs.cfg.Log.Warn("queued callback not started", "ticket", req.TicketRef, "err", err)
		cs.cfg.Queue.callbackEnded(qc.endpoint, req.TicketID, qc.w, CallbackFailed)
	}
}

// startCallback starts the callback's goroutine once its record is saved. w is the
// queued request it serves, if any.
func (cs *Callbacks) startCallback(ctx context.Context, r CallbackRequest, number string, w *waiter) (string, error) {
	if r.Lang == "" {
		r.Lang = "vi"
	}
	if r.Actor.Role == "" {
		r.Actor = tickets.ActorIVR
	}
	dialed := tickets.NationalDigits(number)
	cb := &callback{
		cs: cs, cfg: &cs.cfg, req: r, queued: w,
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
	cb.log = cs.cfg.Log.With("call", cb.rec.ID, "callback", true)
	done, err := cs.cfg.Lines.Track(cb.abort)
	if err != nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Hệ thống đang dừng; chưa thể gọi lại.")
	}
	if err := cs.cfg.Store.SaveCall(ctx, cb.rec); err != nil {
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
	cs                   *Callbacks
	cfg                  *CallbackConfig
	req                  CallbackRequest
	queued               *waiter // the queued request it serves, if any
	rec                  *tickets.Call
	agentLeg, citizenLeg string
	events               chan ari.Event
	log                  *slog.Logger
	aborted              chan string // the watchdog or shutdown ending it
}

func (cb *callback) run() {
	lines := cb.cfg.Lines
	lines.Attach(cb.agentLeg, cb.events)
	lines.Attach(cb.citizenLeg, cb.events)
	defer lines.Detach(cb.agentLeg)
	defer lines.Detach(cb.citizenLeg)
	result, endedBy := cb.converse()
	for _, leg := range []string{cb.agentLeg, cb.citizenLeg} {
		cb.hangup(leg)
	}
	now := time.Now().UTC()
	cb.rec.EndedAt, cb.rec.EndedBy = &now, endedBy
	cb.rec.Outcome = "callback_" + result
	if err := tickets.Retry(5, func(ctx context.Context) error { return cb.cfg.Store.SaveCall(ctx, cb.rec) }); err != nil {
		cb.log.Error("save callback record", "err", err)
	}
	var talk time.Duration
	if cb.rec.TalkMS != nil {
		talk = time.Duration(*cb.rec.TalkMS) * time.Millisecond
	}
	if err := tickets.Retry(3, func(ctx context.Context) error {
		return cb.cfg.Store.RecordCallback(ctx, cb.req.Actor, cb.req.TicketID, cb.rec.ID, result, cb.req.Agent, talk)
	}); err != nil {
		cb.log.Error("record the callback on its ticket", "err", err)
	}
	cb.cfg.Queue.callbackEnded(cb.req.Agent, cb.req.TicketID, cb.queued, result)
	cb.log.Info("callback ended", "result", result, "ended_by", endedBy)
}

// converse rings the agent, then the citizen, and bridges them. It returns the result
// and who ended the call.
func (cb *callback) converse() (result, endedBy string) {
	ring := cb.cfg.Queue.cfg.Ring
	// The agent first: no citizen is called to wait for a busy agent.
	switch r := cb.dial(cb.req.Agent, cb.agentLeg, ring, map[string]string{"CALLERID(name)": "Gọi lại", "CALLERID(num)": cb.rec.Dialed}); r {
	case CallbackAnswered:
	case CallbackFailed:
		return r, tickets.EndedByHotline
	default:
		return CallbackAgentNoAnswer, tickets.EndedByAgent
	}
	cb.cfg.Queue.callbackAnswered(cb.req.Agent, cb.rec.ID, cb.req.TicketRef)
	cb.play(cb.agentLeg, "vi", "callback_dialing")
	trunk := strings.ReplaceAll(cb.cfg.Trunk, "{number}", cb.rec.Dialed)
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
	destroy, err := cb.cfg.REST.Bridge(cb.log, "br-"+cb.rec.ID, cb.agentLeg, cb.citizenLeg)
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
	check := time.NewTicker(cb.cfg.CheckEvery)
	defer check.Stop()
	for {
		select {
		case <-check.C:
			switch {
			case cb.cfg.REST.Gone(cb.agentLeg):
				return CallbackAnswered, tickets.EndedByAgent
			case cb.cfg.REST.Gone(cb.citizenLeg):
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
	answered, cause := cb.cfg.REST.DialLeg(cb.log.With("leg", cb.legName(leg)), cb.cfg.Application, "callback leg", leg, endpoint, ring, vars, cb.events, cb.aborted, agentGone)
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
	uri, playFor := cb.cfg.Lines.Prompt(lang, prompt)
	ctx, cancel := asterisk.CommandContext()
	err := cb.cfg.REST.Play(ctx, leg, id, []string{uri})
	cancel()
	if err != nil {
		return !asterisk.IsNotFound(err)
	}
	limit := time.NewTimer(playFor)
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

func (cb *callback) hangup(leg string) { cb.cfg.REST.HangupLogged(cb.log, leg) }
