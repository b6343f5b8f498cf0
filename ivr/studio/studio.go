// Package studio records new versions of the hotline's prompts on a supervisor's own
// phone: the console asks for it, the supervisor's phone rings, they hear the version
// callers hear now, record the new one after the beep (# ends it), hear it back, and keep
// it (1) or record it again (2). A kept recording is converted as an upload is and filed
// as a version of the prompt, not yet live: the supervisor makes it live on the page.
package studio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// Lines is what the studio needs of the hotline's Stasis application (ivr.App): the
// events of the leg it dials, its lifetime, and the prompts to play.
type Lines interface {
	Attach(leg string, inbox chan ari.Event)
	Detach(leg string)
	Track(abort func(outcome string)) (done func(), err error)
	Prompt(lang, id string) (uri string, limit time.Duration)
}

// Store files the recording as a version of the prompt.
type Store interface {
	AddPromptVersion(ctx context.Context, actor tickets.Actor, v *tickets.PromptVersion, wav []byte) error
}

// Config sets up the studio.
type Config struct {
	Lines       Lines
	REST        *asterisk.REST
	Store       Store
	Application string        // the Stasis application the leg is created in
	Ring        time.Duration // how long the supervisor's phone rings; default 30 s
	Log         *slog.Logger
}

// Studio rings supervisors' phones to record prompts.
type Studio struct {
	cfg Config
	mu  sync.Mutex
	on  map[string]bool // the phones in a recording now
}

