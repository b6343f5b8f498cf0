package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/tickets"
)

// Automated daily follow-up calls: the hotline calls each person in monitoring whose
// follow-up is due today, asks the day's questions by keypad (FollowUpFlow), and records
// the answers as the day's follow-up. Every attempt is claimed in the database before
// it is dialled, so that a restart never calls a citizen twice for one attempt.

// followUpLegPrefix marks the channels of follow-up calls: one a crash left behind is
// hung up at start (the attempt is then closed as interrupted and tried again).
const followUpLegPrefix = "fu-"

// FollowUpStore is what the follow-up dialer needs from the domain's store.
type FollowUpStore interface {
	FollowUpCallsDue(ctx context.Context, now time.Time, n int) ([]*tickets.FollowUpCallTarget, error)
	ClaimFollowUpCall(ctx context.Context, target *tickets.FollowUpCallTarget, now time.Time, call *tickets.Call) (*tickets.FollowUpCall, error)
	RecordFollowUpCallResult(ctx context.Context, id int64, answers tickets.Answers) (*tickets.Ticket, error)
	OptOutOfFollowUpCalls(ctx context.Context, id int64) error
	EndFollowUpCall(ctx context.Context, id int64, e tickets.FollowUpCallEnd) error
}

// Window is the part of each Huế day when citizens may be called, as times since local
// midnight: From included, To excluded.
type Window struct{ From, To time.Duration }

// ParseWindow reads a calling window such as "08:00-20:00" (Huế time).
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("want HH:MM-HH:MM, such as 08:00-20:00")
	}
	f, err1 := parseClock(strings.TrimSpace(from))
	t, err2 := parseClock(strings.TrimSpace(to))
	if err := errors.Join(err1, err2); err != nil {
		return Window{}, err
	}
	if f >= t {
		return Window{}, fmt.Errorf("the window must end after it starts")
	}
	return Window{From: f, To: t}, nil
}

// Contains reports whether t falls in the window, on the Huế clock.
func (w Window) Contains(t time.Time) bool {
	l := t.In(tickets.Local)
	since := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	return since >= w.From && since < w.To
}

// FollowUpConfig sets the follow-up dialer.
type FollowUpConfig struct {
	Store      FollowUpStore
	Window     Window
	Concurrent int           // follow-up calls up at once; default 4
	Rate       int           // follow-up calls started per minute; default 20
	Ring       time.Duration // how long a citizen's phone rings; default 40 s
	Every      time.Duration // how often the due list is read; default 10 s
	// Now is the dialer's clock (tests set it); time.Now by default.
	Now func() time.Time
	// CallerID is the number the citizen sees; default 19001075.
	CallerID string
}

// FollowUpDialer places the automated follow-up calls.
type FollowUpDialer struct {
	app  *App
	cfg  FollowUpConfig
	log  *slog.Logger
	kick chan struct{}
	mu   sync.Mutex
	up   int       // calls in progress
	last time.Time // when the last call was started
}

