package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/tickets"
)

// call is one caller on the hotline. Its goroutine owns all of its state.
type call struct {
	app       *App
	channelID string
	rec       *tickets.Call
	m         *Machine
	events    chan ari.Event
	reject    bool // the app was draining when the call arrived
	recovered bool // the call was found left without service after a fault
	log       *slog.Logger
	pbSeq     int
	recSeq    int   // voice messages recorded
	ticketID  int64 // the call's ticket, once it has one
	ticketRef string
	moh       bool // music on hold is playing
	// waiter is the caller's place in the agent queue while they wait; an agent offered
	// during an announcement cuts it short (offered), so the agent is rung at once.
	waiter  *waiter
	offered string

	aborted chan string   // an outcome, when the app ends the call from outside
	cuts    int           // prompts Asterisk ended at once, without playing them
	keyAt   time.Time     // when the last key's event arrived, until the next prompt is asked for
	ariWait time.Duration // time since keyAt spent waiting for Asterisk to answer commands
}

// maxCuts is how many prompts may end at once before the call is given up: an Asterisk
// that cannot play prompts would otherwise take the caller through the menus unheard,
// and under load it is the hotline's part to shed calls, not to add to them.
const maxCuts = 2

// errPromptCut means Asterisk ended a prompt far sooner than it lasts, or failed it.
var errPromptCut = errors.New("prompt ended at once")

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
	if n, err := tickets.NormalizePhone(e.Channel.Caller.Number); err == nil {
		rec.CallerNumber = &n
	}
	return &call{
		app:       a,
		channelID: e.Channel.ID,
		rec:       rec,
		m:         NewMachine(a.cfg.Flow),
		events:    make(chan ari.Event, 256),
		reject:    reject,
		// Never the caller's number: logs are not the place for personal data.
		log:     a.cfg.Log.With("call", rec.ID, "channel", e.Channel.ID),
		aborted: make(chan string, 1),
	}
}

// newRecoveredCall takes over a channel found in the application with nobody serving it.
func newRecoveredCall(a *App, ch Channel) *call {
	rec := &tickets.Call{
		ID:        tickets.NewCallID(),
		ChannelID: ch.ID,
		CallerRaw: ch.Caller.Number,
		Dialed:    ch.Dialplan.Exten,
		StartedAt: time.Now().UTC(),
		Outcome:   tickets.OutcomeInterrupted,
	}
	if n, err := tickets.NormalizePhone(ch.Caller.Number); err == nil {
		rec.CallerNumber = &n
	}
	return &call{
		app:       a,
		channelID: ch.ID,
		rec:       rec,
		m:         NewMachine(a.cfg.Flow),
		events:    make(chan ari.Event, 256),
		recovered: true,
		log:       a.cfg.Log.With("call", rec.ID, "channel", ch.ID),
		aborted:   make(chan string, 1),
	}
}

// abort ends the call from outside its goroutine (shutdown past the drain time).
func (c *call) abort(outcome string) {
	select {
	case c.aborted <- outcome:
	default:
	}
}

// errHungUp means the caller's channel went away.
var errHungUp = errors.New("caller hung up")

// abortedError carries an outcome forced on the call from outside.
type abortedError struct{ outcome string }

func (e *abortedError) Error() string { return "call ended by the hotline: " + e.outcome }

// cmdCtx bounds one command to Asterisk or one database write.
func cmdCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// run takes the call from arrival to its final record. Every path out of it writes the
// call record.
func (c *call) run() {
	if c.recovered {
		c.recover()
		return
	}
	ctx, cancel := cmdCtx()
	err := c.app.cfg.Store.StartCall(ctx, c.rec)
	cancel()
	if err != nil {
		// The call still gets its answer; the record is written at the end if the
		// database is back by then.
		c.log.Error("start call record", "err", err)
	}
	startErr := err
	outcome, endedBy := c.converse()
	c.rec.Language = c.m.Lang
	c.rec.Path = c.m.Path
	c.rec.Outcome = outcome
	c.rec.EndedBy = endedBy
	now := time.Now().UTC()
	c.rec.EndedAt = &now
	c.saveRecord(startErr != nil)
	c.log.Info("call ended", "outcome", outcome, "ended_by", endedBy, "keys", len(c.m.Path.Keys()))
}

