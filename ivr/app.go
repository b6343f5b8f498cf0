package ivr

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/tickets"
)

// Store is what the IVR needs from the domain's store.
type Store interface {
	StartCall(ctx context.Context, c *tickets.Call) error
	AddRecording(ctx context.Context, r *tickets.Recording) error
	AddTicketNote(ctx context.Context, actor tickets.Actor, id int64, note string) error
	RecordCallback(ctx context.Context, actor tickets.Actor, ticketID int64, callID, result, agent string, talk time.Duration) error
	SaveCall(ctx context.Context, c *tickets.Call) error
	CreateTicket(ctx context.Context, actor tickets.Actor, t *tickets.Ticket) error
	LatestCallOnChannel(ctx context.Context, channelID string) (*tickets.Call, error)
}

// Config wires an App.
type Config struct {
	Application string  // the Stasis application name, as in the dialplan
	Events      ari.Bus // the event stream of a connected ari client
	REST        *REST   // commands to Asterisk, with time limits
	Store       Store   // where call records and tickets go
	Flow        *Flow   // the call flow
	SoundsURL   string  // where Asterisk fetches prompts: http://127.0.0.1:8080/sounds
	Log         *slog.Logger
	// DrainTimeout bounds how long shutdown waits for calls in progress to finish.
	DrainTimeout time.Duration
	// Connected reports whether the event WebSocket is up (the ari client's Connected).
	Connected func() bool
	// WatchEvery is how often the watchdog checks that Asterisk answers; default 1 s.
	WatchEvery time.Duration
	// PromptDuration says how long a prompt plays, to notice prompts that Asterisk ends at
	// once (an overloaded Asterisk does, without an error).
	PromptDuration func(lang, id string) time.Duration
	// Recordings is the folder voice messages are kept in.
	Recordings string
	// Queue hands callers to agents; nil means no agents (callers leave a message).
	Queue *Queue
	// Trunk is how Asterisk dials a citizen, {number} standing for the national number;
	// default PJSIP/{number}@carrier.
	Trunk string
}

// handledEvents are the only event types the hotline asks Asterisk for.
var handledEvents = []string{
	ari.Events.StasisStart, ari.Events.StasisEnd,
	ari.Events.ChannelDtmfReceived, ari.Events.ChannelHangupRequest, ari.Events.ChannelDestroyed,
	ari.Events.ChannelStateChange, ari.Events.ChannelVarset,
	ari.Events.PlaybackStarted, ari.Events.PlaybackContinuing, ari.Events.PlaybackFinished,
	ari.Events.RecordingStarted, ari.Events.RecordingFinished, ari.Events.RecordingFailed,
}

// App is the hotline's Stasis application: one goroutine per call, fed by one
// dispatcher that drains the event stream promptly.
type App struct {
	cfg       Config
	mu        sync.Mutex
	calls     map[string]*call          // by channel ID
	legs      map[string]chan ari.Event // channels the hotline dialed, to whoever dialed them
	callbacks map[*callback]struct{}    // callbacks in progress
	draining  bool
	wg        sync.WaitGroup

	statsMu   sync.Mutex
	reactions []Reaction // since the last reset
}

// Reaction is how long the hotline took from a key's event to the next prompt's
// request answered (Total), and how much of that was its own work rather than waiting
// for Asterisk to answer commands (Own).
type Reaction struct {
	Total, Own time.Duration
}

// maxReactions bounds the reaction times kept between two reads of the statistics.
const maxReactions = 100_000

// noteReaction records how long the hotline took from a key to the next prompt.
func (a *App) noteReaction(total, own time.Duration) {
	a.statsMu.Lock()
	if len(a.reactions) < maxReactions {
		a.reactions = append(a.reactions, Reaction{total, own})
	}
	a.statsMu.Unlock()
}

// Reactions returns the reaction times measured since the last call with reset, and
// clears them if reset is set.
func (a *App) Reactions(reset bool) []Reaction {
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	out := append([]Reaction(nil), a.reactions...)
	if reset {
		a.reactions = a.reactions[:0]
	}
	return out
}

// NewApp returns an App; Run starts it.
func NewApp(cfg Config) *App {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 2 * time.Minute
	}
	if cfg.WatchEvery == 0 {
		cfg.WatchEvery = time.Second
	}
	if cfg.PromptDuration == nil {
		cfg.PromptDuration = func(string, string) time.Duration { return 0 }
	}
	if cfg.Trunk == "" {
		cfg.Trunk = "PJSIP/{number}@carrier"
	}
	if cfg.Connected == nil {
		cfg.Connected = func() bool { return true }
	}
	return &App{cfg: cfg, calls: map[string]*call{}, legs: map[string]chan ari.Event{}, callbacks: map[*callback]struct{}{}}
}

