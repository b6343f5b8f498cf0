package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// call is one caller on the hotline. Its goroutine owns all of its state.
type call struct {
	app         *App
	channelID   string
	rec         *tickets.Call
	m           *Machine
	events      chan ari.Event
	reject      bool   // the app was draining when the call arrived
	recoveredID string // the record of a call found left without service after a fault
	log         *slog.Logger
	pbSeq       int
	recSeq      int   // voice messages recorded
	ticketID    int64 // the call's ticket, once the database has it
	ticketRef   string
	// report is the call's report once the database could not take its ticket: it is
	// kept in the spool from then on, and replayed into the database later.
	report *tickets.CallReport
	moh    bool // music on hold is playing
	// offers is where the desk offers the caller an agent while they wait in line; an
	// agent offered during an announcement cuts it short (offered), so the agent is rung
	// at once.
	offers  <-chan string
	offered string
	// placeKept says the caller pressed 1 and the desk keeps their place until the
	// callback ticket is made: then the request takes it.
	placeKept bool
	// recordedElsewhere is set on an automated follow-up call handed over to the App:
	// its record is written with its attempt, by the dialer.
	recordedElsewhere bool
	// handedOver is what a follow-up call asked over FastAGI brings into the application
	// (the agent queue): the call waits for its channel to enter, then goes on from there.
	handedOver *Effects

	aborted  chan abortReason // the app ending the call from outside
	cuts     int              // prompts Asterisk ended at once, without playing them
	keyAt    time.Time        // when the last key's event arrived, until the next prompt is asked for
	ariWait  time.Duration    // time since keyAt spent waiting for Asterisk to answer commands
	keyWrote bool             // since keyAt, the call wrote to the database and waited for it
	// lead is the playback of a node's lead (Effects.Lead) while it plays, leadLimit how
	// long its end is waited for; confirmFrom is the key it answered, until what the
	// node wrote is on disk.
	lead        string
	leadLimit   time.Duration
	confirmFrom time.Time
}

// abortReason is why the app ends a call from outside: its outcome, and whether the
// caller's channel is to be left alone (Asterisk is gone or restarting, or another
// hotline took over and will recover the caller) rather than hung up.
type abortReason struct {
	outcome     string
	keepChannel bool
}

// maxCuts is how many prompts may end at once before the call is given up: an Asterisk
// that cannot play prompts would otherwise take the caller through the menus unheard,
// and under load it is the hotline's part to shed calls, not to add to them.
const maxCuts = 2

// errPromptCut means Asterisk ended a prompt far sooner than it lasts, or failed it.
var errPromptCut = errors.New("prompt ended at once")

// errBridgeFailed means an agent answered but could not be put together with the caller.
var errBridgeFailed = errors.New("the caller and the agent could not be connected")

func newCall(a *App, e *ari.StasisStart, reject bool) *call {
	rec := &tickets.Call{
		ID:        tickets.NewCallID(),
		ChannelID: e.Channel.ID,
		CallerRaw: e.Channel.Caller.Number,
		Dialed:    e.Channel.Dialplan.Exten,
		StartedAt: time.Time(e.Timestamp).UTC(),
	}
	if rec.StartedAt.IsZero() || rec.StartedAt.Year() < 2000 {
		rec.StartedAt = time.Now().UTC()
	}
	c := callFor(a, a.cfg.Flow, rec)
	c.reject = reject
	return c
}

// newCallFromChannel serves a caller found in the application whose arrival the hotline
// did not hear (it arrived while the event stream was down).
func newCallFromChannel(a *App, ch asterisk.Channel) *call {
	return callFor(a, a.cfg.Flow, &tickets.Call{
		ID:        tickets.NewCallID(),
		ChannelID: ch.ID,
		CallerRaw: ch.Caller.Number,
		Dialed:    ch.Dialplan.Exten,
		StartedAt: time.Now().UTC(),
	})
}

// newRecoveredCall takes over a channel a hotline answered (HOTLINE_CALL names its
// record) and then left without service.
func newRecoveredCall(a *App, ch asterisk.Channel, callID string) *call {
	c := callFor(a, a.cfg.Flow, &tickets.Call{
		ID:        callID,
		ChannelID: ch.ID,
		CallerRaw: ch.Caller.Number,
		Dialed:    ch.Dialplan.Exten,
		StartedAt: time.Now().UTC(),
		Outcome:   tickets.OutcomeInterrupted,
	})
	c.recoveredID = callID
	return c
}

