// Package ivrtest is the test harness of the ivr packages: a fake Asterisk (ARI's REST
// and event WebSocket, and the FastAGI side of follow-up calls) and the helpers that run
// the hotline's application against it with a real store.
package ivrtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// ARI is a small stand-in for Asterisk's ARI: enough REST for a call through the
// menus (answer, variables, playbacks that finish by themselves, hang-up) and an event
// WebSocket the test writes into, including event types no library knows.
type ARI struct {
	t      *testing.T
	srv    *httptest.Server
	events chan string // raw JSON events to send
	mu     sync.Mutex
	alive  map[string]bool              // channels that exist
	vars   map[string]map[string]string // channel variables
	played map[string][]string          // prompts played, by channel
	media  map[string][]string          // the media URIs of those prompts, by channel
	stasis []map[string]any             // channels GET /channels lists
	conns  int                          // event WebSockets opened
	// Channels the hotline creates (follow-up calls): by ID, the endpoint dialled; how a
	// dial ends (0 answers, otherwise the hang-up cause); the most up at once.
	created  map[string]string
	DialEnd  func(endpoint string) int // 0: answered; else the leg is destroyed with this cause
	up, most int
	agi      map[string]*agiSession // follow-up calls' AGI sessions, by channel
	// unplayable names a prompt STREAM FILE fails to play (result=-1, the channel up).
	Unplayable string
	// answerAfter is how long a follow-up call rings before the citizen answers.
	AnswerAfter time.Duration
	// Hold names a prompt (lang/id) whose playbacks do not finish by themselves, only
	// when the hotline stops them (a key cut them short), as a long prompt on a real
	// Asterisk; held lists those playing, by playback.
	Hold string
	held map[string]string
}

