package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// Thông báo: the supervisors keep what callers hear current. Every prompt of the call
// flow (sounds.Catalog) and the urgent message have versions per language; a new version
// comes from typed text (spoken by the server) or a recording (a file, or the browser's
// microphone), and goes live now or on a schedule, until a time if wanted.

// Announcer is told when what callers hear changes, so that the next call hears it: the
// IVR (ivr.App.PromptsChanged).
type Announcer interface {
	PromptsChanged()
}

// Studio rings a supervisor's own phone to record a prompt's new version (ivr/studio):
// they hear the version callers hear now, record after the beep, hear it back and keep
// it. It returns once the phone is being rung; a kept recording appears on the page.
type Studio interface {
	RecordByPhone(ctx context.Context, actor tickets.Actor, phone, prompt, lang, text, note string) error
}

// maxUpload bounds a recording's upload: three minutes of WAV at CD quality.
const maxUpload = 32 << 20

// AnnouncementsPage is the list of everything callers can hear.
type AnnouncementsPage struct {
	Nav     Nav
	Urgent  PromptPanel
	Prompts []PromptRow // what the menus say
	Parts   []PromptRow // the pieces read out in lists: districts, units, keys, digits
	Message string
}

// PromptRow is one prompt in the list: what plays now in each language.
type PromptRow struct {
	ID, URL, Text string
	Langs         []LangLive
}

// LangLive is what plays of a prompt in one language.
type LangLive struct {
	Lang, Label   string
	Version       int
	Author, Since string
	Until         string
	Builtin       bool
	// Missing: the English plays a version older than the Vietnamese one; Absent: the
	// prompt has no version in this language at all (for_english is English only).
	Missing, Absent bool
}

// PromptPanel is one prompt's page: per language what plays, the versions, the schedule.
type PromptPanel struct {
	ID, Title, URL string
	Langs          []LangPanel
	History        []HistoryRow
	Errors         map[string]string
	Form           VersionForm
	Message        string
	// Articles are the articles of Hướng dẫn a typed text can be published to, Article
	// the one this prompt's text goes to by default.
	Articles []option
	Article  string
	// ByPhone offers to record on the supervisor's own phone (Phone, as Asterisk dials
	// it; empty when their account has none).
	ByPhone bool
	Phone   string
}

// LangPanel is one language of a prompt's page.
type LangPanel struct {
	Lang, Label string
	Live        LangLive
	LiveID      int64 // the live entry the page shows (0: version 1 by itself), for stale changes
	Versions    []VersionRow
	Schedule    []ScheduleRow
}

// VersionRow is one version, with its player.
type VersionRow struct {
	ID                   int64
	Number               int
	Source, Text, Note   string
	Author, At, Duration string
	AudioURL             string
	Live                 bool
	// Publish offers to publish the version's typed text as an article's new version
	// (Hướng dẫn), from PublishFrom if it is scheduled to go live; Published are the
	// article versions made from it.
	Publish     bool
	PublishFrom string
	Published   []GuideLink
}

// ScheduleRow is one live entry: past, present or to come.
type ScheduleRow struct {
	ID                  int64
	Version             int
	From, Until, Author string
	State               string // "đang phát", "sắp phát", "đã hết", "đã huỷ", "bị thay"
	Endable             bool
}

// HistoryRow is one change of the prompt, as the audit trail has it.
type HistoryRow struct {
	At, Actor, What string
}

// VersionForm is what was typed in the new-version form.
type VersionForm struct {
	Lang, Source, Text, Note string
}

var sourceLabels = map[string]string{tickets.PromptBuiltin: "bản gốc", tickets.PromptText: "đọc từ văn bản",
	tickets.PromptUpload: "tệp ghi âm", tickets.PromptBrowser: "ghi âm trên trình duyệt", tickets.PromptPhone: "ghi âm qua điện thoại"}

var langLabels = map[string]string{"vi": "Tiếng Việt", "en": "Tiếng Anh"}

// promptEntry finds a prompt callers can hear: one of the catalog, or the urgent message.
func promptEntry(id string) (sounds.Entry, bool) {
	if id == tickets.UrgentPrompt {
		return sounds.Entry{ID: id, Text: map[string]string{}}, true
	}
	for _, e := range sounds.Catalog() {
		if e.ID == id {
			return e, true
		}
	}
	return sounds.Entry{}, false
}

