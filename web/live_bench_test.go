package web_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// BenchmarkLiveEvents measures how long a change of the queue takes to reach the console
// pages connected: 100 agents' pages, each its own signed-in session and event stream
// over TCP. Each round changes the number of callers waiting, and every page waits for
// the strip that shows it; it reports the median and 99th percentile of all pages' times
// (event to page), in milliseconds.
func BenchmarkLiveEvents(b *testing.B) {
	const pages = 100
	ctx := context.Background()
	store, err := tickets.OpenStore(ctx, filepath.Join(b.TempDir(), "hotline.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	desk := newFakeDesk()
	site := web.New(web.Config{Store: store, Sounds: sounds.FS(), Sessions: store.DB(), Recordings: b.TempDir(),
		Desk: desk, Log: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(site.Handler())
	live, stop := context.WithCancel(ctx)
	go site.RunLive(live)
	b.Cleanup(func() { stop(); site.CloseLive(); srv.Close() })

	type got struct {
		waiting int
		at      time.Time
	}
	arrivals := make(chan got, pages*4)
	for i := range pages {
		u := &tickets.User{Username: fmt.Sprintf("agent%03d", i), Role: tickets.RoleAgent}
		if err := store.CreateUser(ctx, tickets.ActorSystem, u, "bench password"); err != nil {
			b.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{}}
		resp, err := cl.PostForm(srv.URL+"/login", url.Values{"username": {u.Username}, "password": {"bench password"}})
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		req, _ := http.NewRequestWithContext(live, http.MethodGet, srv.URL+"/events", nil)
		resp, err = cl.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("events for %s: %v %v", u.Username, err, resp)
		}
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			strip := false
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "event: strip":
					strip = true
				case strip && strings.HasPrefix(line, "data: "):
					if i := strings.Index(line, `data-testid="strip-waiting">`); i >= 0 {
						var n int
						fmt.Sscanf(line[i+len(`data-testid="strip-waiting">`):], "%d", &n)
						arrivals <- got{n, time.Now()}
					}
					strip = false
				case line == "":
					strip = false
				}
			}
		}()
	}
	// Every page has the first strip before timing starts.
	for range pages {
		<-arrivals
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		waiting := make([]time.Time, i%50+1)
		t0 := time.Now()
		desk.set(func(d *tickets.DeskView) { d.Waiting = waiting })
		for n := 0; n < pages; {
			select {
			case g := <-arrivals:
				if g.waiting == len(waiting) {
					times = append(times, g.at.Sub(t0))
					n++
				}
			case <-time.After(5 * time.Second):
				b.Fatalf("round %d: %d of %d pages got the change", i, n, pages)
			}
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
	b.ReportMetric(float64(pages), "pages")
}
