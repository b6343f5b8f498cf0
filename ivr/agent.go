package ivr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// waitForAgent keeps the caller in the agent queue, with music on hold and their place
// announced on entry and every Announce, until an agent answers and the conversation
// ends (QueueAnswered), the caller presses 1 to be called back (QueueCallback), or no
// agent can take the call (QueueNoAgent: nobody on duty, outside hours, or MaxWait).
func (c *call) waitForAgent(spec *QueueSpec) (string, error) {
	q := c.env.cfg.Desk
	if q == nil || !q.Open() {
		c.m.Path = append(c.m.Path, tickets.PathStep{At: time.Now().UTC(), Node: c.m.Node(), Note: "no agent on duty"})
		return QueueNoAgent, nil
	}
	now := time.Now().UTC()
	c.rec.QueuedAt = &now
	c.saveProgress()
	c.offers = q.Join(c.rec.ID, spec.Front)
	defer q.Leave(c.rec.ID)
	defer func() { c.offers, c.offered = nil, "" }()
	c.m.Answers["queued_at"] = now.Format(time.RFC3339)
	defer c.stopMOH()
	result, err := c.waitInLine(q, spec)
	// How the wait ended, in the queue log's words (an answered call is logged as it
	// connects and completes).
	wait, pos, orig := q.Waited(c.rec.ID)
	switch {
	case err == nil && result == QueueCallback:
		q.LogCall(c.rec.ID, "", tickets.QueueKey, "1", pos, orig, wait)
		if c.rec.CallerNumber != nil {
			q.KeepPlace(c.rec.ID) // until the callback ticket is made
			c.placeKept = true
		}
	case err == nil && result == QueueNoAgent:
		q.LogCall(c.rec.ID, "", tickets.QueueTimeout, pos, orig, wait)
	case errors.Is(err, errHungUp) && c.rec.AgentAnsweredAt == nil:
		q.LogCall(c.rec.ID, "", tickets.QueueAbandon, pos, orig, wait)
	case c.rec.AgentAnsweredAt == nil:
		q.LogCall(c.rec.ID, "", "EXITEMPTY", pos, orig, wait) // the hotline or Asterisk stopped
	}
	return result, err
}

// waitInLine is the wait itself: music, announcements, agents rung in turn.
func (c *call) waitInLine(q Desk, spec *QueueSpec) (string, error) {
	deadline := time.NewTimer(q.MaxWait())
	defer deadline.Stop()
	timedOut := func() (string, error) {
		c.m.Path = append(c.m.Path, tickets.PathStep{At: time.Now().UTC(), Node: c.m.Node(), Note: "longest wait passed"})
		return QueueNoAgent, nil
	}
	announce := time.NewTimer(0)
	defer announce.Stop()
	first := true
	for {
		select {
		case ep := <-c.offers:
			result, err := c.ringAgent(ep, spec)
			if err != nil || result != "" {
				return result, err
			}
		case <-announce.C:
			announce.Reset(q.Announce())
			if len(c.offers) > 0 {
				continue // an agent is free: ring them rather than talk
			}
			select {
			case <-deadline.C:
				return timedOut() // the wait ended during the last announcement
			default:
			}
			c.stopMOH()
			prompts := positionPrompts(c.m.Lang, q.Position(c.rec.ID))
			if first {
				prompts = append([]PromptRef{{Lang: c.m.Lang, ID: "queue_enter"}}, prompts...)
				first = false
			}
			key, err := c.play(prompts, true)
			if errors.Is(err, errPromptCut) {
				err = nil
			}
			if err != nil {
				return "", err
			}
			if key == "1" {
				return QueueCallback, nil
			}
			if ep := c.offered; ep != "" { // an agent came free during the announcement
				c.offered = ""
				result, err := c.ringAgent(ep, spec)
				if err != nil || result != "" {
					return result, err
				}
				continue
			}
			c.startMOH()
		case <-deadline.C:
			return timedOut()
		case o := <-c.aborted:
			return "", &abortedError{o}
		case e := <-c.events:
			key, err := c.keyOrHangup(e)
			if err != nil {
				return "", err
			}
			if key == "1" {
				return QueueCallback, nil
			}
		}
	}
}

// positionPrompts tells a caller how many callers are ahead of them, and that 1 asks for
// a callback instead.
func positionPrompts(lang string, position int) []PromptRef {
	ahead := max(position-1, 0)
	ps := []PromptRef{{Lang: lang, ID: "queue_position"}, {Lang: lang, ID: "digit_" + string(rune('0'+min(ahead, 9)))}}
	if ahead > 9 {
		ps = []PromptRef{{Lang: lang, ID: "queue_position_many"}}
	}
	return append(ps, PromptRef{Lang: lang, ID: "queue_callback_offer"})
}

func (c *call) startMOH() {
	if c.moh {
		return
	}
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := c.env.cfg.REST.StartMOH(ctx, c.channelID); err != nil && !asterisk.IsNotFound(err) {
		c.log.Warn("music on hold", "err", err)
		return
	}
	c.moh = true
}

