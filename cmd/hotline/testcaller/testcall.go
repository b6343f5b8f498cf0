// Package testcaller is the hotline's tools that are not the product: a scripted caller
// that places real calls through Asterisk into the hotline (make testcall, the
// integration tests), the load generator built on it, and the DTMF captures sipp plays.
package testcaller

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/stdbus"

	"github.com/huehotline/hotline/ivr/asterisk"
)

// TestCall describes a scripted caller: a real call placed through Asterisk into the
// hotline, exactly as a carrier call arrives, pressing keys as a person would.
type TestCall struct {
	From     string // the caller's number, as the network presents it
	Endpoint string // what to dial; default Local/19001075@from-trunk
	// Keys are what the caller does, one step after each prompt: a key to press;
	// "say=3s" to speak (a tone) for that long once the hotline starts recording; "hup"
	// to hang up.
	Keys   []string
	Barge  time.Duration // > 0: press this long after a prompt starts instead of after it ends
	Settle time.Duration // after a prompt ends, how long no new prompt must start before pressing
	// HangupAfterKeys hangs up once this many keys are pressed and the next prompt has
	// started (0: during the first prompt, before any key). Negative: never.
	HangupAfterKeys int
	// HangupAtAnswer hangs up as soon as the hotline answers, before any prompt.
	HangupAtAnswer bool
	// HangupAfterTicket > 0 hangs up this long after the hotline announces a ticket (for
	// a call an agent answered: the talk time).
	HangupAfterTicket time.Duration
	MaxDuration       time.Duration // give up after this long
}

// TestCallResult is what the scripted caller observed.
type TestCallResult struct {
	ChannelID string // the caller's leg
	HotlineID string // the leg the hotline answered
	Answered  bool
	Events    []TestCallEvent
	Ticket    string // the ticket reference the hotline announced, if any
	// PromptURIs are the media URIs the hotline's prompts were played from, in order: a
	// supervisor's version of a prompt has its own.
	PromptURIs []string
	EndedBy    string // "hotline", "caller" or "timeout"
	Duration   time.Duration
}

// TestCallEvent is one thing that happened on a test call.
type TestCallEvent struct {
	At     time.Time // Asterisk's own timestamp where the event has one
	Kind   string    // answered, prompt, prompt-end, key, ticket, hangup
	Detail string
}

// Prompts returns the IDs of the prompts the hotline played, in order (lang/id).
func (r *TestCallResult) Prompts() []string {
	var ids []string
	for _, e := range r.Events {
		if e.Kind == "prompt" {
			ids = append(ids, e.Detail)
		}
	}
	return ids
}

// ReactionTimes returns, for each key the hotline received, the time from Asterisk
// receiving it to the next prompt starting, both by Asterisk's own timestamps: the
// hotline's reaction as the caller hears it.
func (r *TestCallResult) ReactionTimes() []time.Duration {
	var out []time.Duration
	var key time.Time
	for _, e := range r.Events {
		switch e.Kind {
		case "dtmf":
			key = e.At
		case "prompt":
			if !key.IsZero() {
				out = append(out, e.At.Sub(key))
				key = time.Time{}
			}
		}
	}
	return out
}

// Print writes the result for people.
func (r *TestCallResult) Print(w io.Writer) {
	var t0 time.Time
	for _, e := range r.Events {
		if t0.IsZero() {
			t0 = e.At
		}
		fmt.Fprintf(w, "%7.2fs  %-10s %s\n", e.At.Sub(t0).Seconds(), e.Kind, e.Detail)
	}
	fmt.Fprintf(w, "ended by %s after %.1fs", r.EndedBy, r.Duration.Seconds())
	if r.Ticket != "" {
		fmt.Fprintf(w, "; ticket %s", r.Ticket)
	}
	fmt.Fprintln(w)
}

// Caller places test calls through an ARI connection of its own. It subscribes to the
// leg the hotline answers, so it sees the hotline's prompts as Asterisk plays them.
type Caller struct {
	Application string
	Events      ari.Bus
	REST        *asterisk.REST
}

// callerEvents are the event types a test caller reads.
var callerEvents = []string{
	ari.Events.StasisStart, ari.Events.ChannelStateChange, ari.Events.ChannelDtmfReceived,
	ari.Events.ChannelDestroyed, ari.Events.ChannelVarset, ari.Events.PlaybackStarted,
	ari.Events.PlaybackFinished, ari.Events.RecordingStarted, ari.Events.RecordingFinished,
}

