package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// fakeDesk is an agents' desk the test changes by hand.
type fakeDesk struct {
	mu      sync.Mutex
	view    tickets.DeskView
	changed chan struct{}
	log     []string
}

func newFakeDesk() *fakeDesk { return &fakeDesk{changed: make(chan struct{}, 1)} }

func (f *fakeDesk) set(fn func(d *tickets.DeskView)) {
	f.mu.Lock()
	fn(&f.view)
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeDesk) agent(id int64, fn func(a *tickets.AgentView)) {
	f.set(func(d *tickets.DeskView) {
		for i := range d.Agents {
			if d.Agents[i].UserID == id {
				fn(&d.Agents[i])
			}
		}
	})
}

func (f *fakeDesk) note(s string) { f.mu.Lock(); f.log = append(f.log, s); f.mu.Unlock() }

func (f *fakeDesk) Snapshot() tickets.DeskView {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.view
	d.Agents = slices.Clone(f.view.Agents)
	d.Waiting = slices.Clone(f.view.Waiting)
	return d
}
func (f *fakeDesk) Changed() <-chan struct{} { return f.changed }
func (f *fakeDesk) SignIn(_ context.Context, u *tickets.User) error {
	f.note("signin " + u.Username)
	if f.Snapshot().Agent(u.ID) != nil {
		return nil
	}
	f.set(func(d *tickets.DeskView) {
		d.Agents = append(d.Agents, tickets.AgentView{UserID: u.ID, Name: u.Name(), Endpoint: u.Phone, State: tickets.AgentReady, Since: time.Now()})
	})
	return nil
}
func (f *fakeDesk) SignOut(_ context.Context, id int64, why string) error {
	f.note("signout " + why)
	f.set(func(d *tickets.DeskView) {
		d.Agents = slices.DeleteFunc(d.Agents, func(a tickets.AgentView) bool { return a.UserID == id })
	})
	return nil
}
func (f *fakeDesk) Pause(id int64, reason string) error {
	f.note("pause " + reason)
	f.agent(id, func(a *tickets.AgentView) { a.State, a.Reason = tickets.AgentPaused, reason })
	return nil
}
func (f *fakeDesk) Ready(id int64) error {
	f.note("ready")
	f.agent(id, func(a *tickets.AgentView) { a.State, a.Reason = tickets.AgentReady, "" })
	return nil
}
func (f *fakeDesk) AcceptOffer(id int64) (string, error) {
	a := f.Snapshot().Agent(id)
	if a == nil || a.Offer == nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Không còn yêu cầu gọi lại nào dành cho bạn.")
	}
	ref := a.Offer.TicketRef
	f.agent(id, func(a *tickets.AgentView) { a.State, a.Offer = tickets.AgentRinging, nil })
	return ref, nil
}
func (f *fakeDesk) SetDisposition(id int64, callID, code string) {
	f.agent(id, func(a *tickets.AgentView) {
		if a.CallID == callID {
			a.Disposition = code
		}
	})
}

// eventStream reads a page's server-sent events.
type eventStream struct {
	t      *testing.T
	events chan [2]string
	cancel func()
}

func openEvents(t *testing.T, cl *http.Client, u string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	es := &eventStream{t: t, events: make(chan [2]string, 256), cancel: func() { cancel(); resp.Body.Close() }}
	t.Cleanup(es.cancel)
	go func() {
		defer close(es.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			case line == "" && name != "":
				es.events <- [2]string{name, strings.Join(data, "\n")}
				name, data = "", nil
			case line == "" && len(data) > 0: // an event without a name is a "message"
				es.events <- [2]string{"message", strings.Join(data, "\n")}
				data = nil
			}
		}
	}()
	return es
}

// next waits for the next event of a name and returns its data.
func (es *eventStream) next(name string, ok func(data string) bool) string {
	es.t.Helper()
	limit := time.After(5 * time.Second)
	for {
		select {
		case e, open := <-es.events:
			if !open {
				es.t.Fatalf("the stream ended waiting for %s", name)
			}
			if e[0] == name && (ok == nil || ok(e[1])) {
				return e[1]
			}
		case <-limit:
			es.t.Fatalf("no %s event within 5 s", name)
		}
	}
}

