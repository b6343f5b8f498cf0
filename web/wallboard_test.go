package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// wallboardAt is the wallboard's clock: 10:00 in Huế.
var wallboardAt = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

// queueCalls writes queued calls of the wallboard's day, answered after the waits given
// (in seconds), each a minute after the one before.
func (c *console) queueCalls(from int, waits ...int) {
	c.t.Helper()
	var log []*tickets.QueueEntry
	for i, w := range waits {
		id := fmt.Sprintf("wb%03d", from+i)
		at := wallboardAt.Add(-time.Duration(from+i+1) * time.Minute)
		log = append(log, &tickets.QueueEntry{At: at, CallID: id, Event: tickets.QueueEnter, Data3: "1"},
			&tickets.QueueEntry{At: at.Add(time.Duration(w) * time.Second), CallID: id, Agent: "lan", Event: tickets.QueueConnect, Data1: fmt.Sprint(w)})
	}
	if err := c.store.LogQueue(context.Background(), log); err != nil {
		c.t.Fatal(err)
	}
}

// wbSL reads the service level's tile: its classes, and the figure.
var wbSL = regexp.MustCompile(`<div class="([^"]*)"><span>Mức phục vụ[^<]*</span><strong data-testid="wb-sl">([^<]*)<`)

// The wallboard is a big screen across the room: no site menu, its service level
// coloured against the 80/20 target (green at or above 80 %, amber within 10 points,
// red further below), an empty agents' table that says so.
func TestWallboardForTheRoom(t *testing.T) {
	desk := newFakeDesk()
	c := newConsole(t, func(cfg *web.Config) { cfg.Desk = desk; cfg.Now = func() time.Time { return wallboardAt } })
	minh := c.client("minh")

	code, body := get(t, minh, c.srv.URL+"/wallboard")
	if code != http.StatusOK {
		t.Fatalf("wallboard: %d", code)
	}
	t.Run("NoSiteMenu", func(t *testing.T) {
		for _, part := range []string{`data-testid="nav"`, `class="live-bar"`, `data-testid="logout"`} {
			if strings.Contains(body, part) {
				t.Errorf("the wallboard has the console's %s", part)
			}
		}
		if !strings.Contains(body, `sse-connect="/events?wallboard=1"`) || !strings.Contains(body, `data-testid="wb-exit"`) {
			t.Errorf("the wallboard lacks its live events or its way back to the console")
		}
	})
	t.Run("NoAgents", func(t *testing.T) {
		if !strings.Contains(body, `data-testid="wb-no-agents"`) || !strings.Contains(body, "Chưa có tổng đài viên nào trong ca") {
			t.Errorf("an empty agents' table does not say so")
		}
	})
	band := func(t *testing.T) (string, string) {
		t.Helper()
		_, body := get(t, minh, c.srv.URL+"/wallboard")
		m := wbSL.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no service level tile on the wallboard")
		}
		return m[1], m[2]
	}
	// Calls added case after case: 3 of 4 within 20 s, then 4 of 5, then 4 of 7.
	calls := 0
	for _, tc := range []struct {
		name  string
		waits []int
		sl    string
		class string
	}{
		{"NoCalls", nil, "–", "wb-tile wb-sl"},
		{"UnderTarget", []int{5, 10, 15, 40}, "75%", "wb-tile wb-sl sl-near"},
		{"AtTarget", []int{8}, "80%", "wb-tile wb-sl sl-good"},
		{"FarUnder", []int{30, 60}, "57%", "wb-tile wb-sl sl-poor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.queueCalls(calls, tc.waits...)
			calls += len(tc.waits)
			class, sl := band(t)
			if class != tc.class || sl != tc.sl {
				t.Errorf("service level %q in a tile of class %q, want %q in %q", sl, class, tc.sl, tc.class)
			}
		})
	}

	// At 1920 × 1080, with eight agents: it all fits on the screen, the figures large.
	names := []string{"Nguyễn Thị Lan", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Minh Dũng", "Hoàng Thu Hà", "Võ Văn Khoa", "Đặng Thị Mai", "Bùi Quốc Nam"}
	states := []string{tickets.AgentOnCall, tickets.AgentReady, tickets.AgentWrapUp, tickets.AgentPaused, tickets.AgentOnCall, tickets.AgentReady, tickets.AgentRinging, tickets.AgentOnCall}
	desk.set(func(d *tickets.DeskView) {
		for i, n := range names {
			a := tickets.AgentView{UserID: int64(100 + i), Name: n, State: states[i], Since: time.Now().Add(-time.Duration(i*97) * time.Second)}
			if a.State == tickets.AgentPaused {
				a.Reason = "break"
			}
			d.Agents = append(d.Agents, a)
		}
		d.Waiting = []time.Time{time.Now().Add(-42 * time.Second), time.Now().Add(-15 * time.Second)}
		d.Callbacks = 1
	})
	tab := newTab(t)
	c.signIn(tab, "minh")
	err := chromedp.Do(tab, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(c.srv.URL+"/wallboard"),
		chromedp.WaitVisible(`[data-testid="wb-agent"]`))
	if err != nil {
		t.Fatal(err)
	}
	type sizes struct {
		Figure, Label, Agent     float64 // the smallest, in px
		ScrollW, ScrollH, Agents int
	}
	measure := func(t *testing.T, agents int) {
		t.Helper()
		got, err := chromedp.Run(tab, chromedp.Evaluate[sizes](`(() => {
			const px = sel => Math.min(...[...document.querySelectorAll(sel)].map(e => parseFloat(getComputedStyle(e).fontSize)));
			return {Figure: px('.wb-tile strong'), Label: px('.wb-tile span'), Agent: px('[data-testid="wb-agent"] td'),
				ScrollW: document.documentElement.scrollWidth, ScrollH: document.documentElement.scrollHeight,
				Agents: document.querySelectorAll('[data-testid="wb-agent"]').length};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Figure < 72 || got.Label < 24 || got.Agent < 28 {
			t.Errorf("at 1920 × 1080 the smallest figure is %.0f px, label %.0f px, agent's line %.0f px; want 72, 24 and 28 at least", got.Figure, got.Label, got.Agent)
		}
		if got.ScrollW > 1920 || got.ScrollH > 1080 || got.Agents != agents {
			t.Errorf("at 1920 × 1080 the wallboard is %d × %d px with %d agents; want it on the screen with %d", got.ScrollW, got.ScrollH, got.Agents, agents)
		}
	}
	t.Run("EightAgents", func(t *testing.T) { measure(t, len(names)) })
	if dir := os.Getenv("HOTLINE_SCREENSHOTS"); dir != "" {
		time.Sleep(1100 * time.Millisecond) // the clocks tick once
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "wallboard.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Sixteen agents stand in two columns, still on the screen; the page follows the desk
	// by its live events.
	t.Run("SixteenAgents", func(t *testing.T) {
		desk.set(func(d *tickets.DeskView) {
			for i := range 8 {
				d.Agents = append(d.Agents, tickets.AgentView{UserID: int64(200 + i), Name: names[i] + " B", State: tickets.AgentReady, Since: time.Now()})
			}
		})
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.querySelectorAll('[data-testid="wb-agent"]').length === 16`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("the wallboard did not show sixteen agents: %v", err)
		}
		measure(t, 16)
		if dir := os.Getenv("HOTLINE_SCREENSHOTS_EXTRA"); dir != "" {
			png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
			if err == nil {
				os.WriteFile(filepath.Join(dir, "wallboard-16.png"), png, 0o644)
			}
		}
	})
	// On a supervisor's own screen too.
	lookAt(t, tab, "wallboard-1280", 1280)
	lookAt(t, tab, "wallboard-390", 390)
}
