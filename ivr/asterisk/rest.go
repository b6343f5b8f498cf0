package asterisk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// REST calls Asterisk's ARI over HTTP with a time limit on every request. The pinned
// ari library (v5.3.1) sends commands with no timeout at all, so a stalled Asterisk
// would freeze a call's goroutine forever; the IVR sends its commands through here
// and uses the library for the event stream.
type REST struct {
	BaseURL  string // for example http://127.0.0.1:8088/ari
	Username string
	Password string
	HTTP     *http.Client
}

// NewREST returns a REST client whose requests give up after timeout.
func NewREST(baseURL, username, password string, timeout time.Duration) *REST {
	return &REST{
		BaseURL:  strings.TrimSuffix(baseURL, "/"),
		Username: username,
		Password: password,
		HTTP:     &http.Client{Timeout: timeout},
	}
}

// StatusError is a non-2xx answer from ARI.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ari %s %s: %d %s", e.Method, logSafe(e.Path), e.Status, logSafe(strings.TrimSpace(e.Body)))
}

// transportError is a request that got no answer from ARI. It names the method and the
// path, never the URL: the URL's query carries the endpoints dialled
// (endpoint=PJSIP/0905123456@carrier), and errors end up in the log.
type transportError struct {
	method, path string
	err          error // what the HTTP client said, without its URL
}

func (e *transportError) Error() string {
	return fmt.Sprintf("ari %s %s: %v", e.method, logSafe(e.path), e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// noAnswer turns an HTTP client error into a transportError.
func noAnswer(method, path string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &transportError{method: method, path: path, err: err}
}

// longDigits is a run of seven digits or more, with what follows it if it is an
// Asterisk channel id's dot and sequence (1733340000.123).
var longDigits = regexp.MustCompile(`[0-9]{7,}(\.[0-9]+)?`)

// logSafe masks what could be a citizen's number in text meant for the log (a path,
// such as an outage recording's name, hotline-outage/TIME-ID-vi-0905123456): every run
// of seven digits or more that is not a channel id.
func logSafe(s string) string {
	return longDigits.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, ".") {
			return m
		}
		return "[digits]"
	})
}

// IsNotFound reports whether err is ARI's 404, which for a channel means it is gone.
func IsNotFound(err error) bool {
	se, ok := err.(*StatusError)
	return ok && se.Status == http.StatusNotFound
}

// Do sends one request. query may be nil; body, if not nil, is sent as JSON; out, if not
// nil, receives the JSON answer.
func (r *REST) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := r.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("ari %s %s: encode body: %w", method, logSafe(path), err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return noAnswer(method, path, err)
	}
	req.SetBasicAuth(r.Username, r.Password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return noAnswer(method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("ari %s %s: decode answer: %w", method, logSafe(path), err)
		}
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	return nil
}

// Answer answers a channel.
func (r *REST) Answer(ctx context.Context, channelID string) error {
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/answer", nil, nil, nil)
}

// Hangup hangs a channel up with a normal clearing cause.
func (r *REST) Hangup(ctx context.Context, channelID string) error {
	q := url.Values{"reason": {"normal"}}
	return r.Do(ctx, http.MethodDelete, "/channels/"+url.PathEscape(channelID), q, nil, nil)
}

// Play starts one playback of several media in a row on a channel.
func (r *REST) Play(ctx context.Context, channelID, playbackID string, media []string) error {
	q := url.Values{"media": {strings.Join(media, ",")}}
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/play/"+url.PathEscape(playbackID), q, nil, nil)
}