// ConnectCaller connects a test caller application to Asterisk through an asterisk.EventStream
// of its own, and returns it once its events flow; stop disconnects it.
func ConnectCaller(ctx context.Context, wsURL, app, username, password string, rest *asterisk.REST) (cl *Caller, stop func(), err error) {
	items := make(chan asterisk.StreamItem, 1024)
	stream := &asterisk.EventStream{URL: wsURL, Application: app, Username: username, Password: password,
		REST: rest, Filter: callerEvents, Log: slog.New(slog.DiscardHandler)}
	sctx, cancel := context.WithCancel(context.Background())
	go stream.Run(sctx, items)
	bus := stdbus.New()
	up := make(chan struct{})
	go func() {
		once := sync.Once{}
		for it := range items {
			if it.Event != nil {
				bus.Send(it.Event)
			} else if it.State == asterisk.StreamUp {
				once.Do(func() { close(up) })
			}
		}
	}()
	select {
	case <-up:
	case <-time.After(15 * time.Second):
		cancel()
		return nil, nil, fmt.Errorf("the test caller's event WebSocket did not open within 15 s")
	case <-ctx.Done():
		cancel()
		return nil, nil, ctx.Err()
	}
	return &Caller{Application: app, Events: bus, REST: rest}, func() { cancel(); bus.Close() }, nil
}

// Place makes one test call and returns what happened.
func (cl *Caller) Place(ctx context.Context, tc TestCall) (*TestCallResult, error) {
	if tc.Endpoint == "" {
		tc.Endpoint = "Local/19001075@from-trunk"
	}
	if tc.Settle == 0 {
		tc.Settle = 400 * time.Millisecond
	}
	if tc.MaxDuration == 0 {
		tc.MaxDuration = 3 * time.Minute
	}
	id := "tc-" + asterisk.NewID()
	res := &TestCallResult{ChannelID: id, HotlineID: id + "-hl"}
	sub := cl.Events.Subscribe(nil, ari.Events.All)
	defer sub.Cancel()

	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, tc.MaxDuration)
	defer cancel()
	// Create both legs with the caller's number, subscribe to the hotline's, then dial:
	// nothing the hotline does can happen before the subscription.
	// A Local channel presents its first half's connected line as the caller on the second.
	vars := map[string]string{"CALLERID(num)": tc.From, "CONNECTEDLINE(num,i)": tc.From}
	if _, err := cl.REST.CreateChannel(ctx, tc.Endpoint, cl.Application, res.ChannelID, res.HotlineID, vars); err != nil {
		return nil, fmt.Errorf("create test call: %w", err)
	}
	if err := cl.REST.Subscribe(ctx, cl.Application, "channel:"+res.HotlineID); err != nil {
		return nil, fmt.Errorf("subscribe to the hotline's leg: %w", err)
	}
	// The created channel enters the application a moment later; dialing before that is
	// refused ("Channel not in Stasis application").
	if err := waitStasisStart(ctx, sub, res.ChannelID); err != nil {
		return nil, err
	}
	if err := cl.REST.Dial(ctx, res.ChannelID, 30*time.Second); err != nil {
		return nil, fmt.Errorf("dial test call: %w", err)
	}
	add := func(at time.Time, kind, detail string) {
		if at.IsZero() || at.Year() < 2000 {
			at = time.Now()
		}
		res.Events = append(res.Events, TestCallEvent{At: at, Kind: kind, Detail: detail})
	}
	hangup := func() {
		hctx, hcancel := asterisk.CommandContext()
		defer hcancel()
		cl.REST.Hangup(hctx, res.ChannelID)
	}
	pressed, playing, hungUp := 0, false, false
	recording, saying := false, false
	var pressAt, sayEnd, hangupAt <-chan time.Time
	sayID := id + "-say"
	say := func() {
		d, _ := time.ParseDuration(strings.TrimPrefix(tc.Keys[pressed], "say="))
		saying = true
		add(time.Now(), "say", d.String())
		pctx, pcancel := asterisk.CommandContext()
		defer pcancel()
		if err := cl.REST.Play(pctx, res.ChannelID, sayID, []string{"tone:440"}); err != nil {
			add(time.Now(), "error", "say: "+err.Error())
		}
		sayEnd = time.After(d)
	}
	schedule := func(d time.Duration) {
		if pressed < len(tc.Keys) && !hungUp {
			pressAt = time.After(d)
		}
	}
	for {
		select {
		case <-ctx.Done():
			hangup()
			res.EndedBy, res.Duration = "timeout", time.Since(start)
			return res, nil
		case <-hangupAt:
			hangupAt = nil
			if !hungUp {
				hungUp = true
				add(time.Now(), "hangup", "by caller")
				hangup()
			}
		case <-sayEnd:
			sayEnd, saying = nil, false
			sctx, scancel := asterisk.CommandContext()
			cl.REST.StopPlayback(sctx, sayID)
			scancel()
			pressed++
			schedule(tc.Settle)
		case <-pressAt:
			pressAt = nil
			if playing && tc.Barge == 0 {
				continue // a new prompt started; wait for it to end
			}
			k := tc.Keys[pressed]
			if strings.HasPrefix(k, "say=") {
				if recording && !saying {
					say()
				}
				continue // else when the hotline starts recording
			}
			if k == "hup" {
				pressed++
				hungUp = true
				add(time.Now(), "hangup", "by caller")
				hangup()
				continue
			}
			pressed++
			add(time.Now(), "key", k)
			dctx, dcancel := asterisk.CommandContext()
			err := cl.REST.SendDTMF(dctx, res.ChannelID, k)
			dcancel()
			if err != nil {
				return res, fmt.Errorf("press %s: %w", k, err)
			}
		case e, ok := <-sub.Events():
			if !ok {
				return res, fmt.Errorf("ari event stream closed")
			}
			at := eventTime(e)
			switch v := e.(type) {
			case *ari.ChannelStateChange:
				if v.Channel.State != "Up" || res.Answered {
					continue
				}
				if v.Channel.ID == res.ChannelID || v.Channel.ID == res.HotlineID {
					res.Answered = true
					add(at, "answered", "")
					if tc.HangupAtAnswer {
						hungUp = true
						add(time.Now(), "hangup", "by caller")
						hangup()
					}
				}
			case *ari.PlaybackStarted:
				if v.Playback.TargetURI != "channel:"+res.HotlineID {
					continue
				}
				playing = true
				add(at, "prompt", promptName(v.Playback.MediaURI))
				res.PromptURIs = append(res.PromptURIs, v.Playback.MediaURI)
				if tc.HangupAfterKeys >= 0 && pressed >= tc.HangupAfterKeys && !hungUp {
					hungUp = true
					add(time.Now(), "hangup", "by caller")
					hangup()
					continue
				}
				if tc.Barge > 0 {
					schedule(tc.Barge)
				}
			case *ari.PlaybackFinished:
				if v.Playback.TargetURI != "channel:"+res.HotlineID {
					continue
				}
				playing = false
				add(at, "prompt-end", v.Playback.State)
				if tc.Barge == 0 {
					schedule(tc.Settle)
				}
			case *ari.ChannelDtmfReceived:
				if v.Channel.ID == res.HotlineID {
					add(at, "dtmf", v.Digit)
				}
			case *ari.RecordingStarted:
				if v.Recording.TargetURI != "channel:"+res.HotlineID {
					continue
				}
				recording = true
				add(at, "recording", v.Recording.Name)
				if pressed < len(tc.Keys) && strings.HasPrefix(tc.Keys[pressed], "say=") && !saying && !hungUp {
					say()
				}
			case *ari.RecordingFinished:
				if v.Recording.TargetURI == "channel:"+res.HotlineID {
					recording = false
					add(at, "recording-end", v.Recording.State)
				}
			case *ari.ChannelVarset:
				if v.Channel.ID == res.HotlineID && v.Variable == "HOTLINE_TICKET" {
					res.Ticket = v.Value
					add(at, "ticket", v.Value)
					if tc.HangupAfterTicket > 0 {
						hangupAt = time.After(tc.HangupAfterTicket)
					}
				}
			case *ari.ChannelDestroyed:
				if v.Channel.ID != res.ChannelID {
					continue
				}
				res.EndedBy, res.Duration = "hotline", time.Since(start)
				if hungUp {
					res.EndedBy = "caller"
				}
				add(at, "ended", v.CauseTxt)
				return res, nil
			}
		}
	}
}

