package ivr

import (
	"context"
	"errors"
	"time"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// A caller's call from arrival to its final record: the conversation walks the flow
// (the Machine) and turns its effects into steps on the channel (channel.go), the agent
// queue (agent.go), a voice message (message.go) and the record and ticket (record.go).

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
	prior, err := c.env.cfg.Store.FindCall(ctx, c.recoveredID)
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
		tk, created, err := c.env.cfg.Store.ImportCallReport(ctx, tickets.ActorIVR, report)
		if err == nil && tk != nil {
			c.ticketID, c.ticketRef = tk.ID, tk.Ref
			if !created {
				err = c.env.cfg.Store.AddTicketNote(ctx, tickets.ActorIVR, tk.ID, note)
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
			c.env.cfg.Desk.DropPlace(c.rec.ID)
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
		if eff.Consent != nil {
			c.answerConsent(eff.Consent)
		}
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