// promptTitle is how a prompt is named on the pages.
func promptTitle(e sounds.Entry) string {
	if e.ID == tickets.UrgentPrompt {
		return "Thông báo khẩn (phát ngay sau lời chào)"
	}
	t := e.Text["vi"]
	if t == "" {
		t = e.Text["en"]
	}
	if r := []rune(t); len(r) > 90 {
		t = string(r[:90]) + "…"
	}
	return t
}

// langLive says what plays in a language, from the live entry (nil: version 1).
func langLive(lang string, l *tickets.PromptLive, builtin bool) LangLive {
	v := LangLive{Lang: lang, Label: langLabels[lang], Version: 1, Builtin: true, Absent: !builtin}
	if l != nil && l.VersionID != nil {
		v.Version, v.Builtin, v.Absent, v.Author, v.Since, v.Until = l.Number, false, false, l.Author, dateTime(l.From), dateTimePtr(l.Until)
	}
	return v
}

// markMissing marks the English that lags behind the Vietnamese: callers who chose
// English hear an older version than the others.
func markMissing(langs []LangLive, live map[string]*tickets.PromptLive, id string) {
	vi, en := live[id+"/vi"], live[id+"/en"]
	if vi != nil && vi.VersionID != nil && (en == nil || en.VersionID == nil || en.CreatedAt.Before(vi.CreatedAt)) {
		for i := range langs {
			if langs[i].Lang == "en" {
				langs[i].Missing = true
			}
		}
	}
}

func (s *Server) handleAnnouncements(w http.ResponseWriter, r *http.Request, me *viewer) {
	live, err := s.cfg.Store.PromptsLiveNow(r.Context(), me.Actor)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p := AnnouncementsPage{Nav: s.nav(r, me, "announcements"), Message: r.URL.Query().Get("done")}
	urgent, err := s.promptPanel(r.Context(), me, tickets.UrgentPrompt)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Urgent = urgent
	for _, e := range sounds.Catalog() {
		row := PromptRow{ID: e.ID, URL: "/announcements/" + e.ID, Text: promptTitle(e)}
		for _, lang := range sounds.Languages {
			row.Langs = append(row.Langs, langLive(lang, live[e.ID+"/"+lang], e.Text[lang] != ""))
		}
		markMissing(row.Langs, live, e.ID)
		if isPromptPart(e.ID) {
			p.Parts = append(p.Parts, row)
		} else {
			p.Prompts = append(p.Prompts, row)
		}
	}
	s.render(w, r, http.StatusOK, announcementsPage(p))
}

// isPromptPart reports whether a prompt is a piece read out in a list (a district, a
// unit, a key, a digit) rather than something the menus say.
func isPromptPart(id string) bool {
	for _, prefix := range []string{"district_", "unit_", "press_", "digit_"} {
		if strings.HasPrefix(id, prefix) {
			return true
		}
	}
	return false
}

