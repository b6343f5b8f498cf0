package ivr_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// fakeARI is a small stand-in for Asterisk's ARI: enough REST for a call through the
// menus (answer, variables, playbacks that finish by themselves, hang-up) and an event
// WebSocket the test writes into, including event types no library knows.
type fakeARI struct {
	t      *testing.T
	srv    *httptest.Server
	events chan string // raw JSON events to send
	mu     sync.Mutex
	alive  map[string]bool              // channels that exist
	vars   map[string]map[string]string // channel variables
	played map[string][]string          // prompts played, by channel
	stasis []map[string]any             // channels GET /channels lists
	conns  int                          // event WebSockets opened
	// Channels the hotline creates (follow-up calls): by ID, the endpoint dialled; how a
	// dial ends (0 answers, otherwise the hang-up cause); the most up at once.
	created  map[string]string
	dialEnd  func(endpoint string) int // 0: answered; else the leg is destroyed with this cause
	up, most int
	agi      map[string]*fakeAGI // follow-up calls' AGI sessions, by channel
	// unplayable names a prompt STREAM FILE fails to play (result=-1, the channel up).
	unplayable string
	// answerAfter is how long a follow-up call rings before the citizen answers.
	answerAfter time.Duration
}

func newFakeARI(t *testing.T) *fakeARI {
	f := &fakeARI{t: t, events: make(chan string, 100), alive: map[string]bool{}, vars: map[string]map[string]string{}, played: map[string][]string{},
		created: map[string]string{}, dialEnd: func(string) int { return 0 }, agi: map[string]*fakeAGI{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func stamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000-0700") }

func channelJSON(id, number string) map[string]any {
	return map[string]any{"id": id, "name": "PJSIP/carrier-" + id, "state": "Up",
		"caller":   map[string]any{"number": number, "name": ""},
		"dialplan": map[string]any{"context": "from-trunk", "exten": "19001075", "priority": 1, "app_name": "Stasis", "app_data": "hotline"}}
}

// send queues an event of type typ with the given fields. A key pressed on a channel in
// AGI goes to its AGI session instead.
func (f *fakeARI) send(typ string, fields map[string]any) {
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
func (f *fakeARI) arrive(id, number string) {
	f.mu.Lock()
	f.alive[id] = true
	f.mu.Unlock()
	f.send("StasisStart", map[string]any{"args": []string{}, "channel": channelJSON(id, number)})
}

// promptName reads the prompt a media URI names, as lang/id: .../vi/fu_intro.wav is
// vi/fu_intro.
func promptName(uri string) string {
	m := strings.TrimSuffix(uri, ".wav")
	return m[strings.LastIndex(m[:strings.LastIndex(m, "/")], "/")+1:]
}

func (f *fakeARI) prompts(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.played[id]...)
}

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
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
	case r.Method == "POST" && path == "/channels" && r.URL.Query().Get("context") == "hotline-followup":
		var v struct{ Variables map[string]string }
		json.Unmarshal(body, &v)
		reply(200, channelJSON(r.URL.Query().Get("channelId"), ""))
		f.originate(r.URL.Query().Get("channelId"), r.URL.Query().Get("endpoint"), v.Variables["HOTLINE_AGI"])
	case r.Method == "POST" && path == "/channels/create":
		id, endpoint := r.URL.Query().Get("channelId"), r.URL.Query().Get("endpoint")
		f.alive[id], f.created[id] = true, endpoint
		f.up++
		f.most = max(f.most, f.up)
		reply(200, channelJSON(id, ""))
		go f.send("StasisStart", map[string]any{"args": []string{}, "channel": channelJSON(id, "")})
	case parts[0] == "channels" && len(parts) == 3 && parts[2] == "dial" && f.alive[parts[1]]:
		id := parts[1]
		reply(204, nil)
		if cause := f.dialEnd(f.created[id]); cause != 0 {
			f.alive[id] = false
			f.up--
			if cause == causeNotDefined {
				cause = 0
			}
			go f.send("ChannelDestroyed", map[string]any{"cause": cause, "cause_txt": "", "channel": channelJSON(id, "")})
		} else {
			go f.send("ChannelStateChange", map[string]any{"channel": channelJSON(id, "")})
		}
	case parts[0] == "channels" && len(parts) >= 2:
		id := parts[1]
		if !f.alive[id] {
			reply(404, map[string]string{"message": "Channel not found"})
			return
		}
		switch {
		case len(parts) == 2 && r.Method == "GET":
			reply(200, channelJSON(id, ""))
		case len(parts) == 2 && r.Method == "DELETE":
			f.gone(id)
			reply(204, nil)
			f.send("ChannelDestroyed", map[string]any{"cause": 16, "cause_txt": "Normal Clearing", "channel": channelJSON(id, "")})
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
			for _, m := range strings.Split(r.URL.Query().Get("media"), ",") {
				f.played[id] = append(f.played[id], promptName(m))
			}
			reply(201, map[string]any{"id": pb})
			go func() {
				time.Sleep(20 * time.Millisecond)
				f.send("PlaybackFinished", map[string]any{"playback": map[string]any{"id": pb, "target_uri": "channel:" + id, "state": "done", "media_uri": ""}})
			}()
		default:
			reply(204, nil)
		}
	default:
		reply(404, map[string]string{"message": "not in the fake"})
	}
}

// runApp runs an App against the fake, with a real store, until the test ends.
func runApp(t *testing.T, f *fakeARI, s *tickets.Store) *ivr.App {
	t.Helper()
	flow := hotlineFlow(t)
	flow.KeyTimeout = 300 * time.Millisecond
	rest := asterisk.NewREST(f.srv.URL+"/ari", "u", "p", 2*time.Second)
	items := make(chan asterisk.StreamItem, 100)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stream := &asterisk.EventStream{URL: strings.Replace(f.srv.URL, "http", "ws", 1) + "/ari/events", Application: "hotline",
		Username: "u", Password: "p", REST: rest, Filter: ivr.HandledEvents(), Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	go stream.Run(ctx, items)
	app := ivr.NewApp(ivr.Config{Application: "hotline", Events: items, REST: rest, Store: s, Flow: flow,
		SoundsURL: "http://sounds", Log: log, Spool: &ivr.Spool{Dir: t.TempDir()}, Recordings: t.TempDir(), DrainTimeout: time.Second})
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

func callOn(t *testing.T, s *tickets.Store, channel string) *tickets.Call {
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

func openTestStore(t *testing.T) *tickets.Store {
	t.Helper()
	s, err := tickets.OpenStore(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// An event type the ari library does not know (a newer Asterisk sends such) reaches
// the hotline before and during a call: it is skipped, the stream stays up, and the
// call is served to its end.
func TestUnknownEventTypeLosesNoCall(t *testing.T) {
	f := newFakeARI(t)
	s := openTestStore(t)
	runApp(t, f, s)
	f.send("ChannelTeleportedToTheMoon", map[string]any{"channel": channelJSON("x", "")})
	f.arrive("c1", "0905123456")
	f.send("AnEventFromAsterisk99", map[string]any{"whatever": []int{1, 2}})
	for deadline := time.Now().Add(5 * time.Second); len(f.prompts("c1")) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no prompt played")
		}
	}
	f.send("ChannelDtmfReceived", map[string]any{"digit": "5", "duration_ms": 100, "channel": channelJSON("c1", "")})
	c := callOn(t, s, "c1")
	if c.Outcome != tickets.OutcomeInformation || c.EndedBy != tickets.EndedByHotline || c.Path.Keys() != "5" {
		t.Errorf("call = outcome %s ended by %s keys %q, want information_only by the hotline after 5", c.Outcome, c.EndedBy, c.Path.Keys())
	}
	if got := strings.Join(f.prompts("c1"), " "); !strings.Contains(got, "vi/quarantine_info") || !strings.Contains(got, "vi/goodbye") {
		t.Errorf("prompts %s", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns != 1 {
		t.Errorf("the event stream connected %d times, want once", f.conns)
	}
}

// At start, callers waiting in the application are told apart: one a crashed hotline
// answered (HOTLINE_CALL names its record) gets the apology in their language; one who
// arrived while nobody listened is served as a new caller, not apologised to.
func TestRecoveryTellsOldCallersFromNew(t *testing.T) {
	f := newFakeARI(t)
	s := openTestStore(t)
	old := &tickets.Call{ChannelID: "old", CallerRaw: "0905123456", Language: "en",
		Path: tickets.Path{{At: time.Now(), Node: "main"}, {At: time.Now(), Node: "main", Key: "9"}, {At: time.Now(), Node: "main"}}}
	if err := s.StartCall(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	f.alive["old"], f.alive["new"] = true, true
	f.vars["old"] = map[string]string{"HOTLINE_CALL": old.ID}
	f.stasis = []map[string]any{channelJSON("old", "0905123456"), channelJSON("new", "0911222333")}
	runApp(t, f, s)
	for deadline := time.Now().Add(5 * time.Second); len(f.prompts("new")) == 0 || len(f.prompts("old")) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("prompts: old %v, new %v", f.prompts("old"), f.prompts("new"))
		}
	}
	if got := f.prompts("old"); got[0] != "en/system_recovered" {
		t.Errorf("the interrupted caller heard %v, want the apology in English", got)
	}
	if got := f.prompts("new"); got[0] != "vi/welcome" {
		t.Errorf("the new caller heard %v, want the welcome", got)
	}
	c := callOn(t, s, "old")
	if c.ID != old.ID || c.Outcome != tickets.OutcomeInterrupted {
		t.Errorf("recovered record %+v, want %s interrupted", c, old.ID)
	}
	page, _ := s.ListTickets(context.Background(), tickets.ActorSystem, tickets.TicketFilter{CallID: &old.ID})
	if len(page.Tickets) != 1 || page.Tickets[0].Category != tickets.CategoryCallback {
		t.Errorf("tickets of the interrupted call: %+v", page.Tickets)
	}
}
