package ivr_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fake's dialplan for follow-up calls (context hotline-followup): a call the hotline
// originates rings, then either ends with dialEnd's cause or is answered and runs
// AGI(${HOTLINE_AGI}/followup), the fake playing Asterisk's side of FastAGI: STREAM FILE
// notes the prompt and lasts 20 ms unless a key cuts it short, WAIT FOR DIGIT waits for
// a key, GET DATA does both, EXEC Stasis puts the channel into the application (events
// over ARI from then). However the call ends, the hang-up handler runs
// AGI(${HOTLINE_AGI}/end,cause).

// fakeAGI is Asterisk's side of one channel's AGI(followup).
type fakeAGI struct {
	keys     chan string   // keys the citizen presses (ChannelDtmfReceived while in AGI)
	hungUp   chan struct{} // closed when the channel hangs up
	once     sync.Once
	inStasis bool     // EXEC Stasis: events go over ARI
	conn     net.Conn // the session's connection, once open
	crashed  bool     // Asterisk died: no end is reported
}

func (g *fakeAGI) hangUp() { g.once.Do(func() { close(g.hungUp) }) }

// originate runs a follow-up call's dialplan. The fake's lock is held.
func (f *fakeARI) originate(id, endpoint, agiURL string) {
	f.alive[id], f.created[id] = true, endpoint
	f.up++
	f.most = max(f.most, f.up)
	// agi://host:port/TOKEN: Asterisk connects to host:port and sends TOKEN/script.
	addr := strings.TrimPrefix(agiURL, "agi://")
	cause := f.dialEnd(endpoint)
	if cause != 0 {
		f.gone(id)
		if cause == causeNotDefined {
			cause = 0
		}
		go f.agiEnd(addr, id, cause)
		return
	}
	g := &fakeAGI{keys: make(chan string, 10), hungUp: make(chan struct{})}
	f.agi[id] = g
	go f.runAGI(addr, id, g)
}

// gone ends a channel once. The fake's lock is held.
func (f *fakeARI) gone(id string) {
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
func (f *fakeARI) agiKey(id, key string) bool {
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

func (f *fakeARI) agiEnd(at, id string, cause int) {
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
func (f *fakeARI) crashAGI(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.agi[id]; g != nil && g.conn != nil {
		g.crashed = true
		f.gone(id)
		g.conn.Close()
	}
}

func (f *fakeARI) runAGI(addr, id string, g *fakeAGI) {
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
	ring := f.answerAfter
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
		return f.unplayable == "" || !strings.HasSuffix(m, "/"+f.unplayable)
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
			f.send("StasisStart", map[string]any{"args": args, "channel": channelJSON(id, "")})
			<-g.hungUp
			fmt.Fprint(conn, "200 result=-1\n")
		default:
			fmt.Fprint(conn, "510 Invalid or unknown command\n")
		}
	}
}
