package tickets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Kinds of data with a retention period (retention_periods).
const (
	RetainVoiceMessages = "voice_messages" // recordings: the files and their rows, from when they were made
	RetainCallNumbers   = "call_numbers"   // a call's numbers, from its start: the call is anonymised
	RetainClosedTickets = "closed_tickets" // a ticket resolved, closed or cancelled, from its last change: anonymised
	RetainClosedCases   = "closed_cases"   // a case cleared or lost, from its last change: anonymised
	RetainAccessLog     = "access_log"     // an entry of the access log, from when it was written: deleted
	RetainSessions      = "sessions"       // a console session, from its expiry: deleted
	RetainLoginFailures = "login_failures" // a failed sign-in (throttling), from when it failed: deleted
	RetainSpool         = "spool"          // a call report left in HOTLINE_SPOOL after it was replayed: deleted
)

// EntityRetention is the audit trail of the retention schedule (events.entity): each
// change of a period, shown in the admins' audit view.
const EntityRetention = "retention"

// AccessLogMinDays is the shortest the access log may be kept: six months (183 days), the
// least for the access records of sensitive data; the store refuses less.
const AccessLogMinDays = 183

// RetentionKind is a kind of data in the retention schedule: its names, its default
// period (as migration 0025 writes it) and the least it may be set to.
type RetentionKind struct {
	Label
	DefaultDays, MinDays int
}

// RetentionKinds are the kinds of the schedule, in the order the admin's page lists them.
var RetentionKinds = []RetentionKind{
	{Label{RetainVoiceMessages, "Lời nhắn thoại (tệp ghi âm và bản ghi)", "Voice messages (files and rows)"}, 90, 1},
	{Label{RetainCallNumbers, "Số điện thoại trong bản ghi cuộc gọi", "Numbers in call records"}, 365, 1},
	{Label{RetainClosedTickets, "Phiếu đã xử lý xong, đóng hoặc huỷ", "Tickets resolved, closed or cancelled"}, 730, 1},
	{Label{RetainClosedCases, "Ca nghi nhiễm đã kết thúc hoặc mất dấu", "Cases cleared or lost"}, 730, 1},
	{Label{RetainAccessLog, "Nhật ký truy cập", "Access log"}, 730, AccessLogMinDays},
	{Label{RetainSessions, "Phiên đăng nhập đã hết hạn", "Expired sign-in sessions"}, 30, 1},
	{Label{RetainLoginFailures, "Lần đăng nhập sai", "Failed sign-ins"}, 30, 1},
	{Label{RetainSpool, "Tệp chờ đã ghi vào cơ sở dữ liệu (HOTLINE_SPOOL)", "Spooled reports already replayed"}, 30, 1},
}

// retentionKind returns the kind of the schedule with this code.
func retentionKind(code string) (RetentionKind, bool) {
	for _, k := range RetentionKinds {
		if k.Code == code {
			return k, true
		}
	}
	return RetentionKind{}, false
}

// RetentionPeriod is how long one kind of data is kept, and who set it last.
type RetentionPeriod struct {
	Kind      string     `db:"kind"`
	Days      int        `db:"days"`
	UpdatedBy *string    `db:"updated_by"`
	UpdatedAt *time.Time `db:"updated_at"`
}

// RetentionPeriods returns the schedule, in the order of RetentionKinds. Admins (and the
// hotline's own purge).
func (s *Store) RetentionPeriods(ctx context.Context, actor Actor) ([]*RetentionPeriod, error) {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return nil, Errorf(EFORBIDDEN, "Chỉ quản trị viên xem và đặt thời hạn lưu trữ.")
	}
	return retentionPeriods(ctx, s.db)
}

