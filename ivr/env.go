package ivr

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// What a call works with, from outside it: the configuration, the store, the agents'
// desk, and the App's services every call shares (the routing of the legs it dials, the
// progress writer, the reaction times). A call holds the services, not the App: the App
// runs calls, a call never runs the App.

// Store is what the IVR needs from the domain's store.
type Store interface {
	ProgressStore
	SaveCall(ctx context.Context, c *tickets.Call) error
	FindCall(ctx context.Context, id string) (*tickets.Call, error)
	AddRecording(ctx context.Context, r *tickets.Recording) error
	AddTicketNote(ctx context.Context, actor tickets.Actor, id int64, note string) error
	RecordCallback(ctx context.Context, actor tickets.Actor, ticketID int64, callID, result, agent string, talk time.Duration) error
	CreateTicket(ctx context.Context, actor tickets.Actor, t *tickets.Ticket) error
	ImportCallReport(ctx context.Context, actor tickets.Actor, r *tickets.CallReport) (*tickets.Ticket, bool, error)
}

// Config wires an App.
type Config struct {
	Application string                     // the Stasis application name, as in the dialplan
	Events      <-chan asterisk.StreamItem // the event stream (EventStream.Run)
	REST        *asterisk.REST             // commands to Asterisk, with time limits
	Store       Store                      // where call records and tickets go
	// Progress is where the progress of calls in progress goes: a store whose commits
	// need not reach the disk at once (tickets.Relaxed); Store if nil.
	Progress  ProgressStore
	Flow      *Flow  // the call flow
	SoundsURL string // where Asterisk fetches prompts: http://127.0.0.1:8080/sounds
	Log       *slog.Logger
	// DrainTimeout bounds how long shutdown waits for calls in progress to finish.
	DrainTimeout time.Duration
	// WatchEvery is how often the watchdog pings Asterisk; default 1 s.
	WatchEvery time.Duration
	// GoneAfter is how long Asterisk may fail to answer before the calls in progress are
	// given up as dropped; default 5 s. One slow answer is not an outage.
	GoneAfter time.Duration
	// Prompts is where the versions of the prompts that supervisors made live are kept;
	// nil plays the embedded prompts only.
	Prompts PromptSource
	// Now is the App's clock for what is live when (tests set it); time.Now by default.
	Now func() time.Time
	// PromptDuration says how long a prompt plays, to notice prompts that Asterisk ends at
	// once (an overloaded Asterisk does, without an error) and to bound each wait for one.
	PromptDuration func(lang, id string) time.Duration
	// Recordings is the folder voice messages are kept in.
	Recordings string
	// Spool keeps call reports the database cannot take until it can.
	Spool *Spool
	// Desk hands callers to agents (ivr/desk); nil means no agents (callers leave a
	// message).
	Desk Desk
	// ChannelCheckEvery is how often a conversation checks that its channels still
	// exist, in case their hang-up events were lost; default 30 s.
	ChannelCheckEvery time.Duration
}

// Desk is the agents' side of the hotline (ivr/desk): who is on duty, the line of
// callers, who is offered to whom. A call takes part by its ID and never holds the
// desk's state; the desk never reaches into the call's.
type Desk interface {
	// Open reports whether a caller can wait for an agent now.
	Open() bool
	// Join puts the caller in line and returns where the desk offers an agent's phone to
	// ring; Position is their place (1 next), Waited how long they waited, their place
	// now and when they joined (for the queue log), Leave takes them out.
	Join(callID string, front bool) <-chan string
	Position(callID string) int
	Waited(callID string) (secs, pos, orig string)
	Leave(callID string)
	// How ringing an offered agent ended: answered, not answered, or cancelled by the
	// caller.
	Answered(callID, endpoint string)
	NotAnswered(callID, endpoint string)
	Cancelled(callID, endpoint string)
	// The place of a caller who pressed 1 for a callback: kept, then saved with the
	// request (PlaceKept) or given up (DropPlace).
	KeepPlace(callID string)
	PlaceKept(ctx context.Context, callID string, r *tickets.CallbackRequest) error
	DropPlace(callID string)
	// Connected gives the agent the call's ticket; Finished ends their conversation.
	Connected(endpoint, callID, ticketRef, number string)
	Finished(endpoint string)
	LogCall(callID, endpoint, event string, data ...string)
	MaxWait() time.Duration
	Announce() time.Duration
	RingTime() time.Duration
}

