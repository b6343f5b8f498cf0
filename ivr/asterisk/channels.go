// Package asterisk is the hotline's glue to Asterisk's ARI: REST commands with time
// limits (REST), the event stream read by the hotline itself with its filter and
// decoding (EventStream), and the channel helpers every part that dials or bridges uses.
// It knows channels, playbacks and bridges, not calls, tickets or agents. The sandbox
// Asterisk the tests call through, and the configuration the hotline expects, are in
// this folder too (sandbox.sh, etc/).
package asterisk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v5"
)

// Legs the hotline dials itself carry these prefixes in their channel IDs, so that one
// left behind by a crash is told apart from a caller.
const (
	AgentLegPrefix    = "agent-" // an agent's phone rung for a caller
	CallbackLegPrefix = "cb-"    // the agent's or the citizen's leg of a callback
	FollowUpLegPrefix = "fu-"    // an automated follow-up call
	StudioLegPrefix   = "rec-"   // a supervisor's phone, recording a prompt
)

// IsOwnLeg reports whether a channel is one the hotline dialed (IsOwnLeg's prefixes).
func IsOwnLeg(channelID string) bool {
	return strings.HasPrefix(channelID, AgentLegPrefix) || strings.HasPrefix(channelID, CallbackLegPrefix) ||
		strings.HasPrefix(channelID, FollowUpLegPrefix) || strings.HasPrefix(channelID, StudioLegPrefix)
}

// NewID returns a short random identifier for channels and playbacks.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewToken returns a secret no one can guess: 128 random bits.
func NewToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CommandContext bounds one command to Asterisk (or one database write).
func CommandContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// EventChannel returns the channel an event is about, or "".
func EventChannel(e ari.Event) string {
	switch v := e.(type) {
	case *ari.ChannelHangupRequest:
		return v.Channel.ID
	case *ari.StasisEnd:
		return v.Channel.ID
	case *ari.ChannelDestroyed:
		return v.Channel.ID
	case *ari.ChannelDtmfReceived:
		return v.Channel.ID
	case *ari.ChannelStateChange:
		return v.Channel.ID
	case *ari.StasisStart:
		return v.Channel.ID
	}
	return ""
}

// HangupLogged hangs a channel up; one already gone is not an error, any other failure
// is logged.
func (r *REST) HangupLogged(log *slog.Logger, channelID string) {
	ctx, cancel := CommandContext()
	defer cancel()
	if err := r.Hangup(ctx, channelID); err != nil && !IsNotFound(err) {
		log.Warn("hang up", "channel", channelID, "err", err)
	}
}

// Gone reports whether Asterisk says a channel no longer exists; an Asterisk that does
// not answer is not taken to mean that.
func (r *REST) Gone(channelID string) bool {
	ctx, cancel := CommandContext()
	defer cancel()
	_, err := r.Channel(ctx, channelID)
	return IsNotFound(err)
}

// Bridge puts channels together in a new mixing bridge. The function it returns destroys
// the bridge (whether or not it could be made); call it when the conversation ends.
func (r *REST) Bridge(log *slog.Logger, id string, channels ...string) (destroy func(), err error) {
	destroy = func() {
		ctx, cancel := CommandContext()
		defer cancel()
		if err := r.DestroyBridge(ctx, id); err != nil {
			log.Warn("destroy bridge", "err", err)
		}
	}
	ctx, cancel := CommandContext()
	defer cancel()
	if err := r.CreateBridge(ctx, id); err != nil {
		return destroy, err
	}
	return destroy, r.AddToBridge(ctx, id, channels...)
}

// Causes DialLeg gives besides Asterisk's.
const (
	DialFailed  = -1 // the leg could not be made or dialled
	DialAborted = -2 // the caller of DialLeg stopped meanwhile
	DialWatched = -3 // watch ended the wait
)

// DialLeg creates a leg into the Stasis application app, dials it once it is there, and
// waits until it answers, is destroyed (Asterisk's hang-up cause, which may be 0, "not
// defined": answered says which), or rings past ring (hung up, cause 19: no answer). The
// leg's events come from events, where whoever routes the application's events sends
// them. Every other event goes to watch, if not nil, which ends the wait by returning
// true (DialWatched). what names the leg in the log, never its number.
func (r *REST) DialLeg(log *slog.Logger, app, what, leg, endpoint string, ring time.Duration, vars map[string]string,
	events <-chan ari.Event, aborted <-chan string, watch func(ari.Event) bool) (answered bool, cause int) {
	ctx, cancel := CommandContext()
	_, err := r.CreateChannel(ctx, endpoint, app, leg, "", vars)
	cancel()
	if err != nil {
		log.Warn(what+" cannot be created", "err", err)
		return false, DialFailed
	}
	limit := time.NewTimer(ring + 15*time.Second)
	defer limit.Stop()
	for {
		select {
		case <-limit.C:
			r.HangupLogged(log, leg)
			return false, 19
		case <-aborted:
			return false, DialAborted
		case e := <-events:
			switch v := e.(type) {
			case *ari.StasisStart:
				if v.Channel.ID == leg {
					ctx, cancel := CommandContext()
					err := r.Dial(ctx, leg, ring)
					cancel()
					if err != nil {
						log.Warn("dial the "+what, "err", err)
						r.HangupLogged(log, leg)
						return false, DialFailed
					}
					continue
				}
			case *ari.ChannelStateChange:
				if v.Channel.ID == leg && v.Channel.State == "Up" {
					return true, 0
				}
			case *ari.ChannelDestroyed:
				if v.Channel.ID == leg {
					return false, v.Cause
				}
			}
			if watch != nil && watch(e) {
				return false, DialWatched
			}
		}
	}
}