// promptPanel builds one prompt's page.
func (s *Server) promptPanel(ctx context.Context, me *viewer, id string) (PromptPanel, error) {
	e, ok := promptEntry(id)
	if !ok {
		return PromptPanel{}, tickets.Errorf(tickets.ENOTFOUND, "Không có lời nhắn %q.", id)
	}
	p := PromptPanel{ID: id, Title: promptTitle(e), URL: "/announcements/" + id, Errors: map[string]string{}, Form: VersionForm{Lang: "vi", Source: tickets.PromptText},
		ByPhone: s.cfg.Studio != nil, Phone: me.User.Phone}
	versions, err := s.cfg.Store.PromptVersions(ctx, me.Actor, id)
	if err != nil {
		return p, err
	}
	schedule, err := s.cfg.Store.PromptSchedule(ctx, me.Actor, id)
	if err != nil {
		return p, err
	}
	live, err := s.cfg.Store.PromptsLiveNow(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	articles, err := s.cfg.Store.Articles(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	for _, a := range articles {
		p.Articles = append(p.Articles, option{a.Slug, a.Name()})
	}
	p.Article = promptArticles[id]
	published, err := s.cfg.Store.PromptPublications(ctx, me.Actor, id)
	if err != nil {
		return p, err
	}
	now := s.cfg.Now()
	for _, lang := range sounds.Languages {
		lp := LangPanel{Lang: lang, Label: langLabels[lang], Live: langLive(lang, live[id+"/"+lang], e.Text[lang] != "")}
		if l := live[id+"/"+lang]; l != nil {
			lp.LiveID = l.ID
		}
		if e.Text[lang] != "" {
			lp.Versions = append(lp.Versions, VersionRow{Number: 1, Source: sourceLabels[tickets.PromptBuiltin], Text: e.Text[lang],
				AudioURL: "/sounds/" + lang + "/" + id + ".wav", Live: lp.Live.Builtin})
		}
		for _, v := range versions {
			if v.Lang != lang {
				continue
			}
			row := VersionRow{ID: v.ID, Number: v.Number, Source: sourceLabels[v.Source], Text: v.Text, Note: v.Note, Author: v.Author,
				At: dateTime(v.CreatedAt), Duration: v.Duration().Round(100 * time.Millisecond).String(),
				AudioURL: "/sounds/" + promptVersionPath(v.ID, lang, id), Live: !lp.Live.Builtin && lp.Live.Version == v.Number,
				Publish: v.Source == tickets.PromptText && v.Lang == "vi" && strings.TrimSpace(v.Text) != ""}
			for _, av := range published[v.ID] {
				row.Published = append(row.Published, GuideLink{URL: "/guides/" + av.Slug, Title: fmt.Sprintf("%s, phiên bản %d", av.Title, av.Number)})
			}
			for _, l := range schedule {
				if l.VersionID != nil && *l.VersionID == v.ID && l.CancelledAt == nil && l.From.After(now) {
					row.PublishFrom = dateTime(l.From) // the article takes effect when callers hear it
				}
			}
			lp.Versions = append([]VersionRow{row}, lp.Versions...)
		}
		for _, l := range schedule {
			if l.Lang != lang {
				continue
			}
			row := ScheduleRow{ID: l.ID, Version: l.Number, From: dateTime(l.From), Until: dateTimePtr(l.Until), Author: l.Author}
			switch {
			case l.CancelledAt != nil:
				row.State = "đã huỷ " + dateTime(*l.CancelledAt)
			case l.Until != nil && !l.Until.After(now):
				row.State = "đã hết"
			case l.From.After(now):
				row.State, row.Endable = "sắp phát", true
			case live[id+"/"+lang] != nil && live[id+"/"+lang].ID == l.ID:
				row.State, row.Endable = "đang phát", true
			default:
				row.State, row.Endable = "bị bản sau thay", true
			}
			lp.Schedule = append(lp.Schedule, row)
		}
		p.Langs = append(p.Langs, lp)
	}
	langs := make([]LangLive, len(p.Langs))
	for i, l := range p.Langs {
		langs[i] = l.Live
	}
	markMissing(langs, live, id)
	for i := range p.Langs {
		p.Langs[i].Live.Missing = langs[i].Missing
	}
	events, err := s.cfg.Store.PromptEvents(ctx, me.Actor, id, 50)
	if err != nil {
		return p, err
	}
	for _, ev := range events {
		p.History = append(p.History, HistoryRow{At: dateTime(ev.At), Actor: ev.Actor, What: promptEventText(ev)})
	}
	return p, nil
}

// promptVersionPath is where the prompt server serves a version (ivr.VersionPath).
func promptVersionPath(id int64, lang, prompt string) string {
	return fmt.Sprintf("v%d/%s/%s.wav", id, lang, prompt)
}

// promptEventText says a prompt's change in words.
func promptEventText(ev *tickets.Event) string {
	_, lang, _ := strings.Cut(ev.Field, "/")
	l := langLabels[lang]
	switch ev.Kind {
	case "prompt_version":
		return fmt.Sprintf("%s: thêm phiên bản %s (%s)", l, ev.NewValue, sourceLabels[ev.Note])
	case "prompt_live":
		return fmt.Sprintf("%s: phát phiên bản %s thay %s, %s", l, ev.NewValue, ev.OldValue, ev.Note)
	case "prompt_to_article":
		return fmt.Sprintf("%s: đăng phiên bản %s lên Hướng dẫn (bài %s, phiên bản %s)", l, ev.OldValue, ev.NewValue, ev.Note)
	case "prompt_end":
		s := fmt.Sprintf("%s: dừng lịch phát phiên bản %s", l, ev.OldValue)
		if ev.Note != "" {
			s += ": " + ev.Note
		}
		return s
	}
	return ev.Kind
}

func (s *Server) handlePrompt(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.promptPanel(r.Context(), me, r.PathValue("prompt"))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, promptPage(s.nav(r, me, "announcements"), p))
}

// refusePrompt shows a prompt's page again with a message beside the field at fault.
func (s *Server) refusePrompt(w http.ResponseWriter, r *http.Request, me *viewer, field string, err error, form VersionForm) {
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT && code != tickets.EFORBIDDEN {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.promptPanel(r.Context(), me, r.PathValue("prompt"))
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.Errors[field] = tickets.ErrorMessage(err)
	p.Form = form
	s.render(w, r, statusFor(err), promptPage(s.nav(r, me, "announcements"), p))
}

// handlePromptVersion makes a new version of a prompt: typed text spoken by the server,
// or a recording (an uploaded file, or the browser's) converted for Asterisk.
func (s *Server) handlePromptVersion(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := r.PathValue("prompt")
	if _, ok := promptEntry(id); !ok {
		s.fail(w, r, me, tickets.Errorf(tickets.ENOTFOUND, "Không có lời nhắn %q.", id))
		return
	}
	if err := r.ParseMultipartForm(4 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.refusePrompt(w, r, me, "file", tickets.Errorf(tickets.EINVALID, "Tệp quá lớn (tối đa %d MB).", maxUpload>>20), VersionForm{})
		return
	}
	form := VersionForm{Lang: r.FormValue("lang"), Source: r.FormValue("source"), Text: strings.TrimSpace(r.FormValue("text")), Note: strings.TrimSpace(r.FormValue("note"))}
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	var wav []byte
	field := "file"
	switch form.Source {
	case tickets.PromptText:
		field = "text"
		if form.Lang != "vi" && form.Lang != "en" {
			s.refusePrompt(w, r, me, "lang", tickets.Errorf(tickets.EINVALID, "Hãy chọn tiếng Việt hoặc tiếng Anh."), form)
			return
		}
		b, err := sounds.Speak(ctx, form.Lang, form.Text)
		if err != nil {
			s.refusePrompt(w, r, me, field, convertError(err), form)
			return
		}
		wav = b
	case tickets.PromptUpload, tickets.PromptBrowser:
		f, _, err := r.FormFile("file")
		if err != nil {
			s.refusePrompt(w, r, me, field, tickets.Errorf(tickets.EINVALID, "Hãy chọn một tệp ghi âm (WAV, MP3, M4A, OGG, WebM) hoặc ghi âm trên trình duyệt."), form)
			return
		}
		defer f.Close()
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(f, maxUpload+1)); err != nil {
			s.refusePrompt(w, r, me, field, tickets.Errorf(tickets.EINVALID, "Không đọc được tệp đã gửi."), form)
			return
		}
		if buf.Len() > maxUpload {
			s.refusePrompt(w, r, me, field, tickets.Errorf(tickets.EINVALID, "Tệp quá lớn (tối đa %d MB).", maxUpload>>20), form)
			return
		}
		b, err := sounds.Convert(ctx, buf.Bytes())
		if err != nil {
			s.refusePrompt(w, r, me, field, convertError(err), form)
			return
		}
		wav = b
	default:
		s.refusePrompt(w, r, me, "source", tickets.Errorf(tickets.EINVALID, "Hãy chọn cách tạo phiên bản: đọc văn bản, tệp ghi âm hoặc ghi âm trên trình duyệt."), form)
		return
	}
	v := &tickets.PromptVersion{Prompt: id, Lang: form.Lang, Source: form.Source, Text: form.Text, Note: form.Note}
	if err := s.cfg.Store.AddPromptVersion(r.Context(), me.Actor, v, wav); err != nil {
		s.refusePrompt(w, r, me, field, err, form)
		return
	}
	s.log.Info("prompt version added", "prompt", id, "lang", v.Lang, "version", v.Number, "source", v.Source, "by", me.User.Username)
	http.Redirect(w, r, fmt.Sprintf("/announcements/%s?done=%s#%s", id, url.QueryEscape(fmt.Sprintf("Đã tạo phiên bản %d (%s); nghe thử rồi cho phát.", v.Number, langLabels[v.Lang])), v.Lang), http.StatusSeeOther)
}

// handlePromptPhone rings the supervisor's own phone to record a new version of a prompt.
func (s *Server) handlePromptPhone(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := r.PathValue("prompt")
	if _, ok := promptEntry(id); !ok {
		s.fail(w, r, me, tickets.Errorf(tickets.ENOTFOUND, "Không có lời nhắn %q.", id))
		return
	}
	form := VersionForm{Lang: r.FormValue("lang"), Source: tickets.PromptPhone, Text: strings.TrimSpace(r.FormValue("text")), Note: strings.TrimSpace(r.FormValue("note"))}
	if s.cfg.Studio == nil {
		s.refusePrompt(w, r, me, "phone", tickets.Errorf(tickets.ECONFLICT, "Tổng đài này không nối với Asterisk; hãy tải tệp ghi âm lên."), form)
		return
	}
	if me.User.Phone == "" {
		s.refusePrompt(w, r, me, "phone", tickets.Errorf(tickets.EINVALID, "Tài khoản của bạn chưa có máy điện thoại; hãy nhờ quản trị viên thêm."), form)
		return
	}
	if err := s.cfg.Studio.RecordByPhone(r.Context(), me.Actor, me.User.Phone, id, form.Lang, form.Text, form.Note); err != nil {
		s.refusePrompt(w, r, me, "phone", err, form)
		return
	}
	s.log.Info("prompt recording by phone asked", "prompt", id, "lang", form.Lang, "by", me.User.Username)
	msg := fmt.Sprintf("Máy %s đang đổ chuông. Nghe bản đang phát, nói sau tiếng bíp, bấm # khi xong; nghe lại rồi bấm 1 để giữ, 2 để ghi lại. Tải lại trang này để thấy phiên bản mới.", me.User.Phone)
	http.Redirect(w, r, fmt.Sprintf("/announcements/%s?done=%s#phone", id, url.QueryEscape(msg)), http.StatusSeeOther)
}

// convertError says in words why a text or a recording did not become a version.
func convertError(err error) error {
	switch {
	case errors.Is(err, sounds.ErrNotAudio):
		return tickets.Errorf(tickets.EINVALID, "Tệp này không phải bản ghi âm đọc được (hãy dùng WAV, MP3, M4A, OGG hoặc WebM).")
	case errors.Is(err, sounds.ErrSilent):
		return tickets.Errorf(tickets.EINVALID, "Bản ghi âm không có tiếng nói (chỉ có im lặng); hãy ghi lại.")
	case errors.Is(err, sounds.ErrTooLong):
		return tickets.Errorf(tickets.EINVALID, "Bản ghi âm dài quá %s; hãy ghi ngắn lại.", sounds.MaxLength)
	case errors.Is(err, sounds.ErrNoText):
		return tickets.Errorf(tickets.EINVALID, "Hãy nhập nội dung cần đọc.")
	case errors.Is(err, sounds.ErrTextLong):
		return tickets.Errorf(tickets.EINVALID, "Nội dung quá dài (tối đa %d ký tự, đọc không quá %s).", sounds.MaxText, sounds.MaxLength)
	}
	return err
}

// handlePromptLive makes a version live: now, or from a time; until a time if given.
func (s *Server) handlePromptLive(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := r.PathValue("prompt")
	g := tickets.GoLive{Prompt: id, Lang: r.PostFormValue("lang"), Note: strings.TrimSpace(r.PostFormValue("note"))}
	g.VersionID, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	g.Seen, _ = strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
	field := "live-" + g.Lang
	if t := strings.TrimSpace(r.PostFormValue("from")); t != "" {
		from, err := parseDateTime(t)
		if err != nil {
			s.refusePrompt(w, r, me, field, err, VersionForm{})
			return
		}
		g.From = from
	}
	if t := strings.TrimSpace(r.PostFormValue("until")); t != "" {
		until, err := parseDateTime(t)
		if err != nil {
			s.refusePrompt(w, r, me, field, err, VersionForm{})
			return
		}
		g.Until = &until
	}
	l, err := s.cfg.Store.GoLive(r.Context(), me.Actor, g)
	if err != nil {
		s.refusePrompt(w, r, me, field, err, VersionForm{})
		return
	}
	s.promptsChanged()
	s.log.Info("prompt version live", "prompt", id, "lang", g.Lang, "version", l.Number, "by", me.User.Username)
	msg := fmt.Sprintf("Phiên bản %d (%s) phát từ %s", l.Number, langLabels[g.Lang], dateTime(l.From))
	if l.Until != nil {
		msg += " đến " + dateTime(*l.Until)
	}
	back := "/announcements/" + id
	if id == tickets.UrgentPrompt {
		back = "/announcements"
	}
	http.Redirect(w, r, back+"?done="+url.QueryEscape(msg+"."), http.StatusSeeOther)
}

// handlePromptEnd ends a live entry now, or cancels one to come.
func (s *Server) handlePromptEnd(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := r.PathValue("prompt")
	liveID, _ := strconv.ParseInt(r.PathValue("live"), 10, 64)
	if err := s.cfg.Store.EndLive(r.Context(), me.Actor, liveID, strings.TrimSpace(r.PostFormValue("note"))); err != nil {
		s.refusePrompt(w, r, me, "schedule", err, VersionForm{})
		return
	}
	s.promptsChanged()
	back := "/announcements/" + id
	if id == tickets.UrgentPrompt {
		back = "/announcements"
	}
	http.Redirect(w, r, back+"?done="+url.QueryEscape("Đã dừng lịch phát; bản phát trước đó phát lại."), http.StatusSeeOther)
}

// promptsChanged tells the IVR, if there is one, that the next call hears something new.
func (s *Server) promptsChanged() {
	if s.cfg.Announcer != nil {
		s.cfg.Announcer.PromptsChanged()
	}
}

// parseDateTime reads a time as the console writes it: dd/mm/yyyy hh:mm, Huế time.
func parseDateTime(text string) (time.Time, error) {
	for _, layout := range []string{"02/01/2006 15:04", "2/1/2006 15:04", "02/01/2006 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, text, tickets.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, tickets.Errorf(tickets.EINVALID, "Thời điểm %q không đúng dạng ngày/tháng/năm giờ:phút, ví dụ 12/08/2021 00:00.", text)
}

// promptAudioCache keeps the bytes of versions by id: a version never changes, so the
// prompt server reads each from the database once.
type promptAudioCache struct {
	mu    sync.Mutex
	audio map[int64]cachedAudio
	order []int64
}

// cachedAudio is a version's bytes and what it is a version of.
type cachedAudio struct {
	lang, prompt string
	wav          []byte
}

// promptAudioCached bounds the versions kept in memory (a few minutes of audio each).
const promptAudioCached = 256

func (c *promptAudioCache) get(id int64) (cachedAudio, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.audio[id]
	return a, ok
}

func (c *promptAudioCache) put(id int64, a cachedAudio) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.audio == nil {
		c.audio = map[int64]cachedAudio{}
	}
	if _, ok := c.audio[id]; ok {
		return
	}
	if len(c.order) >= promptAudioCached {
		delete(c.audio, c.order[0])
		c.order = c.order[1:]
	}
	c.audio[id] = a
	c.order = append(c.order, id)
}

// handlePromptAudio serves a version's audio to Asterisk (and the supervisors' players)
// at its own URL, v{id}/{lang}/{prompt}.wav: bytes that never change, kept in memory
// after the first request.
func (s *Server) handlePromptAudio(w http.ResponseWriter, r *http.Request) {
	version, lang, file := r.PathValue("version"), r.PathValue("lang"), r.PathValue("file")
	id, err := strconv.ParseInt(strings.TrimPrefix(version, "v"), 10, 64)
	prompt, isWAV := strings.CutSuffix(file, ".wav")
	if err != nil || !strings.HasPrefix(version, "v") || !isWAV {
		http.NotFound(w, r)
		return
	}
	a, ok := s.promptAudio.get(id)
	if !ok {
		v, err := s.cfg.Store.PromptVersion(r.Context(), id)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		b, err := s.cfg.Store.PromptAudio(r.Context(), id)
		if err != nil {
			s.log.Error("prompt audio", "version", id, "err", err)
			http.Error(w, "Không đọc được âm thanh.", http.StatusInternalServerError)
			return
		}
		a = cachedAudio{lang: v.Lang, prompt: v.Prompt, wav: b}
		s.promptAudio.put(id, a)
	}
	if a.lang != lang || a.prompt != prompt {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, file, time.Time{}, bytes.NewReader(a.wav))
}