// promptName turns a prompt's media URI into lang/id.
func promptName(uri string) string {
	uri = strings.TrimSuffix(uri, ".wav")
	parts := strings.Split(uri, "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2] + "/" + parts[len(parts)-1]
	}
	return uri
}

// eventTime returns the time Asterisk stamped on an event, or zero.
func eventTime(e ari.Event) time.Time {
	switch v := e.(type) {
	case *ari.ChannelStateChange:
		return time.Time(v.Timestamp)
	case *ari.PlaybackStarted:
		return time.Time(v.Timestamp)
	case *ari.PlaybackFinished:
		return time.Time(v.Timestamp)
	case *ari.ChannelVarset:
		return time.Time(v.Timestamp)
	case *ari.ChannelDestroyed:
		return time.Time(v.Timestamp)
	case *ari.ChannelDtmfReceived:
		return time.Time(v.Timestamp)
	case *ari.RecordingStarted:
		return time.Time(v.Timestamp)
	case *ari.RecordingFinished:
		return time.Time(v.Timestamp)
	}
	return time.Time{}
}

// waitStasisStart waits for a channel to enter the application.
func waitStasisStart(ctx context.Context, sub ari.Subscription, channelID string) error {
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	for {
		select {
		case e, ok := <-sub.Events():
			if !ok {
				return fmt.Errorf("ari event stream closed")
			}
			if st, ok := e.(*ari.StasisStart); ok && st.Channel.ID == channelID {
				return nil
			}
		case <-limit.C:
			return fmt.Errorf("test call %s never entered the application", channelID)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