// recover serves a caller found without service: an apology, a callback ticket on the
// call's record (the one closed as interrupted at start-up, or a new one), a hang-up.
func (c *call) recover() {
	ctx, cancel := cmdCtx()
	prior, err := c.app.cfg.Store.LatestCallOnChannel(ctx, c.channelID)
	cancel()
	if err == nil {
		c.rec = prior
		c.m.Lang = prior.Language
	} else if err := retry(3, func(ctx context.Context) error { return c.app.cfg.Store.StartCall(ctx, c.rec) }); err != nil {
		// The ticket needs the call's record; without it the apology still plays.
		c.log.Error("record for a recovered call", "err", err)
	}
	c.rec.Path = append(c.rec.Path, tickets.PathStep{At: time.Now().UTC(), Node: "recovered"})
	c.m.Path = c.rec.Path
	if err := c.createTicket(&TicketRequest{Category: tickets.CategoryCallback, Priority: tickets.P2,
		Keys: c.rec.Path.Keys(), Summary: "Cuộc gọi bị gián đoạn do sự cố hệ thống; cần gọi lại."}); err != nil {
		c.log.Error("callback ticket for an interrupted call", "err", err)
	}
	c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_recovered"}})
	c.hangup()
	now := time.Now().UTC()
	c.rec.EndedAt, c.rec.EndedBy = &now, tickets.EndedByHotline
	if c.rec.Outcome == "" || c.rec.Outcome == tickets.OutcomeInProgress {
		c.rec.Outcome = tickets.OutcomeInterrupted
	}
	c.saveRecord(false)
	c.log.Info("interrupted call recovered", "outcome", c.rec.Outcome)
}

// saveRecord writes the final call record, retrying briefly: the record must not be lost
// to a moment of database contention.
func (c *call) saveRecord(insert bool) {
	attempt := 0
	retry(5, func(ctx context.Context) error {
		attempt++
		var err error
		if insert {
			err = c.app.cfg.Store.StartCall(ctx, c.rec)
		} else {
			err = c.app.cfg.Store.SaveCall(ctx, c.rec)
		}
		if err != nil {
			c.log.Error("save call record", "err", err, "attempt", attempt)
		}
		return err
	})
}