func retentionPeriods(ctx context.Context, q sqlxQueryer) ([]*RetentionPeriod, error) {
	var list []*RetentionPeriod
	err := q.SelectContext(ctx, &list, `SELECT r.kind, r.days, u.username AS updated_by, r.updated_at
		FROM retention_periods r LEFT JOIN users u ON u.id = r.updated_by_id`)
	if err != nil {
		return nil, fmt.Errorf("retention periods: %w", err)
	}
	order := map[string]int{}
	for i, k := range RetentionKinds {
		order[k.Code] = i
	}
	sort.Slice(list, func(i, j int) bool { return order[list[i].Kind] < order[list[j].Kind] })
	return list, nil
}

// SetRetentionPeriods changes the schedule: days by kind, for the kinds given. Each period
// is checked (a whole number of days, at least the kind's least: the access log six
// months), and a refusal names the kind's field (FieldErrorf with the kind's code), so
// that the page says it beside it; nothing is changed then. Each period changed is on
// the retention trail (UserAudit). Admins only.
func (s *Store) SetRetentionPeriods(ctx context.Context, actor Actor, days map[string]int) error {
	if actor.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên đặt thời hạn lưu trữ.")
	}
	for _, k := range RetentionKinds {
		d, ok := days[k.Code]
		if !ok {
			continue
		}
		if k.Code == RetainAccessLog && d < AccessLogMinDays {
			return FieldErrorf(k.Code, "Nhật ký truy cập phải được giữ ít nhất 6 tháng (%d ngày): đó là thời hạn tối thiểu cho nhật ký truy cập dữ liệu sức khoẻ, để còn trả lời được ai đã xem dữ liệu của một người dân.", AccessLogMinDays)
		}
		if d < k.MinDays || d > 36500 {
			return FieldErrorf(k.Code, "Thời hạn “%s” phải từ %d đến 36500 ngày.", k.Vi, k.MinDays)
		}
	}
	for code := range days {
		if _, ok := retentionKind(code); !ok {
			return Errorf(EINVALID, "Loại dữ liệu %q không có trong lịch lưu trữ.", code)
		}
	}
	return s.inTx(ctx, func(t *tx) error {
		current, err := retentionPeriods(ctx, t)
		if err != nil {
			return err
		}
		for _, p := range current {
			d, ok := days[p.Kind]
			if !ok || d == p.Days {
				continue
			}
			_, err := t.ExecContext(ctx, t.Rebind(`UPDATE retention_periods SET days = ?, updated_by_id = ?, updated_at = ? WHERE kind = ?`),
				d, actor.UserID, t.now, p.Kind)
			if err != nil {
				return fmt.Errorf("set retention of %s: %w", p.Kind, err)
			}
			err = addEvent(ctx, t, actor, EntityRetention, 0, change{kind: "retention", field: p.Kind, old: fmt.Sprint(p.Days), new: fmt.Sprint(d)})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeOptions says how a purge runs.
type PurgeOptions struct {
	// Source is who runs it: "serve" (the nightly run) or "shell" (hotline purge).
	Source string
	// Night, when set, is the local day whose nightly run this is: the run claims it in
	// the database, and a night already claimed (by this hotline or another) is not run
	// again (Purge returns nil).
	Night string
	// DryRun counts what is past its time and changes nothing; it records no run.
	DryRun bool
	// RecordingsDir is the folder voice messages' paths are relative to (HOTLINE_RECORDINGS).
	RecordingsDir string
	// Spool, if set, deletes the spooled call reports older than before that the database
	// has (or counts them, on a dry run), and says how many.
	Spool func(ctx context.Context, before time.Time, dryRun bool) (int, error)
	// Batch is how many rows one transaction takes (default 100), so that the purge never
	// holds the write lock for long while calls are being written.
	Batch int
}

// PurgeRun is one run of the purge and what it purged, by kind (RetentionKinds' codes).
type PurgeRun struct {
	ID         int64      `db:"id"`
	Night      *string    `db:"night"`
	Source     string     `db:"source"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	Error      string     `db:"error"`
	Counts     map[string]int
}

// Total is how many things the run purged, of every kind.
func (r *PurgeRun) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// Purge removes or anonymises what is past its time in the retention schedule, kind by
// kind, in transactions of opts.Batch rows: voice messages (files, then rows), call
// records' numbers (anonymiseCall: only calls of days whose report is frozen, so that no
// day's figures change), closed tickets (anonymiseTicket, then their voice messages'
// files) and cases (anonymiseCase), the access log, expired sessions, failed sign-ins,
// and, through opts.Spool, the spool. A second run right after purges nothing. The run
// and its counts are recorded (not on a dry run); a run that fails records its error and
// what it did before. It returns nil when opts.Night was claimed already.
func (s *Store) Purge(ctx context.Context, opts PurgeOptions) (*PurgeRun, error) {
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	now := s.Now().UTC()
	run := &PurgeRun{Source: opts.Source, StartedAt: now, Counts: map[string]int{}}
	if opts.Night != "" {
		run.Night = &opts.Night
	}
	if !opts.DryRun {
		var ids []int64
		err := s.inTx(ctx, func(t *tx) error {
			return t.SelectContext(ctx, &ids, t.Rebind(`INSERT INTO purge_runs (night, source, started_at) VALUES (?, ?, ?)
				ON CONFLICT (night) DO NOTHING RETURNING id`), run.Night, run.Source, now)
		})
		if err != nil {
			return nil, fmt.Errorf("claim the purge: %w", err)
		}
		if len(ids) == 0 {
			return nil, nil
		}
		run.ID = ids[0]
	}
	periods, err := retentionPeriods(ctx, s.db)
	if err == nil {
		err = s.purgeKinds(ctx, opts, now, periods, run.Counts)
	}
	if opts.DryRun {
		return run, err
	}
	if ferr := s.finishPurge(ctx, run, err); ferr != nil && err == nil {
		err = ferr
	}
	return run, err
}

func (s *Store) purgeKinds(ctx context.Context, opts PurgeOptions, now time.Time, periods []*RetentionPeriod, counts map[string]int) error {
	before := map[string]time.Time{}
	for _, p := range periods {
		before[p.Kind] = now.AddDate(0, 0, -p.Days)
	}
	var lastFrozen string
	if err := s.db.GetContext(ctx, &lastFrozen, `SELECT COALESCE(MAX(day), '') FROM report_snapshots`); err != nil {
		return fmt.Errorf("last frozen day: %w", err)
	}
	steps := []struct {
		kind string
		run  func(time.Time) (int, error)
	}{
		{RetainClosedTickets, func(b time.Time) (int, error) { return s.purgeTickets(ctx, opts, b) }},
		{RetainClosedCases, func(b time.Time) (int, error) {
			return s.anonymiseEach(ctx, opts, `SELECT id FROM cases WHERE anonymised_at IS NULL AND status IN ('cleared', 'lost')
				AND updated_at < ?`, []any{b}, func(t *tx, id int64) error { return anonymiseCase(ctx, t, id) })
		}},
		{RetainCallNumbers, func(b time.Time) (int, error) { return s.purgeCalls(ctx, opts, b, lastFrozen) }},
		{RetainVoiceMessages, func(b time.Time) (int, error) { return s.purgeRecordings(ctx, opts, b) }},
		{RetainAccessLog, func(b time.Time) (int, error) {
			return s.deleteEach(ctx, opts, `access_log`, `id`, `at < ?`, b)
		}},
		{RetainSessions, func(b time.Time) (int, error) {
			return s.deleteEach(ctx, opts, `sessions`, `token`, `expiry < ?`, julianDay(b))
		}},
		{RetainLoginFailures, func(b time.Time) (int, error) {
			return s.deleteEach(ctx, opts, `login_failures`, `at`, `at < ?`, b)
		}},
		{RetainSpool, func(b time.Time) (int, error) {
			if opts.Spool == nil {
				return 0, nil
			}
			return opts.Spool(ctx, b, opts.DryRun)
		}},
	}
	for _, st := range steps {
		b, ok := before[st.kind]
		if !ok {
			continue
		}
		n, err := st.run(b)
		counts[st.kind] += n
		if err != nil {
			return fmt.Errorf("purge %s: %w", st.kind, err)
		}
	}
	return nil
}

// julianDay is a time as SQLite's julianday() gives it (the sessions' expiry).
func julianDay(t time.Time) float64 {
	return float64(t.UnixMilli())/86400000 + 2440587.5
}

// deleteEach deletes a table's rows matching cond, batch by batch (by key), and counts
// them; a dry run only counts.
func (s *Store) deleteEach(ctx context.Context, opts PurgeOptions, table, key, cond string, arg any) (int, error) {
	if opts.DryRun {
		var n int
		err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM `+table+` WHERE `+cond), arg)
		return n, err
	}
	total := 0
	for {
		var n int64
		err := s.inTx(ctx, func(t *tx) error {
			res, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM `+table+` WHERE `+key+` IN (SELECT `+key+` FROM `+table+`
				WHERE `+cond+` ORDER BY `+key+` LIMIT ?)`), arg, opts.Batch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// anonymiseEach runs fn on each row that query (selecting ids) finds, batch by batch, each
// batch in a transaction of its own, and counts them; a dry run only counts. fn must make
// the row leave query's results.
func (s *Store) anonymiseEach(ctx context.Context, opts PurgeOptions, query string, args []any, fn func(*tx, int64) error) (int, error) {
	if opts.DryRun {
		var ids []int64
		err := s.db.SelectContext(ctx, &ids, s.db.Rebind(query), args...)
		return len(ids), err
	}
	total := 0
	for {
		var ids []int64
		if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(query+` ORDER BY id LIMIT ?`), append(args, opts.Batch)...); err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		err := s.inTx(ctx, func(t *tx) error {
			for _, id := range ids {
				if err := fn(t, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
	}
}

// purgeTickets anonymises the tickets closed past their time, then removes their voice
// messages' files.
func (s *Store) purgeTickets(ctx context.Context, opts PurgeOptions, before time.Time) (int, error) {
	var files []string
	n, err := s.anonymiseEach(ctx, opts, `SELECT id FROM tickets WHERE anonymised_at IS NULL
		AND status IN ('resolved', 'closed', 'cancelled') AND updated_at < ?`, []any{before}, func(t *tx, id int64) error {
		paths, err := anonymiseTicket(ctx, t, id)
		files = append(files, paths...)
		return err
	})
	if ferr := removeRecordingFiles(opts.RecordingsDir, files); ferr != nil && err == nil {
		err = ferr
	}
	return n, err
}

// purgeCalls anonymises the calls that started before their time, ended, on a day whose
// report is frozen (lastFrozen, YYYY-MM-DD; none when ""): a day not frozen yet keeps its
// numbers until it is, so that its report counts its callers as they were.
func (s *Store) purgeCalls(ctx context.Context, opts PurgeOptions, before time.Time, lastFrozen string) (int, error) {
	if lastFrozen == "" {
		return 0, nil
	}
	query := `SELECT id FROM calls WHERE anonymised_at IS NULL AND started_at < ? AND ended_at IS NOT NULL AND started_day <= ?`
	if opts.DryRun {
		var n int
		err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM (`+query+`) due`), before, lastFrozen)
		return n, err
	}
	total := 0
	for {
		var ids []string
		if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(query+` ORDER BY started_at LIMIT ?`), before, lastFrozen, opts.Batch); err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		err := s.inTx(ctx, func(t *tx) error {
			for _, id := range ids {
				if err := anonymiseCall(ctx, t, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
	}
}

// purgeRecordings deletes the recordings made before their time: each batch's files
// first, then its rows, so that a run stopped between them finds the rows again (and the
// files gone) the next time, and never leaves a file no row points to.
func (s *Store) purgeRecordings(ctx context.Context, opts PurgeOptions, before time.Time) (int, error) {
	if opts.DryRun {
		var n int
		err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM recordings WHERE created_at < ?`), before)
		return n, err
	}
	total := 0
	for {
		var due []struct {
			ID   int64  `db:"id"`
			Path string `db:"path"`
		}
		err := s.db.SelectContext(ctx, &due, s.db.Rebind(`SELECT id, path FROM recordings WHERE created_at < ? ORDER BY id LIMIT ?`), before, opts.Batch)
		if err != nil || len(due) == 0 {
			return total, err
		}
		paths := make([]string, len(due))
		ids := make([]any, len(due))
		marks := make([]string, len(due))
		for i, r := range due {
			paths[i], ids[i], marks[i] = r.Path, r.ID, "?"
		}
		if err := removeRecordingFiles(opts.RecordingsDir, paths); err != nil {
			return total, err
		}
		var n int64
		err = s.inTx(ctx, func(t *tx) error {
			res, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM recordings WHERE id IN (`+strings.Join(marks, ", ")+`)`), ids...)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		if err != nil {
			return total, err
		}
		total += int(n) // a purge from the shell beside the nightly one may have taken some
	}
}

// removeRecordingFiles removes recordings' files, their paths relative to dir; a file
// already gone is no error. A path that would leave dir is refused.
func removeRecordingFiles(dir string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	if dir == "" {
		return errors.New("no recordings folder is set (HOTLINE_RECORDINGS): voice messages cannot be deleted")
	}
	for _, p := range paths {
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			return fmt.Errorf("recording path %q is outside the recordings folder", p)
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("delete a recording: %w", err)
		}
	}
	return nil
}