// New returns a studio.
func New(cfg Config) *Studio {
	if cfg.Ring == 0 {
		cfg.Ring = 30 * time.Second
	}
	if cfg.Application == "" {
		cfg.Application = "hotline"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Studio{cfg: cfg, on: map[string]bool{}}
}

// Request is a new version of a prompt recorded on a supervisor's phone.
type Request struct {
	Actor        tickets.Actor // the supervisor, whose version it is
	Phone        string        // their phone, as Asterisk dials it: PJSIP/agent101
	Prompt, Lang string
	Text, Note   string // the transcript and the note the version is filed with
}

// The instructions are spoken in Vietnamese, the supervisors' language, whatever the
// language of the prompt recorded.
const instructions = "vi"

// A recording is at most as long as a prompt may be, ended by # or by this much silence.
const recordSilence = 5 * time.Second

// choices are the keys after a recording: 1 keeps it, 2 records again.
const choices = "12"

// keyWait is how long the supervisor has to choose after hearing the recording.
const keyWait = 15 * time.Second

// Record rings the supervisor's phone and records in the background; it fails only when
// the request is wrong or the hotline is stopping. What happened is in the log, and a
// kept recording on the prompt's page.
func (s *Studio) Record(ctx context.Context, r Request) error {
	if !r.Actor.IsSupervisor() {
		return tickets.Errorf(tickets.EFORBIDDEN, "Chỉ giám sát viên ghi âm được lời nhắn của tổng đài.")
	}
	if r.Phone == "" {
		return tickets.Errorf(tickets.EINVALID, "Tài khoản của bạn chưa có máy điện thoại; hãy nhờ quản trị viên thêm.")
	}
	if r.Lang != "vi" && r.Lang != "en" {
		return tickets.Errorf(tickets.EINVALID, "Hãy chọn tiếng Việt hoặc tiếng Anh.")
	}
	s.mu.Lock()
	busy := s.on[r.Phone]
	s.on[r.Phone] = true
	s.mu.Unlock()
	if busy {
		return tickets.Errorf(tickets.ECONFLICT, "Máy %s đang ghi âm; hãy xong bản đó trước.", r.Phone)
	}
	free := func() {
		s.mu.Lock()
		delete(s.on, r.Phone)
		s.mu.Unlock()
	}
	ss := &session{s: s, r: r, leg: asterisk.StudioLegPrefix + asterisk.NewID(), events: make(chan ari.Event, 64),
		aborted: make(chan string, 1)}
	ss.log = s.cfg.Log.With("studio", true, "prompt", r.Prompt, "lang", r.Lang)
	done, err := s.cfg.Lines.Track(ss.abort)
	if err != nil {
		free()
		return tickets.Errorf(tickets.ECONFLICT, "Hệ thống đang dừng; chưa thể ghi âm.")
	}
	go func() {
		defer free()
		defer done()
		ss.run()
	}()
	return nil
}

// session is one recording on a supervisor's phone; its goroutine owns it.
type session struct {
	s       *Studio
	r       Request
	leg     string
	bridge  string // the leg's own bridge, which is recorded
	events  chan ari.Event
	aborted chan string
	log     *slog.Logger
}

func (ss *session) abort(outcome string) {
	select {
	case ss.aborted <- outcome:
	default:
	}
}

// errGone means the supervisor hung up, or the hotline ended the session.
var errGone = errors.New("the studio's phone hung up")

func (ss *session) run() {
	cfg := ss.s.cfg
	cfg.Lines.Attach(ss.leg, ss.events)
	defer cfg.Lines.Detach(ss.leg)
	defer cfg.REST.HangupLogged(ss.log, ss.leg)
	vars := map[string]string{"CALLERID(name)": "Ghi am loi nhan", "CALLERID(num)": "19001075"}
	answered, cause := cfg.REST.DialLeg(ss.log, cfg.Application, "studio phone", ss.leg, ss.r.Phone, cfg.Ring, vars, ss.events, ss.aborted, nil)
	if !answered {
		ss.log.Info("the supervisor's phone was not answered", "cause", cause)
		return
	}
	// A leg the hotline dialed is recorded through a bridge of its own (RecordBridge).
	ss.bridge = ss.leg + "-bridge"
	cfg.Lines.Attach("bridge:"+ss.bridge, ss.events)
	defer cfg.Lines.Detach("bridge:" + ss.bridge)
	ctx, cancel := asterisk.CommandContext()
	err := cfg.REST.CreateBridge(ctx, ss.bridge)
	if err == nil {
		err = cfg.REST.AddToBridge(ctx, ss.bridge, ss.leg)
	}
	cancel()
	defer func() {
		ctx, cancel := asterisk.CommandContext()
		defer cancel()
		if err := cfg.REST.DestroyBridge(ctx, ss.bridge); err != nil {
			ss.log.Warn("destroy the studio's bridge", "err", err)
		}
	}()
	if err != nil {
		ss.log.Error("put the supervisor's phone in a bridge to record", "err", err)
		ss.play("", ss.prompt(instructions, "rec_failed"))
		return
	}
	for attempt := 1; attempt <= 3; attempt++ {
		kept, err := ss.take(attempt)
		switch {
		case err != nil:
			ss.log.Info("prompt recording by phone ended", "err", err)
			return
		case kept:
			return
		}
	}
	ss.play("", ss.prompt(instructions, "rec_failed"))
}

// prompt is a prompt's URI, and how long it may play.
func (ss *session) prompt(lang, id string) media {
	uri, limit := ss.s.cfg.Lines.Prompt(lang, id)
	return media{uri: uri, limit: limit}
}

// media is something to play, and how long it may play.
type media struct {
	uri   string
	limit time.Duration
}

// take is one try: the version heard now, the recording, its playback, the choice. It
// reports whether the recording was kept (and filed).
func (ss *session) take(attempt int) (bool, error) {
	cfg := ss.s.cfg
	if attempt == 1 {
		if _, err := ss.play("", ss.prompt(ss.r.Lang, ss.r.Prompt), ss.prompt(instructions, "rec_intro")); err != nil {
			return false, err
		}
	}
	name := fmt.Sprintf("studio-%s-%d", ss.leg, attempt)
	defer func() {
		ctx, cancel := asterisk.CommandContext()
		defer cancel()
		if err := cfg.REST.DeleteStoredRecording(ctx, name); err != nil {
			ss.log.Warn("delete the studio's recording in asterisk", "err", err)
		}
	}()
	if err := ss.record(name); err != nil {
		return false, err
	}
	for tries := 0; tries < 2; tries++ {
		key, err := ss.play(choices, media{uri: "recording:" + name, limit: tickets.MaxPromptLength + 10*time.Second}, ss.prompt(instructions, "rec_review"))
		if err != nil {
			return false, err
		}
		if key == "" {
			if key, err = ss.key(keyWait); err != nil {
				return false, err
			}
		}
		switch key {
		case "1":
			if err := ss.keep(name); err != nil {
				ss.log.Error("file the recording made by phone", "err", err)
				ss.play("", ss.prompt(instructions, "rec_failed"))
				return true, nil
			}
			ss.play("", ss.prompt(instructions, "rec_saved"))
			return true, nil
		case "2":
			ss.play("", ss.prompt(instructions, "rec_intro"))
			return false, nil
		}
	}
	return false, errors.New("no choice after the recording")
}

// record records after the beep until #, silence or the longest a prompt may be.
func (ss *session) record(name string) error {
	cfg := ss.s.cfg
	ctx, cancel := asterisk.CommandContext()
	err := cfg.REST.RecordBridge(ctx, ss.bridge, name, tickets.MaxPromptLength, recordSilence)
	cancel()
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	limit := time.NewTimer(tickets.MaxPromptLength + 30*time.Second)
	defer limit.Stop()
	for {
		e, err := ss.next(limit.C)
		switch v := e.(type) {
		case nil:
			if err != nil {
				return err
			}
			ctx, cancel := asterisk.CommandContext()
			cfg.REST.StopRecording(ctx, name)
			cancel()
			return nil
		case *ari.RecordingFinished:
			if v.Recording.Name == name {
				return nil
			}
		case *ari.RecordingFailed:
			if v.Recording.Name == name {
				return fmt.Errorf("recording failed: %s", v.Recording.Cause)
			}
		case *ari.ChannelDtmfReceived:
			// The bridge's recorder may not hear the supervisor's keys: # ends it here.
			if v.Channel.ID == ss.leg && v.Digit == "#" {
				ctx, cancel := asterisk.CommandContext()
				err := cfg.REST.StopRecording(ctx, name)
				cancel()
				if err != nil {
					return fmt.Errorf("stop the recording: %w", err)
				}
			}
		}
	}
}

// play plays media one after another as one playback; one of keys stops it and is
// returned (others, like the # that ended a recording, are let through).
func (ss *session) play(keys string, list ...media) (string, error) {
	cfg := ss.s.cfg
	uris := make([]string, len(list))
	var limit time.Duration
	for i, m := range list {
		uris[i], limit = m.uri, limit+m.limit
	}
	id := ss.leg + "-pb-" + asterisk.NewID()
	ctx, cancel := asterisk.CommandContext()
	err := cfg.REST.Play(ctx, ss.leg, id, uris)
	cancel()
	if err != nil {
		if asterisk.IsNotFound(err) {
			return "", errGone
		}
		return "", fmt.Errorf("play: %w", err)
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		e, err := ss.next(timer.C)
		switch v := e.(type) {
		case nil:
			return "", err
		case *ari.PlaybackFinished:
			if v.Playback.ID == id {
				return "", nil
			}
		case *ari.ChannelDtmfReceived:
			if v.Channel.ID == ss.leg && v.Digit != "" && strings.Contains(keys, v.Digit) {
				ctx, cancel := asterisk.CommandContext()
				cfg.REST.StopPlayback(ctx, id)
				cancel()
				return v.Digit, nil
			}
		}
	}
}

// key waits for a key, "" if none comes within wait.
func (ss *session) key(wait time.Duration) (string, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		e, err := ss.next(timer.C)
		switch v := e.(type) {
		case nil:
			return "", err
		case *ari.ChannelDtmfReceived:
			if v.Channel.ID == ss.leg {
				return v.Digit, nil
			}
		}
	}
}

