package ivr

import (
	"errors"
	"fmt"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// What a call does on its channel: answer it, play prompts (a key cutting them short
// when one is awaited), leads that play while a write is made, and read a key or the
// caller leaving from its events.

// answer answers the channel and marks it as the hotline's (HOTLINE_CALL names the
// call's record, so that a hotline recovering after a crash knows the call and what the
// caller had said). The record is written as the first prompt plays.
func (c *call) answer() error {
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := c.env.cfg.REST.Answer(ctx, c.channelID); err != nil {
		if asterisk.IsNotFound(err) {
			return errHungUp
		}
		return err
	}
	now := time.Now().UTC()
	c.rec.AnsweredAt = &now
	if err := c.env.cfg.REST.SetVar(ctx, c.channelID, "HOTLINE_CALL", c.rec.ID); err != nil && !asterisk.IsNotFound(err) {
		c.log.Warn("set HOTLINE_CALL", "err", err)
	}
	return nil
}

func (c *call) hangup() { c.env.cfg.REST.HangupLogged(c.log, c.channelID) }

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

// play plays prompts as one playback and waits for it to finish. With barge set, a key
// stops the playback and is returned. The call's record is saved while the prompts play.
func (c *call) play(prompts []PromptRef, barge bool) (string, error) {
	if err := c.waitLead(); err != nil {
		return "", err
	}
	if prompts = c.prompts.playable(prompts); len(prompts) == 0 {
		c.saveProgress() // an urgent message not live, alone: nothing to play
		return "", nil
	}
	var expected time.Duration
	for _, p := range prompts {
		expected += c.prompts.Length(p)
	}
	started := time.Now()
	pbID, err := c.startPlayback(prompts)
	if err != nil {
		if asterisk.IsNotFound(err) {
			return "", errHungUp
		}
		return "", fmt.Errorf("play %v: %w", prompts, err)
	}
	// What the caller is told about their data is kept with the version playing.
	if heard := c.noteEvidence(prompts, started); heard != nil {
		defer func() { heard(time.Since(started)) }()
	}
	// The caller hears the prompt; meanwhile the call's progress goes to the database,
	// so that a crash loses nothing the caller said.
	c.saveProgress()
	// A playback always ends with PlaybackFinished, unless the event is lost (Asterisk
	// gone, a reconnect); the limit keeps a lost event from holding the caller in
	// silence.
	limit := time.NewTimer(c.prompts.Limit(prompts))
	defer limit.Stop()
	offers := c.offers // nil unless the caller waits in line
	stop := func() {
		ctx, cancel := asterisk.CommandContext()
		t0 := time.Now()
		if err := c.env.cfg.REST.StopPlayback(ctx, pbID); err != nil {
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
			if c.env.cfg.REST.Gone(c.channelID) {
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
		media[i] = c.prompts.URI(p)
	}
	c.pbSeq++
	id = fmt.Sprintf("%s-pb%d", c.rec.ID, c.pbSeq)
	ctx, cancel := asterisk.CommandContext()
	t0 := time.Now()
	err = c.env.cfg.REST.Play(ctx, c.channelID, id, media)
	cancel()
	if !c.keyAt.IsZero() {
		c.ariWait += time.Since(t0)
		c.env.noteReaction(Reaction{Total: time.Since(c.keyAt), Own: time.Since(c.keyAt) - c.ariWait, Wrote: c.keyWrote})
		c.keyAt, c.ariWait, c.keyWrote = time.Time{}, 0, false
	}
	return id, err
}

// startLead starts a node's lead (Effects.Lead) without waiting for it, before the node's
// ticket or result is written: the caller hears the key answered at once, and the
// confirmation is asked for once the write is on disk and the lead has ended. A lead
// that cannot be played is skipped: what the caller finished is written all the same.
func (c *call) startLead(prompts []PromptRef) {
	key := c.keyAt
	if prompts = c.prompts.playable(prompts); len(prompts) == 0 {
		c.confirmFrom = key
		return
	}
	pbID, err := c.startPlayback(prompts)
	c.confirmFrom = key
	if err != nil {
		if !asterisk.IsNotFound(err) {
			c.log.Warn("lead prompt", "err", err)
		}
		return
	}
	c.lead, c.leadLimit = pbID, c.prompts.Limit(prompts)
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