// none checks no event of a name comes within d.
func (es *eventStream) none(name string, d time.Duration) {
	es.t.Helper()
	limit := time.After(d)
	for {
		select {
		case e, open := <-es.events:
			if !open {
				return
			}
			if e[0] == name {
				es.t.Errorf("unexpected %s event: %s", name, e[1])
			}
		case <-limit:
			return
		}
	}
}

// The live events of a console page: the queue strip and the agent's desk from the
// start; the screen-pop once per call answered; who else has a ticket open, as they open
// and leave it; nothing of the call centre's for an officer; the wallboard for
// supervisors only.
func TestLiveEvents(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
	lan := c.client("lan") // signing in puts lan on duty (lan has a phone)
	if got := desk.Snapshot().Agent(c.users["lan"].ID); got == nil || got.State != tickets.AgentReady {
		t.Fatalf("lan after signing in: %+v", got)
	}
	desk.set(func(d *tickets.DeskView) { d.Waiting = []time.Time{time.Now().Add(-time.Minute)} })
	es := openEvents(t, lan, c.srv.URL+"/events")
	es.next("strip", func(d string) bool { return strings.Contains(d, `data-testid="strip-waiting">1<`) })
	es.next("desk", func(d string) bool { return strings.Contains(d, `data-state="ready"`) })

	lanID := c.users["lan"].ID
	// The phone answered but the caller is not put through yet: the desk says so, and no
	// page opens until the call's ticket is known.
	desk.agent(lanID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.Inbound = tickets.AgentOnCall, "call-7", true
	})
	es.next("desk", func(d string) bool { return strings.Contains(d, `data-state="on_call"`) })
	es.none("pop", 300*time.Millisecond)
	desk.agent(lanID, func(a *tickets.AgentView) {
		a.TicketRef, a.Number, a.Talking = tk.Ref, "+84905123456", true
	})
	es.next("desk", func(d string) bool { return strings.Contains(d, "0905 123 456") })
	if got := es.next("pop", nil); got != "/tickets/"+tk.Ref+"?call=call-7" {
		t.Errorf("pop = %q", got)
	}
	desk.set(func(d *tickets.DeskView) { d.Waiting = nil }) // another change during the same call
	es.none("pop", 300*time.Millisecond)

	// Soft presence: minh opens the ticket; lan's pages hear it, and hear minh leave.
	minh := c.client("minh")
	ms := openEvents(t, minh, c.srv.URL+"/events?ticket="+tk.Ref)
	ms.next("strip", nil)
	if got := es.next("viewers-"+tk.Ref, func(d string) bool { t.Logf("viewers event %q", d); return d != "" }); !strings.Contains(got, "Lê Minh đang xem") {
		t.Errorf("viewers = %q", got)
	}
	ms.cancel()
	es.next("viewers-"+tk.Ref, func(d string) bool { return d == "" })
	// A page rendered meanwhile shows it too.
	lanTicket := openEvents(t, lan, c.srv.URL+"/events?ticket="+tk.Ref)
	lanTicket.next("desk", nil)
	code, body := get(t, minh, c.srv.URL+"/tickets/"+tk.Ref)
	if code != http.StatusOK || !strings.Contains(body, "Nguyễn Thị Lan đang xem") || !strings.Contains(body, `sse-connect="/events?ticket=`+tk.Ref+`"`) {
		t.Errorf("ticket page: %d, lacks lan viewing or its live stream", code)
	}

	// An officer gets presence but nothing of the call centre; roles are kept.
	hoa := openEvents(t, c.client("hoa"), c.srv.URL+"/events")
	hoa.none("strip", 300*time.Millisecond)
	if code, _ := get(t, c.client("root"), c.srv.URL+"/events"); code != http.StatusForbidden {
		t.Errorf("an admin's events: %d", code)
	}
	if code, _ := get(t, lan, c.srv.URL+"/events?wallboard=1"); code != http.StatusForbidden {
		t.Errorf("an agent's wallboard events: %d", code)
	}
	if code, _ := get(t, lan, c.srv.URL+"/wallboard"); code != http.StatusForbidden {
		t.Errorf("an agent's wallboard: %d", code)
	}
	// The wallboard's page listens to the wallboard's events (and the strip's).
	if code, body := get(t, minh, c.srv.URL+"/wallboard"); code != http.StatusOK || !strings.Contains(body, `sse-connect="/events?wallboard=1"`) {
		t.Errorf("the wallboard page: %d, not connected to its events", code)
	}
	wb := openEvents(t, minh, c.srv.URL+"/events?wallboard=1")
	if got := wb.next("wallboard", nil); !strings.Contains(got, `data-testid="wb-oncall">1<`) || !strings.Contains(got, "Nguyễn Thị Lan") {
		t.Errorf("wallboard = %q", got)
	}
	wb.next("strip", nil)
	// Signing out takes lan off duty.
	if code, _ := post(t, lan, c.srv.URL+"/logout", nil); code != http.StatusSeeOther {
		t.Errorf("sign out: %d", code)
	}
	if desk.Snapshot().Agent(lanID) != nil {
		t.Error("lan still on duty after signing out")
	}
}