// NewFollowUpDialer returns a dialer that places calls through app; Run starts it.
func NewFollowUpDialer(app *App, cfg FollowUpConfig) *FollowUpDialer {
	if cfg.Concurrent <= 0 {
		cfg.Concurrent = 4
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 20
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 40 * time.Second
	}
	if cfg.Every <= 0 {
		cfg.Every = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CallerID == "" {
		cfg.CallerID = "19001075"
	}
	return &FollowUpDialer{app: app, cfg: cfg, log: app.cfg.Log.With("follow_up", true), kick: make(chan struct{}, 1)}
}

// Kick makes the dialer read the due list now (a call was asked for, a slot freed).
func (d *FollowUpDialer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run places calls until ctx ends. The calls in progress are the App's: its shutdown
// drains them.
func (d *FollowUpDialer) Run(ctx context.Context) {
	tick := time.NewTicker(d.cfg.Every)
	defer tick.Stop()
	for {
		d.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.kick:
		}
	}
}

// round starts the calls due now, as many as the free channels and the rate allow.
func (d *FollowUpDialer) round(ctx context.Context) {
	now := d.cfg.Now()
	if !d.cfg.Window.Contains(now) {
		return
	}
	d.mu.Lock()
	free := d.cfg.Concurrent - d.up
	d.mu.Unlock()
	if free <= 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	due, err := d.cfg.Store.FollowUpCallsDue(qctx, now, free)
	cancel()
	if err != nil {
		d.log.Error("follow-up calls due", "err", err)
		return
	}
	gap := time.Minute / time.Duration(d.cfg.Rate)
	for _, target := range due {
		d.mu.Lock()
		wait := gap - time.Since(d.last)
		d.mu.Unlock()
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		now := d.cfg.Now()
		if ctx.Err() != nil || !d.cfg.Window.Contains(now) {
			return
		}
		rec := followUpRecord(target)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		attempt, err := d.cfg.Store.ClaimFollowUpCall(cctx, target, now, rec)
		cancel()
		if err != nil {
			if tickets.ErrorCode(err) != tickets.ECONFLICT {
				d.log.Error("claim a follow-up call", "case", target.CaseRef, "err", err)
			}
			continue
		}
		d.mu.Lock()
		d.up++
		d.last = time.Now()
		d.mu.Unlock()
		go func() {
			d.place(attempt, target, rec)
			d.mu.Lock()
			d.up--
			d.mu.Unlock()
			d.Kick()
		}()
	}
}

// followUpFlow is the follow-up flow, built once.
var followUpFlow = sync.OnceValue(FollowUpFlow)

// followUp is the automated follow-up side of a call: its attempt and what it recorded.
type followUp struct {
	store   FollowUpStore
	attempt *tickets.FollowUpCall
	result  string // an Attempt result, once the call recorded one
}

// followUpRecord is the record of a follow-up call about to be placed, written with its
// attempt's claim.
func followUpRecord(target *tickets.FollowUpCallTarget) *tickets.Call {
	dialed := nationalDigits(target.Phone)
	number := target.Phone
	return &tickets.Call{ID: tickets.NewCallID(), ChannelID: followUpLegPrefix + randomID(), Direction: "follow_up",
		CallerNumber: &number, CallerRaw: dialed, Dialed: dialed, Language: target.Language, StartedAt: time.Now().UTC(),
		Outcome: tickets.OutcomeInProgress}
}

// place dials one claimed attempt and, once the citizen answers, walks them through the
// follow-up questions. Every way out of it ends the attempt and writes the call's final
// record with it, in one transaction.
func (d *FollowUpDialer) place(attempt *tickets.FollowUpCall, target *tickets.FollowUpCallTarget, rec *tickets.Call) {
	a := d.app
	dialed := rec.Dialed
	log := d.log.With("call", rec.ID, "case", target.CaseRef, "attempt", attempt.ID)
	end := func(e tickets.FollowUpCallEnd) {
		if e.Call.EndedAt == nil {
			now := time.Now().UTC()
			e.Call.EndedAt, e.Call.EndedBy = &now, tickets.EndedByCaller
		}
		if err := retry(5, func(ctx context.Context) error { return d.cfg.Store.EndFollowUpCall(ctx, attempt.ID, e) }); err != nil {
			log.Error("end the follow-up call attempt", "err", err)
		}
		log.Info("follow-up call ended", "result", e.Result)
	}
	dl := &outboundDial{app: a, leg: rec.ChannelID, events: make(chan ari.Event, 256), aborted: make(chan string, 1), log: log}
	a.mu.Lock()
	if a.draining {
		a.mu.Unlock()
		rec.Outcome = tickets.OutcomeInterrupted
		end(tickets.FollowUpCallEnd{Result: tickets.AttemptInterrupted, Call: rec})
		return
	}
	a.wg.Add(1)
	a.dialing[dl] = struct{}{}
	a.mu.Unlock()
	defer a.wg.Done()
	trunk := strings.ReplaceAll(a.cfg.Trunk, "{number}", dialed)
	answered, cause := dl.dial(trunk, d.cfg.Ring, map[string]string{"CALLERID(num)": d.cfg.CallerID})
	a.mu.Lock()
	delete(a.dialing, dl)
	a.mu.Unlock()
	if !answered {
		dl.waitGone()
		a.detach(dl.leg)
		result := tickets.AttemptResultForCause(cause)
		switch cause {
		case dialFailed:
			result = tickets.AttemptFailed
		case dialAborted:
			result = tickets.AttemptInterrupted
		}
		rec.Outcome = "follow_up_" + result
		e := tickets.FollowUpCallEnd{Result: result, Call: rec}
		if cause > 0 {
			e.Cause = &cause
		}
		end(e)
		return
	}
	now := time.Now().UTC()
	rec.AnsweredAt = &now
	// Progress, not yet a result: a crash from here closes the attempt as interrupted.
	if err := retry(3, func(ctx context.Context) error { return a.cfg.Progress.FollowUpCallAnswered(ctx, attempt.ID, now) }); err != nil {
		log.Warn("note the follow-up call answered", "err", err)
	}
	c := callFor(a, followUpFlow(), rec)
	c.m.Lang = target.Language
	if c.m.Lang == "" {
		c.m.Lang = "vi"
	}
	c.events = dl.events // what arrived since the answer is the call's
	c.followUp = &followUp{store: d.cfg.Store, attempt: attempt}
	c.log = log
	a.mu.Lock()
	delete(a.legs, dl.leg)
	a.calls[dl.leg] = c
	a.mu.Unlock()
	c.run()
	a.mu.Lock()
	delete(a.calls, dl.leg)
	a.legs[dl.leg] = dl.events
	a.mu.Unlock()
	dl.waitGone()
	a.detach(dl.leg)
	end(c.followUpEnd())
}

// followUpEnd says how the attempt of an answered follow-up call ended.
func (c *call) followUpEnd() tickets.FollowUpCallEnd {
	e := tickets.FollowUpCallEnd{Result: c.followUp.result, Answers: c.m.answers(), Call: c.rec}
	delete(e.Answers, "queued_at")
	switch {
	case e.Result != "":
	case c.rec.Outcome == tickets.OutcomeInterrupted || c.rec.Outcome == tickets.OutcomeDropped:
		e.Result = tickets.AttemptInterrupted
	case c.m.Path.Keys() == "":
		e.Result = tickets.AttemptNoResponse // nobody pressed 1: voicemail, an announcement
	default:
		e.Result = tickets.AttemptPartial
	}
	return e
}

// act carries out a node's action on a follow-up call, before its prompts play: the
// result and the opt-out are in the database before the citizen hears them confirmed.
func (c *call) act(action string) error {
	fu := c.followUp
	if fu == nil {
		return fmt.Errorf("action %s on a call that is not a follow-up call", action)
	}
	id := fu.attempt.ID
	c.keyWrote = !c.keyAt.IsZero()
	switch action {
	case ActionFollowUpResult:
		answers := c.m.answers()
		var tk *tickets.Ticket
		err := retryTransient(6*time.Second, func(ctx context.Context) error {
			var err error
			tk, err = fu.store.RecordFollowUpCallResult(ctx, id, answers)
			return err
		})
		if err != nil {
			return fmt.Errorf("record the follow-up call's result: %w", err)
		}
		fu.result = tickets.AttemptWell
		if tickets.ShowsSigns(answers) {
			fu.result = tickets.AttemptSymptomatic
		}
		if tk != nil { // the agent who takes the call sees the ticket raised for it
			c.ticketID, c.ticketRef = tk.ID, tk.Ref
		}
	case ActionFollowUpOptOut:
		err := retryTransient(6*time.Second, func(ctx context.Context) error { return fu.store.OptOutOfFollowUpCalls(ctx, id) })
		if err != nil {
			return fmt.Errorf("store the opt-out: %w", err)
		}
		fu.result = tickets.AttemptOptedOut
	case ActionFollowUpAgent:
		fu.result = tickets.AttemptAgent
	default:
		return fmt.Errorf("unknown action %s", action)
	}
	return nil
}

// outboundDial is a channel the hotline dials into its application, until it answers.
type outboundDial struct {
	app     *App
	leg     string
	events  chan ari.Event
	aborted chan string
	log     *slog.Logger
}

// waitGone waits, a few seconds at most, until Asterisk no longer has the leg: a hang-up
// takes a moment, and Asterisk still lists the channel among the trunk's for a while
// even after announcing its destruction, so its slot is not given to the next call
// before.
func (dl *outboundDial) waitGone() {
	for deadline := time.Now().Add(5 * time.Second); !dl.app.channelGone(dl.leg) && time.Now().Before(deadline); {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-dl.events: // ChannelDestroyed, most likely: look again at once
		}
	}
}

