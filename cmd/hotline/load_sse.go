package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// liveViewers are console pages connected to the live events during a load run, as a
// call centre's agents and wallboards would be: half follow the agents' strip, half the
// wallboard.
type liveViewers struct {
	events  atomic.Int64 // events received, all pages
	broken  atomic.Int64 // connections that ended before the run did
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	clients int
}

// connectViewers signs in as a supervisor (USER:PASSWORD) once per page and opens n event
// streams. Each page has its own session, as each browser would.
func connectViewers(ctx context.Context, addr, user string, n int) (*liveViewers, error) {
	ctx, cancel := context.WithCancel(ctx)
	v := &liveViewers{cancel: cancel, clients: n}
	for i := range n {
		c, err := signInConsole(addr, user)
		if err != nil {
			v.close()
			return nil, fmt.Errorf("--viewer: %v", err)
		}
		path := "/events"
		if i%2 == 1 {
			path = "/events?wallboard=1"
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			v.close()
			return nil, err
		}
		client := *c.client
		client.Timeout = 0 // a stream
		resp, err := client.Do(req)
		if err != nil {
			v.close()
			return nil, fmt.Errorf("--viewer: open %s: %v", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			v.close()
			return nil, fmt.Errorf("--viewer: open %s: %s (the viewer must be a supervisor)", path, resp.Status)
		}
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event:") {
					v.events.Add(1)
				}
			}
			if ctx.Err() == nil {
				v.broken.Add(1)
			}
		}()
	}
	return v, nil
}

// close disconnects the pages and waits for their readers.
func (v *liveViewers) close() {
	v.cancel()
	v.wg.Wait()
}