// Run handles calls until ctx is cancelled, then stops taking new calls, lets calls in
// progress finish (up to DrainTimeout, after which they are ended and recorded), and
// returns once every call record is written.
func (a *App) Run(ctx context.Context) error {
	sub := a.cfg.Events.Subscribe(nil, ari.Events.All)
	defer sub.Cancel()
	if err := a.cfg.REST.SetEventFilter(ctx, a.cfg.Application, handledEvents); err != nil {
		return fmt.Errorf("set ARI event filter: %w", err)
	}
	a.recoverOrphans(ctx)
	a.cfg.Log.Info("ivr ready", "application", a.cfg.Application)

	var drainTimer <-chan time.Time
	var done chan struct{} // made when draining starts; closed when the last call ends
	watch := time.NewTicker(a.cfg.WatchEvery)
	defer watch.Stop()
	up := true
	for {
		select {
		case <-watch.C:
			up = a.watchdog(up)
		case e, ok := <-sub.Events():
			if !ok {
				return fmt.Errorf("ari event stream closed")
			}
			a.dispatch(e)
		case <-ctx.Done():
			if drainTimer == nil {
				a.mu.Lock()
				a.draining = true
				n := len(a.calls)
				a.mu.Unlock()
				a.cfg.Log.Info("ivr draining", "calls_in_progress", n)
				drainTimer = time.After(a.cfg.DrainTimeout)
				done = make(chan struct{})
				go func() { a.wg.Wait(); close(done) }()
			}
			ctx = context.Background() // keep serving events to the calls still draining
		case <-drainTimer:
			a.mu.Lock()
			for _, c := range a.calls {
				c.abort(tickets.OutcomeInterrupted)
			}
			for cb := range a.callbacks {
				cb.abort(tickets.OutcomeInterrupted)
			}
			a.mu.Unlock()
		case <-done:
			a.cfg.Log.Info("ivr stopped")
			return nil
		}
	}
}

// watchdog checks that Asterisk still answers. When it stops answering (a restart, a
// crash, a lost connection), the calls in progress are gone with it: they are ended and
// recorded as dropped rather than left waiting. When it answers again, on a WebSocket the
// ari library has reopened, the event filter is set again, since a new Asterisk knows
// nothing of it. It returns whether Asterisk is up now.
func (a *App) watchdog(wasUp bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.WatchEvery)
	defer cancel()
	up := a.cfg.Connected() && a.cfg.REST.Ping(ctx) == nil
	switch {
	case wasUp && !up:
		a.mu.Lock()
		n := len(a.calls)
		for _, c := range a.calls {
			c.abort(tickets.OutcomeDropped)
		}
		for cb := range a.callbacks {
			cb.abort(tickets.OutcomeDropped)
		}
		a.mu.Unlock()
		a.cfg.Log.Error("asterisk is not answering; calls in progress dropped", "calls", n)
	case !wasUp && up:
		if err := a.cfg.REST.SetEventFilter(ctx, a.cfg.Application, handledEvents); err != nil {
			a.cfg.Log.Error("asterisk is back but the event filter could not be set", "err", err)
			return false // try again at the next tick
		}
		a.recoverOrphans(ctx)
		a.cfg.Log.Info("asterisk answers again; taking calls")
	}
	return up
}

