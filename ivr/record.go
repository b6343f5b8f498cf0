package ivr

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// How a call's record and ticket reach the database. The IVR's store gives up on a
// locked database within seconds; a write that fails for a passing reason is tried again
// within a budget, and what still cannot be written goes to the spool on disk, to be
// replayed into the database when it answers again. No caller hears "your request has
// been recorded" unless it is in the database or, synced, in the spool.

// syncRecord copies what the caller has done so far onto the call's record.
func (c *call) syncRecord() { c.m.CopyTo(c.rec) }

// CopyTo copies what the machine's caller has done so far onto a call record: the
// language, the path and the answers.
func (m *Machine) CopyTo(rec *tickets.Call) {
	rec.Language = m.Lang
	rec.Path = m.Path
	rec.Answers = m.CopyAnswers()
}

// saveProgress queues the call record as it stands (answered, each step of the menus,
// queued, with an agent) for the App's progress writer: the console sees the call while
// it lasts, and a crash loses nothing the caller said but the last moment. The caller
// never waits for it.
func (c *call) saveProgress() {
	c.syncRecord()
	// A spooled call's final state goes to the spool. A follow-up call's record is
	// written with its attempt, at the claim and at the end; a crash between closes it
	// as interrupted, and the citizen is called again.
	if c.report != nil || c.recordedElsewhere {
		return
	}
	rec := *c.rec
	// The call goes on changing its evidence (how much was heard, a consent's answer)
	// while the progress writer holds this copy.
	rec.Prompts = slices.Clone(c.rec.Prompts)
	c.env.progress.note(rec)
}

// finish writes the final call record: to the database, retried while the failure is
// passing, or else with the rest of the call's report to the spool.
func (c *call) finish() {
	c.syncRecord()
	c.env.progress.drop(c.rec.ID)
	if c.recordedElsewhere {
		return // written with the attempt's end, by the follow-up dialer
	}
	if c.report == nil {
		err := tickets.RetryTransient(6*time.Second, func(ctx context.Context) error { return c.env.cfg.Store.SaveCall(ctx, c.rec) })
		if err == nil {
			return
		}
		c.log.Error("save the final call record; spooling it", "err", err)
		c.report = &tickets.CallReport{}
	}
	c.spool()
}

// spool writes the call's report as it stands to the spool.
func (c *call) spool() error {
	c.syncRecord()
	c.report.Call = *c.rec
	if err := c.env.cfg.Spool.Put(c.report); err != nil {
		c.log.Error("spool the call's report", "err", err)
		return err
	}
	return nil
}

// hasTicket reports whether the call has its ticket, in the database or in the spool.
func (c *call) hasTicket() bool {
	return c.ticketID != 0 || (c.report != nil && c.report.Ticket != nil)
}