// callFor makes the call of a record, walking the caller through flow.
func callFor(a *App, flow *Flow, rec *tickets.Call) *call {
	if n, err := tickets.NormalizePhone(rec.CallerRaw); err == nil {
		rec.CallerNumber = &n
	}
	m := NewMachine(flow)
	m.Withheld = rec.CallerNumber == nil
	return &call{
		app:       a,
		channelID: rec.ChannelID,
		rec:       rec,
		m:         m,
		events:    make(chan ari.Event, 256),
		// Never the caller's number: logs are not the place for personal data.
		log:     a.cfg.Log.With("call", rec.ID, "channel", rec.ChannelID),
		aborted: make(chan abortReason, 1),
	}
}

// abort ends the call from outside its goroutine.
func (c *call) abort(r abortReason) {
	select {
	case c.aborted <- r:
	default:
	}
}

// errHungUp means the caller's channel went away.
var errHungUp = errors.New("caller hung up")

// abortedError carries the reason a call was ended from outside.
type abortedError struct{ abortReason }

func (e *abortedError) Error() string { return "call ended by the hotline: " + e.outcome }

// run takes the call from arrival to its final record. Every path out of it writes the
// call record.
func (c *call) run() {
	if c.recoveredID != "" {
		c.recover()
		return
	}
	outcome, endedBy := c.converse()
	c.rec.Outcome = outcome
	c.rec.EndedBy = endedBy
	now := time.Now().UTC()
	c.rec.EndedAt = &now
	c.finish()
	c.log.Info("call ended", "outcome", outcome, "ended_by", endedBy, "keys", len(c.m.Path.Keys()))
}

// recover serves a caller found without service: an apology in their language, the
// ticket of what they had said (the call's own ticket if it had one), a hang-up.
func (c *call) recover() {
	ctx, cancel := asterisk.CommandContext()
	prior, err := c.app.cfg.Store.FindCall(ctx, c.recoveredID)
	cancel()
	if err == nil {
		c.rec = prior
		c.m.Resume(prior.Language, prior.Path, prior.Answers)
	} else {
		c.log.Warn("record of a recovered call not found; starting one", "err", err)
	}
	now := time.Now().UTC()
	r := c.m.HungUp(now, false)
	if r == nil {
		r = &TicketRequest{Category: tickets.CategoryCallback, Priority: tickets.P2, Keys: c.m.Path.Keys(), Answers: c.m.CopyAnswers()}
	}
	note := "Cuộc gọi bị gián đoạn do sự cố hệ thống; cần gọi lại."
	if r.Summary == "" || r.Category == tickets.CategoryCallback {
		r.Summary = note
	}
	c.m.Path = append(c.m.Path, tickets.PathStep{At: now, Node: "recovered"})
	c.syncRecord()
	report := &tickets.CallReport{Call: *c.rec, Ticket: ticketFor(c.rec, r)}
	err = tickets.RetryTransient(4*time.Second, func(ctx context.Context) error {
		tk, created, err := c.app.cfg.Store.ImportCallReport(ctx, tickets.ActorIVR, report)
		if err == nil && tk != nil {
			c.ticketID, c.ticketRef = tk.ID, tk.Ref
			if !created {
				err = c.app.cfg.Store.AddTicketNote(ctx, tickets.ActorIVR, tk.ID, note)
			}
		}
		return err
	})
	if err != nil {
		c.log.Error("ticket for an interrupted call; spooling it", "err", err)
		c.report = report
	}
	c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_recovered"}})
	c.hangup()
	end := time.Now().UTC()
	c.rec.EndedAt, c.rec.EndedBy = &end, tickets.EndedByHotline
	if c.rec.Outcome == "" || c.rec.Outcome == tickets.OutcomeInProgress {
		c.rec.Outcome = tickets.OutcomeInterrupted
	}
	c.finish()
	c.log.Info("interrupted call recovered", "outcome", c.rec.Outcome)
}

