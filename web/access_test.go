package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// accessOf returns the access log entries of a user, newest first.
func (c *console) accessOf(username string) []*tickets.Access {
	c.t.Helper()
	list, err := c.store.ListAccess(context.Background(), c.actor("minh"), tickets.AccessFilter{Username: username, Limit: 500})
	if err != nil {
		c.t.Fatal(err)
	}
	return list
}

// fetch sends a GET with headers and returns the status and body (what came within two
// seconds, for a stream of live events).
func fetch(t *testing.T, cl *http.Client, u string, header map[string]string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Every fetch of a voice message that returns audio is logged, whatever its Range
// header, with the ticket's reference as the subject and the caller's number.
func TestRecordingPlaysLogged(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	rec := c.voiceMessage(tk)
	lan := c.client("lan")
	u := fmt.Sprintf("%s/recordings/%d", c.srv.URL, rec)
	for _, tc := range []struct {
		name, rng string
		status    int
	}{
		{"NoRange", "", http.StatusOK},
		{"FromStart", "bytes=0-", http.StatusPartialContent},
		{"FromStartWithLargeEnd", "bytes=0-999999999", http.StatusPartialContent},
		{"Middle", "bytes=1000-1999", http.StatusPartialContent},
		{"Suffix", "bytes=-500", http.StatusPartialContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(c.accessOf("lan"))
			h := map[string]string{"Sec-Fetch-Site": "same-origin"}
			if tc.rng != "" {
				h["Range"] = tc.rng
			}
			code, body := fetch(t, lan, u, h)
			if code != tc.status || len(body) == 0 {
				t.Fatalf("GET with Range %q: %d (%d bytes), want %d with audio", tc.rng, code, len(body), tc.status)
			}
			list := c.accessOf("lan")
			if got, want := len(list)-before, 1; got != want {
				t.Fatalf("%d entries written, want %d", got, want)
			}
			a := list[0]
			if a.Action != tickets.AccessRecording || a.Subject != tk.Ref || a.Phone == nil || *a.Phone != "+84905123456" {
				t.Errorf("entry %s %q %v, want %s %q +84905123456", a.Action, a.Subject, a.Phone, tickets.AccessRecording, tk.Ref)
			}
		})
	}
}

// The access log page finds a ticket's and a case's entries by their reference, typed in
// any case: the ticket's number shown and its voice message played, the case's page.
func TestAccessLogBySubject(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	rec := c.voiceMessage(tk)
	cs := &tickets.Case{PersonName: "Lê Thị Mai", Phone: ptr("+84905123456"), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	lan := c.client("lan")
	for _, path := range []string{"/tickets/" + tk.Ref, fmt.Sprintf("/recordings/%d", rec), "/cases/" + cs.Ref} {
		if code, _ := get(t, lan, c.srv.URL+path); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
	}
	minh := c.client("minh")
	for _, tc := range []struct {
		name, subject string
		want          []string // the actions listed
	}{
		{"Ticket", tk.Ref, []string{"Nghe lời nhắn thoại", "Xem số điện thoại trên phiếu"}},
		{"TicketLowerCase", strings.ToLower(tk.Ref), []string{"Nghe lời nhắn thoại", "Xem số điện thoại trên phiếu"}},
		{"Case", cs.Ref, []string{"Xem ca nghi nhiễm"}},
		{"CaseLowerCase", " " + strings.ToLower(cs.Ref) + " ", []string{"Xem ca nghi nhiễm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, minh, c.srv.URL+"/access?subject="+strings.ReplaceAll(tc.subject, " ", "+"))
			if code != http.StatusOK {
				t.Fatalf("access log: %d", code)
			}
			if got, want := strings.Count(body, `data-testid="access-row"`), len(tc.want); got != want {
				t.Errorf("%d rows, want %d", got, want)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("no %q row", w)
				}
			}
		})
	}
}

