package followup_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/followup"
	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/tickets"
)

// agiStranger connects to the dialer's FastAGI listener as something that is not
// Asterisk, sends head (the start of a session, or anything), and returns what the
// dialer answers within wait and whether it closed the connection by then.
func agiStranger(t *testing.T, addr, head string, wait time.Duration) (string, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go io.WriteString(conn, head)
	conn.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(conn)
	// EOF, or a reset when it closed with what was sent unread: the dialer closed it; a
	// time-out: it is still open.
	var ne net.Error
	closed := err == nil || !(errors.As(err, &ne) && ne.Timeout())
	return string(b), closed
}

// dialerWithListener runs a dialer (startDialer) and returns the address its FastAGI
// listens on.
func dialerWithListener(t *testing.T, f *ivrtest.ARI, app *ivr.App, s followup.Store, clk *clock, cfg followup.Config) string {
	t.Helper()
	_, addr := startDialer(t, f, app, s, clk, cfg)
	return addr
}

// The FastAGI listener takes a session only from Asterisk, with the call's own token:
// something else that reaches it and knows a ringing call's channel id can neither take
// the citizen's questions nor end the call. Before the fix a stranger's "followup" got
// the questions (the dialer's first command), and its "end" closed the attempt as busy.
func TestFollowUpAGIRefusesStrangers(t *testing.T) {
	f, s, clk, app := followUpDay(t, "09:00")
	f.AnswerAfter = 1500 * time.Millisecond
	c := monitoredCases(t, s, 1, "vi")[0]
	addr := dialerWithListener(t, f, app, s, clk, followup.Config{})
	var leg string
	for deadline := time.Now().Add(5 * time.Second); leg == ""; time.Sleep(10 * time.Millisecond) {
		if legs := f.Legs(); len(legs) == 1 {
			leg = legs[0]
		}
		if time.Now().After(deadline) {
			t.Fatal("the case was not called")
		}
	}
	for _, script := range []string{"followup", "0123456789abcdef0123456789abcdef/followup"} {
		got, closed := agiStranger(t, addr, fmt.Sprintf("agi_network_script: %s\nagi_uniqueid: %s\n\n", script, leg), 300*time.Millisecond)
		if got != "" || !closed {
			t.Errorf("a stranger's %q session for the ringing call: got %q, closed %v; want it closed with nothing said", script, got, closed)
		}
	}
	for _, script := range []string{"end", "0123456789abcdef0123456789abcdef/end"} {
		agiStranger(t, addr, fmt.Sprintf("agi_network_script: %s\nagi_uniqueid: %s\nagi_arg_1: 17\n\n", script, leg), 300*time.Millisecond)
	}
	// The citizen answers, hears the intro and hangs up: the attempt is theirs.
	leg = f.AnsweredLeg(t)
	f.HangUp(leg)
	attempts := attemptsEnded(t, s, c.ID, 1)
	if attempts[0].AnsweredAt == nil || attempts[0].Result == nil || *attempts[0].Result == tickets.AttemptBusy {
		t.Errorf("attempt %+v: answered %v; want answered, not ended as busy by a stranger", attempts[0], attempts[0].AnsweredAt)
	}
}

// What is not Asterisk cannot hold the listener: a line longer than Asterisk sends, more
// lines than it sends, or more connections than the calls can use are closed at once,
// not after the 5 s the start of a session may take; calls are served afterwards.
func TestFollowUpAGIBounds(t *testing.T) {
	f, s, clk, app := followUpDay(t, "20:30") // outside the window: nothing is dialled yet
	addr := dialerWithListener(t, f, app, s, clk, followup.Config{AGIConns: 4})
	if _, closed := agiStranger(t, addr, "agi_network_script: "+strings.Repeat("x", 5000), time.Second); !closed {
		t.Error("a 5,000-byte line was still being read after 1 s")
	}
	if _, closed := agiStranger(t, addr, strings.Repeat("agi_x: y\n", 200), time.Second); !closed {
		t.Error("200 lines were still being read after 1 s")
	}
	// The strangers' connections give their places back as they end: let them, under
	// load too, before the four idle ones take every place.
	time.Sleep(300 * time.Millisecond)
	var idle []net.Conn
	for range 4 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		idle = append(idle, conn)
	}
	time.Sleep(300 * time.Millisecond)
	if _, closed := agiStranger(t, addr, "", time.Second); !closed {
		t.Error("a fifth connection beside four idle ones (bound 4) was kept open")
	}
	for _, conn := range idle {
		conn.Close()
	}
	// The bound frees as connections end: a call is served.
	c := monitoredCases(t, s, 1, "vi")[0]
	clk.set(hueToday(t, "10:00"))
	leg := f.AnsweredLeg(t)
	f.HangUp(leg)
	if a := attemptsEnded(t, s, c.ID, 1); a[0].AnsweredAt == nil {
		t.Errorf("the call after the strangers: %+v", a[0])
	}
}
