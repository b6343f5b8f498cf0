package tickets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// What callers hear is the supervisors' to keep current: each prompt of the call flow
// (sounds/prompts.tsv) has versions per language — the embedded WAV is version 1, the
// others are typed text spoken by the server, uploaded or phoned-in recordings — and a
// schedule of which version is live when. Nothing is overwritten: going live chooses a
// version from a time, optionally until a time, after which the version live before it
// plays again; rolling back chooses an earlier one.

// EntityPrompt is the audit trail of the prompts' versions and schedule.
const EntityPrompt = "prompt"

// Where a version of a prompt came from.
const (
	PromptBuiltin = "builtin" // the WAV embedded in the binary (version 1)
	PromptText    = "text"    // typed text, spoken by the server (espeak-ng)
	PromptUpload  = "upload"  // a recording uploaded from a file
	PromptBrowser = "browser" // recorded in the console's browser
	PromptPhone   = "phone"   // recorded on the supervisor's own phone
)

// UrgentPrompt is the short message a supervisor switches on to play right after the
// welcome on every call; it is live only with an expiry.
const UrgentPrompt = "urgent_message"

// MaxPromptLength is the longest a prompt's version may play.
const MaxPromptLength = 3 * time.Minute

// PromptVersion is one version of a prompt in one language.
type PromptVersion struct {
	ID         int64     `db:"id"`
	Prompt     string    `db:"prompt"`
	Lang       string    `db:"lang"`
	Number     int       `db:"number"`
	Source     string    `db:"source"`
	Text       string    `db:"body"`
	Note       string    `db:"note"`
	DurationMS int64     `db:"duration_ms"`
	SHA256     string    `db:"sha256"`
	CreatedBy  *int64    `db:"created_by"`
	Author     string    `db:"author"`
	CreatedAt  time.Time `db:"created_at"`
}

// Duration is how long the version plays.
func (v *PromptVersion) Duration() time.Duration {
	return time.Duration(v.DurationMS) * time.Millisecond
}

// PromptLive is a version chosen to be live for a while: from From, until Until if set.
// VersionID nil is the embedded WAV (version 1).
type PromptLive struct {
	ID          int64      `db:"id"`
	Prompt      string     `db:"prompt"`
	Lang        string     `db:"lang"`
	VersionID   *int64     `db:"version_id"`
	Number      int        `db:"number"`      // the version's number: 1 for the embedded WAV
	DurationMS  int64      `db:"duration_ms"` // 0 for the embedded WAV (the sounds package knows)
	From        time.Time  `db:"live_from"`
	Until       *time.Time `db:"live_until"`
	CancelledAt *time.Time `db:"cancelled_at"`
	CreatedBy   *int64     `db:"created_by"`
	Author      string     `db:"author"`
	CreatedAt   time.Time  `db:"created_at"`
}

// covers reports whether the entry is live at t.
func (l *PromptLive) covers(t time.Time) bool {
	return l.CancelledAt == nil && !l.From.After(t) && (l.Until == nil || l.Until.After(t))
}

// promptID is a prompt's id as sounds/prompts.tsv writes them.
var promptID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// checkPromptKey refuses an impossible prompt or language.
func checkPromptKey(prompt, lang string) error {
	if !promptID.MatchString(prompt) {
		return Errorf(EINVALID, "Không có lời nhắn %q.", prompt)
	}
	if lang != "vi" && lang != "en" {
		return Errorf(EINVALID, "Ngôn ngữ %q không có; chỉ có tiếng Việt (vi) và tiếng Anh (en).", lang)
	}
	return nil
}

// PromptWAV checks that b is what Asterisk plays (a WAV, 8 kHz, mono, 16-bit PCM) and
// returns how long it plays.
func PromptWAV(b []byte) (time.Duration, error) {
	bad := Errorf(EINVALID, "Tệp âm thanh không đúng dạng tổng đài phát (WAV 8 kHz, một kênh, 16 bit).")
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, bad
	}
	var rate uint32
	var channels, bits, format uint16
	data := -1
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := off + 8
		if size < 0 || body+size > len(b) {
			size = len(b) - body // a data chunk written before its length was known
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return 0, bad
			}
			format, channels = binary.LittleEndian.Uint16(b[body:]), binary.LittleEndian.Uint16(b[body+2:])
			rate, bits = binary.LittleEndian.Uint32(b[body+4:]), binary.LittleEndian.Uint16(b[body+14:])
		case "data":
			data = size
		}
		off = body + size + size%2
	}
	if format != 1 || channels != 1 || rate != 8000 || bits != 16 || data <= 0 {
		return 0, bad
	}
	return time.Duration(data/2) * time.Second / 8000, nil
}