// The desk's actions: pause with a reason, ready, the disposition of the call in hand
// (kept on the call's record, audited on its ticket), a callback offer taken.
func TestDeskActions(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.ticket(tickets.CategoryOther, "0905123456", nil, nil)
	c.onShift("lan", "PJSIP/agent101")
	c.answeredBy(tk, "PJSIP/agent101") // the call was in lan's hands
	lan := c.client("lan")
	lanID := c.users["lan"].ID
	hx := func(path string, form url.Values) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		resp, err := lan.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		bufio.NewReader(resp.Body).WriteTo(b)
		return resp.StatusCode, b.String()
	}
	if code, body := hx("/desk/pause", url.Values{"reason": {"training"}}); code != http.StatusOK || !strings.Contains(body, "Tập huấn") {
		t.Errorf("pause: %d %s", code, body)
	}
	if code, body := hx("/desk/ready", nil); code != http.StatusOK || !strings.Contains(body, `data-state="ready"`) {
		t.Errorf("ready: %d %s", code, body)
	}
	desk.agent(lanID, func(a *tickets.AgentView) { a.State, a.CallID, a.TicketRef = tickets.AgentWrapUp, *tk.CallID, tk.Ref })
	if code, body := hx("/desk/disposition", url.Values{"call": {*tk.CallID}, "disposition": {"bogus"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "desk-problem") {
		t.Errorf("an unknown disposition: %d %s", code, body)
	}
	if code, body := hx("/desk/disposition", url.Values{"call": {*tk.CallID}, "disposition": {"referred_115"}}); code != http.StatusOK ||
		!strings.Contains(body, "Đã chuyển cấp cứu 115") {
		t.Errorf("disposition: %d %s", code, body)
	}
	call, err := c.store.FindCall(context.Background(), *tk.CallID)
	if err != nil || call.Disposition != "referred_115" {
		t.Errorf("call disposition: %+v %v", call, err)
	}
	evs, _ := c.store.TicketEvents(context.Background(), tickets.ActorSystem, tk.ID)
	if !slices.ContainsFunc(evs, func(e *tickets.Event) bool { return e.Kind == "disposition" && e.Actor == "lan" }) {
		t.Errorf("no disposition by lan in the ticket's trail: %+v", evs)
	}
	if code, _ := hx("/desk/offer", nil); code != http.StatusUnprocessableEntity {
		t.Errorf("taking an offer there is not: %d", code)
	}
	desk.agent(lanID, func(a *tickets.AgentView) {
		a.State, a.Offer = tickets.AgentOffered, &tickets.CallbackOffer{TicketRef: tk.Ref, Number: "+84905123456", Until: time.Now().Add(30 * time.Second)}
	})
	_, page := get(t, lan, c.srv.URL+"/tickets")
	if !strings.Contains(page, `data-testid="offer"`) || !strings.Contains(page, "Gọi lại ngay") {
		t.Error("the offer is not on the agent's page")
	}
	if code, _ := post(t, lan, c.srv.URL+"/desk/offer", nil); code != http.StatusSeeOther {
		t.Errorf("take the offer: %d", code)
	}
	if code, _ := post(t, c.client("hoa"), c.srv.URL+"/desk/ready", nil); code != http.StatusForbidden {
		t.Errorf("an officer's desk: %d", code)
	}
}

// The missed-call worklist: each missed call can be marked handled, or all those the
// filter shows at once; the ticket is resolved by the agent, who took it.
func TestMissedCallWorklist(t *testing.T) {
	c := newConsole(t)
	a := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	b := c.ticket(tickets.CategoryMissedCall, "0905000002", ptr(phuXuan), nil)
	other := c.ticket(tickets.CategoryMissedCall, "0905000003", ptr(kimLong), nil)
	notMissed := c.ticket(tickets.CategoryCallback, "0905000004", ptr(phuXuan), nil)
	lan := c.client("lan")
	_, page := get(t, lan, c.srv.URL+"/tickets?view=missed")
	if strings.Count(page, `data-testid="row-handled"`) != 3 || !strings.Contains(page, `data-testid="mark-all-handled"`) {
		t.Fatal("the worklist lacks its actions")
	}
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/tickets/"+a.Ref+"/handled", nil)
	req.Header.Set("HX-Request", "true")
	resp, err := lan.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("handled: %s", resp.Status)
	}
	if code, _ := post(t, lan, c.srv.URL+"/tickets/"+a.Ref+"/handled", nil); code != http.StatusConflict {
		t.Errorf("handled twice: %d, want 409", code)
	}
	markAll(t, c, lan, url.Values{"area": {phuXuan}})
	ctx := context.Background()
	for _, x := range []struct {
		tk   *tickets.Ticket
		want string
	}{{a, tickets.StatusResolved}, {b, tickets.StatusResolved}, {other, tickets.StatusNew}, {notMissed, tickets.StatusNew}} {
		got, _ := c.store.GetTicket(ctx, tickets.ActorSystem, x.tk.ID)
		if got.Status != x.want {
			t.Errorf("%s (%s) is %s, want %s", got.Ref, got.Category, got.Status, x.want)
		}
		if x.want == tickets.StatusResolved && (got.AssigneeUserID == nil || *got.AssigneeUserID != c.users["lan"].ID) {
			t.Errorf("%s resolved without lan taking it", got.Ref)
		}
	}
	_, page = get(t, lan, c.srv.URL+"/tickets?view=missed&area="+phuXuan+"&done=1")
	if !strings.Contains(page, "Đã đánh dấu 1 phiếu") {
		t.Error("no message after marking")
	}
	if code, _ := post(t, c.client("hoa"), c.srv.URL+"/missed/handled", nil); code != http.StatusForbidden {
		t.Errorf("an officer marking the call centre's worklist: %d", code)
	}
}

