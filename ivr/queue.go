package ivr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Schedule is the agents' weekly hours, in Huế's time: for each weekday, the times the
// call centre answers. Outside them a caller asking for an agent leaves a voice message.
type Schedule struct {
	spans [7][]span // by time.Weekday
}

type span struct{ from, to time.Duration } // since midnight

// AlwaysOpen is a schedule of every hour of every day.
var AlwaysOpen = Schedule{spans: func() (s [7][]span) {
	for d := range s {
		s[d] = []span{{0, 24 * time.Hour}}
	}
	return
}()}

var weekdays = map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseSchedule reads hours written as "mon-fri 07:00-21:00; sat,sun 08:00-17:00":
// entries separated by ";", each a list or range of weekdays and one or more time
// spans ("07:00-11:30,13:30-17:00"). 24:00 is the end of the day.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	for _, entry := range strings.Split(text, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		daysText, spansText, ok := strings.Cut(entry, " ")
		if !ok {
			return s, fmt.Errorf("%q: want days then hours, like \"mon-fri 07:00-21:00\"", entry)
		}
		days, err := parseDays(strings.ToLower(daysText))
		if err != nil {
			return s, err
		}
		for _, sp := range strings.Split(strings.ReplaceAll(spansText, " ", ""), ",") {
			a, b, ok := strings.Cut(sp, "-")
			from, err1 := parseClock(a)
			to, err2 := parseClock(b)
			if !ok || err1 != nil || err2 != nil || from >= to {
				return s, fmt.Errorf("%q: hours must be like 07:00-21:00", sp)
			}
			for _, d := range days {
				s.spans[d] = append(s.spans[d], span{from, to})
			}
		}
	}
	if !slices.ContainsFunc(s.spans[:], func(d []span) bool { return len(d) > 0 }) {
		return s, fmt.Errorf("no hours given")
	}
	return s, nil
}

func parseDays(text string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, part := range strings.Split(text, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := weekdays[a]
		to, ok2 := weekdays[b]
		if !ok1 || (isRange && !ok2) {
			return nil, fmt.Errorf("%q: days are mon, tue, wed, thu, fri, sat, sun, as a list or a range", part)
		}
		if !isRange {
			to = from
		}
		for d := from; ; d = (d + 1) % 7 {
			days = append(days, d)
			if d == to {
				break
			}
		}
	}
	return days, nil
}

func parseClock(text string) (time.Duration, error) {
	h, m, ok := strings.Cut(text, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm > 0) {
		return 0, fmt.Errorf("bad time %q", text)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Open reports whether the call centre answers at t.
func (s Schedule) Open(t time.Time) bool {
	t = t.In(tickets.Local)
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	for _, sp := range s.spans[t.Weekday()] {
		if since >= sp.from && since < sp.to {
			return true
		}
	}
	return false
}

// QueueConfig sets up the agent queue.
type QueueConfig struct {
	// Agents are the agents' phones as Asterisk dials them (PJSIP/agent101). Until the
	// console lets agents sign in for a shift, this list is who is on duty.
	Agents   []string
	Hours    Schedule      // when agents answer; the zero Schedule is never
	MaxWait  time.Duration // the longest a caller waits before leaving a message; default 3 min
	Ring     time.Duration // how long an agent's phone rings; default 20 s
	Announce time.Duration // how often the caller's place is announced; default 30 s
	// Rest is how long an agent whose phone was not answered is passed over, so that the
	// next agent is rung; default 15 s.
	Rest time.Duration
}

// Queue hands waiting callers to free agents: callers in order (urgent ones first),
// agents longest idle first, one phone ringing per caller at a time.
type Queue struct {
	cfg     QueueConfig
	mu      sync.Mutex
	agents  []*agent
	waiting []*waiter
	now     func() time.Time
}

type agent struct {
	endpoint  string
	idleSince time.Time // when the agent last finished a call (or came on duty)
	busy      bool      // ringing or talking
	restUntil time.Time
}

// waiter is a caller in the queue.
type waiter struct {
	front   bool
	since   time.Time
	offer   chan string // an agent's endpoint to ring, given by the queue
	ringing bool
}

// NewQueue returns a queue with its agents idle from now.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 3 * time.Minute
	}
	if cfg.Ring == 0 {
		cfg.Ring = 20 * time.Second
	}
	if cfg.Announce == 0 {
		cfg.Announce = 30 * time.Second
	}
	if cfg.Rest == 0 {
		cfg.Rest = 15 * time.Second
	}
	q := &Queue{cfg: cfg, now: time.Now}
	q.SetAgents(cfg.Agents)
	return q
}

