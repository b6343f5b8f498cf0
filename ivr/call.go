package ivr

import (
	"errors"
	"log/slog"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// call is one caller on the hotline. Its goroutine owns all of its state.
type call struct {
	env         *services
	prompts     *Prompts // the versions the call started with: it keeps them to its end
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

func newCall(a *services, e *ari.StasisStart, reject bool) *call {
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
func newCallFromChannel(a *services, ch asterisk.Channel) *call {
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
func newRecoveredCall(a *services, ch asterisk.Channel, callID string) *call {
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
func callFor(a *services, flow *Flow, rec *tickets.Call) *call {
	if n, err := tickets.NormalizePhone(rec.CallerRaw); err == nil {
		rec.CallerNumber = &n
	}
	m := NewMachine(flow)
	m.Withheld = rec.CallerNumber == nil
	return &call{
		env:       a,
		prompts:   a.Prompts(),
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