// services are what the App gives every call, safe for use by many at once.
type services struct {
	cfg      Config
	legsMu   sync.Mutex
	legs     map[string]chan ari.Event // channels the hotline dialed, to whoever dialed them
	progress *progressWriter
	replayMu sync.Mutex // one spool replay at a time
	// active reports whether a call record belongs to a call in progress (the App's).
	active    func(callID string) bool
	statsMu   sync.Mutex
	reactions []Reaction // since the last reset
	// prompts is the set of prompts live now (prompts.go); each call keeps the set it
	// started with.
	prompts atomic.Pointer[Prompts]
}

// Attach routes the events of a leg the hotline dialed (an agent's phone, a citizen
// called back) to inbox. Attach before creating the channel: its first event follows.
func (sv *services) Attach(leg string, inbox chan ari.Event) {
	sv.legsMu.Lock()
	sv.legs[leg] = inbox
	sv.legsMu.Unlock()
}

// legOf is where a leg's events go, or nil for a channel that is not a leg.
func (sv *services) legOf(leg string) chan ari.Event {
	sv.legsMu.Lock()
	defer sv.legsMu.Unlock()
	return sv.legs[leg]
}

// Detach stops routing a leg's events.
func (sv *services) Detach(leg string) {
	sv.legsMu.Lock()
	delete(sv.legs, leg)
	sv.legsMu.Unlock()
}

// Prompt is where Asterisk fetches a prompt from, and how long its playback may take
// before its end is taken as lost (PlaybackLimit).
func (sv *services) Prompt(lang, id string) (uri string, limit time.Duration) {
	p := PromptRef{Lang: lang, ID: id}
	return sv.MediaURI(p), sv.PlaybackLimit([]PromptRef{p})
}

// Prompts returns the set live now.
func (sv *services) Prompts() *Prompts { return sv.prompts.Load() }

// MediaURI is where Asterisk fetches a prompt from now (sound:http://...).
func (sv *services) MediaURI(p PromptRef) string { return sv.Prompts().URI(p) }

// PlaybackLimit is how long a playback of prompts live now may take before its end is
// taken as lost (Prompts.Limit).
func (sv *services) PlaybackLimit(prompts []PromptRef) time.Duration {
	return sv.Prompts().Limit(prompts)
}

// Reaction is how long the hotline took from a key's event to the next prompt's
// request answered (Total), and how much of that was its own work rather than waiting
// for Asterisk to answer commands (Own).
type Reaction struct {
	Total, Own time.Duration
	// Wrote says the key's handling waited for a database write that must reach the disk
	// before the caller hears the next prompt (a ticket, a note, a follow-up result).
	Wrote bool
	// Confirm marks the time from a key answered by a lead (Node.Lead) to the
	// confirmation asked for once the write under it reached the disk: not a reaction
	// to the key, which the lead was.
	Confirm bool
}

// maxReactions bounds the reaction times kept between two reads of the statistics.
const maxReactions = 100_000

// noteReaction records how long the hotline took from a key to the next prompt.
func (sv *services) noteReaction(r Reaction) {
	sv.statsMu.Lock()
	if len(sv.reactions) < maxReactions {
		sv.reactions = append(sv.reactions, r)
	}
	sv.statsMu.Unlock()
}

// Reactions returns the reaction times measured since the last call with reset, and
// clears them if reset is set.
func (sv *services) Reactions(reset bool) []Reaction {
	sv.statsMu.Lock()
	defer sv.statsMu.Unlock()
	out := append([]Reaction(nil), sv.reactions...)
	if reset {
		sv.reactions = sv.reactions[:0]
	}
	return out
}