// finishPurge records a run's end, its counts and its error, if any.
func (s *Store) finishPurge(ctx context.Context, run *PurgeRun, runErr error) error {
	return s.inTx(ctx, func(t *tx) error {
		end := t.now
		run.FinishedAt = &end
		if runErr != nil {
			run.Error = runErr.Error()
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE purge_runs SET finished_at = ?, error = ? WHERE id = ?`), end, run.Error, run.ID); err != nil {
			return fmt.Errorf("record the purge: %w", err)
		}
		for _, k := range RetentionKinds {
			if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO purge_counts (run_id, kind, n) VALUES (?, ?, ?)`), run.ID, k.Code, run.Counts[k.Code]); err != nil {
				return fmt.Errorf("record the purge: %w", err)
			}
		}
		return nil
	})
}

// PurgeRuns returns the last runs of the purge, newest first, with their counts. Admins.
func (s *Store) PurgeRuns(ctx context.Context, actor Actor, limit int) ([]*PurgeRun, error) {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return nil, Errorf(EFORBIDDEN, "Chỉ quản trị viên xem các lần xoá dữ liệu hết hạn.")
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var runs []*PurgeRun
	err := s.db.SelectContext(ctx, &runs, s.db.Rebind(`SELECT id, night, source, started_at, finished_at, error FROM purge_runs
		ORDER BY started_at DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("purge runs: %w", err)
	}
	for _, r := range runs {
		r.Counts = map[string]int{}
		var counts []struct {
			Kind string `db:"kind"`
			N    int    `db:"n"`
		}
		if err := s.db.SelectContext(ctx, &counts, s.db.Rebind(`SELECT kind, n FROM purge_counts WHERE run_id = ?`), r.ID); err != nil {
			return nil, fmt.Errorf("purge counts: %w", err)
		}
		for _, c := range counts {
			r.Counts[c.Kind] = c.N
		}
	}
	return runs, nil
}

// CallsReplayed returns which of these calls the database holds as ended: a spooled
// report of such a call was replayed.
func (s *Store) CallsReplayed(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		var n int
		if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM calls WHERE id = ? AND ended_at IS NOT NULL`), id); err != nil {
			return nil, fmt.Errorf("calls replayed: %w", err)
		}
		if n > 0 {
			out[id] = true
		}
	}
	return out, nil
}