// A withheld number is linked to the caller known by another number: the caller panel
// then shows that number's history, and callbacks go to it.
func TestLinkWithheldCaller(t *testing.T) {
	c := newConsole(t)
	known := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
	withheld := c.ticket(tickets.CategoryOther, "", nil, nil)
	lan := c.client("lan")
	_, page := get(t, lan, c.srv.URL+"/tickets/"+withheld.Ref)
	if !strings.Contains(page, `data-testid="link-caller"`) {
		t.Fatal("no link form for a withheld number")
	}
	if code, body := post(t, lan, c.srv.URL+"/tickets/"+withheld.Ref+"/caller", url.Values{"phone": {"12"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `data-testid="error-caller"`) {
		t.Errorf("a bad number: %d", code)
	}
	if code, _ := post(t, lan, c.srv.URL+"/tickets/"+withheld.Ref+"/caller", url.Values{"phone": {"0905 123 456"}}); code != http.StatusSeeOther {
		t.Fatalf("link: %d", code)
	}
	_, page = get(t, lan, c.srv.URL+"/tickets/"+withheld.Ref)
	if !strings.Contains(page, known.Ref) || strings.Contains(page, `data-testid="link-caller"`) {
		t.Error("after linking, the page lacks the known caller's ticket or still offers the link")
	}
}

// ended reports whether the stream ends within d (the server closed it).
func (es *eventStream) ended(d time.Duration) bool {
	es.t.Helper()
	limit := time.After(d)
	for {
		select {
		case _, open := <-es.events:
			if !open {
				return true
			}
		case <-limit:
			return false
		}
	}
}

// eventsStatus opens a live stream and returns its status, without reading the stream.
func eventsStatus(t *testing.T, cl *http.Client, u string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, ""
	}
	b := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(b)
	return resp.StatusCode, b.String()
}

// "Who is viewing" goes only to those who may see the ticket: an officer hears of their
// unit's tickets only, and cannot say they view another unit's.
func TestPresenceOnlyForThoseWhoSeeTheTicket(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	theirs := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(kimLong), nil)
	mine := c.ticket(tickets.CategorySymptomReport, "0905777888", ptr(phuXuan), nil)
	hoa, lan := c.client("hoa"), c.client("lan")
	hoaEvents, lanEvents := openEvents(t, hoa, c.srv.URL+"/events"), openEvents(t, lan, c.srv.URL+"/events")
	lanEvents.next("desk", nil)
	minh := openEvents(t, c.client("minh"), c.srv.URL+"/events?ticket="+theirs.Ref)
	minh.next("strip", nil)
	if got := lanEvents.next("viewers-"+theirs.Ref, nil); !strings.Contains(got, "Lê Minh đang xem") {
		t.Errorf("lan is told %q", got)
	}
	hoaEvents.none("viewers-"+theirs.Ref, 500*time.Millisecond)
	// Her own unit's ticket she hears of.
	openEvents(t, c.client("minh"), c.srv.URL+"/events?ticket="+mine.Ref).next("strip", nil)
	hoaEvents.next("viewers-"+mine.Ref, func(d string) bool { return strings.Contains(d, "Lê Minh đang xem") })
	// Another unit's ticket does not exist for her: she cannot be named viewing it.
	if code, _ := eventsStatus(t, hoa, c.srv.URL+"/events?ticket="+theirs.Ref); code != http.StatusNotFound {
		t.Errorf("an officer's stream for another unit's ticket: %d, want 404", code)
	}
	lanEvents.none("viewers-"+theirs.Ref, 500*time.Millisecond) // still only minh
	if _, body := get(t, lan, c.srv.URL+"/tickets/"+theirs.Ref); strings.Contains(body, "Trần Văn Hoà đang xem") {
		t.Error("the ticket's page names the officer of another unit viewing it")
	}
}