// The desk bar's number of the call in hand and the callback offer's number are logged
// as views, once per call or offer however many pages and live events show them.
func TestDeskNumbersLogged(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
	offered := c.ticket(tickets.CategoryCallback, "0905777888", nil, nil)
	lan := c.client("lan")
	lanID := c.users["lan"].ID
	countOf := func(action string) int {
		n := 0
		for _, a := range c.accessOf("lan") {
			if a.Action == action {
				n++
			}
		}
		return n
	}

	desk.agent(lanID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.TicketRef, a.Number, a.Inbound, a.Talking = tickets.AgentOnCall, "call-1", tk.Ref, "+84905123456", true, true
	})
	for i := 0; i < 3; i++ {
		if _, page := get(t, lan, c.srv.URL+"/tickets"); !strings.Contains(excerpt(page, "desk-number"), "0905 123 456") {
			t.Fatalf("the desk bar lacks the number: %q", excerpt(page, "desk-number"))
		}
	}
	es := openEvents(t, lan, c.srv.URL+"/events")
	es.next("desk", func(d string) bool { return strings.Contains(d, "0905 123 456") })
	if got, want := countOf(tickets.AccessDeskNumber), 1; got != want {
		t.Errorf("the call's number shown on 3 pages and a live event: %d entries, want %d", got, want)
	}
	if list := c.accessOf("lan"); len(list) > 0 && (list[0].Subject != tk.Ref || list[0].Phone == nil || *list[0].Phone != "+84905123456") {
		t.Errorf("entry %q %v, want %q +84905123456", list[0].Subject, list[0].Phone, tk.Ref)
	}
	// The next call is another showing.
	desk.agent(lanID, func(a *tickets.AgentView) { a.CallID = "call-2" })
	get(t, lan, c.srv.URL+"/tickets")
	if got, want := countOf(tickets.AccessDeskNumber), 2; got != want {
		t.Errorf("after the next call: %d entries, want %d", got, want)
	}

	// A callback offered: its number is a view too, once.
	desk.agent(lanID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.TicketRef, a.Number = tickets.AgentOffered, "", "", ""
		a.Offer = &tickets.CallbackOffer{RequestID: 7, TicketRef: offered.Ref, Number: "+84905777888", Until: time.Now().Add(30 * time.Second)}
	})
	es.next("desk", func(d string) bool { return strings.Contains(d, "0905 777 888") })
	for i := 0; i < 2; i++ {
		if _, page := get(t, lan, c.srv.URL+"/tickets"); !strings.Contains(excerpt(page, "offer"), "0905 777 888") {
			t.Fatalf("the offer lacks the number: %q", excerpt(page, "offer"))
		}
	}
	if got, want := countOf(tickets.AccessOfferNumber), 1; got != want {
		t.Errorf("the offer's number: %d entries, want %d", got, want)
	}
	for _, a := range c.accessOf("lan") {
		if a.Action == tickets.AccessOfferNumber && (a.Subject != offered.Ref || a.Phone == nil || *a.Phone != "+84905777888") {
			t.Errorf("offer entry %q %v, want %q +84905777888", a.Subject, a.Phone, offered.Ref)
		}
	}
}