// converse answers the call and walks it through the flow. It returns the call's outcome
// and who ended it.
func (c *call) converse() (outcome, endedBy string) {
	defer func() {
		if c.placeKept { // the call ended before the callback ticket was made
			c.app.cfg.Desk.DropPlace(c.rec.ID)
			c.placeKept = false
		}
	}()
	if c.reject {
		c.answer()
		c.playOnly([]PromptRef{{Lang: "vi", ID: "system_busy"}})
		c.hangup()
		return tickets.OutcomeRejected, tickets.EndedByHotline
	}
	var eff Effects
	if c.handedOver != nil {
		if err := c.enterApplication(); err != nil {
			return c.stopped(err, false)
		}
		eff = *c.handedOver
	} else {
		if err := c.answer(); err != nil {
			if errors.Is(err, errHungUp) {
				return tickets.OutcomeHungUp, tickets.EndedByCaller
			}
			c.log.Error("answer", "err", err)
			c.hangup()
			return tickets.OutcomeError, tickets.EndedByHotline
		}
		eff = c.m.Start(time.Now())
	}
	for {
		if len(eff.Lead) > 0 {
			c.startLead(eff.Lead)
		}
		if eff.Action != "" {
			// Actions are the follow-up questions', carried out over FastAGI
			// (questions.act) before a follow-up call is handed to the application.
			c.log.Error("a node's action reached a call over ari", "action", eff.Action, "node", c.m.Node())
			c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
			c.hangup()
			return tickets.OutcomeError, tickets.EndedByHotline
		}
		if eff.Ticket != nil {
			err := c.createTicket(eff.Ticket)
			c.written()
			if err != nil {
				c.log.Error("create ticket", "err", err)
				c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
				c.hangup()
				return tickets.OutcomeError, tickets.EndedByHotline
			}
			if c.placeKept {
				c.requestCallback()
			}
		}
		if eff.Empty() {
			// The machine asked for nothing to wait for: end the call rather than spin.
			c.log.Error("the call flow gave nothing to do", "node", c.m.Node())
			c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
			c.hangup()
			return tickets.OutcomeError, tickets.EndedByHotline
		}
		key, err := c.perform(eff)
		switch {
		case err != nil:
			return c.stopped(err, false)
		case eff.Hangup:
			c.hangup()
			return c.m.Outcome(), tickets.EndedByHotline
		case eff.Record > 0:
			got, err := c.recordMessage(eff.Record)
			if err != nil {
				return c.stopped(err, got)
			}
			eff = c.m.Recorded(time.Now(), got)
		case eff.Queue != nil:
			result, err := c.waitForAgent(eff.Queue)
			switch {
			case result == QueueAnswered && errors.Is(err, errBridgeFailed):
				c.log.Error("agent answered but could not be connected", "agent", c.rec.AgentEndpoint, "err", err)
				eff = c.m.QueueResult(time.Now(), QueueAgentFailed)
			case result == QueueAnswered:
				// The conversation is over: the agent or the caller hung up, or it was cut.
				c.m.QueueResult(time.Now(), result)
				if err != nil {
					c.log.Warn("conversation with the agent cut", "err", err)
					var ab *abortedError
					if errors.As(err, &ab) && !ab.keepChannel {
						c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
						c.hangup()
					}
					return c.m.Outcome(), tickets.EndedBySystem
				}
				return c.m.Outcome(), c.rec.EndedBy
			case err != nil:
				return c.stopped(err, false)
			default:
				eff = c.m.QueueResult(time.Now(), result)
			}
		case key == "":
			eff = c.m.Timeout(time.Now())
		default:
			eff = c.m.Key(time.Now(), key)
		}
	}
}

// stopped ends a call that a step could not finish: the caller hung up, the hotline or
// Asterisk stopped, or a command failed. What the caller had already given becomes a
// ticket (recorded says a voice message was kept as they hung up). It returns the
// call's outcome and who ended it.
func (c *call) stopped(err error, recorded bool) (outcome, endedBy string) {
	if r := c.m.HungUp(time.Now(), recorded); r != nil {
		if terr := c.createTicket(r); terr != nil {
			c.log.Error("ticket for what the caller gave before the call ended", "err", terr)
		}
	}
	var ab *abortedError
	switch {
	case errors.As(err, &ab):
		if !ab.keepChannel {
			c.hangup()
		}
		if o := c.m.Outcome(); o == tickets.OutcomeTicket || o == tickets.OutcomeVoiceMessage {
			return o, tickets.EndedBySystem // the caller's ticket stands
		}
		return ab.outcome, tickets.EndedBySystem
	case errors.Is(err, errHungUp):
		return c.m.Outcome(), tickets.EndedByCaller
	default:
		c.log.Error("ivr step", "node", c.m.Node(), "err", err)
		c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
		c.hangup()
		if o := c.m.Outcome(); o != tickets.OutcomeHungUp {
			return o, tickets.EndedByHotline
		}
		return tickets.OutcomeError, tickets.EndedByHotline
	}
}