// SetAgents sets who is on duty. Agents already on duty keep their idle time; agents
// taken off duty in the middle of a call finish it.
func (q *Queue) SetAgents(endpoints []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next []*agent
	for _, ep := range endpoints {
		i := slices.IndexFunc(q.agents, func(a *agent) bool { return a.endpoint == ep })
		if i >= 0 {
			next = append(next, q.agents[i])
		} else {
			next = append(next, &agent{endpoint: ep, idleSince: q.now()})
		}
	}
	q.agents = next
	q.assign()
}

// Open reports whether a caller can wait for an agent now: someone is on duty, within
// the agents' hours.
func (q *Queue) Open() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.agents) > 0 && q.cfg.Hours.Open(q.now())
}

// join puts a caller in line: behind every caller already there, or behind only the
// urgent ones when front is set.
func (q *Queue) join(front bool) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := &waiter{front: front, since: q.now(), offer: make(chan string, 1)}
	i := len(q.waiting)
	if front {
		i = slices.IndexFunc(q.waiting, func(o *waiter) bool { return !o.front })
		if i < 0 {
			i = len(q.waiting)
		}
	}
	q.waiting = slices.Insert(q.waiting, i, w)
	q.assign()
	return w
}

// leave takes a caller out of line.
func (q *Queue) leave(w *waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i := slices.Index(q.waiting, w); i >= 0 {
		q.waiting = slices.Delete(q.waiting, i, i+1)
	}
	select {
	case ep := <-w.offer: // offered an agent the caller never rang
		if a := q.agent(ep); a != nil {
			a.busy = false
		}
	default:
	}
	q.assign()
}

// position is the caller's place in line, 1 for the next to be answered.
func (q *Queue) position(w *waiter) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Index(q.waiting, w) + 1
}

// How ringing an agent's phone ended.
const (
	ringAnswered  = iota // the agent answered: busy until finished
	ringFailed           // not answered, busy, unreachable: passed over for a while
	ringCancelled        // the caller left first: the agent is free again at once
)

// rung reports how ringing an agent for a caller ended. A caller whose agent answered
// leaves the line at once: no other agent is offered to a caller already talking.
func (q *Queue) rung(w *waiter, endpoint string, how int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	w.ringing = false
	if how == ringAnswered {
		if i := slices.Index(q.waiting, w); i >= 0 {
			q.waiting = slices.Delete(q.waiting, i, i+1)
		}
	}
	a := q.agent(endpoint)
	if a == nil {
		q.assign()
		return
	}
	switch how {
	case ringFailed:
		a.busy = false
		a.restUntil = q.now().Add(q.cfg.Rest)
		time.AfterFunc(q.cfg.Rest, func() { q.mu.Lock(); q.assign(); q.mu.Unlock() })
	case ringCancelled:
		a.busy = false
	}
	q.assign()
}

// finished frees an agent after a conversation.
func (q *Queue) finished(endpoint string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.agent(endpoint); a != nil {
		a.busy = false
		a.idleSince = q.now()
	}
	q.assign()
}

func (q *Queue) agent(endpoint string) *agent {
	for _, a := range q.agents {
		if a.endpoint == endpoint {
			return a
		}
	}
	return nil
}

// assign offers free agents, longest idle first, to waiting callers in order. q.mu is
// held.
func (q *Queue) assign() {
	now := q.now()
	for _, w := range q.waiting {
		if w.ringing {
			continue
		}
		var best *agent
		for _, a := range q.agents {
			if a.busy || now.Before(a.restUntil) {
				continue
			}
			if best == nil || a.idleSince.Before(best.idleSince) {
				best = a
			}
		}
		if best == nil {
			return
		}
		best.busy, w.ringing = true, true
		w.offer <- best.endpoint
	}
}

// OnDuty reports whether an agent's phone is on the duty list.
func (q *Queue) OnDuty(endpoint string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.agent(endpoint) != nil
}
