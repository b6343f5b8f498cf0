package followup

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// FastAGI: Asterisk runs AGI(agi://host:port/script,args) in the dialplan by connecting
// to the hotline, sending the channel's details as "name: value" lines up to a blank
// line, then answering one command per line ("200 result=N (data)"). The automated
// follow-up calls ask their questions this way: one connection and a dozen short lines a
// call, where ARI costs an event or a request for every prompt and key.

// The scripts Asterisk asks for: the questions once the citizen answers, and the end of
// every call (its hang-up handler).
const (
	agiQuestions = "followup"
	agiEnd       = "end"
)

// agiSession is one FastAGI connection: the AGI() of one channel.
type agiSession struct {
	conn    net.Conn
	r       *bufio.Reader
	script  string   // agi_network_script: what the dialplan asks for
	channel string   // agi_uniqueid: the channel's ID (the one the hotline gave it)
	args    []string // agi_arg_1, agi_arg_2, ...
	hungUp  bool     // Asterisk said the channel hung up
}

// errHungUp means the citizen's channel went away.
var errHungUp = errors.New("citizen hung up")

// errAGIGone means the FastAGI connection broke without Asterisk saying the channel hung
// up: Asterisk stopped, or the network failed.
var errAGIGone = errors.New("fastagi connection lost")

// errAGIFailed means a command answered result=-1: it failed, or the channel hung up.
var errAGIFailed = errors.New("fastagi command failed")

// The start of a FastAGI connection is bounded: Asterisk sends about 25 short lines and
// the arguments; what sends more, or longer lines, or takes longer, is not Asterisk.
const (
	agiMaxLine  = 2048 // bytes a line
	agiMaxLines = 96   // lines before the blank one
)

// readAGISession reads the start of a FastAGI connection: the channel's details.
func readAGISession(conn net.Conn) (*agiSession, error) {
	s := &agiSession{conn: conn, r: bufio.NewReaderSize(conn, agiMaxLine)}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	args := map[int]string{}
	for n := 0; ; n++ {
		if n == agiMaxLines {
			return nil, fmt.Errorf("read fastagi request: more than %d lines", agiMaxLines)
		}
		b, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("read fastagi request: a line longer than %d bytes", agiMaxLine)
		}
		if err != nil {
			return nil, fmt.Errorf("read fastagi request: %w", err)
		}
		l := strings.TrimRight(string(b), "\r\n")
		if l == "" {
			break
		}
		name, value, _ := strings.Cut(l, ": ")
		switch {
		case name == "agi_network_script":
			s.script = value
		case name == "agi_uniqueid":
			s.channel = value
		case strings.HasPrefix(name, "agi_arg_"):
			if n, err := strconv.Atoi(strings.TrimPrefix(name, "agi_arg_")); err == nil && n > 0 && n <= 32 {
				args[n] = value
			}
		}
	}
	for i := 1; i <= len(args); i++ {
		s.args = append(s.args, args[i])
	}
	return s, nil
}

// arg returns the i-th argument (from 0), or "".
func (s *agiSession) arg(i int) string {
	if i < len(s.args) {
		return s.args[i]
	}
	return ""
}

// command sends one AGI command and reads its result: the number after "result=" and
// the text in brackets after it, if any. A channel known to have hung up gives
// errHungUp, result=-1 errAGIFailed; a command Asterisk refuses gives an error with its
// answer.
func (s *agiSession) command(limit time.Duration, format string, a ...any) (result int, data string, err error) {
	v, data, err := s.exchange(limit, format, a...)
	if err != nil {
		return -1, data, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1, data, fmt.Errorf("fastagi answer %q to %q", v, fmt.Sprintf(format, a...))
	}
	if n < 0 {
		// The command failed: the channel hung up (Asterisk says so in a line of its
		// own, before the next answer) or, for STREAM FILE, the prompt could not be
		// played.
		return n, data, errAGIFailed
	}
	return n, data, nil
}

// exchange sends one AGI command and returns its result as Asterisk wrote it (digits
// for GET DATA, a number for the others) and the text in brackets after it.
func (s *agiSession) exchange(limit time.Duration, format string, a ...any) (result, data string, err error) {
	if s.hungUp {
		return "", "", errHungUp
	}
	s.conn.SetDeadline(time.Now().Add(limit))
	defer s.conn.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(s.conn, format+"\n", a...); err != nil {
		return "", "", errAGIGone
	}
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			if s.hungUp {
				return "", "", errHungUp
			}
			return "", "", errAGIGone
		}
		l = strings.TrimRight(l, "\r\n")
		switch {
		case l == "HANGUP": // sent when the channel hangs up; the command's answer follows
			s.hungUp = true
		case strings.HasPrefix(l, "200 result="):
			v, rest, _ := strings.Cut(strings.TrimPrefix(l, "200 result="), " ")
			if open := strings.IndexByte(rest, '('); open >= 0 {
				if end := strings.IndexByte(rest[open:], ')'); end > 0 {
					data = rest[open+1 : open+end]
				}
			}
			return v, data, nil
		case strings.HasPrefix(l, "511"): // the channel is gone
			s.hungUp = true
			return "", "", errHungUp
		case strings.HasPrefix(l, "520-"): // the usage of a command it did not take, to its end
			for !strings.HasPrefix(l, "520 ") {
				if l, err = s.r.ReadString('\n'); err != nil {
					return "", "", errAGIGone
				}
			}
			return "", "", fmt.Errorf("fastagi refused %q", fmt.Sprintf(format, a...))
		default:
			return "", "", fmt.Errorf("fastagi refused %q: %s", fmt.Sprintf(format, a...), l)
		}
	}
}

// close ends the session: the dialplan goes on past AGI().
func (s *agiSession) close() { s.conn.Close() }
