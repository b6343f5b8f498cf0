package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/tickets"
)

// App is what the dialer needs of the hotline's Stasis application (ivr.App): its
// calls' lifetime, the hand-over of a citizen who asks for an agent, and its prompts.
type App interface {
	Track(abort func(outcome string)) (done func(), err error)
	Serve(h ivr.HandOver, enter func())
	Prompts() *ivr.Prompts
}

// ResultStore takes what a citizen's answers decide: the day's result, or their opt-out.
// Both must survive anything: the citizen hears them confirmed only once they are in.
type ResultStore interface {
	RecordFollowUpCallResult(ctx context.Context, id int64, answers tickets.Answers) (*tickets.Ticket, error)
	OptOutOfFollowUpCalls(ctx context.Context, id int64) error
}

// followUp is the automated follow-up side of a call: its attempt and what it recorded.
type followUp struct {
	store   ResultStore
	attempt *tickets.FollowUpCall
	result  string // an Attempt result, once the call recorded one
}

// act carries out a node's action on a follow-up call: the result and the opt-out are in
// the database before the citizen hears them confirmed. It returns the ticket raised
// for the result, if one was.
func (fu *followUp) act(action string, answers tickets.Answers) (*tickets.Ticket, error) {
	id := fu.attempt.ID
	switch action {
	case ivr.ActionFollowUpResult:
		var tk *tickets.Ticket
		err := tickets.RetryTransient(6*time.Second, func(ctx context.Context) error {
			var err error
			tk, err = fu.store.RecordFollowUpCallResult(ctx, id, answers)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("record the follow-up call's result: %w", err)
		}
		fu.result = tickets.AttemptWell
		if tickets.ShowsSigns(answers) {
			fu.result = tickets.AttemptSymptomatic
		}
		return tk, nil
	case ivr.ActionFollowUpOptOut:
		err := tickets.RetryTransient(6*time.Second, func(ctx context.Context) error { return fu.store.OptOutOfFollowUpCalls(ctx, id) })
		if err != nil {
			return nil, fmt.Errorf("store the opt-out: %w", err)
		}
		fu.result = tickets.AttemptOptedOut
	case ivr.ActionFollowUpAgent:
		fu.result = tickets.AttemptAgent
	default:
		return nil, fmt.Errorf("unknown action %s", action)
	}
	return nil, nil
}

// questions walks a citizen who answered a follow-up call through the follow-up flow
// over the FastAGI session Asterisk opened for it: the same machine as a call over ARI,
// its prompts played by STREAM FILE (a key cuts them short when one is awaited), the
// last before a key with GET DATA, which also takes the key. A citizen who asks for an
// agent, or who is short of breath, is handed to the application (Stasis), where the
// agent queue takes them.
type questions struct {
	app         App
	application string       // the Stasis application a citizen is handed to
	set         *ivr.Prompts // the versions the call started with: it keeps them to its end
	s           *agiSession
	m           *ivr.Machine
	fu          *followUp
	rec         *tickets.Call
	log         *slog.Logger
	cuts        int // prompts Asterisk could not play
	// ticket is the ticket the result raised, for the agent who may take the call.
	ticket *tickets.Ticket
}

// maxCuts is how many prompts Asterisk may fail to play before the call is given up, as
// on calls over ARI.
const maxCuts = 2

// errPromptCut means too many prompts could not be played.
var errPromptCut = errors.New("prompts not played")

// anyKey is what cuts a prompt short while a key is awaited.
const anyKey = `"0123456789*#"`

// ask runs the questions to the end of the call and leaves its outcome, who ended it
// and when in the call's record.
func (q *questions) ask() {
	outcome, endedBy := q.walk()
	now := time.Now().UTC()
	q.rec.Outcome, q.rec.EndedBy, q.rec.EndedAt = outcome, endedBy, &now
	q.log.Info("follow-up questions ended", "outcome", outcome, "ended_by", endedBy, "keys", len(q.m.Path.Keys()))
}

func (q *questions) walk() (outcome, endedBy string) {
	eff := q.m.Start(time.Now())
	for {
		if eff.Action != "" {
			if err := q.act(eff); err != nil {
				return q.stopped(err)
			}
		} else if len(eff.Lead) > 0 {
			if err := q.play(eff.Lead, false); err != nil {
				return q.stopped(err)
			}
		}
		switch {
		case eff.Queue != nil:
			if err := q.play(eff.Play, false); err != nil {
				return q.stopped(err)
			}
			return q.handOver(eff)
		case eff.Hangup:
			if err := q.play(eff.Play, false); err != nil {
				return q.stopped(err)
			}
			q.s.command(5*time.Second, "HANGUP")
			return q.m.Outcome(), tickets.EndedByHotline
		case eff.WaitKey > 0:
			key, err := q.keyAfter(eff.Play, eff.WaitKey)
			if err != nil {
				return q.stopped(err)
			}
			if key == "" {
				eff = q.m.Timeout(time.Now())
			} else {
				eff = q.m.Key(time.Now(), key)
			}
		default:
			// Nothing a follow-up call can wait for here (a voice message): end it
			// rather than spin.
			q.log.Error("the follow-up flow gave nothing to do over fastagi", "node", q.m.Node())
			return q.failed()
		}
	}
}

// act writes what a node's action asks (the result, the opt-out) while its lead plays:
// the confirmation that follows is heard only once it is in the database.
func (q *questions) act(eff ivr.Effects) error {
	answers := q.m.CopyAnswers()
	done := make(chan error, 1)
	go func() {
		tk, err := q.fu.act(eff.Action, answers)
		if tk != nil {
			q.ticket = tk
		}
		done <- err
	}()
	perr := q.play(eff.Lead, false)
	if err := <-done; err != nil {
		q.log.Error("follow-up call action", "action", eff.Action, "err", err)
		return errActionFailed
	}
	return perr
}

// errActionFailed means the database did not take what a node's action writes.
var errActionFailed = errors.New("follow-up call action failed")

// stopped ends the questions on an error: the citizen hung up, Asterisk went away, or a
// step failed (the citizen is told, then the call is hung up).
func (q *questions) stopped(err error) (outcome, endedBy string) {
	switch {
	case errors.Is(err, errHungUp):
		q.m.HungUp(time.Now(), false)
		return q.m.Outcome(), tickets.EndedByCaller
	case errors.Is(err, errAGIGone):
		q.log.Warn("fastagi connection lost during the questions", "node", q.m.Node())
		q.m.HungUp(time.Now(), false)
		return tickets.OutcomeDropped, tickets.EndedBySystem
	}
	return q.failed()
}

// failed apologises and hangs up.
func (q *questions) failed() (outcome, endedBy string) {
	q.play([]ivr.PromptRef{{Lang: q.m.Lang, ID: "system_busy"}}, false)
	q.s.command(5*time.Second, "HANGUP")
	if o := q.m.Outcome(); o != tickets.OutcomeHungUp {
		return o, tickets.EndedByHotline
	}
	return tickets.OutcomeError, tickets.EndedByHotline
}

// play plays prompts one by one. With keys, a key cuts them short and is returned.
func (q *questions) play(prompts []ivr.PromptRef, keys bool) error {
	_, err := q.playFor(prompts, keys)
	return err
}

func (q *questions) playFor(prompts []ivr.PromptRef, keys bool) (string, error) {
	escape := `""`
	if keys {
		escape = anyKey
	}
	for _, p := range prompts {
		res, _, err := q.s.command(q.set.Limit([]ivr.PromptRef{p}), "STREAM FILE %s %s", q.uri(p), escape)
		switch {
		case errors.Is(err, errAGIFailed):
			// Not played: a prompt Asterisk cannot play, or a channel that just hung up,
			// which the next command finds out.
			if err := q.cut(p); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case res > 0:
			return string(rune(res)), nil
		}
	}
	return "", nil
}

// uri is where Asterisk fetches a prompt from: the hotline's prompt server.
func (q *questions) uri(p ivr.PromptRef) string {
	return strings.TrimPrefix(q.set.URI(p), "sound:")
}

// cut counts a prompt Asterisk did not play; too many end the call (errPromptCut).
func (q *questions) cut(p ivr.PromptRef) error {
	q.cuts++
	q.log.Warn("prompt not played; is Asterisk overloaded?", "prompt", p.ID, "cuts", q.cuts)
	if q.cuts >= maxCuts {
		return errPromptCut
	}
	return nil
}

// keyAfter plays prompts, a key cutting them short, then waits up to wait for a key. It
// returns the key, or "" for silence. The last prompt and the wait are one GET DATA.
func (q *questions) keyAfter(prompts []ivr.PromptRef, wait time.Duration) (string, error) {
	if len(prompts) > 0 {
		if key, err := q.playFor(prompts[:len(prompts)-1], true); key != "" || err != nil {
			return key, err
		}
		last := prompts[len(prompts)-1]
		limit := q.set.Limit([]ivr.PromptRef{last}) + wait
		digits, data, err := q.s.exchange(limit, "GET DATA %s %d 1", q.uri(last), wait.Milliseconds())
		switch {
		case err != nil:
			return "", err
		case digits != "-1":
			if digits == "" && data != "timeout" {
				return "#", nil // # ends GET DATA's input: the key itself
			}
			return digits, nil // "" after the wait: silence
		}
		// Not played (or hung up, which the next command finds out): wait for a key
		// as after a prompt that ended.
		if err := q.cut(last); err != nil {
			return "", err
		}
	}
	res, _, err := q.s.command(wait+10*time.Second, "WAIT FOR DIGIT %d", wait.Milliseconds())
	if errors.Is(err, errAGIFailed) {
		return "", errHungUp // WAIT FOR DIGIT fails only on a channel that is gone
	}
	if err != nil || res == 0 {
		return "", err
	}
	return string(rune(res)), nil
}

// handOver puts the citizen into the application at the queue node the machine reached:
// the App serves them from there as any call (the queue, a callback, a message), and
// the session waits in Stasis until the call is over.
func (q *questions) handOver(eff ivr.Effects) (outcome, endedBy string) {
	h := ivr.HandOver{Record: q.rec, Machine: q.m, Queue: eff.Queue, Log: q.log}
	if q.ticket != nil {
		h.TicketID, h.TicketRef = q.ticket.ID, q.ticket.Ref
	}
	inStasis := make(chan error, 1)
	q.app.Serve(h, func() {
		_, _, err := q.s.command(12*time.Hour, "EXEC Stasis %s,%s", q.application, agiQuestions)
		inStasis <- err
	})
	select {
	case <-inStasis:
	case <-time.After(5 * time.Second):
	}
	return q.rec.Outcome, q.rec.EndedBy
}