// answer answers the channel and marks it as the hotline's (HOTLINE_CALL names the
// call's record, so that a hotline recovering after a crash knows the call and what the
// caller had said). The record is written as the first prompt plays.
func (c *call) answer() error {
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := c.app.cfg.REST.Answer(ctx, c.channelID); err != nil {
		if asterisk.IsNotFound(err) {
			return errHungUp
		}
		return err
	}
	now := time.Now().UTC()
	c.rec.AnsweredAt = &now
	if err := c.app.cfg.REST.SetVar(ctx, c.channelID, "HOTLINE_CALL", c.rec.ID); err != nil && !asterisk.IsNotFound(err) {
		c.log.Warn("set HOTLINE_CALL", "err", err)
	}
	return nil
}

func (c *call) hangup() { c.app.cfg.REST.HangupLogged(c.log, c.channelID) }

// enterApplication waits for a handed-over call's channel to enter the application.
func (c *call) enterApplication() error {
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	for {
		select {
		case <-limit.C:
			return fmt.Errorf("the follow-up call did not enter the application")
		case o := <-c.aborted:
			return &abortedError{o}
		case e := <-c.events:
			if _, ok := e.(*ari.StasisStart); ok {
				return nil
			}
			if _, err := c.keyOrHangup(e); err != nil {
				return err
			}
		}
	}
}

// perform plays the effects' prompts and, when a key is awaited, waits for it. It
// returns the key pressed, "" for silence, or an error (errHungUp when the caller left).
func (c *call) perform(eff Effects) (string, error) {
	if len(eff.Play) > 0 {
		key, err := c.play(eff.Play, eff.WaitKey > 0)
		if errors.Is(err, errPromptCut) {
			c.cuts++
			c.log.Warn("prompt ended at once; is Asterisk overloaded?", "node", c.m.Node(), "cuts", c.cuts)
			if c.cuts < maxCuts {
				err = nil
			}
		}
		if err != nil || key != "" {
			return key, err
		}
	} else {
		c.saveProgress()
	}
	if eff.WaitKey <= 0 {
		return "", nil
	}
	timer := time.NewTimer(eff.WaitKey)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			return "", nil
		case o := <-c.aborted:
			return "", &abortedError{o}
		case e := <-c.events:
			if key, err := c.keyOrHangup(e); key != "" || err != nil {
				return key, err
			}
		}
	}
}

// PlaybackLimit is how long a playback of prompts may take before its end is taken as
// lost: its length and half as much again, and 5 s; two minutes when its length is not
// known.
func (a *App) PlaybackLimit(prompts []PromptRef) time.Duration {
	var d time.Duration
	for _, p := range prompts {
		pd := a.cfg.PromptDuration(p.Lang, p.ID)
		if pd == 0 {
			return 2 * time.Minute
		}
		d += pd
	}
	return d*3/2 + 5*time.Second
}

// play plays prompts as one playback and waits for it to finish. With barge set, a key
// stops the playback and is returned. The call's record is saved while the prompts play.
func (c *call) play(prompts []PromptRef, barge bool) (string, error) {
	if err := c.waitLead(); err != nil {
		return "", err
	}
	var expected time.Duration
	for _, p := range prompts {
		expected += c.app.cfg.PromptDuration(p.Lang, p.ID)
	}
	started := time.Now()
	pbID, err := c.startPlayback(prompts)
	if err != nil {
		if asterisk.IsNotFound(err) {
			return "", errHungUp
		}
		return "", fmt.Errorf("play %v: %w", prompts, err)
	}
	// The caller hears the prompt; meanwhile the call's progress goes to the database,
	// so that a crash loses nothing the caller said.
	c.saveProgress()
	// A playback always ends with PlaybackFinished, unless the event is lost (Asterisk
	// gone, a reconnect); the limit keeps a lost event from holding the caller in
	// silence.
	limit := time.NewTimer(c.app.PlaybackLimit(prompts))
	defer limit.Stop()
	offers := c.offers // nil unless the caller waits in line
	stop := func() {
		ctx, cancel := asterisk.CommandContext()
		t0 := time.Now()
		if err := c.app.cfg.REST.StopPlayback(ctx, pbID); err != nil {
			c.log.Warn("stop playback", "err", err)
		}
		c.ariWait += time.Since(t0)
		cancel()
	}
	for {
		select {
		case <-limit.C:
			c.log.Warn("the end of a playback never came; going on", "playback", pbID)
			stop()
			if c.app.cfg.REST.Gone(c.channelID) {
				return "", errHungUp
			}
			return "", nil
		case o := <-c.aborted:
			return "", &abortedError{o}
		case ep := <-offers:
			c.offered = ep
			stop()
			return "", nil
		case e := <-c.events:
			if pf, ok := e.(*ari.PlaybackFinished); ok && pf.Playback.ID == pbID {
				if pf.Playback.State == "failed" || time.Since(started) < expected/4 {
					return "", errPromptCut
				}
				return "", nil
			}
			key, err := c.keyOrHangup(e)
			if err != nil {
				return "", err
			}
			if key != "" && barge {
				stop()
				return key, nil
			}
			if key != "" {
				c.keyAt = time.Time{} // a key this prompt does not take: nothing reacts to it
			}
		}
	}
}