func (c *call) stopMOH() {
	if !c.moh {
		return
	}
	c.moh = false
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := c.env.cfg.REST.StopMOH(ctx, c.channelID); err != nil && !asterisk.IsNotFound(err) {
		c.log.Warn("stop music on hold", "err", err)
	}
}

// ringAgent rings one agent's phone for the caller, who keeps hearing music on hold.
// If the agent answers, the two are bridged until one hangs up, and it returns
// QueueAnswered; if the caller presses 1 meanwhile, QueueCallback; if the phone is not
// answered, "" to keep waiting for the next agent.
func (c *call) ringAgent(endpoint string, spec *QueueSpec) (string, error) {
	q, id := c.env.cfg.Desk, c.rec.ID
	leg := asterisk.AgentLegPrefix + asterisk.NewID()
	c.env.Attach(leg, c.events)
	defer c.env.Detach(leg)
	hangupLeg := func() { c.env.cfg.REST.HangupLogged(c.log, leg) }
	// The agent's phone shows the caller's number as agents write it, never the raw
	// caller ID the network delivered.
	shown := "anonymous"
	if c.rec.CallerNumber != nil {
		shown = tickets.NationalDigits(*c.rec.CallerNumber)
	}
	vars := map[string]string{"CALLERID(num)": shown, "CALLERID(name)": "1900 1075"}
	ctx, cancel := asterisk.CommandContext()
	_, err := c.env.cfg.REST.CreateChannel(ctx, endpoint, c.env.cfg.Application, leg, "", vars)
	cancel()
	if err != nil {
		c.log.Warn("agent phone cannot be called", "agent", endpoint, "err", err)
		q.NotAnswered(id, endpoint)
		return "", nil
	}
	c.startMOH()
	ringStart := time.Now()
	noAnswer := func() {
		q.LogCall(id, endpoint, tickets.QueueRingNoAns, strconv.FormatInt(time.Since(ringStart).Milliseconds(), 10))
		q.NotAnswered(id, endpoint)
	}
	limit := time.NewTimer(q.RingTime() + 10*time.Second)
	defer limit.Stop()
	dialed := false
	for {
		select {
		case <-limit.C:
			hangupLeg()
			noAnswer()
			return "", nil
		case o := <-c.aborted:
			if !o.keepChannel {
				hangupLeg()
			}
			q.Cancelled(id, endpoint)
			return "", &abortedError{o}
		case e := <-c.events:
			switch v := e.(type) {
			case *ari.StasisStart:
				if v.Channel.ID == leg && !dialed {
					dialed = true
					ctx, cancel := asterisk.CommandContext()
					err := c.env.cfg.REST.Dial(ctx, leg, q.RingTime())
					cancel()
					if err != nil {
						c.log.Warn("dial agent", "agent", endpoint, "err", err)
						hangupLeg()
						noAnswer()
						return "", nil
					}
				}
				continue
			case *ari.ChannelStateChange:
				if v.Channel.ID == leg && v.Channel.State == "Up" {
					q.Answered(id, endpoint)
					defer q.Finished(endpoint)
					err := c.talk(leg, endpoint, spec, time.Since(ringStart))
					if c.rec.AgentAnsweredAt == nil && errors.Is(err, errHungUp) {
						return "", err // the caller left as the agent picked up
					}
					return QueueAnswered, err
				}
				continue
			case *ari.ChannelDestroyed:
				if v.Channel.ID == leg {
					c.log.Info("agent did not answer", "agent", endpoint, "cause", v.CauseTxt)
					noAnswer()
					return "", nil
				}
			}
			key, err := c.keyOrHangup(e)
			if err != nil {
				hangupLeg()
				q.Cancelled(id, endpoint)
				return "", err
			}
			if key == "1" {
				hangupLeg()
				q.Cancelled(id, endpoint)
				return QueueCallback, nil
			}
		}
	}
}

