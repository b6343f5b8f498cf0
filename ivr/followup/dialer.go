// Package followup places the automated daily follow-up calls: the hotline calls each
// person in monitoring whose follow-up is due today, asks the day's questions by keypad
// (ivr.FollowUpFlow) over FastAGI, and records the answers as the day's follow-up. Every
// attempt is claimed in the database before it is dialled, so that a restart never
// calls a citizen twice for one attempt. A citizen who asks for an agent is handed to
// the hotline's Stasis application (ivr.App), where the agent queue takes them.
package followup

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// Store is what the follow-up dialer needs from the domain's store.
type Store interface {
	Progress
	ResultStore
	FollowUpCallsDue(ctx context.Context, now time.Time, n int) ([]*tickets.FollowUpCallTarget, error)
}

// Progress takes the claim, the answer and the end of attempts: what a power cut may lose
// without harm, so it may be a store that does not sync each commit to disk. An attempt
// whose end was lost is closed at the next start as interrupted and called again; one
// whose claim was lost was never recorded. The result and the opt-out, which must
// survive anything, go to the Store, and a commit there syncs the claim written before.
type Progress interface {
	ClaimFollowUpCall(ctx context.Context, target *tickets.FollowUpCallTarget, now time.Time, call *tickets.Call) (*tickets.FollowUpCall, error)
	FollowUpCallAnswered(ctx context.Context, id int64, at time.Time) error
	EndFollowUpCall(ctx context.Context, id int64, e tickets.FollowUpCallEnd) error
}

// Window is the part of each Huế day when citizens may be called, as times since local
// midnight: From included, To excluded.
type Window struct{ From, To time.Duration }

// ParseWindow reads a calling window such as "08:00-20:00" (Huế time).
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("want HH:MM-HH:MM, such as 08:00-20:00")
	}
	f, err1 := tickets.ParseClock(strings.TrimSpace(from))
	t, err2 := tickets.ParseClock(strings.TrimSpace(to))
	if err := errors.Join(err1, err2); err != nil {
		return Window{}, err
	}
	if f >= t {
		return Window{}, fmt.Errorf("the window must end after it starts")
	}
	return Window{From: f, To: t}, nil
}

// Contains reports whether t falls in the window, on the Huế clock.
func (w Window) Contains(t time.Time) bool {
	since := tickets.ClockOf(t)
	return since >= w.From && since < w.To
}

// Config sets the follow-up dialer.
type Config struct {
	Store Store
	// Progress takes the claim, the answer and the end of attempts; Store by default.
	Progress Progress
	// REST commands Asterisk; Application is the Stasis application a citizen is handed
	// to; Trunk is how a citizen is dialled, {number} standing for the national number
	// (default PJSIP/{number}@carrier); Log the log.
	REST        *asterisk.REST
	Application string
	Trunk       string
	Log         *slog.Logger
	Window      Window
	Concurrent  int           // follow-up calls up at once; default 4
	Rate        int           // follow-up calls started per minute; default 20
	Ring        time.Duration // how long a citizen's phone rings; default 40 s
	Every       time.Duration // how often the due list is read; default 10 s
	// Now is the dialer's clock (tests set it); time.Now by default.
	Now func() time.Time
	// CallerID is the number the citizen sees; default 19001075.
	CallerID string
	// AGI is where Asterisk's FastAGI reaches the dialer (required): the questions and
	// the end of each call. AGIURL is that address as Asterisk dials it; default
	// agi:// and the listener's address.
	AGI    net.Listener
	AGIURL string
	// AGIConns bounds the FastAGI connections served at once; default 2×Concurrent+16
	// (Asterisk opens at most two a call: the questions and the end).
	AGIConns int
}

// Dialer places the automated follow-up calls.
type Dialer struct {
	app  App
	cfg  Config
	log  *slog.Logger
	kick chan struct{}
	mu   sync.Mutex
	up   int       // calls in progress
	last time.Time // when the last call was started
	// placing holds the calls placed and not yet over, by channel ID, for the FastAGI
	// sessions Asterisk opens about them.
	placing map[string]*placing
}

