package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// handledEvents are the only event types the hotline asks Asterisk for: those something
// in the hotline reads (ApplicationReplaced by the event stream, which stops on it).
var handledEvents = []string{
	ari.Events.ApplicationReplaced,
	ari.Events.StasisStart, ari.Events.StasisEnd,
	ari.Events.ChannelDtmfReceived, ari.Events.ChannelHangupRequest, ari.Events.ChannelDestroyed,
	ari.Events.ChannelStateChange, ari.Events.PlaybackFinished,
	ari.Events.RecordingFinished, ari.Events.RecordingFailed,
}

// HandledEvents returns the event types the hotline reads, for its event stream's filter.
func HandledEvents() []string { return append([]string(nil), handledEvents...) }

// App is the hotline's Stasis application: one goroutine per call, fed by one
// dispatcher that drains the event stream promptly and never waits on Asterisk.
type App struct {
	*services
	mu       sync.Mutex
	calls    map[string]*call      // by channel ID
	tracked  map[*tracked]struct{} // work outside the calls: callbacks, follow-up calls
	draining bool
	wg       sync.WaitGroup
	ctx      context.Context // lives until Run returns: background work (resync, replay)

	resyncMu    sync.Mutex // one resync at a time
	readyOnce   sync.Once
	ready       chan struct{}
	everUp      bool          // the event stream was up once (set by the dispatcher)
	promptsKick chan struct{} // a supervisor changed what callers hear
	watchState  struct {
		sync.Mutex
		gone bool
	}
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
	if cfg.GoneAfter == 0 {
		cfg.GoneAfter = 5 * time.Second
	}
	if cfg.ChannelCheckEvery == 0 {
		cfg.ChannelCheckEvery = 30 * time.Second
	}
	if cfg.PromptDuration == nil {
		cfg.PromptDuration = func(string, string) time.Duration { return 0 }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Progress == nil {
		cfg.Progress = cfg.Store
	}
	sv := &services{cfg: cfg, legs: map[string]chan ari.Event{}, progress: newProgressWriter(cfg.Progress, cfg.Log)}
	a := &App{services: sv, calls: map[string]*call{}, tracked: map[*tracked]struct{}{}, ready: make(chan struct{}),
		ctx: context.Background(), promptsKick: make(chan struct{}, 1)}
	sv.active = a.activeCall
	sv.prompts.Store(newPrompts(cfg.SoundsURL, cfg.PromptDuration, nil))
	return a
}

// Ready is closed once the event stream is up for the first time: calls are taken.
func (a *App) Ready() <-chan struct{} { return a.ready }

// Run handles calls until ctx is cancelled, then stops taking new calls, lets calls in
// progress finish (up to DrainTimeout, after which they are ended and recorded), and
// returns once every call record is written. It returns asterisk.ErrReplaced if another process
// took over the application.
func (a *App) Run(ctx context.Context) error {
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	a.ctx = bg
	if err := a.reloadPrompts(bg); err != nil {
		a.cfg.Log.Warn("read the prompts live now; the embedded ones play meanwhile", "err", err)
	}
	go a.promptsLoop(bg)
	go a.watch(bg)
	go a.replayLoop(bg)
	progressDone := make(chan struct{})
	go func() { a.progress.loop(bg); close(progressDone) }()
	defer func() { stopBackground(); <-progressDone }()

	var drainTimer <-chan time.Time
	var done chan struct{} // made when draining starts; closed when the last call ends
	var result error
	for {
		select {
		case it, ok := <-a.cfg.Events:
			if !ok {
				if done == nil {
					a.abortAll(abortReason{outcome: tickets.OutcomeInterrupted})
					a.wg.Wait()
				}
				if result != nil {
					return result
				}
				return fmt.Errorf("ari event stream ended")
			}
			switch {
			case it.Event != nil:
				a.dispatch(it.Event)
			case it.State == asterisk.StreamUp:
				first := !a.everUp
				a.everUp = true
				a.readyOnce.Do(func() { close(a.ready) })
				if first {
					a.cfg.Log.Info("ivr ready", "application", a.cfg.Application)
				} else {
					a.cfg.Log.Info("asterisk answers again; taking calls")
				}
				go a.resync(bg, first)
			case it.State == asterisk.StreamDown:
				a.cfg.Log.Warn("lost the ari event stream; reconnecting", "err", it.Err)
			case it.State == asterisk.StreamReplaced:
				// Another hotline took the application: its recovery serves these callers,
				// so they are not hung up here.
				a.cfg.Log.Error("another process connected to Asterisk as this ARI application; stopping", "application", a.cfg.Application)
				result = asterisk.ErrReplaced
				a.abortAll(abortReason{outcome: tickets.OutcomeInterrupted, keepChannel: true})
			}
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
			a.abortAll(abortReason{outcome: tickets.OutcomeInterrupted})
		case <-done:
			a.cfg.Log.Info("ivr stopped")
			return result
		}
	}
}

// abortAll ends every call in progress, and the work tracked beside them, from outside.
func (a *App) abortAll(r abortReason) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.calls {
		c.abort(r)
	}
	for t := range a.tracked {
		t.abort(r.outcome)
	}
	return len(a.calls) + len(a.tracked)
}

