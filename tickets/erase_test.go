package tickets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// person files what the hotline holds about a caller: a call with its menu path and
// queue log, a ticket from it with a note, a voice message on disk, a callback request, a
// case with its follow-ups, an entry of the access log. It returns the ticket.
func (f *fixture) person(tb testing.TB, phone, summary string) *tickets.Ticket {
	tb.Helper()
	ctx := context.Background()
	n, err := tickets.NormalizePhone(phone)
	if err != nil {
		tb.Fatal(err)
	}
	call := &tickets.Call{ChannelID: "ch-" + tickets.NewCallID(), CallerNumber: &n, CallerRaw: tickets.NationalDigits(n),
		Path: tickets.Path{{At: *f.now, Node: "menu", Key: "2"}}}
	if err := f.s.StartCall(ctx, call); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.LogQueue(ctx, []*tickets.QueueEntry{{At: *f.now, Day: tickets.Day(*f.now), CallID: call.ID, Queue: "hotline",
		Agent: "NONE", Event: tickets.QueueEnter, Data2: tickets.NationalDigits(n), Data3: "1"}}); err != nil {
		tb.Fatal(err)
	}
	tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &n, CallID: &call.ID,
		UnitCode: ptr(phuXuan), Summary: summary, IVRAnswers: tickets.Answers{"fever": "yes"}}
	if err := f.s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.AddTicketNote(ctx, f.agent, tk.ID, "gọi lại số "+tickets.NationalDigits(n)+": sốt ba ngày"); err != nil {
		tb.Fatal(err)
	}
	rel := "2026/06/01/" + call.ID + "-m1.wav"
	full := filepath.Join(f.s.Recordings, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("RIFF voice of "+n), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.AddRecording(ctx, &tickets.Recording{CallID: &call.ID, TicketID: &tk.ID, Kind: tickets.RecordingVoiceMessage, Path: rel, DurationMS: 2000}); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.AddCallbackRequest(ctx, &tickets.CallbackRequest{TicketID: tk.ID, CallID: &call.ID, Number: n, QueuedAt: *f.now}); err != nil {
		tb.Fatal(err)
	}
	c := &tickets.Case{PersonName: "Trần Văn " + summary, Phone: &n, BirthYear: ptr(1960), Address: "5 Lê Lợi", UnitCode: ptr(phuXuan)}
	if err := f.s.CreateCase(ctx, f.agent, c, &tk.ID); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
		tb.Fatal(err)
	}
	if err := f.s.LogAccess(ctx, f.sup, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: tk.Ref, Phone: &n, RemoteAddr: "10.0.0.5"}); err != nil {
		tb.Fatal(err)
	}
	return tk
}

