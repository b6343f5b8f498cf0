package tickets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// retentionWorld is a store with a recordings folder and a clock the test moves.
type retentionWorld struct {
	s    *tickets.Store
	now  *time.Time
	dir  string
	ctx  context.Context
	seen []string // the citizens' numbers it wrote, digits only, without the country code
}

func newRetentionWorld(tb testing.TB, start time.Time) *retentionWorld {
	tb.Helper()
	now := start
	w := &retentionWorld{s: openStore(tb, &now), now: &now, dir: tb.TempDir(), ctx: context.Background()}
	return w
}

// citizen is what the world wrote about one person: their call, ticket, voice message and
// case, each holding their numbers, name and address.
type citizen struct {
	call      *tickets.Call
	ticket    *tickets.Ticket
	recording string // the voice message's file, relative to the recordings folder
	caseID    int64
	numbers   []string // the person's numbers, digits only (905...)
}

// addCitizen writes a citizen's call (numbers typed for a callback too), a ticket from
// it (closed at once, with a note), a voice message on disk, and a case (lost at once),
// all at the world's time; n makes the numbers distinct.
func (w *retentionWorld) addCitizen(tb testing.TB, n string) *citizen {
	tb.Helper()
	caller, callback, person := "+8490511"+n, "+8490533"+n, "+8490555"+n
	c := &citizen{numbers: []string{caller[3:], callback[3:], person[3:]}}
	now := *w.now
	call := &tickets.Call{ChannelID: "ch-" + n, CallerNumber: &caller, CallerRaw: "0" + caller[3:], Dialed: "19001075"}
	if err := w.s.StartCall(w.ctx, call); err != nil {
		tb.Fatal(err)
	}
	end := now.Add(2 * time.Minute)
	call.AnsweredAt, call.EndedAt = &now, &end
	call.Path = tickets.Path{{At: now, Node: "main", Key: "1"}}
	for _, d := range "0" + callback[3:] {
		call.Path = append(call.Path, tickets.PathStep{At: now, Node: "sym_cb_enter", Key: string(d)})
	}
	call.Path = append(call.Path, tickets.PathStep{At: now, Node: "sym_cb_check", Key: "1"})
	call.Answers = tickets.Answers{"callback": callback, "fever": "yes"}
	call.Outcome, call.EndedBy = tickets.OutcomeTicket, tickets.EndedByHotline
	if err := w.s.SaveCall(w.ctx, call); err != nil {
		tb.Fatal(err)
	}
	tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallID: &call.ID, CallerNumber: &caller,
		ContactPhone: &callback, IVRKeys: call.Path.Keys(), IVRAnswers: call.Answers, Summary: "Chị Lê Thị Hoa sốt, gọi lại " + callback,
		Details: "Nhà ở 12 Lê Lợi; số " + callback}
	if err := w.s.CreateTicket(w.ctx, tickets.ActorIVR, tk); err != nil {
		tb.Fatal(err)
	}
	if err := w.s.AddTicketNote(w.ctx, tickets.ActorSystem, tk.ID, "Đã gọi lại 0"+callback[3:]+", chị Hoa khoẻ"); err != nil {
		tb.Fatal(err)
	}
	if err := w.s.TransitionTicket(w.ctx, tickets.ActorSystem, tk.ID, tickets.StatusCancelled, "Trùng với phiếu khác"); err != nil {
		tb.Fatal(err)
	}
	c.call, c.ticket = call, tk
	c.recording = "vm-" + n + ".wav"
	if err := os.WriteFile(filepath.Join(w.dir, c.recording), []byte("RIFF"), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := w.s.AddRecording(w.ctx, &tickets.Recording{CallID: &call.ID, TicketID: &tk.ID, Kind: tickets.RecordingVoiceMessage,
		Path: c.recording, DurationMS: 3000}); err != nil {
		tb.Fatal(err)
	}
	k := &tickets.Case{PersonName: "Lê Thị Hoa", Phone: &person, Address: "12 Lê Lợi, Phú Xuân", BirthYear: ptr(1980),
		ExposureNote: "về từ vùng dịch, số nhà chồng " + person}
	if err := w.s.CreateCase(w.ctx, tickets.ActorSystem, k, nil); err != nil {
		tb.Fatal(err)
	}
	if err := w.s.AddCaseNote(w.ctx, tickets.ActorSystem, k.ID, "Chồng chị Hoa nghe máy, số "+person); err != nil {
		tb.Fatal(err)
	}
	if err := w.s.SetCaseStatus(w.ctx, tickets.ActorSystem, k.ID, tickets.CaseLost, "không liên lạc được"); err != nil {
		tb.Fatal(err)
	}
	c.caseID = k.ID
	if err := w.s.LogAccess(w.ctx, tickets.ActorSystem, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: tk.Ref, Phone: &caller}); err != nil {
		tb.Fatal(err)
	}
	db := w.s.DB()
	if _, err := db.Exec(`INSERT INTO login_failures (username, at) VALUES (?, ?)`, "an"+n, now.UTC()); err != nil {
		tb.Fatal(err)
	}
	jd := float64(now.Add(12*time.Hour).UnixMilli())/86400000 + 2440587.5
	if _, err := db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES (?, x'00', ?)`, "tok-"+n, jd); err != nil {
		tb.Fatal(err)
	}
	return c
}

func (w *retentionWorld) purge(tb testing.TB) map[string]int {
	tb.Helper()
	run, err := w.s.Purge(w.ctx, tickets.PurgeOptions{Source: "shell", RecordingsDir: w.dir, Batch: 2})
	if err != nil {
		tb.Fatalf("Purge: %v", err)
	}
	return run.Counts
}

// numbersIn greps every text column of every table for the numbers (their digits, in any
// shape they were written: +84..., 0905 ..., typed key by key in a path) and returns
// "table.column" of each hit.
func numbersIn(tb testing.TB, s *tickets.Store, numbers []string) []string {
	tb.Helper()
	db := s.DB()
	var hits []string
	for table, names := range columns(tb, s) {
		for _, col := range names {
			vals, err := db.Query(`SELECT CAST("` + col + `" AS TEXT) FROM "` + table + `" WHERE typeof("` + col + `") IN ('text', 'blob')`)
			if err != nil {
				tb.Fatal(err)
			}
			for vals.Next() {
				var v []byte
				vals.Scan(&v)
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, string(v))
				for _, n := range numbers {
					if strings.Contains(digits, n) {
						hits = append(hits, table+"."+col)
					}
				}
			}
			vals.Close()
		}
	}
	return hits
}

// The purge removes exactly what is past its time, kind by kind, and nothing else; a
// second run right after purges nothing; a frozen day's report keeps its figures.
func TestPurgeRemovesWhatIsPastItsTime(t *testing.T) {
	start := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC) // 10:00 in Huế
	w := newRetentionWorld(t, start)
	old := w.addCitizen(t, "1001")
	day := tickets.Day(start)
	*w.now = start.Add(48 * time.Hour)
	frozen, err := w.s.FreezeDay(w.ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(frozen.Report)

	spoolBefore := time.Time{}
	purgeAt := func(at time.Time) map[string]int {
		*w.now = at
		run, err := w.s.Purge(w.ctx, tickets.PurgeOptions{Source: "shell", RecordingsDir: w.dir, Batch: 1,
			Spool: func(_ context.Context, b time.Time, dry bool) (int, error) { spoolBefore = b; return 0, nil }})
		if err != nil {
			t.Fatalf("Purge at %s: %v", at, err)
		}
		return run.Counts
	}
	want := func(t *testing.T, got map[string]int, want map[string]int) {
		t.Helper()
		for _, k := range tickets.RetentionKinds {
			if got[k.Code] != want[k.Code] {
				t.Errorf("purged %s = %d, want %d (all: %v)", k.Code, got[k.Code], want[k.Code], got)
			}
		}
	}

	// 31 days on: the session (expired 30 days and a bit ago) and the failed sign-in go.
	t.Run("Day31", func(t *testing.T) {
		want(t, purgeAt(start.AddDate(0, 0, 31)), map[string]int{tickets.RetainSessions: 1, tickets.RetainLoginFailures: 1})
		if got, want := spoolBefore, start.AddDate(0, 0, 1); !got.Equal(want) {
			t.Errorf("spool purged before %s, want %s (30 days)", got, want)
		}
		want(t, purgeAt(start.AddDate(0, 0, 31)), nil)
	})
	// 91 days on: the voice message, its file first.
	t.Run("Day91", func(t *testing.T) {
		*w.now = start.AddDate(0, 0, 91)
		young := w.addCitizen(t, "2002") // made now: kept
		want(t, purgeAt(start.AddDate(0, 0, 91)), map[string]int{tickets.RetainVoiceMessages: 1})
		if _, err := os.Stat(filepath.Join(w.dir, old.recording)); !os.IsNotExist(err) {
			t.Errorf("old voice message's file: %v, want gone", err)
		}
		if _, err := os.Stat(filepath.Join(w.dir, young.recording)); err != nil {
			t.Errorf("young voice message's file: %v, want kept", err)
		}
		want(t, purgeAt(start.AddDate(0, 0, 91)), nil)
	})
	// A year and a day on: the call's numbers (its day is frozen).
	t.Run("Day366", func(t *testing.T) {
		got := purgeAt(start.AddDate(0, 0, 366))
		// The young citizen's voice message, session and failed sign-in are past their
		// time too; their call's day is not frozen, so its numbers wait for the freeze.
		want(t, got, map[string]int{tickets.RetainCallNumbers: 1, tickets.RetainVoiceMessages: 1, tickets.RetainSessions: 1,
			tickets.RetainLoginFailures: 1})
		c, err := w.s.FindCall(w.ctx, old.call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.CallerNumber != nil {
			t.Errorf("old call's number = %s, want it gone", *c.CallerNumber)
		}
		if c.Path.Keys() != "11" || c.Outcome != tickets.OutcomeTicket || c.EndedAt == nil {
			t.Errorf("old call after anonymisation: keys %q, outcome %q; want its menu path (11) and counts kept", c.Path.Keys(), c.Outcome)
		}
		want(t, purgeAt(start.AddDate(0, 0, 366)), nil)
	})
	// Two years and a day on: the ticket, the case and the access log entry.
	t.Run("Day731", func(t *testing.T) {
		// The day's tickets and cases, computed afresh, count the same after.
		live := func() string {
			t.Helper()
			r, err := w.s.DailyReport(w.ctx, tickets.ActorSystem, day)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal([]any{r.Tickets, r.Cases, r.Calls.Received, r.Calls.Outcomes, r.Calls.ByChoice})
			return string(b)
		}
		*w.now = start.AddDate(0, 0, 731)
		liveBefore := live()
		got := purgeAt(start.AddDate(0, 0, 731))
		if after := live(); after != liveBefore {
			t.Errorf("the day's tickets, cases and calls counted afresh changed:\n%s\nwas\n%s", after, liveBefore)
		}
		want(t, got, map[string]int{tickets.RetainClosedTickets: 1, tickets.RetainClosedCases: 1, tickets.RetainAccessLog: 1})
		tk, err := w.s.GetTicket(w.ctx, tickets.ActorSystem, old.ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.ContactPhone != nil || tk.CallerNumber != nil || tk.Summary != "" || tk.Details != "" {
			t.Errorf("anonymised ticket = %+v", tk)
		}
		if tk.Status != tickets.StatusCancelled || tk.Category != tickets.CategorySymptomReport || tk.IVRKeys != "11" {
			t.Errorf("anonymised ticket lost what the reports count: %+v", tk)
		}
		want(t, purgeAt(start.AddDate(0, 0, 731)), nil)
	})
	t.Run("FrozenReportUnchanged", func(t *testing.T) {
		snap, err := w.s.FrozenDay(w.ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := json.Marshal(snap.Report)
		if string(after) != string(before) {
			t.Errorf("frozen report of %s changed:\n%s\nwas\n%s", day, after, before)
		}
		if snap.Report.Calls.Received != 1 || snap.Report.Calls.UniqueCallers != 1 {
			t.Errorf("frozen report counts %d calls, %d callers; want 1, 1", snap.Report.Calls.Received, snap.Report.Calls.UniqueCallers)
		}
	})
	t.Run("NoNumberLeft", func(t *testing.T) {
		if hits := numbersIn(t, w.s, old.numbers); len(hits) > 0 {
			t.Errorf("the old citizen's numbers are still in %v", hits)
		}
	})
}

// Once each kind of data is past its time, no text column of any table holds the
// citizen's numbers any more (an anonymised call, ticket and case, the access log's
// entry deleted), nor their name or address, while a younger citizen's stay whole.
func TestPurgeLeavesNoNumber(t *testing.T) {
	start := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	w := newRetentionWorld(t, start)
	old := w.addCitizen(t, "3003")
	if hits := numbersIn(t, w.s, old.numbers); len(hits) == 0 {
		t.Fatal("the grep finds no number before the purge: it would find none after either")
	}
	*w.now = start.Add(48 * time.Hour)
	if _, err := w.s.FreezeDay(w.ctx, tickets.Day(start)); err != nil {
		t.Fatal(err)
	}
	*w.now = start.AddDate(3, 0, 0)
	young := w.addCitizen(t, "4004")
	w.purge(t)
	if hits := numbersIn(t, w.s, old.numbers); len(hits) > 0 {
		t.Errorf("the numbers are still in %v", hits)
	}
	for _, n := range young.numbers {
		if hits := numbersIn(t, w.s, []string{n}); len(hits) == 0 {
			t.Errorf("the young citizen's number %s is gone too", n)
		}
	}
	var names int
	if err := w.s.DB().QueryRow(`SELECT COUNT(*) FROM cases WHERE person_name LIKE '%Hoa%' OR address LIKE '%Lê Lợi%'`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != 1 {
		t.Errorf("%d cases hold the name or address, want 1 (the young one)", names)
	}
	var notes int
	if err := w.s.DB().QueryRow(`SELECT COUNT(*) FROM events WHERE note LIKE '%Hoa%'`).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if notes != 2 {
		t.Errorf("%d notes name the citizen, want 2 (the young ticket's and case's)", notes)
	}
	if got := w.purge(t); len(got) != len(tickets.RetentionKinds) || sum(got) != 0 {
		t.Errorf("a second purge = %v, want 0 of each kind", got)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// A night's run is claimed in the database: a second run for the same night does not
// happen, whoever starts it; runs are recorded with their counts; a dry run counts and
// changes nothing.
func TestPurgeRuns(t *testing.T) {
	start := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	w := newRetentionWorld(t, start)
	w.addCitizen(t, "5005")
	*w.now = start.AddDate(0, 0, 100)
	dry, err := w.s.Purge(w.ctx, tickets.PurgeOptions{DryRun: true, RecordingsDir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Counts[tickets.RetainVoiceMessages] != 1 || dry.Counts[tickets.RetainSessions] != 1 {
		t.Errorf("dry run counts %v, want a voice message and a session", dry.Counts)
	}
	night := tickets.Day(*w.now)
	first, err := w.s.Purge(w.ctx, tickets.PurgeOptions{Source: "serve", Night: night, RecordingsDir: w.dir})
	if err != nil || first == nil {
		t.Fatalf("nightly purge = %v, %v", first, err)
	}
	if first.Counts[tickets.RetainVoiceMessages] != 1 {
		t.Errorf("the dry run purged something: the nightly run found %v", first.Counts)
	}
	again, err := w.s.Purge(w.ctx, tickets.PurgeOptions{Source: "serve", Night: night, RecordingsDir: w.dir})
	if err != nil || again != nil {
		t.Errorf("second run for night %s = %+v, %v; want none", night, again, err)
	}
	admin := tickets.Actor{Name: "root", Role: tickets.RoleAdmin}
	runs, err := w.s.PurgeRuns(w.ctx, admin, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Counts[tickets.RetainVoiceMessages] != 1 || runs[0].FinishedAt == nil || *runs[0].Night != night {
		t.Errorf("runs recorded = %+v", runs)
	}
	if _, err := w.s.PurgeRuns(w.ctx, tickets.Actor{Name: "sup", Role: tickets.RoleSupervisor}, 10); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("a supervisor reads the purge runs: %v", err)
	}
}

// The schedule is the admin's: the defaults are the README's, the access log keeps at
// least six months (the refusal is about its field), and each change is on the admins'
// audit trail.
func TestRetentionPeriods(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	u := &tickets.User{Username: "root", Role: tickets.RoleAdmin}
	if err := s.CreateUser(ctx, tickets.ActorSystem, u, "an admin's password"); err != nil {
		t.Fatal(err)
	}
	admin := tickets.ActorFor(u)
	periods, err := s.RetentionPeriods(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(periods) != len(tickets.RetentionKinds) {
		t.Fatalf("%d periods, want %d", len(periods), len(tickets.RetentionKinds))
	}
	for i, k := range tickets.RetentionKinds {
		if periods[i].Kind != k.Code || periods[i].Days != k.DefaultDays {
			t.Errorf("period %d = %s %d days, want %s %d (the migration's default)", i, periods[i].Kind, periods[i].Days, k.Code, k.DefaultDays)
		}
	}
	t.Run("AccessLogUnderSixMonths", func(t *testing.T) {
		err := s.SetRetentionPeriods(ctx, admin, map[string]int{tickets.RetainVoiceMessages: 60, tickets.RetainAccessLog: 182})
		if tickets.ErrorCode(err) != tickets.EINVALID || tickets.ErrorField(err) != tickets.RetainAccessLog {
			t.Fatalf("access log 182 days: %v (field %q), want refused about access_log", err, tickets.ErrorField(err))
		}
		if !strings.Contains(tickets.ErrorMessage(err), "6 tháng") {
			t.Errorf("refusal %q does not give the reason", tickets.ErrorMessage(err))
		}
		got, _ := s.RetentionPeriods(ctx, admin)
		if got[0].Days != 90 {
			t.Errorf("voice messages %d days after a refused change, want 90", got[0].Days)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		sup := tickets.Actor{Name: "sup", Role: tickets.RoleSupervisor}
		if err := s.SetRetentionPeriods(ctx, sup, map[string]int{tickets.RetainVoiceMessages: 60}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("a supervisor sets the schedule: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := s.SetRetentionPeriods(ctx, admin, map[string]int{tickets.RetainVoiceMessages: 60, tickets.RetainAccessLog: 183,
			tickets.RetainSessions: 30}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.RetentionPeriods(ctx, admin)
		if got[0].Days != 60 || got[4].Days != 183 || got[0].UpdatedBy == nil || *got[0].UpdatedBy != "root" {
			t.Errorf("periods after the change = %+v, %+v", got[0], got[4])
		}
		audit, err := s.UserAudit(ctx, admin, 100)
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, e := range audit {
			if e.Entity == tickets.EntityRetention {
				changes = append(changes, e.Field+" "+e.OldValue+"→"+e.NewValue+" by "+e.Actor)
			}
		}
		wantChanges := []string{"access_log 730→183 by root", "voice_messages 90→60 by root"}
		if strings.Join(changes, "; ") != strings.Join(wantChanges, "; ") && strings.Join(changes, "; ") != wantChanges[1]+"; "+wantChanges[0] {
			t.Errorf("audit = %v, want %v (the unchanged sessions not in it)", changes, wantChanges)
		}
	})
}

// BenchmarkPurgeBatch times the purge of 100 citizens' calls, tickets, cases and voice
// messages past their time, in batches of 100: about one transaction of each kind, the
// longest the purge holds the write lock while calls are being written.
func BenchmarkPurgeBatch(b *testing.B) {
	start := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	var took []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newRetentionWorld(b, start)
		for j := range 100 {
			w.addCitizen(b, fmt.Sprintf("%04d", j))
		}
		*w.now = start.Add(48 * time.Hour)
		if _, err := w.s.FreezeDay(w.ctx, tickets.Day(start)); err != nil {
			b.Fatal(err)
		}
		*w.now = start.AddDate(3, 0, 0)
		b.StartTimer()
		t0 := time.Now()
		run, err := w.s.Purge(w.ctx, tickets.PurgeOptions{Source: "shell", RecordingsDir: w.dir, Batch: 100})
		took = append(took, time.Since(t0))
		if err != nil || run.Counts[tickets.RetainClosedTickets] != 100 || run.Counts[tickets.RetainCallNumbers] != 100 {
			b.Fatalf("purge = %+v, %v", run, err)
		}
	}
	var total time.Duration
	for _, d := range took {
		total += d
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(len(took)), "ms/100-citizens")
}