// StopPlayback stops a playback; a playback that already ended is not an error.
func (r *REST) StopPlayback(ctx context.Context, playbackID string) error {
	err := r.Do(ctx, http.MethodDelete, "/playbacks/"+url.PathEscape(playbackID), nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// SetVar sets a channel variable.
func (r *REST) SetVar(ctx context.Context, channelID, name, value string) error {
	q := url.Values{"variable": {name}, "value": {value}}
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/variable", q, nil, nil)
}

// SendDTMF sends DTMF digits from a channel.
func (r *REST) SendDTMF(ctx context.Context, channelID, digits string) error {
	q := url.Values{"dtmf": {digits}, "duration": {"120"}, "between": {"100"}}
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/dtmf", q, nil, nil)
}

// Channel is the part of ARI's channel model the hotline reads.
type Channel struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Caller struct {
		Number string `json:"number"`
	} `json:"caller"`
	Dialplan struct {
		Context string `json:"context"`
		Exten   string `json:"exten"`
		AppName string `json:"app_name"`
		AppData string `json:"app_data"`
	} `json:"dialplan"`
}

// Channel returns one channel; IsNotFound(err) when Asterisk no longer has it.
func (r *REST) Channel(ctx context.Context, channelID string) (*Channel, error) {
	var ch Channel
	if err := r.Do(ctx, http.MethodGet, "/channels/"+url.PathEscape(channelID), nil, nil, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// GetVar reads a channel variable; a variable never set is IsNotFound.
func (r *REST) GetVar(ctx context.Context, channelID, name string) (string, error) {
	var v struct {
		Value string `json:"value"`
	}
	q := url.Values{"variable": {name}}
	if err := r.Do(ctx, http.MethodGet, "/channels/"+url.PathEscape(channelID)+"/variable", q, nil, &v); err != nil {
		return "", err
	}
	return v.Value, nil
}

// StoredRecordings lists the names of the recordings Asterisk keeps (a name may hold a
// folder: hotline-outage/...).
func (r *REST) StoredRecordings(ctx context.Context) ([]string, error) {
	var list []struct {
		Name string `json:"name"`
	}
	if err := r.Do(ctx, http.MethodGet, "/recordings/stored", nil, nil, &list); err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i, l := range list {
		names[i] = l.Name
	}
	return names, nil
}

// Application tells whether an ARI application is registered (someone holds its event
// WebSocket): IsNotFound(err) when none is.
func (r *REST) Application(ctx context.Context, app string) error {
	return r.Do(ctx, http.MethodGet, "/applications/"+url.PathEscape(app), nil, nil, nil)
}

// Channels lists every channel Asterisk has.
func (r *REST) Channels(ctx context.Context) ([]Channel, error) {
	var list []Channel
	if err := r.Do(ctx, http.MethodGet, "/channels", nil, nil, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// CreateChannel creates an outgoing channel into a Stasis application without dialing
// it, so that events can be subscribed to before anything happens on it. For a Local
// channel, otherChannelID names its second half, the one that runs the dialplan.
// Variables are set on the channel before it is dialed (CALLERID(num) sets the number
// it presents).
func (r *REST) CreateChannel(ctx context.Context, endpoint, app, channelID, otherChannelID string, variables map[string]string) (*Channel, error) {
	q := url.Values{"endpoint": {endpoint}, "app": {app}, "channelId": {channelID}}
	if otherChannelID != "" {
		q.Set("otherChannelId", otherChannelID)
	}
	body := struct {
		Variables map[string]string `json:"variables,omitempty"`
	}{variables}
	var ch Channel
	if err := r.Do(ctx, http.MethodPost, "/channels/create", q, body, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// Originate dials endpoint into the dialplan: once it answers, the channel runs
// extension s of dialplanContext. It presents callerID and rings for at most ring;
// variables are set on the channel first (CHANNEL(hangup_handler_push) gives it a
// hang-up handler, which runs however the call ends, answered or not).
func (r *REST) Originate(ctx context.Context, endpoint, dialplanContext, channelID, callerID string, ring time.Duration, variables map[string]string) error {
	q := url.Values{"endpoint": {endpoint}, "context": {dialplanContext}, "extension": {"s"}, "priority": {"1"},
		"channelId": {channelID}, "callerId": {callerID}, "timeout": {fmt.Sprint(int(ring.Seconds()))}}
	body := struct {
		Variables map[string]string `json:"variables,omitempty"`
	}{variables}
	return r.Do(ctx, http.MethodPost, "/channels", q, body, nil)
}

// Dial dials a created channel.
func (r *REST) Dial(ctx context.Context, channelID string, timeout time.Duration) error {
	q := url.Values{"timeout": {fmt.Sprint(int(timeout.Seconds()))}}
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/dial", q, nil, nil)
}

// EndpointState returns the state of an endpoint (online, offline, unknown);
// IsNotFound(err) when Asterisk has no such endpoint.
func (r *REST) EndpointState(ctx context.Context, tech, resource string) (string, error) {
	var ep struct {
		State string `json:"state"`
	}
	err := r.Do(ctx, http.MethodGet, "/endpoints/"+url.PathEscape(tech)+"/"+url.PathEscape(resource), nil, nil, &ep)
	return ep.State, err
}

// Subscribe makes app receive the events of an event source such as channel:ID.
func (r *REST) Subscribe(ctx context.Context, app, source string) error {
	q := url.Values{"eventSource": {source}}
	return r.Do(ctx, http.MethodPost, "/applications/"+url.PathEscape(app)+"/subscription", q, nil, nil)
}

// SetEventFilter limits the events Asterisk sends an application to the given types.
// Asterisk 22 sends event types the pinned ari library cannot decode, and the library
// crashes on them; the hotline asks only for the events it handles.
func (r *REST) SetEventFilter(ctx context.Context, app string, types []string) error {
	type typ struct {
		Type string `json:"type"`
	}
	body := struct {
		Allowed []typ `json:"allowed"`
	}{}
	for _, t := range types {
		body.Allowed = append(body.Allowed, typ{t})
	}
	return r.Do(ctx, http.MethodPut, "/applications/"+url.PathEscape(app)+"/eventFilter", nil, body, nil)
}

// Ping asks Asterisk for its identity, to tell whether ARI answers.
func (r *REST) Ping(ctx context.Context) error {
	return r.Do(ctx, http.MethodGet, "/asterisk/ping", nil, nil, nil)
}

// Record starts recording a channel into a stored recording called name (WAV), after a
// beep, ended by # (terminateOn), by maxSilence of silence, or after maxDuration.
func (r *REST) Record(ctx context.Context, channelID, name string, maxDuration, maxSilence time.Duration) error {
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/record", recordQuery(name, maxDuration, maxSilence), nil, nil)
}

// RecordBridge records what a bridge's channels say, as Record does a channel's. A
// channel the hotline dialed cannot be recorded by itself: Asterisk keeps it in its
// invisible dial bridge ("Cannot record channel while in bridge"), so it is put in a
// bridge of its own and the bridge recorded. Its events' target is "bridge:ID".
func (r *REST) RecordBridge(ctx context.Context, bridgeID, name string, maxDuration, maxSilence time.Duration) error {
	return r.Do(ctx, http.MethodPost, "/bridges/"+url.PathEscape(bridgeID)+"/record", recordQuery(name, maxDuration, maxSilence), nil, nil)
}

// recordQuery is a recording's parameters: a WAV, after a beep, ended by #, by
// maxSilence of silence or at maxDuration.
func recordQuery(name string, maxDuration, maxSilence time.Duration) url.Values {
	return url.Values{
		"name":               {name},
		"format":             {"wav"},
		"maxDurationSeconds": {fmt.Sprint(int(maxDuration.Seconds()))},
		"maxSilenceSeconds":  {fmt.Sprint(int(maxSilence.Seconds()))},
		"ifExists":           {"overwrite"},
		"beep":               {"true"},
		"terminateOn":        {"#"},
	}
}

// StopRecording ends a live recording and keeps what was recorded; one already ended is
// not an error.
func (r *REST) StopRecording(ctx context.Context, name string) error {
	err := r.Do(ctx, http.MethodPost, "/recordings/live/"+url.PathEscape(name)+"/stop", nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// FetchStoredRecording copies a stored recording's file to w. ARI has had
// GET /recordings/stored/{name}/file since Asterisk 14, but the pinned ari library does
// not know it, so it is called here directly.
func (r *REST) FetchStoredRecording(ctx context.Context, name string, w io.Writer) (int64, error) {
	path := "/recordings/stored/" + url.PathEscape(name) + "/file"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.BaseURL+path, nil)
	if err != nil {
		return 0, noAnswer(http.MethodGet, path, err)
	}
	req.SetBasicAuth(r.Username, r.Password)
	// A two-minute message is about 2 MB: longer than a command, still bounded.
	client := *r.HTTP
	client.Timeout = 2 * time.Minute
	resp, err := client.Do(req)
	if err != nil {
		return 0, noAnswer(http.MethodGet, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, &StatusError{Method: http.MethodGet, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, noAnswer(http.MethodGet, path, err)
	}
	return n, nil
}

// DeleteStoredRecording removes a stored recording from Asterisk; one already gone is not
// an error.
func (r *REST) DeleteStoredRecording(ctx context.Context, name string) error {
	err := r.Do(ctx, http.MethodDelete, "/recordings/stored/"+url.PathEscape(name), nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// StartMOH plays music on hold to a channel.
func (r *REST) StartMOH(ctx context.Context, channelID string) error {
	return r.Do(ctx, http.MethodPost, "/channels/"+url.PathEscape(channelID)+"/moh", url.Values{"mohClass": {"default"}}, nil, nil)
}

// StopMOH stops the music on hold.
func (r *REST) StopMOH(ctx context.Context, channelID string) error {
	return r.Do(ctx, http.MethodDelete, "/channels/"+url.PathEscape(channelID)+"/moh", nil, nil, nil)
}

// CreateBridge creates a mixing bridge.
func (r *REST) CreateBridge(ctx context.Context, bridgeID string) error {
	q := url.Values{"type": {"mixing"}, "bridgeId": {bridgeID}}
	return r.Do(ctx, http.MethodPost, "/bridges", q, nil, nil)
}

// AddToBridge puts channels into a bridge.
func (r *REST) AddToBridge(ctx context.Context, bridgeID string, channelIDs ...string) error {
	q := url.Values{"channel": {strings.Join(channelIDs, ",")}}
	return r.Do(ctx, http.MethodPost, "/bridges/"+url.PathEscape(bridgeID)+"/addChannel", q, nil, nil)
}

// DestroyBridge destroys a bridge; one already gone is not an error.
func (r *REST) DestroyBridge(ctx context.Context, bridgeID string) error {
	err := r.Do(ctx, http.MethodDelete, "/bridges/"+url.PathEscape(bridgeID), nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}