// next is the session's next event, or nil when deadline fires (err nil) or the
// supervisor hung up or the hotline ended the session (errGone).
func (ss *session) next(deadline <-chan time.Time) (ari.Event, error) {
	for {
		select {
		case <-deadline:
			return nil, nil
		case <-ss.aborted:
			return nil, errGone
		case e := <-ss.events:
			switch e.(type) {
			case *ari.ChannelHangupRequest, *ari.StasisEnd, *ari.ChannelDestroyed:
				if asterisk.EventChannel(e) == ss.leg {
					return nil, errGone
				}
				continue
			}
			return e, nil
		}
	}
}

// keep fetches the recording from Asterisk, converts it as an upload is and files it as
// a version of the prompt.
func (ss *session) keep(name string) error {
	cfg := ss.s.cfg
	var buf bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := cfg.REST.FetchStoredRecording(ctx, name, &buf); err != nil {
		return fmt.Errorf("fetch the recording: %w", err)
	}
	wav, err := sounds.Convert(ctx, buf.Bytes())
	if err != nil {
		return fmt.Errorf("convert the recording: %w", err)
	}
	v := &tickets.PromptVersion{Prompt: ss.r.Prompt, Lang: ss.r.Lang, Source: tickets.PromptPhone, Text: ss.r.Text, Note: ss.r.Note}
	if err := tickets.RetryTransient(6*time.Second, func(ctx context.Context) error {
		return cfg.Store.AddPromptVersion(ctx, ss.r.Actor, v, wav)
	}); err != nil {
		return err
	}
	ss.log.Info("prompt version recorded by phone", "version", v.Number, "length", v.Duration().Round(100*time.Millisecond))
	return nil
}

// RecordByPhone is Record for the console (web.Studio).
func (s *Studio) RecordByPhone(ctx context.Context, actor tickets.Actor, phone, prompt, lang, text, note string) error {
	return s.Record(ctx, Request{Actor: actor, Phone: phone, Prompt: prompt, Lang: lang, Text: text, Note: note})
}