// recoverOrphans finds callers left in the hotline's Stasis application with nobody
// serving them: after the hotline itself crashed, or lost its connection while Asterisk
// kept the calls. Each gets an apology, a callback ticket and a clean hang-up, never
// silence.
func (a *App) recoverOrphans(ctx context.Context) {
	chans, err := a.cfg.REST.Channels(ctx)
	if err != nil {
		a.cfg.Log.Error("list channels to recover", "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ch := range chans {
		app, _, _ := strings.Cut(ch.Dialplan.AppData, ",")
		if ch.Dialplan.AppName != "Stasis" || app != a.cfg.Application || a.calls[ch.ID] != nil || a.legs[ch.ID] != nil {
			continue
		}
		if isOwnLeg(ch.ID) {
			go a.hangupStray(ch.ID)
			continue
		}
		c := newRecoveredCall(a, ch)
		a.serve(c)
		a.cfg.Log.Warn("recovering a call left without service", "call", c.rec.ID, "channel", ch.ID)
	}
}

// dispatch hands an event to the call it belongs to, starting a call on StasisStart.
// It never blocks: a call's inbox is large, and an event that does not fit is logged.
func (a *App) dispatch(e ari.Event) {
	var chID string
	switch v := e.(type) {
	case *ari.StasisStart:
		if v.Application != a.cfg.Application {
			return
		}
		if !a.startCall(v) {
			return
		}
		chID = v.Channel.ID // a leg the hotline dialed for a call: the call's event
	case *ari.ChannelStateChange:
		chID = v.Channel.ID
	case *ari.StasisEnd:
		chID = v.Channel.ID
	case *ari.ChannelDtmfReceived:
		chID = v.Channel.ID
	case *ari.ChannelHangupRequest:
		chID = v.Channel.ID
	case *ari.ChannelDestroyed:
		chID = v.Channel.ID
	case *ari.PlaybackStarted:
		chID = strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	case *ari.PlaybackFinished:
		chID = strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	case *ari.RecordingFinished:
		chID = strings.TrimPrefix(v.Recording.TargetURI, "channel:")
	case *ari.RecordingFailed:
		chID = strings.TrimPrefix(v.Recording.TargetURI, "channel:")
	default:
		return
	}
	a.mu.Lock()
	inbox := a.legs[chID]
	if c := a.calls[chID]; c != nil {
		inbox = c.events
	}
	a.mu.Unlock()
	if inbox == nil {
		return
	}
	select {
	case inbox <- e:
	default:
		a.cfg.Log.Error("call event queue full; event dropped", "channel", chID, "event", e.GetType())
	}
}

// startCall starts serving a caller who entered the application. It returns true for a
// channel that is not a caller but a leg the hotline dialed for one of its calls.
func (a *App) startCall(e *ari.StasisStart) (ownLeg bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, leg := a.legs[e.Channel.ID]; leg {
		return true
	}
	if _, dup := a.calls[e.Channel.ID]; dup {
		return false
	}
	if isOwnLeg(e.Channel.ID) {
		// A leg dialed for a call that is gone (a crash, a restart): nobody waits for it.
		go a.hangupStray(e.Channel.ID)
		return false
	}
	a.serve(newCall(a, e, a.draining))
	return false
}

func (a *App) hangupStray(channelID string) {
	a.hangupChannel(a.cfg.Log.With("stray", true), channelID)
}

// hangupChannel hangs a channel up; one already gone is not an error.
func (a *App) hangupChannel(log *slog.Logger, channelID string) {
	ctx, cancel := cmdCtx()
	defer cancel()
	if err := a.cfg.REST.Hangup(ctx, channelID); err != nil && !IsNotFound(err) {
		log.Warn("hang up", "channel", channelID, "err", err)
	}
}

// bridge puts channels together in a new mixing bridge. The function it returns
// destroys the bridge (whether or not it could be made); call it when the conversation
// ends.
func (a *App) bridge(log *slog.Logger, id string, channels ...string) (destroy func(), err error) {
	destroy = func() {
		ctx, cancel := cmdCtx()
		defer cancel()
		if err := a.cfg.REST.DestroyBridge(ctx, id); err != nil {
			log.Warn("destroy bridge", "err", err)
		}
	}
	ctx, cancel := cmdCtx()
	defer cancel()
	if err := a.cfg.REST.CreateBridge(ctx, id); err != nil {
		return destroy, err
	}
	return destroy, a.cfg.REST.AddToBridge(ctx, id, channels...)
}

// attach routes the events of a leg the hotline dialed (an agent's phone, a citizen
// called back) to inbox. Attach before creating the channel: its first event follows.
func (a *App) attach(leg string, inbox chan ari.Event) {
	a.mu.Lock()
	a.legs[leg] = inbox
	a.mu.Unlock()
}

func (a *App) detach(leg string) {
	a.mu.Lock()
	delete(a.legs, leg)
	a.mu.Unlock()
}

// serve runs a call in its own goroutine until its record is written. a.mu is held.
func (a *App) serve(c *call) {
	a.calls[c.channelID] = c
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		c.run()
		a.mu.Lock()
		delete(a.calls, c.channelID)
		a.mu.Unlock()
	}()
}

// mediaURI is where Asterisk fetches a prompt from.
func (a *App) mediaURI(p PromptRef) string {
	return "sound:" + strings.TrimSuffix(a.cfg.SoundsURL, "/") + "/" + p.Lang + "/" + p.ID + ".wav"
}