// traces lists where the number's digits are in the database: table.column and count,
// of every column of every table.
func traces(tb testing.TB, s *tickets.Store, digits string) []string {
	tb.Helper()
	db := s.DB()
	var found []string
	for table, names := range columns(tb, s) {
		if strings.HasPrefix(table, "sqlite_") {
			continue
		}
		for _, col := range names {
			var n int
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE CAST(%q AS TEXT) LIKE ?`, table, col)
			if err := db.QueryRow(q, "%"+digits+"%").Scan(&n); err != nil {
				tb.Fatalf("%s.%s: %v", table, col, err)
			}
			if n > 0 {
				found = append(found, fmt.Sprintf("%s.%s (%d)", table, col, n))
			}
		}
	}
	return found
}

// columns lists every table of the store's database with its columns' names.
func columns(tb testing.TB, s *tickets.Store) map[string][]string {
	tb.Helper()
	db := s.DB()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		tb.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	all := map[string][]string{}
	for _, table := range tables {
		cols, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
		if err != nil {
			tb.Fatal(err)
		}
		for cols.Next() {
			var n string
			cols.Scan(&n)
			all[table] = append(all[table], n)
		}
		cols.Close()
	}
	return all
}

// filesWith lists the files under dir whose name or content has the digits.
func filesWith(tb testing.TB, dir, digits string) []string {
	tb.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if strings.Contains(path, digits) || strings.Contains(string(b), digits) {
			found = append(found, path)
		}
		return nil
	})
	return found
}

func TestErasePerson(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.s.Recordings = t.TempDir()
	f.on("2026-06-01")
	gone := f.person(t, "0905 123 456", "ho sốt")
	kept := f.person(t, "0914 555 666", "đau đầu")
	// The number of the one who stays is in their rows; the digits of the one who goes are
	// in everything the fixture wrote.
	const goneDigits, keptDigits = "905123456", "914555666"
	if len(traces(t, f.s, goneDigits)) < 8 || len(filesWith(t, f.s.Recordings, goneDigits)) != 1 {
		t.Fatalf("the person's number is not where the test looks: %v", traces(t, f.s, goneDigits))
	}
	before, err := f.s.FreezeDay(ctx, "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}
	frozen, _ := json.Marshal(before.Report)
	live, err := f.s.DailyReport(ctx, tickets.ActorSystem, "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}

	*f.now = f.now.Add(24 * time.Hour)
	r := &tickets.DataRequest{Kind: tickets.RequestDeletion, Channel: "call", Phone: "0905123456", Requester: "Trần Văn Hồ"}
	if err := f.s.RegisterDataRequest(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ErasePerson(ctx, f.sup, r.ID); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("erasing before the identity is verified: %v, want conflict", err)
	}
	if _, err := f.s.ErasePerson(ctx, f.agent, r.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an agent erases: %v, want forbidden", err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	e, err := f.s.ErasePerson(ctx, f.sup, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Calls != 1 || e.Tickets != 1 || e.Cases != 1 || e.Recordings != 1 || e.Callbacks != 1 || e.AccessEntries != 1 {
		t.Errorf("erased %+v, want one of each", e)
	}
	if found := traces(t, f.s, goneDigits); len(found) > 0 {
		t.Errorf("the number is still in %v", found)
	}
	if found := filesWith(t, f.s.Recordings, goneDigits); len(found) > 0 {
		t.Errorf("the number is still in the files %v", found)
	}
	if found := traces(t, f.s, keptDigits); len(found) < 8 {
		t.Errorf("the other caller's number is left only in %v", found)
	}
	if got := f.get(t, kept.ID); got.Summary != "đau đầu" {
		t.Errorf("the other caller's ticket: %q", got.Summary)
	}
	if got := f.get(t, gone.ID); got.Summary != "" || got.CallerNumber != nil || got.Category != tickets.CategorySymptomReport {
		t.Errorf("the erased ticket: summary %q, number %v, category %s", got.Summary, got.CallerNumber, got.Category)
	}
	after, err := f.s.FrozenDay(ctx, "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(after.Report); string(got) != string(frozen) {
		t.Error("the frozen day's report changed")
	}
	now, err := f.s.DailyReport(ctx, tickets.ActorSystem, "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}
	// A day not frozen yet keeps its counts of calls, tickets and the queue; the erased
	// call counts as a withheld number's from now on (its caller is no one's any more).
	was, _ := json.Marshal([]any{live.Calls.Received, live.Calls.Outcomes, live.Calls.ByHour, live.Tickets, live.Queue})
	is, _ := json.Marshal([]any{now.Calls.Received, now.Calls.Outcomes, now.Calls.ByHour, now.Tickets, now.Queue})
	if string(was) != string(is) {
		t.Errorf("the day's live call, ticket and queue totals changed:\n%s\n%s", was, is)
	}
	got := f.request(t, r.ID)
	if got.Status != tickets.RequestDone || !strings.Contains(got.Outcome, "1 cuộc gọi") || got.Phone != "0905 *** 456" {
		t.Errorf("the request after: %s %q %s", got.Status, got.Outcome, got.Phone)
	}
}

func TestExportPerson(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.s.Recordings = t.TempDir()
	f.on("2026-06-01")
	tk := f.person(t, "0905 123 456", "ho sốt")
	f.person(t, "0914 555 666", "đau đầu")
	r := &tickets.DataRequest{Kind: tickets.RequestAccess, Channel: "letter", Phone: "0905123456"}
	if err := f.s.RegisterDataRequest(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ExportPerson(ctx, f.sup, r.ID, "10.0.0.9"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("an export before verification: %v, want conflict", err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyDocument, "passport"); err != nil {
		t.Fatal(err)
	}
	x, err := f.s.ExportPerson(ctx, f.sup, r.ID, "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Calls) != 1 || len(x.Tickets) != 1 || len(x.Cases) != 1 || len(x.Voice) != 1 || len(x.Callbacks) != 1 {
		t.Fatalf("export: %d calls, %d tickets, %d cases, %d voice, %d callbacks; want one each",
			len(x.Calls), len(x.Tickets), len(x.Cases), len(x.Voice), len(x.Callbacks))
	}
	if x.Tickets[0].Ref != tk.Ref || x.Tickets[0].Summary != "ho sốt" || len(x.Calls[0].Path) != 1 {
		t.Errorf("the ticket %+v, the call's path %v", x.Tickets[0], x.Calls[0].Path)
	}
	var note bool
	for _, e := range x.Tickets[0].Trail {
		note = note || (e.Kind == "note" && strings.Contains(e.Note, "sốt ba ngày"))
	}
	if !note {
		t.Error("the ticket's note is not in the export")
	}
	if len(x.Cases[0].FollowUps) == 0 || x.Cases[0].Name != "Trần Văn ho sốt" {
		t.Errorf("the case %+v", x.Cases[0])
	}
	log, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Phone: "0905123456", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var logged bool
	for _, a := range log {
		logged = logged || (a.Action == tickets.AccessDataExport && a.Subject == fmt.Sprintf("YC-%d", r.ID) && a.RemoteAddr == "10.0.0.9")
	}
	if !logged {
		t.Error("the export is not in the access log")
	}
	if got := f.request(t, r.ID); got.ExportedAt == nil {
		t.Error("the request does not record the export")
	}
}

// With recordings to delete and no recordings folder set, nothing is erased: no file is
// left behind rows that are gone.
func TestErasePersonNeedsTheRecordingsFolder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.s.Recordings = t.TempDir()
	f.on("2026-06-01")
	f.person(t, "0905 123 456", "ho sốt")
	f.s.Recordings = ""
	r := &tickets.DataRequest{Kind: tickets.RequestDeletion, Channel: "call", Phone: "0905123456"}
	if err := f.s.RegisterDataRequest(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ErasePerson(ctx, f.sup, r.ID); err == nil {
		t.Fatal("erased with no recordings folder")
	}
	if found := traces(t, f.s, "905123456"); len(found) < 7 {
		t.Errorf("a failed erasure left the number only in %v", found)
	}
	if got := f.request(t, r.ID); got.Status != tickets.RequestVerified {
		t.Errorf("the request after a failed erasure: %s", got.Status)
	}
}

// A case one of the requester's tickets was only linked to is another person's (the
// neighbour a caller reported): the requester's export does not hold it, their
// correction request does not list or correct it, and their erasure leaves it whole.
func TestRequestsReachOnlyTheirOwnCases(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategoryCommunityReport, "0905 111 222", ptr(phuXuan))
	neighbour := &tickets.Case{PersonName: "Hồ Văn Lâm", Phone: ptr("0905 999 000"), Address: "7 Đống Đa", UnitCode: ptr(phuXuan)}
	if err := f.s.CreateCase(ctx, f.agent, neighbour, &tk.ID); err != nil {
		t.Fatal(err)
	}
	verified := func(kind string) *tickets.DataRequest {
		r := f.register(t, kind, "0905111222", "2026-06-01 09:00")
		if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	x, err := f.s.ExportPerson(ctx, f.sup, verified(tickets.RequestAccess).ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Cases) != 0 {
		t.Errorf("the requester's export holds %d cases, want none (the neighbour's is not theirs)", len(x.Cases))
	}
	corr := verified(tickets.RequestCorrection)
	if _, cases, err := f.s.RequestRecords(ctx, f.sup, corr.ID); err != nil || len(cases) != 0 {
		t.Errorf("the correction request lists %d cases (%v), want none", len(cases), err)
	}
	if err := f.s.CorrectCase(ctx, f.sup, corr.ID, neighbour.ID, tickets.CaseCorrection{Address: ptr("khác")}, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("the requester correcting the neighbour's case: %v, want a conflict", err)
	}
	if _, err := f.s.ErasePerson(ctx, f.sup, verified(tickets.RequestDeletion).ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.GetCase(ctx, f.sup, neighbour.ID)
	if err != nil || got.PersonName != "Hồ Văn Lâm" || got.Phone == nil || got.Address != "7 Đống Đa" {
		t.Errorf("the neighbour's case after the requester's erasure: %+v %v", got, err)
	}
}