func NewARI(t *testing.T) *ARI {
	f := &ARI{t: t, events: make(chan string, 100), alive: map[string]bool{}, vars: map[string]map[string]string{}, played: map[string][]string{}, media: map[string][]string{},
		created: map[string]string{}, DialEnd: func(string) int { return 0 }, agi: map[string]*agiSession{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func stamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000-0700") }

func ChannelJSON(id, number string) map[string]any {
	return map[string]any{"id": id, "name": "PJSIP/carrier-" + id, "state": "Up",
		"caller":   map[string]any{"number": number, "name": ""},
		"dialplan": map[string]any{"context": "from-trunk", "exten": "19001075", "priority": 1, "app_name": "Stasis", "app_data": "hotline"}}
}

// send queues an event of type typ with the given fields. A key pressed on a channel in
// AGI goes to its AGI session instead.
func (f *ARI) Send(typ string, fields map[string]any) {
	if ch, ok := fields["channel"].(map[string]any); ok && typ == "ChannelDtmfReceived" {
		if f.agiKey(ch["id"].(string), fields["digit"].(string)) {
			return
		}
	}
	e := map[string]any{"type": typ, "application": "hotline", "timestamp": stamp()}
	for k, v := range fields {
		e[k] = v
	}
	b, _ := json.Marshal(e)
	f.events <- string(b)
}

// arrive makes a caller enter the application.
func (f *ARI) Arrive(id, number string) {
	f.mu.Lock()
	f.alive[id] = true
	f.mu.Unlock()
	f.Send("StasisStart", map[string]any{"args": []string{}, "channel": ChannelJSON(id, number)})
}

// promptName reads the prompt a media URI names, as lang/id: .../vi/fu_intro.wav is
// vi/fu_intro.
func promptName(uri string) string {
	m := strings.TrimSuffix(uri, ".wav")
	return m[strings.LastIndex(m[:strings.LastIndex(m, "/")], "/")+1:]
}

func (f *ARI) Prompts(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.played[id]...)
}

func (f *ARI) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			json.NewEncoder(w).Encode(v)
		}
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case path == "/events":
		f.conns++
		f.mu.Unlock()
		c, err := websocket.Accept(w, r, nil)
		f.mu.Lock()
		if err != nil {
			return
		}
		go func() {
			for e := range f.events {
				if c.Write(context.Background(), websocket.MessageText, []byte(e)) != nil {
					return
				}
			}
		}()
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	case r.Method == "PUT" && len(parts) == 3 && parts[0] == "applications":
		reply(200, map[string]any{})
	case path == "/asterisk/ping":
		reply(200, map[string]any{"ping": "pong"})
	case path == "/recordings/stored":
		reply(200, []any{})
	case r.Method == "GET" && path == "/channels":
		reply(200, f.stasis)
	case parts[0] == "playbacks":
		reply(204, nil)
		if len(parts) == 2 && r.Method == "DELETE" {
			if ch, ok := f.held[parts[1]]; ok {
				delete(f.held, parts[1])
				go f.Send("PlaybackFinished", map[string]any{"playback": map[string]any{"id": parts[1], "target_uri": "channel:" + ch, "state": "done", "media_uri": ""}})
			}
		}
	case r.Method == "POST" && path == "/channels" && r.URL.Query().Get("context") == "hotline-followup":
		var v struct{ Variables map[string]string }
		json.Unmarshal(body, &v)
		reply(200, ChannelJSON(r.URL.Query().Get("channelId"), ""))
		f.originate(r.URL.Query().Get("channelId"), r.URL.Query().Get("endpoint"), v.Variables["HOTLINE_AGI"])
	case r.Method == "POST" && path == "/channels/create":
		id, endpoint := r.URL.Query().Get("channelId"), r.URL.Query().Get("endpoint")
		f.alive[id], f.created[id] = true, endpoint
		f.up++
		f.most = max(f.most, f.up)
		reply(200, ChannelJSON(id, ""))
		go f.Send("StasisStart", map[string]any{"args": []string{}, "channel": ChannelJSON(id, "")})
	case parts[0] == "channels" && len(parts) == 3 && parts[2] == "dial" && f.alive[parts[1]]:
		id := parts[1]
		reply(204, nil)
		if cause := f.DialEnd(f.created[id]); cause != 0 {
			f.alive[id] = false
			f.up--
			if cause == CauseNotDefined {
				cause = 0
			}
			go f.Send("ChannelDestroyed", map[string]any{"cause": cause, "cause_txt": "", "channel": ChannelJSON(id, "")})
		} else {
			go f.Send("ChannelStateChange", map[string]any{"channel": ChannelJSON(id, "")})
		}
	case parts[0] == "channels" && len(parts) >= 2:
		id := parts[1]
		if !f.alive[id] {
			reply(404, map[string]string{"message": "Channel not found"})
			return
		}
		switch {
		case len(parts) == 2 && r.Method == "GET":
			reply(200, ChannelJSON(id, ""))
		case len(parts) == 2 && r.Method == "DELETE":
			f.gone(id)
			reply(204, nil)
			f.Send("ChannelDestroyed", map[string]any{"cause": 16, "cause_txt": "Normal Clearing", "channel": ChannelJSON(id, "")})
		case parts[2] == "answer":
			reply(204, nil)
		case parts[2] == "variable" && r.Method == "POST":
			if f.vars[id] == nil {
				f.vars[id] = map[string]string{}
			}
			f.vars[id][r.URL.Query().Get("variable")] = r.URL.Query().Get("value")
			reply(204, nil)
		case parts[2] == "variable":
			v, ok := f.vars[id][r.URL.Query().Get("variable")]
			if !ok {
				reply(404, map[string]string{"message": "Provided variable was not found"})
				return
			}
			reply(200, map[string]string{"value": v})
		case parts[2] == "play":
			pb := parts[3]
			hold := false
			for _, m := range strings.Split(r.URL.Query().Get("media"), ",") {
				f.played[id] = append(f.played[id], promptName(m))
				f.media[id] = append(f.media[id], m)
				hold = hold || (f.Hold != "" && promptName(m) == f.Hold)
			}
			reply(201, map[string]any{"id": pb})
			if hold {
				if f.held == nil {
					f.held = map[string]string{}
				}
				f.held[pb] = id
				return
			}
			go func() {
				time.Sleep(20 * time.Millisecond)
				f.Send("PlaybackFinished", map[string]any{"playback": map[string]any{"id": pb, "target_uri": "channel:" + id, "state": "done", "media_uri": ""}})
			}()
		default:
			reply(204, nil)
		}
	default:
		reply(404, map[string]string{"message": "not in the fake"})
	}
}