// ticketFor builds the ticket a request asks for, on a call.
func ticketFor(rec *tickets.Call, r *TicketRequest) *tickets.Ticket {
	callID := rec.ID
	t := &tickets.Ticket{
		Category:     r.Category,
		Priority:     r.Priority,
		CallerNumber: rec.CallerNumber,
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
	return t
}

// createTicket stores the ticket the caller's choice asked for, and tells the channel
// its reference (HOTLINE_TICKET) for the agent and the test-call tool. When the
// database cannot take it, the call's report goes to the spool instead; an error means
// it is in neither.
//
// A call has one ticket: what a caller asks for after it exists (a callback, a message
// after an urgent report) is noted on it rather than opening a second one.
func (c *call) createTicket(r *TicketRequest) error {
	c.keyWrote = !c.keyAt.IsZero()
	if c.hasTicket() {
		note := r.Summary
		if note == "" {
			note = tickets.CategoryLabel(r.Category).Vi
		}
		if c.report != nil {
			c.report.Notes = append(c.report.Notes, note)
			return c.spool()
		}
		return tickets.RetryTransient(3*time.Second, func(ctx context.Context) error {
			return c.env.cfg.Store.AddTicketNote(ctx, tickets.ActorIVR, c.ticketID, note)
		})
	}
	// The call's record and its ticket in one transaction: the ticket never waits for a
	// progress write, and the call's row is there for it whatever happened before. One
	// wait for a locked database at most, then the spool rather than silence.
	c.syncRecord()
	report := &tickets.CallReport{Call: *c.rec, Ticket: ticketFor(c.rec, r)}
	var t *tickets.Ticket
	err := tickets.RetryTransient(2*time.Second, func(ctx context.Context) error {
		var err error
		t, _, err = c.env.cfg.Store.ImportCallReport(ctx, tickets.ActorIVR, report)
		return err
	})
	if err == nil && t == nil {
		err = errors.New("the call's ticket was not created")
	}
	if err != nil {
		c.log.Error("the database did not take the ticket; spooling it", "err", err)
		report.Ticket.CreatedAt = time.Now().UTC() // its SLA runs from now, whenever it is replayed
		c.report = report
		return c.spool()
	}
	c.ticketID, c.ticketRef = t.ID, t.Ref
	c.written()
	c.log.Info("ticket created", "ticket", t.Ref, "category", t.Category)
	// Asterisk runs a channel's commands in turn: under a lead still playing, this one
	// waits for its end.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second+c.leadLimit)
	defer cancel()
	t0 := time.Now()
	if err := c.env.cfg.REST.SetVar(ctx, c.channelID, "HOTLINE_TICKET", t.Ref); err != nil && !asterisk.IsNotFound(err) {
		c.log.Warn("set HOTLINE_TICKET", "err", err)
	}
	c.ariWait += time.Since(t0)
	return nil
}

// addRecording files a voice message under the call (and its ticket), in the database
// or with the call's report in the spool.
func (c *call) addRecording(r *tickets.Recording) error {
	if c.report == nil {
		err := tickets.RetryTransient(3*time.Second, func(ctx context.Context) error { return c.env.cfg.Store.AddRecording(ctx, r) })
		if err == nil {
			return nil
		}
		c.log.Error("the database did not take the voice message; spooling it", "err", err)
		c.report = &tickets.CallReport{}
	}
	c.report.Recordings = append(c.report.Recordings, *r)
	return c.spool()
}

// replayLoop replays the spool into the database at start and then every few seconds
// while reports wait in it, so that they reach the database when it answers again.
func (sv *services) replayLoop(ctx context.Context) {
	for {
		sv.replaySpool(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// replaySpool writes the spooled reports of calls that are over into the database and
// removes each once it is there. Replaying a report twice doubles nothing.
func (sv *services) replaySpool(ctx context.Context) {
	sv.replayMu.Lock()
	defer sv.replayMu.Unlock()
	ids, err := sv.cfg.Spool.Pending()
	if err != nil {
		sv.cfg.Log.Error("read the spool", "err", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil || sv.active(id) {
			continue // a call in progress spools its final report when it ends
		}
		r, err := sv.cfg.Spool.Get(id)
		if err != nil {
			sv.cfg.Log.Error("spooled call report unreadable; left in the spool", "call", id, "err", err)
			continue
		}
		ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
		t, _, err := sv.cfg.Store.ImportCallReport(ictx, tickets.ActorIVR, r)
		cancel()
		if err != nil {
			sv.cfg.Log.Warn("spooled call report not replayed yet", "call", id, "err", err)
			if tickets.IsTransient(err) {
				return // the database is still busy: try again later
			}
			continue
		}
		if err := sv.cfg.Spool.Remove(id); err != nil {
			sv.cfg.Log.Error("remove a replayed report from the spool", "call", id, "err", err)
		}
		ref := ""
		if t != nil {
			ref = t.Ref
		}
		sv.cfg.Log.Info("spooled call report written to the database", "call", id, "ticket", ref)
	}
}

// written notes, once a node's ticket or result was written under its lead, how long it
// took from the key to the disk: from then on the confirmation may be said.
func (c *call) written() {
	if !c.confirmFrom.IsZero() {
		c.env.noteReaction(Reaction{Total: time.Since(c.confirmFrom), Own: time.Since(c.confirmFrom) - c.ariWait, Confirm: true})
		c.confirmFrom, c.ariWait = time.Time{}, 0
	}
}