// NewDialer returns a dialer that places calls through app; Run starts it.
func NewDialer(app App, cfg Config) *Dialer {
	if cfg.Concurrent <= 0 {
		cfg.Concurrent = 4
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 20
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 40 * time.Second
	}
	if cfg.Every <= 0 {
		cfg.Every = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CallerID == "" {
		cfg.CallerID = "19001075"
	}
	if cfg.Progress == nil {
		cfg.Progress = cfg.Store
	}
	if cfg.AGIConns <= 0 {
		cfg.AGIConns = 2*cfg.Concurrent + 16
	}
	if cfg.AGIURL == "" && cfg.AGI != nil {
		cfg.AGIURL = "agi://" + cfg.AGI.Addr().String()
	}
	if cfg.Trunk == "" {
		cfg.Trunk = "PJSIP/{number}@carrier"
	}
	if cfg.Application == "" {
		cfg.Application = "hotline"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Dialer{app: app, cfg: cfg, log: cfg.Log.With("follow_up", true), kick: make(chan struct{}, 1),
		placing: map[string]*placing{}}
}

// Kick makes the dialer read the due list now (a call was asked for, a slot freed).
func (d *Dialer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run places calls until ctx ends. The calls in progress are the App's: its shutdown
// drains them, and the FastAGI listener stays open for them until it is closed.
func (d *Dialer) Run(ctx context.Context) {
	if d.cfg.AGI == nil {
		d.log.Error("follow-up calls are off: no fastagi listener")
		return
	}
	go d.serveAGI()
	tick := time.NewTicker(d.cfg.Every)
	defer tick.Stop()
	for {
		d.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.kick:
		}
	}
}

// round starts the calls due now, as many as the free channels and the rate allow.
func (d *Dialer) round(ctx context.Context) {
	now := d.cfg.Now()
	if !d.cfg.Window.Contains(now) {
		return
	}
	d.mu.Lock()
	free := d.cfg.Concurrent - d.up
	d.mu.Unlock()
	if free <= 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	due, err := d.cfg.Store.FollowUpCallsDue(qctx, now, free)
	cancel()
	if err != nil {
		d.log.Error("follow-up calls due", "err", err)
		return
	}
	gap := time.Minute / time.Duration(d.cfg.Rate)
	for _, target := range due {
		d.mu.Lock()
		wait := gap - time.Since(d.last)
		d.mu.Unlock()
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		now := d.cfg.Now()
		if ctx.Err() != nil || !d.cfg.Window.Contains(now) {
			return
		}
		rec := followUpRecord(target)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		attempt, err := d.cfg.Progress.ClaimFollowUpCall(cctx, target, now, rec)
		cancel()
		if err != nil {
			if tickets.ErrorCode(err) != tickets.ECONFLICT {
				d.log.Error("claim a follow-up call", "case", target.CaseRef, "err", err)
			}
			continue
		}
		d.mu.Lock()
		d.up++
		d.last = time.Now()
		d.mu.Unlock()
		go func() {
			d.place(attempt, target, rec)
			d.mu.Lock()
			d.up--
			d.mu.Unlock()
			d.Kick()
		}()
	}
}

// followUpFlow is the follow-up flow, built once.
var followUpFlow = sync.OnceValue(ivr.FollowUpFlow)

// followUpRecord is the record of a follow-up call about to be placed, written with its
// attempt's claim.
func followUpRecord(target *tickets.FollowUpCallTarget) *tickets.Call {
	dialed := tickets.NationalDigits(target.Phone)
	number := target.Phone
	return &tickets.Call{ID: tickets.NewCallID(), ChannelID: asterisk.FollowUpLegPrefix + asterisk.NewID(), Direction: "follow_up",
		CallerNumber: &number, CallerRaw: dialed, Dialed: dialed, Language: target.Language, StartedAt: time.Now().UTC(),
		Outcome: tickets.OutcomeInProgress}
}

// The dialplan of follow-up calls (ivr/asterisk/etc/extensions.conf): a call is placed
// into followUpContext, whose AGI(${HOTLINE_AGI}/followup) asks the hotline for the
// questions once the citizen answers; the hang-up handler followUpEndHandler runs
// AGI(${HOTLINE_AGI}/end,${HANGUPCAUSE}) however the call ends, answered or not.
// HOTLINE_AGI ends in the call's token, so Asterisk sends the script as TOKEN/followup.
const (
	followUpContext    = "hotline-followup"
	followUpEndHandler = "hotline-followup-end,s,1"
)

// placing is a follow-up call between its dial and its end, as Asterisk's FastAGI
// sessions report them.
type placing struct {
	// token is the call's own secret in its AGI URL (HOTLINE_AGI = AGIURL/token): a
	// FastAGI session about the call is taken only with it, so that nothing else that
	// reaches the listener can answer a citizen's questions or end their call.
	token    string
	answered chan *agiSession // the citizen answered: the session that asks the questions
	ended    chan int         // the call is over: Asterisk's hang-up cause
	aborted  atomic.Bool      // the App ended the call: the hotline stops, Asterisk is gone
	hangup   func()           // hangs the call up
}

// abort is the App ending the call from outside: it is hung up, and its end is reported
// as any other's. It never blocks.
func (p *placing) abort(string) {
	if !p.aborted.Swap(true) {
		go p.hangup()
	}
}

// serveAGI answers Asterisk's FastAGI connections until the listener is closed. It
// outlives Run: calls in progress when the dialer stops still report their end.
func (d *Dialer) serveAGI() {
	slots := make(chan struct{}, d.cfg.AGIConns) // beyond it, a connection is closed at once
	for {
		conn, err := d.cfg.AGI.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			d.log.Error("accept a fastagi connection", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			conn.Close()
			d.log.Warn("fastagi connection refused: too many open", "open", cap(slots))
			continue
		}
		go func() {
			defer func() { <-slots }()
			d.agiConn(conn)
		}()
	}
}

// agiConn hands a FastAGI session to the call it is about, if it carries that call's
// token.
func (d *Dialer) agiConn(conn net.Conn) {
	s, err := readAGISession(conn)
	if err != nil {
		conn.Close()
		d.log.Warn("fastagi connection", "err", err)
		return
	}
	token, script, _ := strings.Cut(s.script, "/")
	d.mu.Lock()
	p := d.placing[s.channel]
	d.mu.Unlock()
	switch {
	case p == nil:
		// A call this hotline does not know (placed before a restart), or a channel
		// that is not one of its calls: AGI() fails, and the dialplan hangs up.
		s.close()
	case subtle.ConstantTimeCompare([]byte(token), []byte(p.token)) != 1:
		d.log.Warn("fastagi connection refused: not the call's token", "from", conn.RemoteAddr().String())
		s.close()
	case script == agiQuestions:
		select {
		case p.answered <- s:
		default:
			s.close()
		}
	case script == agiEnd:
		cause, _ := strconv.Atoi(s.arg(0))
		s.close()
		select {
		case p.ended <- cause:
		default:
		}
	default:
		d.log.Warn("fastagi asked for an unknown script", "script", script)
		s.close()
	}
}

// place dials one claimed attempt into the dialplan. Once the citizen answers, Asterisk
// asks for the questions over FastAGI (ask); the hang-up handler reports the end of
// every call, with Asterisk's cause when it was not answered. Every way out of it ends
// the attempt and writes the call's final record with it, in one transaction.
func (d *Dialer) place(attempt *tickets.FollowUpCall, target *tickets.FollowUpCallTarget, rec *tickets.Call) {
	leg := rec.ChannelID
	log := d.log.With("call", rec.ID, "case", target.CaseRef, "attempt", attempt.ID)
	end := func(e tickets.FollowUpCallEnd) {
		if e.Call.EndedAt == nil {
			now := time.Now().UTC()
			e.Call.EndedAt, e.Call.EndedBy = &now, tickets.EndedByCaller
		}
		if err := tickets.Retry(5, func(ctx context.Context) error { return d.cfg.Progress.EndFollowUpCall(ctx, attempt.ID, e) }); err != nil {
			log.Error("end the follow-up call attempt", "err", err)
		}
		log.Info("follow-up call ended", "result", e.Result)
	}
	unanswered := func(result string, cause *int) {
		rec.Outcome = "follow_up_" + result
		end(tickets.FollowUpCallEnd{Result: result, Cause: cause, Call: rec})
	}
	p := &placing{token: asterisk.NewToken(), answered: make(chan *agiSession, 1), ended: make(chan int, 1), hangup: func() { d.cfg.REST.HangupLogged(log, leg) }}
	tracked, err := d.app.Track(p.abort)
	if err != nil { // the hotline is stopping
		unanswered(tickets.AttemptInterrupted, nil)
		return
	}
	d.mu.Lock()
	d.placing[leg] = p
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.placing, leg)
		d.mu.Unlock()
		tracked()
	}()
	trunk := strings.ReplaceAll(d.cfg.Trunk, "{number}", rec.Dialed)
	ctx, cancel := asterisk.CommandContext()
	err = d.cfg.REST.Originate(ctx, trunk, followUpContext, leg, d.cfg.CallerID, d.cfg.Ring,
		map[string]string{"HOTLINE_AGI": d.cfg.AGIURL + "/" + p.token, "CHANNEL(hangup_handler_push)": followUpEndHandler})
	cancel()
	if err != nil {
		log.Warn("follow-up call cannot be placed", "err", err)
		unanswered(tickets.AttemptFailed, nil)
		return
	}
	var s *agiSession
	select {
	case s = <-p.answered:
	case cause := <-p.ended:
		result := tickets.AttemptResultForCause(cause)
		if p.aborted.Load() {
			result = tickets.AttemptInterrupted
		}
		unanswered(result, &cause)
		return
	case <-time.After(d.cfg.Ring + 30*time.Second):
		// Neither answered nor ended: Asterisk lost the call (a restart).
		d.cfg.REST.HangupLogged(log, leg)
		d.waitEnd(p, leg)
		unanswered(tickets.AttemptInterrupted, nil)
		return
	}
	now := time.Now().UTC()
	rec.AnsweredAt = &now
	// Progress, not yet a result: a crash from here closes the attempt as interrupted.
	if err := tickets.Retry(3, func(ctx context.Context) error { return d.cfg.Progress.FollowUpCallAnswered(ctx, attempt.ID, now) }); err != nil {
		log.Warn("note the follow-up call answered", "err", err)
	}
	fu := &followUp{store: d.cfg.Store, attempt: attempt}
	m := ivr.NewMachine(followUpFlow())
	m.Lang = target.Language
	if m.Lang == "" {
		m.Lang = "vi"
	}
	q := &questions{app: d.app, application: d.cfg.Application, set: d.app.Prompts(), s: s, m: m, fu: fu, rec: rec, log: log}
	q.ask()
	s.close()
	if p.aborted.Load() && rec.Outcome != tickets.OutcomeInterrupted {
		rec.Outcome, rec.EndedBy = tickets.OutcomeInterrupted, tickets.EndedBySystem
	}
	d.waitEnd(p, leg)
	end(followUpEnd(m, fu, rec))
}

// waitEnd waits, a few seconds at most, for Asterisk to report the end of a call, so
// that its channel is gone before its slot is given to the next call. An Asterisk that
// does not report it is asked whether the channel is gone.
func (d *Dialer) waitEnd(p *placing, leg string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case <-p.ended:
			return
		case <-time.After(time.Second):
			if d.cfg.REST.Gone(leg) || time.Now().After(deadline) {
				return
			}
		}
	}
}

// followUpEnd says how the attempt of an answered follow-up call ended.
func followUpEnd(m *ivr.Machine, fu *followUp, rec *tickets.Call) tickets.FollowUpCallEnd {
	m.CopyTo(rec)
	e := tickets.FollowUpCallEnd{Result: fu.result, Answers: m.CopyAnswers(), Call: rec}
	delete(e.Answers, "queued_at")
	switch {
	case e.Result != "":
	case rec.Outcome == tickets.OutcomeInterrupted || rec.Outcome == tickets.OutcomeDropped:
		e.Result = tickets.AttemptInterrupted
	case m.Path.Keys() == "":
		e.Result = tickets.AttemptNoResponse // nobody pressed 1: voicemail, an announcement
	default:
		e.Result = tickets.AttemptPartial
	}
	return e
}