// retry runs fn, each time with a command's time limit, until it succeeds or has been
// tried n times, waiting a little longer before each new try. It returns the last error.
func retry(n int, fn func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < n; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		ctx, cancel := cmdCtx()
		err = fn(ctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

// converse answers the call and walks it through the flow. It returns the call's outcome
// and who ended it.
func (c *call) converse() (outcome, endedBy string) {
	if c.reject {
		c.answer()
		c.playOnly([]PromptRef{{Lang: "vi", ID: "system_busy"}})
		c.hangup()
		return tickets.OutcomeRejected, tickets.EndedByHotline
	}
	if err := c.answer(); err != nil {
		if errors.Is(err, errHungUp) {
			return tickets.OutcomeHungUp, tickets.EndedByCaller
		}
		c.log.Error("answer", "err", err)
		c.hangup()
		return tickets.OutcomeError, tickets.EndedByHotline
	}
	eff := c.m.Start(time.Now())
	for {
		if eff.Ticket != nil {
			if err := c.createTicket(eff.Ticket); err != nil {
				c.log.Error("create ticket", "err", err)
				c.playOnly([]PromptRef{{Lang: c.m.Lang, ID: "system_busy"}})
				c.hangup()
				return tickets.OutcomeError, tickets.EndedByHotline
			}
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
			if result == QueueAnswered {
				// The conversation is over: the agent or the caller hung up, or Asterisk
				// went away in the middle of it.
				c.m.QueueResult(time.Now(), result)
				if err != nil {
					c.log.Warn("conversation with the agent cut", "err", err)
					return c.m.Outcome(), tickets.EndedBySystem
				}
				return c.m.Outcome(), c.rec.EndedBy
			}
			if err != nil {
				return c.stopped(err, false)
			}
			eff = c.m.QueueResult(time.Now(), result)
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
		if ab.outcome != tickets.OutcomeDropped {
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

func (c *call) answer() error {
	ctx, cancel := cmdCtx()
	defer cancel()
	if err := c.app.cfg.REST.Answer(ctx, c.channelID); err != nil {
		if IsNotFound(err) {
			return errHungUp
		}
		return err
	}
	now := time.Now().UTC()
	c.rec.AnsweredAt = &now
	c.saveProgress()
	return nil
}

// saveProgress writes the call record as it stands (answered, queued, with an agent),
// so that the console sees the call while it lasts.
func (c *call) saveProgress() {
	ctx, cancel := cmdCtx()
	defer cancel()
	if err := c.app.cfg.Store.SaveCall(ctx, c.rec); err != nil {
		c.log.Error("update call record", "err", err)
	}
}

func (c *call) hangup() { c.app.hangupChannel(c.log, c.channelID) }

// createTicket stores the ticket the caller's choice asked for, retrying briefly, and
// tells the channel its reference (HOTLINE_TICKET) for the test-call tool.
//
// A call has one ticket: what a caller asks for after it exists (a callback, a message
// after an urgent report) is noted on it rather than opening a second one.
func (c *call) createTicket(r *TicketRequest) error {
	if c.ticketID != 0 {
		note := r.Summary
		if note == "" {
			note = tickets.CategoryLabel(r.Category).Vi
		}
		return retry(3, func(ctx context.Context) error {
			return c.app.cfg.Store.AddTicketNote(ctx, tickets.ActorIVR, c.ticketID, note)
		})
	}
	callID := c.rec.ID
	t := &tickets.Ticket{
		Category:     r.Category,
		Priority:     r.Priority,
		CallerNumber: c.rec.CallerNumber,
		CallID:       &callID,
		IVRKeys:      r.Keys,
		Summary:      r.Summary,
		IVRAnswers:   r.Answers,
	}
	if r.ContactPhone != "" {
		contact := r.ContactPhone
		t.ContactPhone = &contact
	}
	if r.UnitCode != "" {
		unit := r.UnitCode
		t.UnitCode = &unit
		if r.AssignToUnit {
			t.AssigneeUnitCode = &unit
		}
	}
	if err := retry(3, func(ctx context.Context) error {
		return c.app.cfg.Store.CreateTicket(ctx, tickets.ActorIVR, t)
	}); err != nil {
		return err
	}
	c.ticketID, c.ticketRef = t.ID, t.Ref
	c.log.Info("ticket created", "ticket", t.Ref, "category", t.Category)
	ctx, cancel := cmdCtx()
	defer cancel()
	t0 := time.Now()
	if err := c.app.cfg.REST.SetVar(ctx, c.channelID, "HOTLINE_TICKET", t.Ref); err != nil && !IsNotFound(err) {
		c.log.Warn("set HOTLINE_TICKET", "err", err)
	}
	c.ariWait += time.Since(t0)
	return nil
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

// play plays prompts as one playback and waits for it to finish. With barge set, a key
// stops the playback and is returned.
func (c *call) play(prompts []PromptRef, barge bool) (string, error) {
	media := make([]string, len(prompts))
	for i, p := range prompts {
		media[i] = c.app.mediaURI(p)
	}
	c.pbSeq++
	pbID := fmt.Sprintf("%s-pb%d", c.rec.ID, c.pbSeq)
	var expected time.Duration
	for _, p := range prompts {
		expected += c.app.cfg.PromptDuration(p.Lang, p.ID)
	}
	started := time.Now()
	ctx, cancel := cmdCtx()
	t0 := time.Now()
	err := c.app.cfg.REST.Play(ctx, c.channelID, pbID, media)
	cancel()
	if !c.keyAt.IsZero() {
		c.ariWait += time.Since(t0)
		c.app.noteReaction(time.Since(c.keyAt), time.Since(c.keyAt)-c.ariWait)
		c.keyAt, c.ariWait = time.Time{}, 0
	}
	if err != nil {
		if IsNotFound(err) {
			return "", errHungUp
		}
		return "", fmt.Errorf("play %v: %w", prompts, err)
	}
	// A playback always ends with PlaybackFinished, unless Asterisk is gone; the limit
	// keeps a lost event from holding the call forever.
	limit := time.NewTimer(10 * time.Minute)
	defer limit.Stop()
	var offers <-chan string
	if c.waiter != nil {
		offers = c.waiter.offer
	}
	for {
		select {
		case <-limit.C:
			return "", fmt.Errorf("playback %s never finished", pbID)
		case o := <-c.aborted:
			return "", &abortedError{o}
		case ep := <-offers:
			c.offered = ep
			ctx, cancel := cmdCtx()
			if err := c.app.cfg.REST.StopPlayback(ctx, pbID); err != nil {
				c.log.Warn("stop playback", "err", err)
			}
			cancel()
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
				ctx, cancel := cmdCtx()
				t0 := time.Now()
				if err := c.app.cfg.REST.StopPlayback(ctx, pbID); err != nil {
					c.log.Warn("stop playback", "err", err)
				}
				c.ariWait += time.Since(t0)
				cancel()
				return key, nil
			}
			if key != "" {
				c.keyAt = time.Time{} // a key this prompt does not take: nothing reacts to it
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
	if ch := eventChannel(e); ch != "" && ch != c.channelID {
		return "", nil // a leg the call dialed, handled where it is dialed
	}
	switch v := e.(type) {
	case *ari.ChannelDtmfReceived:
		c.keyAt, c.ariWait = time.Now(), 0
		return v.Digit, nil
	case *ari.ChannelHangupRequest:
		if v.Soft {
			// Asterisk itself ended the channel (a shutdown or restart), not the caller:
			// the same as the watchdog dropping the call.
			return "", &abortedError{tickets.OutcomeDropped}
		}
		return "", errHungUp
	case *ari.StasisEnd, *ari.ChannelDestroyed:
		return "", errHungUp
	}
	return "", nil
}
