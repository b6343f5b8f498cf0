package asterisk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/coder/websocket"
)

// EventStream reads Asterisk's ARI event WebSocket for one application. The pinned ari
// library cannot be trusted with it: an event type it does not know makes it panic, its
// stream is unfiltered between a (re)connect and the moment the filter is set again, its
// reconnect uses an HTTP client without a time limit, and a dead connection goes unnoticed.
// Here every connect sets the event filter before the first event is read, unknown types
// are skipped, the connection is pinged, and ApplicationReplaced (another process took the
// application) stops the stream.
type EventStream struct {
	URL         string // ws://127.0.0.1:8088/ari/events
	Application string
	Username    string
	Password    string
	REST        *REST    // sets the event filter on every connect
	Filter      []string // the event types asked for
	Log         *slog.Logger
	// PingEvery and PingTimeout: a connection whose ping is not answered in time is
	// closed and opened again. Defaults 5 s and 5 s.
	PingEvery, PingTimeout time.Duration
}

// Connection states a stream reports between events.
const (
	StreamUp       = "up"       // connected, with the event filter set
	StreamDown     = "down"     // the connection was lost; reconnecting
	StreamReplaced = "replaced" // another process took the application; the stream stopped
)

// StreamItem is one thing the stream delivers: an event, or (Event nil) a change of the
// connection's state.
type StreamItem struct {
	Event ari.Event
	State string
	Err   error
}

// ErrReplaced means another process connected to Asterisk as the same application.
var ErrReplaced = errors.New("another process took over the ARI application")

// Run connects, and reconnects after a loss, until ctx ends or the application is
// replaced, delivering what it reads to out. It closes out when it returns.
func (s *EventStream) Run(ctx context.Context, out chan<- StreamItem) error {
	defer close(out)
	if s.PingEvery == 0 {
		s.PingEvery = 5 * time.Second
	}
	if s.PingTimeout == 0 {
		s.PingTimeout = 5 * time.Second
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	backoff := 200 * time.Millisecond
	for {
		err := s.session(ctx, out)
		if errors.Is(err, ErrReplaced) {
			out <- StreamItem{State: StreamReplaced, Err: err}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			s.Log.Debug("ari event stream", "err", err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, time.Second)
		if errors.Is(err, errSessionServed) {
			backoff = 200 * time.Millisecond
		}
	}
}

// errSessionServed wraps the end of a session that was up: reconnect quickly.
var errSessionServed = errors.New("event stream lost")

// session runs one connection. It returns errSessionServed (wrapped) when a connection
// that was up ends.
func (s *EventStream) session(ctx context.Context, out chan<- StreamItem) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	fctx, fcancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.REST.SetEventFilter(fctx, s.Application, s.Filter)
	fcancel()
	if err != nil {
		conn.Close(websocket.StatusGoingAway, "")
		return fmt.Errorf("set the event filter: %w", err)
	}
	out <- StreamItem{State: StreamUp}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.ping(sctx, conn)
	for {
		_, data, err := conn.Read(sctx)
		if err != nil {
			if ctx.Err() == nil {
				out <- StreamItem{State: StreamDown, Err: err}
			}
			return fmt.Errorf("%w: %v", errSessionServed, err)
		}
		e, err := decodeEvent(data)
		if err != nil || e == nil {
			// A type this version of the library does not know: not one the hotline reads.
			var head struct {
				Type string `json:"type"`
			}
			json.Unmarshal(data, &head)
			s.Log.Debug("ari event skipped", "type", head.Type, "err", err)
			continue
		}
		if e.GetType() == ari.Events.ApplicationReplaced {
			conn.Close(websocket.StatusNormalClosure, "")
			return ErrReplaced
		}
		select {
		case out <- StreamItem{Event: e}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *EventStream) dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, fmt.Errorf("events URL %q: %w", s.URL, err)
	}
	q := u.Query()
	q.Set("app", s.Application)
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(s.Username+":"+s.Password)))
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("open the event WebSocket: %s", resp.Status)
		}
		return nil, fmt.Errorf("open the event WebSocket: %w", err)
	}
	return conn, nil
}

// ping closes the connection when Asterisk stops answering pings, so that the read loop
// ends and the stream reconnects.
func (s *EventStream) ping(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(s.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, s.PingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				s.Log.Warn("ari event stream does not answer pings; reconnecting", "err", err)
				conn.CloseNow()
				return
			}
		}
	}
}

// eventTypes make, for each event type the hotline and its test callers read, the value
// its JSON decodes into.
var eventTypes = map[string]func() ari.Event{
	ari.Events.ApplicationReplaced:  func() ari.Event { return new(ari.ApplicationReplaced) },
	ari.Events.StasisStart:          func() ari.Event { return new(ari.StasisStart) },
	ari.Events.StasisEnd:            func() ari.Event { return new(ari.StasisEnd) },
	ari.Events.ChannelDtmfReceived:  func() ari.Event { return new(ari.ChannelDtmfReceived) },
	ari.Events.ChannelHangupRequest: func() ari.Event { return new(ari.ChannelHangupRequest) },
	ari.Events.ChannelDestroyed:     func() ari.Event { return new(ari.ChannelDestroyed) },
	ari.Events.ChannelStateChange:   func() ari.Event { return new(ari.ChannelStateChange) },
	ari.Events.ChannelVarset:        func() ari.Event { return new(ari.ChannelVarset) },
	ari.Events.PlaybackStarted:      func() ari.Event { return new(ari.PlaybackStarted) },
	ari.Events.PlaybackFinished:     func() ari.Event { return new(ari.PlaybackFinished) },
	ari.Events.RecordingStarted:     func() ari.Event { return new(ari.RecordingStarted) },
	ari.Events.RecordingFinished:    func() ari.Event { return new(ari.RecordingFinished) },
	ari.Events.RecordingFailed:      func() ari.Event { return new(ari.RecordingFailed) },
}

// decodeEvent decodes an event in one pass over its JSON, where the library's
// DecodeEvent makes two (its type, then the event); a type outside eventTypes is left to
// the library, and one it does not know either gives nil.
func decodeEvent(data []byte) (ari.Event, error) {
	mk, ok := eventTypes[eventType(data)]
	if !ok {
		return ari.DecodeEvent(data)
	}
	e := mk()
	if err := json.Unmarshal(data, e); err != nil {
		return nil, err
	}
	return e, nil
}

// eventType reads an event's type without decoding the rest: Asterisk writes it first,
// and an event written otherwise is read the slow way.
func eventType(data []byte) string {
	const head = `{"type":"`
	if rest, ok := bytes.CutPrefix(data, []byte(head)); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i])
		}
	}
	var m ari.Message
	json.Unmarshal(data, &m)
	return m.Type
}