// talk bridges the caller with the agent who answered and waits for either to hang up.
// The call record gets the agent, the wait and the talk time; the agent gets the call's
// ticket (created now if the call has none) in HOTLINE_TICKET for the console. A bridge
// that cannot be made is errBridgeFailed: the agent's leg is hung up and the caller,
// still in the application, goes on to an apology and a message.
func (c *call) talk(leg, endpoint string, spec *QueueSpec, ring time.Duration) error {
	c.stopMOH()
	hangup := func(id string) { c.env.cfg.REST.HangupLogged(c.log, id) }
	c.rec.AgentEndpoint = endpoint
	destroy, err := c.env.cfg.REST.Bridge(c.log, "br-"+c.rec.ID, c.channelID, leg)
	defer destroy()
	if err != nil {
		hangup(leg)
		if asterisk.IsNotFound(err) && c.env.cfg.REST.Gone(c.channelID) {
			c.rec.EndedBy = tickets.EndedByCaller
			return errHungUp
		}
		return fmt.Errorf("%w: %v", errBridgeFailed, err)
	}
	answered := time.Now().UTC()
	c.rec.AgentAnsweredAt = &answered
	if c.rec.QueuedAt != nil {
		wait := answered.Sub(*c.rec.QueuedAt).Milliseconds()
		c.rec.QueueWaitMS = &wait
	}
	c.m.Path = append(c.m.Path, tickets.PathStep{At: answered, Node: c.m.Node(), Note: "agent " + endpoint})
	if !c.hasTicket() {
		err = c.createTicket(&TicketRequest{Category: spec.Category, Priority: tickets.P3, Keys: c.m.Path.Keys(),
			Summary: "Cuộc gọi do tổng đài viên trả lời.", Answers: c.m.CopyAnswers(), UnitCode: c.m.Answers["unit"],
			ContactPhone: c.m.Answers["callback"]})
	} else {
		err = c.createTicket(&TicketRequest{Summary: "Tổng đài viên " + endpoint + " đã nhận cuộc gọi."})
	}
	if err != nil {
		c.log.Error("ticket for the agent", "err", err)
	}
	number := ""
	if c.rec.CallerNumber != nil {
		number = *c.rec.CallerNumber
	}
	q := c.env.cfg.Desk
	q.Connected(endpoint, c.rec.ID, c.ticketRef, number)
	var hold int64
	if c.rec.QueueWaitMS != nil {
		hold = (*c.rec.QueueWaitMS + 500) / 1000
	}
	secs := func(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Second) / time.Second)) }
	q.LogCall(c.rec.ID, endpoint, tickets.QueueConnect, strconv.FormatInt(hold, 10), leg, secs(ring))
	defer func() {
		event := tickets.QueueDoneCaller
		if c.rec.EndedBy == tickets.EndedByAgent {
			event = tickets.QueueDoneAgent
		}
		_, _, orig := q.Waited(c.rec.ID)
		q.LogCall(c.rec.ID, endpoint, event, strconv.FormatInt(hold, 10), secs(time.Since(answered)), orig)
	}()
	if c.ticketRef != "" {
		ctx, cancel := asterisk.CommandContext()
		if err := c.env.cfg.REST.SetVar(ctx, leg, "HOTLINE_TICKET", c.ticketRef); err != nil && !asterisk.IsNotFound(err) {
			c.log.Warn("give the agent the ticket", "err", err)
		}
		cancel()
	}
	c.saveProgress()
	c.log.Info("agent answered", "agent", endpoint, "wait_ms", derefInt(c.rec.QueueWaitMS))
	defer func() {
		talk := time.Since(answered).Milliseconds()
		c.rec.TalkMS = &talk
	}()
	// Both legs are checked now and then: a lost hang-up event must not keep the
	// conversation (and the agent) open forever.
	check := time.NewTicker(c.env.cfg.ChannelCheckEvery)
	defer check.Stop()
	for {
		select {
		case <-check.C:
			switch {
			case c.env.cfg.REST.Gone(leg):
				c.rec.EndedBy = tickets.EndedByAgent
				hangup(c.channelID)
				return nil
			case c.env.cfg.REST.Gone(c.channelID):
				c.rec.EndedBy = tickets.EndedByCaller
				hangup(leg)
				return nil
			}
		case o := <-c.aborted:
			if !o.keepChannel {
				hangup(leg)
			}
			return &abortedError{o}
		case e := <-c.events:
			switch v := e.(type) {
			case *ari.ChannelHangupRequest, *ari.StasisEnd, *ari.ChannelDestroyed:
				if asterisk.EventChannel(v) == leg {
					c.rec.EndedBy = tickets.EndedByAgent
					hangup(c.channelID)
					return nil
				}
			}
			if _, err := c.keyOrHangup(e); err != nil {
				if errors.Is(err, errHungUp) {
					c.rec.EndedBy = tickets.EndedByCaller
					hangup(leg)
					return nil
				}
				var ab *abortedError
				if !errors.As(err, &ab) || !ab.keepChannel {
					hangup(leg)
				}
				return err
			}
		}
	}
}

// derefInt is a number for the log, or 0 when unset.
func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// requestCallback puts the callback request of a caller who pressed 1 in the queue, at
// the place they had, once their callback ticket is made. A ticket the database did not
// take yet (spooled) stays an ordinary callback ticket for the agents.
func (c *call) requestCallback() {
	q := c.env.cfg.Desk
	c.placeKept = false
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
		q.DropPlace(c.rec.ID)
		return
	}
	callID := c.rec.ID
	r := &tickets.CallbackRequest{TicketID: c.ticketID, CallID: &callID, Number: number, Lang: c.m.Lang, TicketRef: c.ticketRef}
	err := tickets.RetryTransient(3*time.Second, func(ctx context.Context) error { return q.PlaceKept(ctx, c.rec.ID, r) })
	if err != nil {
		c.log.Error("keep the caller's place for the callback", "err", err)
		q.DropPlace(c.rec.ID)
		return
	}
	c.log.Info("callback request keeps the caller's place", "ticket", c.ticketRef)
}