// AddPromptVersion files a new version of a prompt in a language (supervisors): its
// audio, checked to be what Asterisk plays and not longer than MaxPromptLength, and its
// text (typed, or a transcript). The version is numbered after the last; it is not live
// until GoLive chooses it.
func (s *Store) AddPromptVersion(ctx context.Context, actor Actor, v *PromptVersion, wav []byte) error {
	if !actor.IsSupervisor() {
		return Errorf(EFORBIDDEN, "Chỉ giám sát viên thay đổi được lời nhắn của tổng đài.")
	}
	if err := checkPromptKey(v.Prompt, v.Lang); err != nil {
		return err
	}
	switch v.Source {
	case PromptText, PromptUpload, PromptBrowser, PromptPhone:
	default:
		return Errorf(EINVALID, "Nguồn %q của phiên bản không có.", v.Source)
	}
	d, err := PromptWAV(wav)
	if err != nil {
		return err
	}
	if d > MaxPromptLength {
		return Errorf(EINVALID, "Lời nhắn dài %s; dài nhất %s.", d.Round(time.Second), MaxPromptLength)
	}
	if d < 300*time.Millisecond {
		return Errorf(EINVALID, "Lời nhắn quá ngắn (%s).", d.Round(time.Millisecond))
	}
	sum := sha256.Sum256(wav)
	return s.inTx(ctx, func(t *tx) error {
		var last sql.NullInt64
		if err := t.GetContext(ctx, &last, t.Rebind(`SELECT MAX(number) FROM prompt_versions WHERE prompt = ? AND lang = ?`), v.Prompt, v.Lang); err != nil {
			return fmt.Errorf("number the version of %s: %w", v.Prompt, err)
		}
		v.Number = max(int(last.Int64), 1) + 1
		v.DurationMS, v.SHA256, v.CreatedBy, v.Author, v.CreatedAt = d.Milliseconds(), hex.EncodeToString(sum[:]), actor.UserID, actor.Name, t.now
		err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO prompt_versions (prompt, lang, number, source, body, note, duration_ms, sha256, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), v.Prompt, v.Lang, v.Number, v.Source, v.Text, v.Note,
			v.DurationMS, v.SHA256, v.CreatedBy, v.CreatedAt).Scan(&v.ID)
		if err != nil {
			return fmt.Errorf("add a version of %s: %w", v.Prompt, mapConstraint(err))
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO prompt_audio (version_id, wav) VALUES (?, ?)`), v.ID, wav); err != nil {
			return fmt.Errorf("keep the audio of %s: %w", v.Prompt, err)
		}
		return addEvent(ctx, t, actor, EntityPrompt, v.ID, change{kind: "prompt_version", field: v.Prompt + "/" + v.Lang,
			new: fmt.Sprint(v.Number), note: v.Source})
	})
}

const promptVersionColumns = `v.id, v.prompt, v.lang, v.number, v.source, v.body, v.note, v.duration_ms, v.sha256, v.created_by,
	COALESCE(NULLIF(u.display_name, ''), u.username, '') AS author, v.created_at`

// PromptVersions returns the versions of a prompt (supervisors), in both languages, the
// newest first. The embedded version 1 is not among them.
func (s *Store) PromptVersions(ctx context.Context, actor Actor, prompt string) ([]*PromptVersion, error) {
	if !actor.IsSupervisor() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được các phiên bản lời nhắn.")
	}
	var list []*PromptVersion
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+promptVersionColumns+` FROM prompt_versions v
		LEFT JOIN users u ON u.id = v.created_by WHERE v.prompt = ? ORDER BY v.lang, v.number DESC`), prompt)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", prompt, err)
	}
	return list, nil
}

// PromptVersion returns one version.
func (s *Store) PromptVersion(ctx context.Context, id int64) (*PromptVersion, error) {
	var v PromptVersion
	err := s.db.GetContext(ctx, &v, s.db.Rebind(`SELECT `+promptVersionColumns+` FROM prompt_versions v
		LEFT JOIN users u ON u.id = v.created_by WHERE v.id = ?`), id)
	if err != nil {
		return nil, notFound(err, "phiên bản lời nhắn")
	}
	return &v, nil
}

// PromptAudio returns the WAV of a version, for the prompt server (which caches it by
// its URL: the bytes of a version never change).
func (s *Store) PromptAudio(ctx context.Context, versionID int64) ([]byte, error) {
	var b []byte
	err := s.db.GetContext(ctx, &b, s.db.Rebind(`SELECT wav FROM prompt_audio WHERE version_id = ?`), versionID)
	if err != nil {
		return nil, notFound(err, "âm thanh của phiên bản")
	}
	return b, nil
}

// GoLive asks for a version of a prompt to be live.
type GoLive struct {
	Prompt, Lang string
	VersionID    int64      // 0: the embedded version 1
	From         time.Time  // zero: now
	Until        *time.Time // nil: until another version goes live
	// Seen is the live entry the supervisor saw for the prompt and language (0: version 1
	// by itself): a change made on a page older than another supervisor's is refused.
	Seen int64
	Note string
}

const promptLiveColumns = `l.id, l.prompt, l.lang, l.version_id, COALESCE(v.number, 1) AS number, COALESCE(v.duration_ms, 0) AS duration_ms,
	l.live_from, l.live_until, l.cancelled_at, l.created_by, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS author, l.created_at`

const promptLiveFrom = ` FROM prompt_live l LEFT JOIN prompt_versions v ON v.id = l.version_id LEFT JOIN users u ON u.id = l.created_by`

// GoLive makes a version of a prompt live from a time (now, or later: a schedule), until
// a time if given (then what was live before plays again), for the next calls
// (supervisors). It is refused for a time in the past, an end before the start, the
// urgent message without an end, or a page that did not see what is live now.
func (s *Store) GoLive(ctx context.Context, actor Actor, g GoLive) (*PromptLive, error) {
	if !actor.IsSupervisor() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên thay đổi được lời nhắn của tổng đài.")
	}
	if err := checkPromptKey(g.Prompt, g.Lang); err != nil {
		return nil, err
	}
	var out *PromptLive
	err := s.inTx(ctx, func(t *tx) error {
		from := g.From.UTC()
		if g.From.IsZero() {
			from = t.now
		}
		if from.Before(t.now.Add(-time.Minute)) {
			return Errorf(EINVALID, "Thời điểm bắt đầu %s đã qua.", from.In(Local).Format("15:04 02/01/2006"))
		}
		var until *time.Time
		if g.Until != nil {
			u := g.Until.UTC()
			if !u.After(from) || !u.After(t.now) {
				return Errorf(EINVALID, "Thời điểm hết hạn phải sau thời điểm bắt đầu (%s).", from.In(Local).Format("15:04 02/01/2006"))
			}
			until = &u
		}
		if g.Prompt == UrgentPrompt && until == nil {
			return Errorf(EINVALID, "Thông báo khẩn phải có thời điểm hết hạn.")
		}
		var version *int64
		if g.VersionID != 0 {
			var p, l string
			err := t.QueryRowxContext(ctx, t.Rebind(`SELECT prompt, lang FROM prompt_versions WHERE id = ?`), g.VersionID).Scan(&p, &l)
			if err != nil {
				return notFound(err, "phiên bản lời nhắn")
			}
			if p != g.Prompt || l != g.Lang {
				return Errorf(EINVALID, "Phiên bản này là của %s (%s), không phải của %s (%s).", p, l, g.Prompt, g.Lang)
			}
			version = &g.VersionID
		} else if g.Prompt == UrgentPrompt {
			return Errorf(EINVALID, "Thông báo khẩn chưa có phiên bản nào để phát.")
		}
		now, err := livePromptOf(ctx, t, g.Prompt, g.Lang, t.now)
		if err != nil {
			return err
		}
		var seen int64
		if now != nil {
			seen = now.ID
		}
		if seen != g.Seen {
			return Errorf(ECONFLICT, "Phiên bản đang phát của lời nhắn này vừa được người khác đổi; trang đã hiện lại như hiện nay.")
		}
		var id int64
		err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO prompt_live (prompt, lang, version_id, live_from, live_until, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), g.Prompt, g.Lang, version, from, until, actor.UserID, t.now).Scan(&id)
		if err != nil {
			return fmt.Errorf("make %s live: %w", g.Prompt, err)
		}
		number := "1"
		if version != nil {
			if err := t.GetContext(ctx, &number, t.Rebind(`SELECT CAST(number AS TEXT) FROM prompt_versions WHERE id = ?`), *version); err != nil {
				return fmt.Errorf("make %s live: %w", g.Prompt, err)
			}
		}
		old := "1"
		if now != nil {
			old = fmt.Sprint(now.Number)
		}
		if err := addEvent(ctx, t, actor, EntityPrompt, id, change{kind: "prompt_live", field: g.Prompt + "/" + g.Lang,
			old: old, new: number, note: liveNote(from, until, g.Note)}); err != nil {
			return err
		}
		out, err = promptLiveByID(ctx, t, id)
		return err
	})
	return out, err
}

// liveNote says when an entry is live, for its audit event.
func liveNote(from time.Time, until *time.Time, note string) string {
	s := "từ " + from.In(Local).Format("15:04 02/01/2006")
	if until != nil {
		s += " đến " + until.In(Local).Format("15:04 02/01/2006")
	}
	if note != "" {
		s += ": " + note
	}
	return s
}

// EndLive ends a live entry now, or cancels one still to come (supervisors): the urgent
// message switched off, a schedule given up. What was live before it plays again.
func (s *Store) EndLive(ctx context.Context, actor Actor, id int64, note string) error {
	if !actor.IsSupervisor() {
		return Errorf(EFORBIDDEN, "Chỉ giám sát viên thay đổi được lời nhắn của tổng đài.")
	}
	return s.inTx(ctx, func(t *tx) error {
		l, err := promptLiveByID(ctx, t, id)
		if err != nil {
			return err
		}
		if l.CancelledAt != nil || (l.Until != nil && !l.Until.After(t.now)) {
			return Errorf(ECONFLICT, "Lịch phát này đã kết thúc.")
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE prompt_live SET cancelled_at = ? WHERE id = ?`), t.now, id); err != nil {
			return fmt.Errorf("end the live entry %d: %w", id, err)
		}
		return addEvent(ctx, t, actor, EntityPrompt, id, change{kind: "prompt_end", field: l.Prompt + "/" + l.Lang,
			old: fmt.Sprint(l.Number), note: note})
	})
}

