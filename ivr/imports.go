package ivr

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// What Asterisk keeps while the hotline cannot take it, imported when the hotline is
// (back) connected: voice messages of the hotline's own calls that a crash or a lost
// connection left in Asterisk's recordings, and the calls Asterisk answered alone while
// the hotline was down (extensions.conf, [hotline-down]).

var (
	// A voice message of one of the hotline's calls: CALLID-mN.
	callMessageName = regexp.MustCompile(`^([0-9a-f]{24})-m[0-9]+$`)
	// A call Asterisk took alone: hotline-outage/TIME-ID-KIND-NUMBER, KIND being the
	// language of the message, or "call" for everything the caller said from the answer.
	outageName = regexp.MustCompile(`^hotline-outage/([0-9]{8}T[0-9]{6}Z)-([0-9]+)-(vi|en|call)-([0-9]+|anonymous)$`)
)

// outageCall is one call Asterisk answered alone, from the recordings it left.
type outageCall struct {
	stamp, uniqueID, from, lang string
	message, all                string // recording names: the message, and all the caller said
}

// importStored imports what Asterisk kept while the hotline could not take it.
func (sv *services) importStored(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	names, err := sv.cfg.REST.StoredRecordings(lctx)
	cancel()
	if err != nil {
		sv.cfg.Log.Warn("list recordings kept by asterisk", "err", err)
		return
	}
	outages := map[string]*outageCall{}
	for _, name := range names {
		if m := callMessageName.FindStringSubmatch(name); m != nil {
			sv.importCallMessage(ctx, m[1], name)
			continue
		}
		if m := outageName.FindStringSubmatch(name); m != nil {
			key := m[1] + "-" + m[2]
			o := outages[key]
			if o == nil {
				o = &outageCall{stamp: m[1], uniqueID: m[2], from: m[4], lang: "vi"}
				outages[key] = o
			}
			if m[3] == "call" {
				o.all = name
			} else {
				o.message, o.lang = name, m[3]
			}
		}
	}
	if len(outages) == 0 {
		return
	}
	// A caller still speaking to Asterisk is imported once they have hung up.
	busy := map[string]bool{}
	lctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	chans, err := sv.cfg.REST.Channels(lctx)
	cancel()
	if err != nil {
		sv.cfg.Log.Warn("list channels before importing the outage's calls", "err", err)
		return
	}
	for _, ch := range chans {
		busy[digitsOf(ch.ID)] = true
	}
	keys := make([]string, 0, len(outages))
	for k := range outages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if o := outages[k]; !busy[o.uniqueID] {
			sv.importOutageCall(ctx, o)
		}
	}
}

// importCallMessage files a voice message Asterisk still holds for one of the hotline's
// calls that is over, on the call's ticket (a callback ticket if it had none).
func (sv *services) importCallMessage(ctx context.Context, callID, name string) {
	if sv.active(callID) {
		return // still being recorded or fetched by its call
	}
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	c, err := sv.cfg.Store.FindCall(fctx, callID)
	cancel()
	if err != nil {
		return // not a call of this hotline's database
	}
	log := sv.cfg.Log.With("call", callID)
	r, err := sv.fetchRecording(name, callID)
	if err != nil {
		log.Warn("fetch a voice message left in asterisk", "err", err)
		return
	}
	if r == nil {
		return // no speech in it: deleted
	}
	// The ticket the call would have made had the caller hung up with the message kept
	// (a community report, a support request...), or a callback.
	m := NewMachine(sv.cfg.Flow)
	m.Resume(c.Language, c.Path, c.Answers)
	req := m.HungUp(time.Now(), true)
	if req == nil {
		req = &TicketRequest{Category: tickets.CategoryCallback, Priority: tickets.P2, Keys: c.Path.Keys(), Answers: c.Answers}
	}
	req.Summary = "Lời nhắn thoại của cuộc gọi bị gián đoạn do sự cố; cần gọi lại."
	tk := ticketFor(c, req)
	tk.CreatedAt = c.StartedAt
	report := &tickets.CallReport{Call: *c, Recordings: []tickets.Recording{*r}, Ticket: tk}
	if err := sv.importReport(ctx, report); err != nil {
		log.Error("import a voice message left in asterisk", "err", err)
		return
	}
	sv.deleteStored(log, name)
	log.Info("voice message left in asterisk imported")
}

// importOutageCall records a call Asterisk answered alone while the hotline was down: a
// call record (hotline_unavailable) and, when the caller can be called back or left a
// message, a P2 missed-call ticket with the message.
func (sv *services) importOutageCall(ctx context.Context, o *outageCall) {
	started, err := time.Parse("20060102T150405Z", o.stamp)
	if err != nil {
		return
	}
	id := "ast-" + o.stamp + "-" + o.uniqueID
	log := sv.cfg.Log.With("call", id, "outage", true)
	rec := tickets.Call{ID: id, ChannelID: o.uniqueID, Dialed: "19001075", Language: o.lang,
		StartedAt: started, AnsweredAt: &started, Outcome: tickets.OutcomeUnavailable, EndedBy: tickets.EndedByCaller}
	if o.from != "anonymous" {
		rec.CallerRaw = o.from
		if n, err := tickets.NormalizePhone(o.from); err == nil {
			rec.CallerNumber = &n
		}
	}
	if o.lang != "vi" {
		rec.Answers = tickets.Answers{"lang": o.lang}
	}
	report := &tickets.CallReport{Call: rec}
	ended := started
	for _, name := range []string{o.message, o.all} {
		if name == "" || len(report.Recordings) > 0 {
			continue
		}
		r, err := sv.fetchRecording(name, id)
		if err != nil {
			log.Warn("fetch the message of a call taken during the outage", "err", err)
			return
		}
		if r != nil {
			report.Recordings = append(report.Recordings, *r)
			ended = started.Add(r.Duration())
		}
	}
	report.Call.EndedAt = &ended
	if rec.CallerNumber != nil || len(report.Recordings) > 0 {
		summary := "Cuộc gọi khi hệ thống gián đoạn: người gọi gác máy trước khi để lại lời nhắn; cần gọi lại."
		if len(report.Recordings) > 0 {
			summary = "Cuộc gọi khi hệ thống gián đoạn, có lời nhắn thoại; cần gọi lại."
		}
		// A missed call for the worklist, with the message if one was left.
		report.Ticket = &tickets.Ticket{Category: tickets.CategoryMissedCall, Priority: tickets.P2, CallerNumber: rec.CallerNumber,
			IVRAnswers: rec.Answers, Summary: summary, CreatedAt: started}
	}
	if err := sv.importReport(ctx, report); err != nil {
		log.Error("import a call taken during the outage", "err", err)
		return
	}
	for _, name := range []string{o.message, o.all} {
		if name != "" {
			sv.deleteStored(log, name)
		}
	}
	log.Info("call taken while the hotline was down imported", "message", len(report.Recordings) > 0)
}

// importReport writes a report to the database, or to the spool if it cannot.
func (sv *services) importReport(ctx context.Context, r *tickets.CallReport) error {
	err := tickets.RetryTransient(4*time.Second, func(ctx context.Context) error {
		_, _, err := sv.cfg.Store.ImportCallReport(ctx, tickets.ActorIVR, r)
		return err
	})
	if err != nil && tickets.IsTransient(err) {
		return sv.cfg.Spool.Put(r)
	}
	return err
}

// digitsOf keeps the digits of s (Asterisk's unique IDs as the dialplan files them).
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