// RunApp runs an App against the fake, with a real store, until the test ends.
func RunApp(t *testing.T, f *ARI, s *tickets.Store) *ivr.App {
	t.Helper()
	return RunAppWith(t, f, s, nil)
}

// RunAppWith is RunApp with the App's configuration changed by set first (the prompts'
// lengths, say).
func RunAppWith(t *testing.T, f *ARI, s *tickets.Store, set func(*ivr.Config)) *ivr.App {
	t.Helper()
	flow := HotlineFlow(t)
	flow.KeyTimeout = 300 * time.Millisecond
	rest := asterisk.NewREST(f.srv.URL+"/ari", "u", "p", 2*time.Second)
	items := make(chan asterisk.StreamItem, 100)
	log := Discard
	stream := &asterisk.EventStream{URL: strings.Replace(f.srv.URL, "http", "ws", 1) + "/ari/events", Application: "hotline",
		Username: "u", Password: "p", REST: rest, Filter: ivr.HandledEvents(), Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	go stream.Run(ctx, items)
	cfg := ivr.Config{Application: "hotline", Events: items, REST: rest, Store: s, Flow: flow,
		SoundsURL: "http://sounds", Log: log, Spool: &ivr.Spool{Dir: t.TempDir()}, Recordings: t.TempDir(), DrainTimeout: time.Second,
		Prompts: s, Now: func() time.Time { return s.Now() }}
	if set != nil {
		set(&cfg)
	}
	app := ivr.NewApp(cfg)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-app.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the app did not connect to the fake ARI")
	}
	return app
}

func CallOn(t *testing.T, s *tickets.Store, channel string) *tickets.Call {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := s.ListCalls(context.Background(), tickets.ActorSystem, tickets.CallFilter{ChannelID: &channel})
		if err == nil && len(c) == 1 && c[0].EndedAt != nil {
			return c[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final record for channel %s: %v %v", channel, c, err)
		}
	}
}

func OpenStore(t *testing.T) *tickets.Store {
	t.Helper()
	s, err := tickets.OpenStore(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (f *ARI) CreatedN() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.created) }
func (f *ARI) MostUp() int   { f.mu.Lock(); defer f.mu.Unlock(); return f.most }
func (f *ARI) Legs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.created {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// hangUp is the citizen hanging up: Asterisk asks the application, then destroys the
// channel.
func (f *ARI) HangUp(id string) {
	f.mu.Lock()
	f.gone(id)
	f.mu.Unlock()
	f.Send("ChannelHangupRequest", map[string]any{"cause": 16, "channel": ChannelJSON(id, "")})
	f.Send("ChannelDestroyed", map[string]any{"cause": 16, "cause_txt": "Normal Clearing", "channel": ChannelJSON(id, "")})
}

// answeredLeg waits until the one follow-up call placed is answered and hears its first
// prompt, and returns its channel.
func (f *ARI) AnsweredLeg(t *testing.T) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if legs := f.Legs(); len(legs) == 1 && len(f.Prompts(legs[0])) > 0 {
			return legs[0]
		}
		if time.Now().After(deadline) {
			t.Fatal("the case was not called")
		}
	}
}

// press is the citizen pressing keys one by one, each once a prompt answered the one
// before.
func (f *ARI) Press(t *testing.T, leg string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		n := len(f.Prompts(leg))
		f.Send("ChannelDtmfReceived", map[string]any{"digit": k, "duration_ms": 100, "channel": ChannelJSON(leg, "")})
		for deadline := time.Now().Add(3 * time.Second); len(f.Prompts(leg)) == n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no prompt after key %s: %v", k, f.Prompts(leg))
			}
		}
	}
}

// CauseNotDefined makes the fake destroy a dialled leg with cause 0, Asterisk's "not
// defined", which a leg can end with without having been answered.
const CauseNotDefined = -100