// tracked is work on Asterisk placed outside the App's calls.
type tracked struct{ abort func(outcome string) }

// Track counts work placed on Asterisk outside the App's calls (a callback, an automated
// follow-up call) as in progress: shutdown waits for it, and when the App gives calls up
// (Asterisk gone, shutdown's time out) it ends it with abort, which must not block. Once
// the App is stopping it refuses new work with ErrStopping. done must be called when the
// work is over.
func (a *App) Track(abort func(outcome string)) (done func(), err error) {
	t := &tracked{abort: abort}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.draining {
		return nil, ErrStopping
	}
	a.wg.Add(1)
	a.tracked[t] = struct{}{}
	return func() {
		a.mu.Lock()
		delete(a.tracked, t)
		a.mu.Unlock()
		a.wg.Done()
	}, nil
}

// HandOver is a call placed outside the App (an automated follow-up call) that the App
// is to serve from a node of its flow on: the citizen asked for an agent, or is short of
// breath.
type HandOver struct {
	Record  *tickets.Call // the call's record: whoever placed the call writes it
	Machine *Machine      // where the citizen is in the flow, with what they answered
	Queue   *QueueSpec    // the agent queue they are taken to
	// TicketID and TicketRef name the ticket the call raised, if it did.
	TicketID  int64
	TicketRef string
	Log       *slog.Logger
}

// Serve serves a handed-over call until it is over, from its channel entering the
// application (enter, run meanwhile, puts it there) to the queue's end. The outcome and
// who ended the call are left in h.Record, which the App does not write.
func (a *App) Serve(h HandOver, enter func()) {
	c := callFor(a.services, a.cfg.Flow, h.Record)
	c.m, c.log, c.recordedElsewhere = h.Machine, h.Log, true
	c.handedOver = &Effects{Queue: h.Queue}
	c.ticketID, c.ticketRef = h.TicketID, h.TicketRef
	a.mu.Lock()
	a.calls[c.channelID] = c
	a.mu.Unlock()
	go enter()
	c.run()
	a.mu.Lock()
	delete(a.calls, c.channelID)
	a.mu.Unlock()
}

// watch pings Asterisk every WatchEvery, away from the dispatcher. Only when Asterisk has
// not answered for GoneAfter are the calls in progress given up as dropped: a slow answer
// under load or a moment of network trouble is not an outage. When it answers again, the
// calls are checked against what Asterisk has (resync).
func (a *App) watch(ctx context.Context) {
	var failingSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.cfg.WatchEvery):
		}
		pctx, cancel := context.WithTimeout(ctx, 2*a.cfg.WatchEvery)
		err := a.cfg.REST.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		a.watchState.Lock()
		gone := a.watchState.gone
		switch {
		case err == nil:
			failingSince = time.Time{}
			a.watchState.gone = false
		case failingSince.IsZero():
			failingSince = time.Now()
		case !gone && time.Since(failingSince) >= a.cfg.GoneAfter:
			a.watchState.gone = true
		}
		nowGone := a.watchState.gone
		a.watchState.Unlock()
		switch {
		case err == nil && gone:
			a.cfg.Log.Info("asterisk answers pings again")
			go a.resync(ctx, false)
		case err != nil && !gone && nowGone:
			n := a.abortAll(abortReason{outcome: tickets.OutcomeDropped, keepChannel: true})
			a.cfg.Log.Error("asterisk has not answered for a while; calls in progress dropped",
				"for", a.cfg.GoneAfter, "calls", n, "err", err)
		}
	}
}