func (dl *outboundDial) abort(outcome string) {
	select {
	case dl.aborted <- outcome:
	default:
	}
}

// dial creates the leg into the application, dials it once it is there, and waits until
// it answers, or fails with Asterisk's hang-up cause (-1: the channel could not be
// made; -2: the hotline stopped meanwhile).
func (dl *outboundDial) dial(endpoint string, ring time.Duration, vars map[string]string) (answered bool, cause int) {
	dl.app.attach(dl.leg, dl.events)
	answered, cause = dl.app.dialLeg(dl.log, "follow-up call", dl.leg, endpoint, ring, vars, dl.events, dl.aborted, nil)
	if cause == dialAborted {
		dl.app.hangupChannel(dl.log, dl.leg)
	}
	return answered, cause
}

// Causes dialLeg gives besides Asterisk's.
const (
	dialFailed  = -1 // the leg could not be made or dialled
	dialAborted = -2 // the hotline stopped meanwhile
	dialWatched = -3 // watch ended the wait
)

// dialLeg creates a leg into the application, dials it once it is there, and waits
// until it answers, is destroyed (Asterisk's hang-up cause, which may be 0, "not
// defined": answered says which), or rings past ring (hung up, cause 19: no answer).
// Every other event goes to watch, if not nil, which ends the wait by returning true
// (dialWatched). what names the leg in the log, never its number.
func (a *App) dialLeg(log *slog.Logger, what, leg, endpoint string, ring time.Duration, vars map[string]string,
	events <-chan ari.Event, aborted <-chan string, watch func(ari.Event) bool) (answered bool, cause int) {
	ctx, cancel := cmdCtx()
	_, err := a.cfg.REST.CreateChannel(ctx, endpoint, a.cfg.Application, leg, "", vars)
	cancel()
	if err != nil {
		log.Warn(what+" cannot be created", "err", err)
		return false, dialFailed
	}
	limit := time.NewTimer(ring + 15*time.Second)
	defer limit.Stop()
	for {
		select {
		case <-limit.C:
			a.hangupChannel(log, leg)
			return false, 19
		case <-aborted:
			return false, dialAborted
		case e := <-events:
			switch v := e.(type) {
			case *ari.StasisStart:
				if v.Channel.ID == leg {
					ctx, cancel := cmdCtx()
					err := a.cfg.REST.Dial(ctx, leg, ring)
					cancel()
					if err != nil {
						log.Warn("dial the "+what, "err", err)
						a.hangupChannel(log, leg)
						return false, dialFailed
					}
					continue
				}
			case *ari.ChannelStateChange:
				if v.Channel.ID == leg && v.Channel.State == "Up" {
					return true, 0
				}
			case *ari.ChannelDestroyed:
				if v.Channel.ID == leg {
					return false, v.Cause
				}
			}
			if watch != nil && watch(e) {
				return false, dialWatched
			}
		}
	}
}