// AreaGroups returns the real area groups, from a fresh store's units.
func AreaGroups(tb testing.TB) []tickets.AreaGroup {
	tb.Helper()
	s, err := tickets.OpenStore(context.Background(), filepath.Join(tb.TempDir(), "h.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	g, err := s.AreaGroups(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func HotlineFlow(tb testing.TB) *ivr.Flow {
	tb.Helper()
	return ivr.HotlineFlow(AreaGroups(tb))
}

// The fake's dialplan for follow-up calls (context hotline-followup): a call the hotline
// originates rings, then either ends with dialEnd's cause or is answered and runs
// AGI(${HOTLINE_AGI}/followup), the fake playing Asterisk's side of FastAGI: STREAM FILE
// notes the prompt and lasts 20 ms unless a key cuts it short, WAIT FOR DIGIT waits for
// a key, GET DATA does both, EXEC Stasis puts the channel into the application (events
// over ARI from then). However the call ends, the hang-up handler runs
// AGI(${HOTLINE_AGI}/end,cause).

// agiSession is Asterisk's side of one channel's AGI(followup).
type agiSession struct {
	keys     chan string   // keys the citizen presses (ChannelDtmfReceived while in AGI)
	hungUp   chan struct{} // closed when the channel hangs up
	once     sync.Once
	inStasis bool     // EXEC Stasis: events go over ARI
	conn     net.Conn // the session's connection, once open
	crashed  bool     // Asterisk died: no end is reported
}

func (g *agiSession) hangUp() { g.once.Do(func() { close(g.hungUp) }) }

// originate runs a follow-up call's dialplan. The fake's lock is held.
func (f *ARI) originate(id, endpoint, agiURL string) {
	f.alive[id], f.created[id] = true, endpoint
	f.up++
	f.most = max(f.most, f.up)
	// agi://host:port/TOKEN: Asterisk connects to host:port and sends TOKEN/script.
	addr := strings.TrimPrefix(agiURL, "agi://")
	cause := f.DialEnd(endpoint)
	if cause != 0 {
		f.gone(id)
		if cause == CauseNotDefined {
			cause = 0
		}
		go f.agiEnd(addr, id, cause)
		return
	}
	g := &agiSession{keys: make(chan string, 10), hungUp: make(chan struct{})}
	f.agi[id] = g
	go f.runAGI(addr, id, g)
}

// gone ends a channel once. The fake's lock is held.
func (f *ARI) gone(id string) {
	if f.alive[id] {
		f.alive[id] = false
		if _, ok := f.created[id]; ok {
			f.up--
		}
	}
	if g := f.agi[id]; g != nil {
		g.hangUp()
	}
}

// agiKey delivers a key to a channel in AGI; false if it is not in AGI.
func (f *ARI) agiKey(id, key string) bool {
	f.mu.Lock()
	g := f.agi[id]
	f.mu.Unlock()
	if g == nil || g.inStasis {
		return false
	}
	g.keys <- key
	return true
}

// agiDial connects to the FastAGI server of an AGI URL's address and token (host:port/TOKEN)
// and returns the script's prefix (TOKEN/).
func agiDial(at string) (net.Conn, string, error) {
	addr, token, found := strings.Cut(at, "/")
	conn, err := net.Dial("tcp", addr)
	if !found {
		return conn, "", err
	}
	return conn, token + "/", err
}

func (f *ARI) agiEnd(at, id string, cause int) {
	conn, prefix, err := agiDial(at)
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "agi_network_script: %send\nagi_uniqueid: %s\nagi_arg_1: %d\n\n", prefix, id, cause)
	conn.Read(make([]byte, 1)) // until the hotline closes the session
}

// crashAGI is Asterisk dying during a follow-up call's questions: the FastAGI connection
// breaks, no end is reported, and the channel is gone.
func (f *ARI) CrashAGI(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.agi[id]; g != nil && g.conn != nil {
		g.crashed = true
		f.gone(id)
		g.conn.Close()
	}
}

func (f *ARI) runAGI(addr, id string, g *agiSession) {
	defer func() {
		f.mu.Lock()
		f.gone(id)
		crashed := g.crashed
		f.mu.Unlock()
		if !crashed {
			f.agiEnd(addr, id, 16)
		}
	}()
	f.mu.Lock()
	ring := f.AnswerAfter
	f.mu.Unlock()
	time.Sleep(ring)
	conn, prefix, err := agiDial(addr)
	if err != nil {
		return
	}
	defer conn.Close()
	f.mu.Lock()
	g.conn = conn
	f.mu.Unlock()
	fmt.Fprintf(conn, "agi_network_script: %sfollowup\nagi_uniqueid: %s\nagi_channel: PJSIP/carrier-%s\n\n", prefix, id, id)
	r := bufio.NewReader(conn)
	dead := func() bool {
		select {
		case <-g.hungUp:
			return true
		default:
			return false
		}
	}
	// key waits up to d for a key: its ASCII code, 0 for none, -1 if the channel hung up.
	key := func(d time.Duration) int {
		select {
		case k := <-g.keys:
			return int(k[0])
		case <-g.hungUp:
			return -1
		case <-time.After(d):
			return 0
		}
	}
	// playable notes a prompt as played and reports whether the fake can play it.
	playable := func(uri string) bool {
		m := promptName(uri)
		f.mu.Lock()
		f.played[id] = append(f.played[id], m)
		f.mu.Unlock()
		return f.Unplayable == "" || !strings.HasSuffix(m, "/"+f.Unplayable)
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return // the hotline ended the session: the dialplan hangs up
		}
		cmd := strings.Fields(strings.TrimSpace(l))
		if dead() {
			fmt.Fprint(conn, "HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n")
			continue
		}
		switch {
		case len(cmd) >= 4 && cmd[0] == "STREAM" && cmd[1] == "FILE":
			res := 0
			if !playable(cmd[2]) {
				fmt.Fprint(conn, "200 result=-1 endpos=0\n")
				continue
			}
			if cmd[3] == `""` {
				select {
				case <-g.hungUp:
					res = -1
				case <-time.After(20 * time.Millisecond):
				}
			} else {
				res = key(20 * time.Millisecond)
			}
			fmt.Fprintf(conn, "200 result=%d endpos=1000\n", res)
		case len(cmd) == 5 && cmd[0] == "GET" && cmd[1] == "DATA":
			if !playable(cmd[2]) {
				fmt.Fprint(conn, "200 result=-1\n")
				continue
			}
			ms, _ := strconv.Atoi(cmd[3])
			switch k := key(20*time.Millisecond + time.Duration(ms)*time.Millisecond); k {
			case -1:
				fmt.Fprint(conn, "200 result=-1\n")
			case 0:
				fmt.Fprint(conn, "200 result= (timeout)\n")
			case '#':
				fmt.Fprint(conn, "200 result=\n")
			default:
				fmt.Fprintf(conn, "200 result=%c\n", k)
			}
		case len(cmd) == 4 && cmd[0] == "WAIT" && cmd[2] == "DIGIT":
			ms, _ := strconv.Atoi(cmd[3])
			fmt.Fprintf(conn, "200 result=%d\n", key(time.Duration(ms)*time.Millisecond))
		case len(cmd) == 1 && cmd[0] == "HANGUP":
			f.mu.Lock()
			f.gone(id)
			f.mu.Unlock()
			fmt.Fprint(conn, "200 result=1\n")
		case len(cmd) == 3 && cmd[0] == "EXEC" && cmd[1] == "Stasis":
			f.mu.Lock()
			g.inStasis = true
			f.mu.Unlock()
			args := strings.Split(cmd[2], ",")[1:]
			f.Send("StasisStart", map[string]any{"args": args, "channel": ChannelJSON(id, "")})
			<-g.hungUp
			fmt.Fprint(conn, "200 result=-1\n")
		default:
			fmt.Fprint(conn, "510 Invalid or unknown command\n")
		}
	}
}

// SetChannel makes a channel exist with the given variables, as one Asterisk has before
// the hotline starts.
func (f *ARI) SetChannel(id string, vars map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alive[id] = true
	if vars != nil {
		f.vars[id] = vars
	}
}

// SetStasis sets the channels GET /channels lists (callers already in the application).
func (f *ARI) SetStasis(chans ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stasis = chans
}

// Conns is how many times the event WebSocket was opened.
func (f *ARI) Conns() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

// Created is the endpoint a channel the hotline created dialled.
func (f *ARI) Created(leg string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created[leg]
}

// URL is the fake's ARI base URL.
func (f *ARI) URL() string { return f.srv.URL + "/ari" }

// Discard is a log that writes nothing.
var Discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// REST is a client of the fake's ARI.
func (f *ARI) REST() *asterisk.REST { return asterisk.NewREST(f.URL(), "u", "p", 2*time.Second) }

// Media returns the media URIs a channel was played, in order (a version of a prompt has
// its own).
func (f *ARI) Media(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.media[id]...)
}