// A view logged by a GET is written only for a request from the console itself: a page
// opened from another site (Sec-Fetch-Site cross-site or same-site) that would log a
// view is refused in Vietnamese and writes nothing; the desk bar of a page opened so
// shows the number masked. Typed, bookmarked (none) and the console's own requests
// (same-origin, or a client that sends no such header) are served and logged.
func TestViewsLoggedOnlyFromTheConsole(t *testing.T) {
	ctx := context.Background()
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk })
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	rec := c.voiceMessage(tk)
	cs := &tickets.Case{PersonName: "Lê Thị Mai", UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	lan := c.client("lan")
	paths := []string{"/tickets/" + tk.Ref, fmt.Sprintf("/recordings/%d", rec), "/cases/" + cs.Ref, "/events"}
	for _, site := range []string{"cross-site", "same-site"} {
		for _, path := range paths {
			t.Run("Err"+site+path, func(t *testing.T) {
				before := len(c.accessOf("lan"))
				code, body := fetch(t, lan, c.srv.URL+path, map[string]string{"Sec-Fetch-Site": site})
				if code != http.StatusForbidden || !strings.Contains(body, "trang khác") {
					t.Errorf("GET %s from a %s page: %d %q, want 403 in Vietnamese", path, site, code, excerpt(body, "error-message"))
				}
				if got := len(c.accessOf("lan")) - before; got != 0 {
					t.Errorf("%d entries written in lan's name, want 0", got)
				}
			})
		}
	}
	lanID := c.users["lan"].ID
	desk.agent(lanID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.TicketRef, a.Number, a.Inbound, a.Talking = tickets.AgentOnCall, "call-1", tk.Ref, "+84905123456", true, true
	})
	t.Run("DeskBarCrossSite", func(t *testing.T) {
		code, page := fetch(t, lan, c.srv.URL+"/tickets", map[string]string{"Sec-Fetch-Site": "cross-site"})
		if code != http.StatusOK || strings.Contains(page, "0905 123 456") || !strings.Contains(page, "0905 *** 456") {
			t.Errorf("the ticket list opened from another site: %d, desk number %q, want 200 with the number masked", code, excerpt(page, "desk-number"))
		}
		for _, a := range c.accessOf("lan") {
			if a.Action == tickets.AccessDeskNumber {
				t.Errorf("a desk number view was logged for a cross-site page: %+v", a)
			}
		}
	})
	for _, site := range []string{"same-origin", "none", ""} {
		for _, path := range paths[:3] {
			t.Run("OK"+site+path, func(t *testing.T) {
				before := len(c.accessOf("lan"))
				h := map[string]string{}
				if site != "" {
					h["Sec-Fetch-Site"] = site
				}
				if code, _ := fetch(t, lan, c.srv.URL+path, h); code != http.StatusOK {
					t.Errorf("GET %s (Sec-Fetch-Site %q): %d, want 200", path, site, code)
				}
				if got := len(c.accessOf("lan")) - before; got < 1 {
					t.Errorf("%d entries written, want the view logged", got)
				}
			})
		}
	}
}

// failingAccessLog is the store with an access log that takes nothing.
type failingAccessLog struct{ *tickets.Store }

func (failingAccessLog) LogAccess(context.Context, tickets.Actor, *tickets.Access) error {
	return fmt.Errorf("disk full")
}

func (failingAccessLog) LogRecordingPlay(context.Context, tickets.Actor, int64, string) (*tickets.Access, error) {
	return nil, fmt.Errorf("disk full")
}

// A voice message whose play the access log does not take is not served.
func TestRecordingNotServedWhenNotLogged(t *testing.T) {
	c := newConsole(t, func(cfg *web.Config) { cfg.Store = failingAccessLog{cfg.Store.(*tickets.Store)} })
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	rec := c.voiceMessage(tk)
	code, body := fetch(t, c.client("lan"), fmt.Sprintf("%s/recordings/%d", c.srv.URL, rec), nil)
	if code != http.StatusInternalServerError || strings.HasPrefix(body, "RIFF") || !strings.Contains(body, "nhật ký truy cập") {
		t.Errorf("a play the log did not take: %d, %d bytes (audio %v), want 500 saying why", code, len(body), strings.HasPrefix(body, "RIFF"))
	}
}