// The ticket a live stream is for is a reference in its exact format, or the stream is
// refused: nothing else a page sends reaches another page's stream.
func TestEventsTicketParameterValidated(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
	lanEvents := openEvents(t, c.client("lan"), c.srv.URL+"/events")
	lanEvents.next("desk", nil)
	minh := c.client("minh")
	for name, ref := range map[string]string{
		"CR":         tk.Ref + "\rdata: x",
		"Short":      "HL-21",
		"Text":       "anything",
		"TrailingOK": tk.Ref + "x",
		"Long":       "HL-" + strings.Repeat("1", 40),
	} {
		t.Run(name, func(t *testing.T) {
			if code, _ := eventsStatus(t, minh, c.srv.URL+"/events?ticket="+url.QueryEscape(ref)); code != http.StatusBadRequest {
				t.Errorf("ticket=%q: %d, want 400", ref, code)
			}
		})
	}
	t.Run("Newlines", func(t *testing.T) {
		// A stream for a "ticket" with newlines in it, kept open while lan's page listens
		// (short: the console took up to 31 characters).
		ref := tk.Ref + "\n\nevent: pop\n"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.srv.URL+"/events?ticket="+url.QueryEscape(ref), nil)
		resp, err := minh.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("ticket=%q: %d, want 400", ref, resp.StatusCode)
		}
		limit := time.After(700 * time.Millisecond)
		for done := false; !done; {
			select {
			case e, open := <-lanEvents.events:
				if !open {
					t.Fatal("lan's stream ended")
				}
				if e[0] == "message" || e[0] == "pop" || strings.Contains(strings.ToLower(e[1]), "evil.example") {
					t.Errorf("lan's stream got an event %q: %q", e[0], e[1])
				}
			case <-limit:
				done = true
			}
		}
	})
	// A reference as written on the page is taken, in any case.
	if code, _ := eventsStatus(t, minh, c.srv.URL+"/events?ticket="+strings.ToLower(tk.Ref)); code != http.StatusOK {
		t.Errorf("ticket=%s: %d, want 200", strings.ToLower(tk.Ref), code)
	}
}