// resync brings the hotline in line with Asterisk after a (re)connect: calls whose
// channel Asterisk no longer has are over; callers left in the application with nobody
// serving them are recovered (retried until Asterisk answers); voice messages left in
// Asterisk by a crash or an outage are imported.
func (a *App) resync(ctx context.Context, first bool) {
	a.resyncMu.Lock()
	defer a.resyncMu.Unlock()
	if !first {
		a.checkCalls(ctx)
	}
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		err := a.recoverOrphans(ctx)
		if err == nil {
			break
		}
		a.cfg.Log.Warn("recover callers left without service; trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	a.importStored(ctx)
}

// checkCalls ends the calls whose channel Asterisk no longer has (their events were lost
// with the connection, or Asterisk restarted); the others go on.
func (a *App) checkCalls(ctx context.Context) {
	a.mu.Lock()
	calls := make([]*call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	gone := 0
	for _, c := range calls {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := a.cfg.REST.Channel(cctx, c.channelID)
		cancel()
		if asterisk.IsNotFound(err) {
			c.abort(abortReason{outcome: tickets.OutcomeDropped, keepChannel: true})
			gone++
		}
	}
	if gone > 0 {
		a.cfg.Log.Warn("calls Asterisk no longer has were ended as dropped", "calls", gone, "checked", len(calls))
	}
}

// recoverOrphans finds callers in the hotline's Stasis application with nobody serving
// them. A channel that carries HOTLINE_CALL was answered by a hotline that crashed or
// lost its connection: the caller gets an apology, the ticket of what they had said (or
// a callback), and a clean hang-up, never silence. A channel without it is a caller who
// arrived while the hotline was not listening: they are served as a new call.
func (a *App) recoverOrphans(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	chans, err := a.cfg.REST.Channels(lctx)
	cancel()
	if err != nil {
		return fmt.Errorf("list channels: %w", err)
	}
	for _, ch := range chans {
		app, _, _ := strings.Cut(ch.Dialplan.AppData, ",")
		if ch.Dialplan.AppName != "Stasis" || app != a.cfg.Application || a.served(ch.ID) {
			continue
		}
		if asterisk.IsOwnLeg(ch.ID) {
			go a.hangupStray(ch.ID)
			continue
		}
		vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		callID, err := a.cfg.REST.GetVar(vctx, ch.ID, "HOTLINE_CALL")
		cancel()
		if asterisk.IsNotFound(err) || (err == nil && callID == "") {
			a.mu.Lock()
			if a.calls[ch.ID] == nil && !a.draining {
				a.serve(newCallFromChannel(a.services, ch))
				a.cfg.Log.Info("serving a caller who arrived while the hotline was not listening", "channel", ch.ID)
			}
			a.mu.Unlock()
			continue
		}
		if err != nil {
			return fmt.Errorf("read HOTLINE_CALL of %s: %w", ch.ID, err)
		}
		a.mu.Lock()
		if a.calls[ch.ID] == nil {
			c := newRecoveredCall(a.services, ch, callID)
			a.serve(c)
			a.cfg.Log.Warn("recovering a call left without service", "call", callID, "channel", ch.ID)
		}
		a.mu.Unlock()
	}
	return nil
}

// served reports whether a channel is a call or a leg the hotline handles now.
func (a *App) served(channelID string) bool {
	if a.legOf(channelID) != nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[channelID] != nil
}

// activeCall reports whether a call record belongs to a call in progress here.
func (a *App) activeCall(callID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.calls {
		if c.rec.ID == callID {
			return true
		}
	}
	return false
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
	case *ari.PlaybackFinished:
		chID = strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	case *ari.RecordingFinished:
		chID = strings.TrimPrefix(v.Recording.TargetURI, "channel:")
	case *ari.RecordingFailed:
		chID = strings.TrimPrefix(v.Recording.TargetURI, "channel:")
	default:
		chID = asterisk.EventChannel(e)
	}
	if chID == "" {
		return
	}
	inbox := a.legOf(chID)
	a.mu.Lock()
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
	if a.legOf(e.Channel.ID) != nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.calls[e.Channel.ID]; c != nil {
		return c.handedOver != nil // a follow-up call that waits for its channel to enter
	}
	if asterisk.IsOwnLeg(e.Channel.ID) {
		// A leg dialed for a call that is gone (a crash, a restart): nobody waits for it.
		go a.hangupStray(e.Channel.ID)
		return false
	}
	a.serve(newCall(a.services, e, a.draining))
	return false
}

func (a *App) hangupStray(channelID string) {
	a.cfg.REST.HangupLogged(a.cfg.Log.With("stray", true), channelID)
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

// ErrStopping means the application is shutting down and no new work starts.
var ErrStopping = errors.New("the hotline is stopping")

// PromptsChanged tells the App that a supervisor changed what callers hear: the next
// call hears it.
func (a *App) PromptsChanged() {
	select {
	case a.promptsKick <- struct{}{}:
	default:
	}
}

// reloadPrompts reads the set live now from the store.
func (a *App) reloadPrompts(ctx context.Context) error {
	if a.cfg.Prompts == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	live, err := a.cfg.Prompts.LivePrompts(rctx, a.cfg.Now())
	if err != nil {
		return err
	}
	next := newPrompts(a.cfg.SoundsURL, a.cfg.PromptDuration, live)
	if old := a.prompts.Swap(next); old != nil && old.String() != next.String() {
		a.cfg.Log.Info("prompts live now changed", "versions", next.String())
	}
	return nil
}

// promptsLoop keeps the live set current until ctx ends: read again when told, at the
// next scheduled change, and every promptsRecheck.
func (a *App) promptsLoop(ctx context.Context) {
	if a.cfg.Prompts == nil {
		return
	}
	failing := false
	for {
		err := a.reloadPrompts(ctx)
		switch {
		case err != nil && !failing:
			a.cfg.Log.Warn("read the prompts live now; the last set plays meanwhile", "err", err)
		case err == nil && failing:
			a.cfg.Log.Info("the prompts live now are read again")
		}
		failing = err != nil
		wait := promptsRecheck
		now := a.cfg.Now()
		if next, err := a.cfg.Prompts.NextPromptChange(ctx, now); err == nil && next != nil {
			wait = min(wait, max(next.Sub(now)+10*time.Millisecond, 10*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-a.promptsKick:
		case <-time.After(wait):
		}
	}
}