func promptLiveByID(ctx context.Context, q sqlxQueryer, id int64) (*PromptLive, error) {
	var l PromptLive
	if err := q.GetContext(ctx, &l, q.Rebind(`SELECT `+promptLiveColumns+promptLiveFrom+` WHERE l.id = ?`), id); err != nil {
		return nil, notFound(err, "lịch phát lời nhắn")
	}
	return &l, nil
}

// livePromptOf is the entry live at t for a prompt in a language, or nil (version 1).
func livePromptOf(ctx context.Context, q sqlxQueryer, prompt, lang string, at time.Time) (*PromptLive, error) {
	var list []*PromptLive
	err := q.SelectContext(ctx, &list, q.Rebind(`SELECT `+promptLiveColumns+promptLiveFrom+`
		WHERE l.prompt = ? AND l.lang = ? AND l.cancelled_at IS NULL AND l.live_from <= ? AND (l.live_until IS NULL OR l.live_until > ?)
		ORDER BY l.live_from DESC, l.id DESC LIMIT 1`), prompt, lang, at, at)
	if err != nil {
		return nil, fmt.Errorf("live version of %s: %w", prompt, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

// LivePrompts returns, for every prompt and language whose version 1 is not what plays
// at t, the entry that is live: the one that started last among those live then. The
// IVR reads it when a schedule's time comes or a supervisor changes something, never per
// prompt played.
func (s *Store) LivePrompts(ctx context.Context, at time.Time) ([]*PromptLive, error) {
	var all []*PromptLive
	err := s.db.SelectContext(ctx, &all, s.db.Rebind(`SELECT `+promptLiveColumns+promptLiveFrom+`
		WHERE l.cancelled_at IS NULL AND l.live_from <= ? AND (l.live_until IS NULL OR l.live_until > ?)
		ORDER BY l.prompt, l.lang, l.live_from DESC, l.id DESC`), at.UTC(), at.UTC())
	if err != nil {
		return nil, fmt.Errorf("live prompts: %w", err)
	}
	var out []*PromptLive
	for i, l := range all {
		if i == 0 || l.Prompt != all[i-1].Prompt || l.Lang != all[i-1].Lang {
			if l.VersionID != nil { // an entry of version 1 plays the embedded WAV
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// NextPromptChange returns the next time after t when what plays changes by itself (a
// scheduled version's start, an expiry), if any.
func (s *Store) NextPromptChange(ctx context.Context, after time.Time) (*time.Time, error) {
	var times []time.Time
	err := s.db.SelectContext(ctx, &times, s.db.Rebind(`SELECT live_from FROM prompt_live WHERE cancelled_at IS NULL AND live_from > ?
		UNION ALL SELECT live_until FROM prompt_live WHERE cancelled_at IS NULL AND live_until > ?`), after.UTC(), after.UTC())
	if err != nil {
		return nil, fmt.Errorf("next prompt change: %w", err)
	}
	if len(times) == 0 {
		return nil, nil
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	return &times[0], nil
}

// PromptSchedule returns the live entries of a prompt (supervisors), the newest first:
// what was, is and will be live, and who chose it.
func (s *Store) PromptSchedule(ctx context.Context, actor Actor, prompt string) ([]*PromptLive, error) {
	if !actor.IsSupervisor() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được lịch phát lời nhắn.")
	}
	var list []*PromptLive
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+promptLiveColumns+promptLiveFrom+`
		WHERE l.prompt = ? ORDER BY l.live_from DESC, l.id DESC`), prompt)
	if err != nil {
		return nil, fmt.Errorf("schedule of %s: %w", prompt, err)
	}
	return list, nil
}

// PromptsLiveNow returns what plays now of every prompt that has a live entry, for the
// overview page (supervisors), keyed prompt/lang; prompts not in it play version 1.
func (s *Store) PromptsLiveNow(ctx context.Context, actor Actor) (map[string]*PromptLive, error) {
	if !actor.IsSupervisor() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được lời nhắn của tổng đài.")
	}
	now := s.Now().UTC()
	var all []*PromptLive
	err := s.db.SelectContext(ctx, &all, s.db.Rebind(`SELECT `+promptLiveColumns+promptLiveFrom+`
		WHERE l.cancelled_at IS NULL AND l.live_from <= ? AND (l.live_until IS NULL OR l.live_until > ?)
		ORDER BY l.prompt, l.lang, l.live_from DESC, l.id DESC`), now, now)
	if err != nil {
		return nil, fmt.Errorf("live prompts: %w", err)
	}
	out := map[string]*PromptLive{}
	for _, l := range all {
		if _, ok := out[l.Prompt+"/"+l.Lang]; !ok {
			out[l.Prompt+"/"+l.Lang] = l
		}
	}
	return out, nil
}

// PromptEvents returns the audit trail of the prompts' changes (supervisors), the newest
// first.
func (s *Store) PromptEvents(ctx context.Context, actor Actor, prompt string, limit int) ([]*Event, error) {
	if !actor.IsSupervisor() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được lịch sử lời nhắn.")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT ` + eventColumns + ` FROM events WHERE entity = ?`
	args := []any{EntityPrompt}
	if prompt != "" {
		q += ` AND (field = ? OR field = ?)`
		args = append(args, prompt+"/vi", prompt+"/en")
	}
	var list []*Event
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(q+` ORDER BY at DESC, id DESC LIMIT ?`), append(args, limit)...); err != nil {
		return nil, fmt.Errorf("prompt events: %w", err)
	}
	return list, nil
}
