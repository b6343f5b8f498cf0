package main_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// ariProxy stands between the hotline and Asterisk's ARI (REST and the event
// WebSocket) to make faults on demand: a stall, where nothing comes back from Asterisk
// for a while, as from an overloaded Asterisk or a network blip; and refused commands.
type ariProxy struct {
	srv        *httptest.Server
	mu         sync.Mutex
	stallUntil time.Time
	faults     []proxyFault
}

// proxyFault answers matching requests with a status instead of passing them on, or with
// no answer at all (status 0: the connection is closed), as from an Asterisk that died
// or a network that dropped the request.
type proxyFault struct {
	method, path string // path: a prefix of the request path after /ari
	status       int
	query        string // if set, only requests whose raw query contains it
}

func newARIProxy(t *testing.T) *ariProxy {
	t.Helper()
	target, err := url.Parse(strings.TrimSuffix(ariURL, "/ari"))
	if err != nil {
		t.Fatal(err)
	}
	p := &ariProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &stallingConn{Conn: c, p: p}, nil
		},
	}
	rp.FlushInterval = -1
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.wait()
		if f, ok := p.fault(r); ok {
			if f == 0 {
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			http.Error(w, `{"message":"fault made by the test proxy"}`, f)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the proxy's ARI base URL, for ARI_URL.
func (p *ariProxy) URL() string { return p.srv.URL + "/ari" }

// stall holds everything Asterisk sends back for d, from now.
func (p *ariProxy) stall(d time.Duration) {
	p.mu.Lock()
	p.stallUntil = time.Now().Add(d)
	p.mu.Unlock()
}

// refuse answers requests of method to paths starting with path (after /ari) with status.
func (p *ariProxy) refuse(method, path string, status int) {
	p.mu.Lock()
	p.faults = append(p.faults, proxyFault{method: method, path: path, status: status})
	p.mu.Unlock()
}

// drop closes the connection of requests of method to paths starting with path whose
// query contains query, without an answer.
func (p *ariProxy) drop(method, path, query string) {
	p.mu.Lock()
	p.faults = append(p.faults, proxyFault{method: method, path: path, query: query})
	p.mu.Unlock()
}

// fault returns the status a request is to be answered with (0: none at all) and
// whether a fault matches it.
func (p *ariProxy) fault(r *http.Request) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if r.Method == f.method && strings.HasPrefix(strings.TrimPrefix(r.URL.Path, "/ari"), f.path) &&
			strings.Contains(r.URL.RawQuery, f.query) {
			return f.status, true
		}
	}
	return 0, false
}

func (p *ariProxy) wait() {
	for {
		p.mu.Lock()
		left := time.Until(p.stallUntil)
		p.mu.Unlock()
		if left <= 0 {
			return
		}
		time.Sleep(min(left, 20*time.Millisecond))
	}
}

// stallingConn is a connection to Asterisk whose reads wait out a stall.
type stallingConn struct {
	net.Conn
	p *ariProxy
}

func (c *stallingConn) Read(b []byte) (int, error) {
	c.p.wait()
	n, err := c.Conn.Read(b)
	c.p.wait() // what arrived during a stall is held until it ends
	return n, err
}