// A number on the desk bar that the access log does not take is not shown in full.
func TestDeskNumberMaskedWhenNotLogged(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) {
		cfg.Desk = desk
		cfg.Store = failingAccessLog{cfg.Store.(*tickets.Store)}
	})
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
	lan := c.client("lan")
	desk.agent(c.users["lan"].ID, func(a *tickets.AgentView) {
		a.State, a.CallID, a.TicketRef, a.Number, a.Inbound, a.Talking = tickets.AgentOnCall, "call-1", tk.Ref, "+84905123456", true, true
	})
	_, page := get(t, lan, c.srv.URL+"/tickets")
	if got := excerpt(page, "desk-call"); strings.Contains(got, "0905 123 456") || !strings.Contains(got, "0905 *** 456") {
		t.Errorf("the desk bar with the log failing: %q, want the number masked", got)
	}
}

// heldAccessLog is the store with an access log that holds its first write until the
// test says how it ends (taken, or failed); the writes after it go to the store.
type heldAccessLog struct {
	*tickets.Store
	once    sync.Once
	entered chan struct{} // closed when the first write arrives
	release chan bool     // true: the held write is taken
}

func newHeldAccessLog(s *tickets.Store) *heldAccessLog {
	return &heldAccessLog{Store: s, entered: make(chan struct{}), release: make(chan bool, 1)}
}

func (h *heldAccessLog) LogAccess(ctx context.Context, actor tickets.Actor, a *tickets.Access) error {
	first := false
	h.once.Do(func() { first = true })
	if !first {
		return h.Store.LogAccess(ctx, actor, a)
	}
	close(h.entered)
	select {
	case ok := <-h.release:
		if ok {
			return h.Store.LogAccess(ctx, actor, a)
		}
		return fmt.Errorf("disk full")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// getAsync fetches a page in the background; the channel gets its body ("" on error).
func getAsync(cl *http.Client, u string) <-chan string {
	out := make(chan string, 1)
	go func() {
		resp, err := cl.Get(u)
		if err != nil {
			out <- ""
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- string(b)
	}()
	return out
}

// Review of issue 22, L4: while one page's write of the desk bar's number to the access
// log is under way, another page rendered at the same time does not show the number in
// full: it shows it once the write is taken, and masked if the write fails.
func TestDeskNumberMaskedUntilLogged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		taken bool
	}{{"WriteFails", false}, {"WriteTaken", true}} {
		t.Run(tc.name, func(t *testing.T) {
			desk := newFakeDesk()
			var held *heldAccessLog
			c := newConsole(t, func(cfg *web.Config) {
				cfg.Desk = desk
				held = newHeldAccessLog(cfg.Store.(*tickets.Store))
				cfg.Store = held
			})
			tk := c.ticket(tickets.CategorySymptomReport, "0905123456", nil, nil)
			lan := c.client("lan")
			desk.agent(c.users["lan"].ID, func(a *tickets.AgentView) {
				a.State, a.CallID, a.TicketRef, a.Number, a.Inbound, a.Talking = tickets.AgentOnCall, "call-1", tk.Ref, "+84905123456", true, true
			})
			first := getAsync(lan, c.srv.URL+"/tickets")
			select {
			case <-held.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first page did not write the number to the access log")
			}
			second := getAsync(lan, c.srv.URL+"/tickets")
			var pages []string
			select {
			case p := <-second: // shown before the first page's write ended
				pages = append(pages, p)
				held.release <- tc.taken
			case <-time.After(time.Second):
				held.release <- tc.taken
				pages = append(pages, <-second)
			}
			pages = append(pages, <-first)
			want, other := "0905 *** 456", "0905 123 456"
			if tc.taken {
				want, other = other, want
			}
			for i, page := range pages {
				which := []string{"the page rendered meanwhile", "the page that wrote"}[i]
				if got := excerpt(page, "desk-call"); strings.Contains(got, other) || !strings.Contains(got, want) {
					t.Errorf("%s (%s): the desk bar reads %q, want %s", which, tc.name, got, want)
				}
			}
			n := 0
			for _, a := range c.accessOf("lan") {
				if a.Action == tickets.AccessDeskNumber {
					n++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.taken]; n != want {
				t.Errorf("%d desk number entries, want %d", n, want)
			}
		})
	}
}