// startPlayback asks Asterisk to play prompts as one playback on the call's channel, and
// notes how long the hotline took to answer the key before it.
func (c *call) startPlayback(prompts []PromptRef) (id string, err error) {
	media := make([]string, len(prompts))
	for i, p := range prompts {
		media[i] = c.app.MediaURI(p)
	}
	c.pbSeq++
	id = fmt.Sprintf("%s-pb%d", c.rec.ID, c.pbSeq)
	ctx, cancel := asterisk.CommandContext()
	t0 := time.Now()
	err = c.app.cfg.REST.Play(ctx, c.channelID, id, media)
	cancel()
	if !c.keyAt.IsZero() {
		c.ariWait += time.Since(t0)
		c.app.noteReaction(Reaction{Total: time.Since(c.keyAt), Own: time.Since(c.keyAt) - c.ariWait, Wrote: c.keyWrote})
		c.keyAt, c.ariWait, c.keyWrote = time.Time{}, 0, false
	}
	return id, err
}

// written notes, once a node's ticket or result was written under its lead, how long it
// took from the key to the disk: from then on the confirmation may be said.
func (c *call) written() {
	if !c.confirmFrom.IsZero() {
		c.app.noteReaction(Reaction{Total: time.Since(c.confirmFrom), Own: time.Since(c.confirmFrom) - c.ariWait, Confirm: true})
		c.confirmFrom, c.ariWait = time.Time{}, 0
	}
}

// startLead starts a node's lead (Effects.Lead) without waiting for it, before the node's
// ticket or result is written: the caller hears the key answered at once, and the
// confirmation is asked for once the write is on disk and the lead has ended. A lead
// that cannot be played is skipped: what the caller finished is written all the same.
func (c *call) startLead(prompts []PromptRef) {
	key := c.keyAt
	pbID, err := c.startPlayback(prompts)
	c.confirmFrom = key
	if err != nil {
		if !asterisk.IsNotFound(err) {
			c.log.Warn("lead prompt", "err", err)
		}
		return
	}
	c.lead, c.leadLimit = pbID, c.app.PlaybackLimit(prompts)
}

// waitLead waits for a lead still playing to end before the next prompt is asked for:
// Asterisk would hold that request until then. Keys pressed during a lead are not taken.
func (c *call) waitLead() error {
	if c.lead == "" {
		return nil
	}
	id := c.lead
	limit := time.NewTimer(c.leadLimit)
	defer limit.Stop()
	c.lead, c.leadLimit = "", 0
	for {
		select {
		case <-limit.C:
			c.log.Warn("the end of a lead never came; going on", "playback", id)
			return nil
		case o := <-c.aborted:
			return &abortedError{o}
		case e := <-c.events:
			if pf, ok := e.(*ari.PlaybackFinished); ok && pf.Playback.ID == id {
				return nil
			}
			key, err := c.keyOrHangup(e)
			if err != nil {
				return err
			}
			if key != "" {
				c.keyAt = time.Time{}
			}
		}
	}
}

// playOnly plays prompts to the end, ignoring keys and errors: it is used on the way
// out, where there is nothing left to do but tell the caller.
func (c *call) playOnly(prompts []PromptRef) {
	if _, err := c.play(prompts, false); err != nil && !errors.Is(err, errHungUp) {
		c.log.Warn("final prompt", "err", err)
	}
}

// keyOrHangup reads an event for a key press or the caller leaving.
func (c *call) keyOrHangup(e ari.Event) (string, error) {
	if ch := asterisk.EventChannel(e); ch != "" && ch != c.channelID {
		return "", nil // a leg the call dialed, handled where it is dialed
	}
	switch v := e.(type) {
	case *ari.ChannelDtmfReceived:
		c.keyAt, c.ariWait, c.keyWrote = time.Now(), 0, false
		return v.Digit, nil
	case *ari.ChannelHangupRequest:
		if v.Soft {
			// Asterisk itself ended the channel (a shutdown or restart), not the caller:
			// the same as the watchdog dropping the call.
			return "", &abortedError{abortReason{outcome: tickets.OutcomeDropped, keepChannel: true}}
		}
		return "", errHungUp
	case *ari.StasisEnd, *ari.ChannelDestroyed:
		return "", errHungUp
	}
	return "", nil
}