// A user has at most 8 live streams open: a ninth is refused with 429 and a sentence,
// until one of the others ends.
func TestLiveStreamsPerUserCapped(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	lan := c.client("lan")
	var open []*eventStream
	for range 8 {
		es := openEvents(t, lan, c.srv.URL+"/events")
		es.next("desk", nil)
		open = append(open, es)
	}
	code, body := eventsStatus(t, lan, c.srv.URL+"/events")
	if code != http.StatusTooManyRequests || !strings.Contains(body, "8") {
		t.Fatalf("a ninth stream: %d %q, want 429 saying how many", code, body)
	}
	// Another user is not held back by lan's streams.
	openEvents(t, c.client("minh"), c.srv.URL+"/events").next("strip", nil)
	open[0].cancel()
	var got int
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, _ = eventsStatus(t, lan, c.srv.URL+"/events"); got == http.StatusOK {
			break
		}
	}
	if got != http.StatusOK {
		t.Errorf("a stream once one of the eight ended: %d, want 200", got)
	}
}

// isVietnameseSentence reports whether s reads as a sentence in Vietnamese: with its
// marks, ending with a full stop.
func isVietnameseSentence(s string) bool {
	s = strings.TrimSpace(s)
	return strings.ContainsAny(s, "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ") && strings.HasSuffix(s, ".")
}

// Review of issue 22, L3: a live stream refused says why in a Vietnamese sentence: a
// ticket parameter that is no reference, the console shutting down.
func TestLiveRefusalsInVietnamese(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	lan := c.client("lan")
	code, body := eventsStatus(t, lan, c.srv.URL+"/events?ticket=anything")
	if code != http.StatusBadRequest || !isVietnameseSentence(body) {
		t.Errorf("a stream for ticket=anything: %d %q, want 400 and a Vietnamese sentence", code, body)
	}
	c.site.CloseLive()
	code, body = eventsStatus(t, lan, c.srv.URL+"/events")
	if code != http.StatusServiceUnavailable || !isVietnameseSentence(body) {
		t.Errorf("a stream while the console shuts down: %d %q, want 503 and a Vietnamese sentence", code, body)
	}
}

// The screen-pop of a call without a ticket searches for the caller's number as it is
// typed: national digits for a Vietnamese number, the number with its + (escaped in the
// address) for another.
func TestScreenPopSearchesTheNumber(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	lan := c.client("lan")
	lanID := c.users["lan"].ID
	es := openEvents(t, lan, c.srv.URL+"/events")
	es.next("desk", nil)
	for i, tc := range []struct{ name, number, want string }{
		{"Vietnamese", "+84905123456", "0905123456"},
		{"Other", "+14155550100", "+14155550100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			callID := fmt.Sprintf("call-%d", i+1)
			desk.agent(lanID, func(a *tickets.AgentView) {
				a.State, a.CallID, a.TicketRef, a.Number, a.Inbound, a.Talking = tickets.AgentOnCall, callID, "", tc.number, true, true
			})
			pop := es.next("pop", nil)
			u, err := url.Parse(pop)
			if err != nil || u.Path != "/tickets" || u.Query().Get("q") != tc.want {
				t.Errorf("the pop of a call from %s: %q, want /tickets searching %q", tc.number, pop, tc.want)
			}
		})
	}
}
