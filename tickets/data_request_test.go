package tickets_test

import (
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// hue returns a time on Huế's clock.
func hue(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, tickets.Local)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// calendar reads the holiday calendar the migration filled.
func calendar(tb testing.TB, s *tickets.Store) tickets.Holidays {
	tb.Helper()
	list, err := s.ListHolidays(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	h := tickets.Holidays{}
	for _, d := range list {
		h[d.Day] = true
	}
	return h
}

func TestWorkingDaysAfter(t *testing.T) {
	f := newFixture(t)
	h := calendar(t, f.s)
	for _, tc := range []struct {
		name, from string
		n          int
		want       string
	}{
		{"MondayPlusTwo", "2026-03-02 10:00", 2, "2026-03-04"},
		{"FridayPlusTwoSkipsTheWeekend", "2026-03-06 16:00", 2, "2026-03-10"},
		{"SaturdayCountsFromMonday", "2026-03-07 09:00", 1, "2026-03-09"},
		{"LateEveningIsStillThatDayInHue", "2026-03-02 23:30", 1, "2026-03-03"},
		{"UTCAfterFiveIsTheNextDayInHue", "2026-03-02 06:30", 0, "2026-03-02"},
		{"AcrossTet2026", "2026-02-12 09:00", 2, "2026-02-23"},                   // Thu; Fri 13, then 16–20 off, Mon 23
		{"DeletionAcrossTet2026", "2026-02-10 09:00", 20, "2026-03-17"},          // 20 working days, a week of Tết in between
		{"AcrossReunificationAndLabourDay", "2026-04-29 09:00", 1, "2026-05-04"}, // 30/4 and 1/5 off
		{"HungKingsMadeUpOnMonday", "2026-04-24 09:00", 1, "2026-04-28"},         // Fri; 27/4 is the made-up day
		{"NationalDay2026", "2026-08-31 09:00", 1, "2026-09-03"},                 // 1/9 and 2/9 off
		{"AcrossTet2027", "2027-02-04 09:00", 1, "2027-02-12"},                   // 5, 8–11 off
		{"NoHolidayOnAnOrdinaryWeek", "2026-06-01 09:00", 5, "2026-06-08"},       // Mon to next Mon
		{"ZeroIsTheSameDay", "2026-06-03 09:00", 0, "2026-06-03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := hue(t, tc.from)
			if tc.name == "UTCAfterFiveIsTheNextDayInHue" {
				from = time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC) // 06:30 on 2 March in Huế
			}
			if got := tickets.WorkingDaysAfter(from, tc.n, h); got != tc.want {
				t.Errorf("WorkingDaysAfter(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
	t.Run("WithoutTheCalendarTetCounts", func(t *testing.T) {
		if got := tickets.WorkingDaysAfter(hue(t, "2026-02-12 09:00"), 2, nil); got != "2026-02-16" {
			t.Errorf("without holidays = %s, want 2026-02-16", got)
		}
	})
}

// The migration's holidays are the rows of migrations/data/holidays-vn-2026-2027.csv.
func TestHolidayCalendarIsTheDataFile(t *testing.T) {
	f := newFixture(t)
	file, err := os.Open("../migrations/data/holidays-vn-2026-2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range rows[1:] {
		want[r[0]] = r[1]
	}
	list, err := f.s.ListHolidays(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range list {
		got[h.Day] = h.Name
		if d, _ := time.Parse(tickets.DayFormat, h.Day); d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			t.Errorf("holiday %s is on a weekend", h.Day)
		}
	}
	if len(got) != len(want) || len(got) != 22 {
		t.Errorf("%d holidays in the database, %d in the file, want 22", len(got), len(want))
	}
	for d, n := range want {
		if got[d] != n {
			t.Errorf("holiday %s: %q in the database, %q in the file", d, got[d], n)
		}
	}
}

func TestHolidaysKeptByTheAdmin(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, _ := f.admins(t)
	if _, err := f.s.AddHoliday(ctx, f.sup, "2028-01-03", "Tết Dương lịch (nghỉ bù)"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("a supervisor adds a holiday: %v, want forbidden", err)
	}
	for _, tc := range []struct{ name, day, label, field string }{
		{"BadDay", "31/02/2028", "x", "day"},
		{"Weekend", "01/01/2028", "Tết Dương lịch", "day"},
		{"NoName", "03/01/2028", " ", "name"},
		{"Twice", "01/01/2027", "Tết", "day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.AddHoliday(ctx, root, tc.day, tc.label)
			if tickets.ErrorCode(err) != tickets.EINVALID || tickets.ErrorField(err) != tc.field {
				t.Errorf("got %v (field %q), want invalid %s", err, tickets.ErrorField(err), tc.field)
			}
		})
	}
	if _, err := f.s.AddHoliday(ctx, root, "03/01/2028", "Tết Dương lịch (nghỉ bù)"); err != nil {
		t.Fatal(err)
	}
	if h := calendar(t, f.s); !h["2028-01-03"] || h.IsWorkingDay("2028-01-03") {
		t.Error("the day added is not a holiday")
	}
	if err := f.s.RemoveHoliday(ctx, root, "2028-01-03"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RemoveHoliday(ctx, root, "2028-01-03"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("removing it twice: %v, want not found", err)
	}
}

// register registers a request of a kind for a number at a Huế time.
func (f *fixture) register(tb testing.TB, kind, phone, at string) *tickets.DataRequest {
	tb.Helper()
	*f.now = hue(tb, at).UTC()
	r := &tickets.DataRequest{Kind: kind, Phone: phone, Channel: "call", Requester: "Trần Thị Bình", Details: "xin bản sao"}
	if err := f.s.RegisterDataRequest(context.Background(), f.sup, r); err != nil {
		tb.Fatal(err)
	}
	return r
}

func (f *fixture) request(tb testing.TB, id int64) *tickets.DataRequest {
	tb.Helper()
	r, err := f.s.GetDataRequest(context.Background(), f.sup, id)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestDataRequestRegister(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		r     tickets.DataRequest
		field string
	}{
		{"NoKind", tickets.DataRequest{Phone: "0905123456", Channel: "call"}, "kind"},
		{"NoChannel", tickets.DataRequest{Kind: tickets.RequestAccess, Phone: "0905123456"}, "channel"},
		{"NoPhone", tickets.DataRequest{Kind: tickets.RequestAccess, Channel: "letter"}, "phone"},
		{"BadPhone", tickets.DataRequest{Kind: tickets.RequestAccess, Channel: "letter", Phone: "12ab"}, "phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.s.RegisterDataRequest(ctx, f.sup, &tc.r)
			if tickets.ErrorCode(err) != tickets.EINVALID || tickets.ErrorField(err) != tc.field {
				t.Errorf("got %v (field %q), want invalid %s", err, tickets.ErrorField(err), tc.field)
			}
		})
	}
	t.Run("ForbiddenToAgentsOfficersAndAdmins", func(t *testing.T) {
		root, _ := f.admins(t)
		for _, a := range []tickets.Actor{f.agent, f.officer, root} {
			r := &tickets.DataRequest{Kind: tickets.RequestAccess, Phone: "0905123456", Channel: "call"}
			if err := f.s.RegisterDataRequest(ctx, a, r); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s registers: %v, want forbidden", a.Role, err)
			}
			if _, err := f.s.ListDataRequests(ctx, a); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s lists: %v, want forbidden", a.Role, err)
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := f.register(t, tickets.RequestAccess, "0905 123 456", "2026-03-02 10:00")
		got := f.request(t, r.ID)
		if got.Phone != "+84905123456" || got.Status != tickets.RequestReceived || got.RegisteredBy != "sup1" {
			t.Errorf("registered %+v", got)
		}
		if got.Clock.AnswerDue != "2026-03-04" || got.Clock.DoneDue != "2026-03-16" {
			t.Errorf("clock %+v, want answer by 2026-03-04, done by 2026-03-16", got.Clock)
		}
		if len(got.Events) != 1 || got.Events[0].Kind != "created" {
			t.Errorf("trail %v", kinds(got.Events))
		}
	})
}

func TestDataRequestPeriods(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		kind string
		want string
	}{
		{tickets.RequestAccess, "2026-06-15"},      // 10 working days after Mon 1 June
		{tickets.RequestCorrection, "2026-06-15"},  // 10
		{tickets.RequestWithdrawal, "2026-06-22"},  // 15
		{tickets.RequestRestriction, "2026-06-22"}, // 15
		{tickets.RequestDeletion, "2026-06-29"},    // 20
	} {
		t.Run(tc.kind, func(t *testing.T) {
			r := f.request(t, f.register(t, tc.kind, "0905123456", "2026-06-01 09:00").ID)
			if r.Clock.DoneDue != tc.want || r.Clock.AnswerDue != "2026-06-03" {
				t.Errorf("clock %+v, want done by %s", r.Clock, tc.want)
			}
		})
	}
}

// The lifecycle of a request: verify, answer, extend once, done; each step on its
// trail; a refused one with its reason; a closed one changes no more.
func TestDataRequestLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	r := f.register(t, tickets.RequestAccess, "0905123456", "2026-06-01 09:00")
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "đã gửi bản sao", ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("done before verification: %v, want conflict", err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyDocument, ""); tickets.ErrorField(err) != "document" {
		t.Errorf("a document of no kind: %v, want invalid document", err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, "photo", ""); tickets.ErrorField(err) != "method" {
		t.Errorf("an unknown method: %v, want invalid method", err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyDocument, "citizen_id"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("verified twice: %v, want conflict", err)
	}
	*f.now = f.now.Add(time.Hour)
	if err := f.s.AnswerDataRequest(ctx, f.sup, r.ID, " "); tickets.ErrorField(err) != "note" {
		t.Errorf("an answer with no note: %v", err)
	}
	if err := f.s.AnswerDataRequest(ctx, f.sup, r.ID, "đã gọi lại, hẹn gửi bản sao qua bưu điện"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ExtendDataRequest(ctx, f.sup, r.ID, ""); tickets.ErrorField(err) != "reason" {
		t.Errorf("an extension with no reason: %v", err)
	}
	if err := f.s.ExtendDataRequest(ctx, f.sup, r.ID, "dữ liệu ở nhiều đơn vị"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ExtendDataRequest(ctx, f.sup, r.ID, "lần hai"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second extension: %v, want conflict", err)
	}
	got := f.request(t, r.ID)
	if got.Status != tickets.RequestExtended || got.Clock.DoneDue != "2026-07-06" || got.Clock.NextDue != "2026-07-06" {
		t.Errorf("extended: status %s, clock %+v; want done by 2026-07-06 (10 + 15 working days)", got.Status, got.Clock)
	}
	if *got.VerifyMethod != tickets.VerifyDocument || got.VerifyDocument != "citizen_id" || *got.VerifiedBy != "sup1" {
		t.Errorf("verification %v %q %v", *got.VerifyMethod, got.VerifyDocument, got.VerifiedBy)
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "", ""); tickets.ErrorField(err) != "outcome" {
		t.Errorf("done with no outcome: %v", err)
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "đã gửi bản sao PDF", ""); err != nil {
		t.Fatal(err)
	}
	got = f.request(t, r.ID)
	if got.Status != tickets.RequestDone || got.Open() || got.Clock.NextDue != "" || got.Clock.Overdue {
		t.Errorf("done: %s %+v", got.Status, got.Clock)
	}
	if k := strings.Join(kinds(got.Events), " "); k != "created:access verified:citizen_id answered:answered extended:extended done:done" {
		t.Errorf("trail %s", k)
	}
	if err := f.s.RefuseDataRequest(ctx, f.sup, r.ID, "muộn"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("refusing a done request: %v, want conflict", err)
	}

	refused := f.register(t, tickets.RequestCorrection, "0905123456", "2026-06-01 09:00")
	if err := f.s.RefuseDataRequest(ctx, f.sup, refused.ID, ""); tickets.ErrorField(err) != "reason" {
		t.Errorf("refused with no reason: %v", err)
	}
	if err := f.s.RefuseDataRequest(ctx, f.sup, refused.ID, "không xác minh được danh tính"); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, refused.ID); got.Status != tickets.RequestRefused || got.RefusalReason != "không xác minh được danh tính" {
		t.Errorf("refused: %s %q", got.Status, got.RefusalReason)
	}
}

// A deletion is closed without erasing only with a legal reason to keep, recorded.
func TestDataRequestDeletionKeptForAReason(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	r := f.register(t, tickets.RequestDeletion, "0905123456", "2026-06-01 09:00")
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "giữ lại", ""); tickets.ErrorField(err) != "keep_reason" {
		t.Errorf("closing a deletion with no reason to keep: %v, want invalid keep_reason", err)
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "ca bệnh đang theo dõi", "public_health"); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, r.ID); got.KeepReason != "public_health" || got.Status != tickets.RequestDone {
		t.Errorf("kept: %q %s", got.KeepReason, got.Status)
	}
}

// Overdue and near-due requests come first, and are counted; a holiday in between
// moves the deadline.
func TestDataRequestsOverdueFirst(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, _ := f.admins(t)
	// Received on Thursday 23/4/2026: answer due by Tuesday 28/4 (Monday 27/4 is Giỗ Tổ's
	// made-up day); without the holiday it would be Monday 27/4.
	old := f.register(t, tickets.RequestAccess, "0905123456", "2026-04-23 10:00")
	near := f.register(t, tickets.RequestDeletion, "0905123457", "2026-04-27 10:00")
	later := f.register(t, tickets.RequestWithdrawal, "0905123458", "2026-04-28 10:00")
	closed := f.register(t, tickets.RequestCorrection, "0905123459", "2026-04-28 11:00")
	if err := f.s.RefuseDataRequest(ctx, f.sup, closed.ID, "trùng yêu cầu khác"); err != nil {
		t.Fatal(err)
	}
	f.on("2026-04-28")
	if got := f.request(t, old.ID).Clock; got.AnswerDue != "2026-04-28" || got.Overdue || !got.NearDue {
		t.Errorf("on its last day: %+v", got)
	}
	if _, err := f.s.AddHoliday(ctx, root, "2026-04-28", "ngày thử"); err != nil {
		t.Fatal(err)
	}
	if got := f.request(t, old.ID).Clock; got.AnswerDue != "2026-04-29" {
		t.Errorf("a holiday the admin adds moves the deadline: %+v", got)
	}
	if err := f.s.RemoveHoliday(ctx, root, "2026-04-28"); err != nil {
		t.Fatal(err)
	}
	f.on("2026-04-29") // Wednesday: old is past its answer; near's answer is due 29/4 (28, 29)
	list, err := f.s.ListDataRequests(ctx, f.sup)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, r := range list {
		order = append(order, r.ID)
	}
	want := []int64{old.ID, near.ID, later.ID, closed.ID}
	if len(order) != 4 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] || order[3] != want[3] {
		t.Errorf("order %v, want %v", order, want)
	}
	if !list[0].Clock.Overdue || !list[1].Clock.NearDue || list[1].Clock.Overdue {
		t.Errorf("clocks %+v %+v", list[0].Clock, list[1].Clock)
	}
	overdue, nearDue, err := f.s.DataRequestsDue(ctx, f.sup)
	if err != nil || overdue != 1 || nearDue != 2 { // later's answer is due 30/4... 30/4 and 1/5 off: 4/5
		t.Errorf("due counts %d overdue, %d near (%v); want 1, 2", overdue, nearDue, err)
	}
}

// A withdrawal carried out marks the number: the dialer skips its case, asked for or not,
// and ConsentWithdrawn says so whichever way the number is written.
func TestWithdrawalStopsFollowUpCalls(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.monitored(t)
	f.at(t, "09:00")
	if f.due(t)[c.Ref] == nil {
		t.Fatal("the case is not due a call before the withdrawal")
	}
	if w, err := f.s.ConsentWithdrawn(ctx, "0905777888"); err != nil || w {
		t.Fatalf("withdrawn before: %v %v", w, err)
	}
	r := &tickets.DataRequest{Kind: tickets.RequestWithdrawal, Phone: "0905.777.888", Channel: "letter"}
	if err := f.s.RegisterDataRequest(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	if f.due(t)[c.Ref] == nil {
		t.Fatal("the case stopped being called before the withdrawal was carried out")
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if f.due(t)[c.Ref] != nil {
		t.Error("the case is still due an automated call after the withdrawal")
	}
	if err := f.s.RequestFollowUpCall(ctx, f.agent, c.ID); err == nil {
		if f.due(t)[c.Ref] != nil {
			t.Error("a call an agent asked for dials a withdrawn number")
		}
	}
	for _, n := range []string{"0905777888", "+84 905 777 888", "84905777888"} {
		if w, err := f.s.ConsentWithdrawn(ctx, n); err != nil || !w {
			t.Errorf("ConsentWithdrawn(%s) = %v, %v; want true", n, w, err)
		}
	}
	if w, _ := f.s.ConsentWithdrawn(ctx, "0905777889"); w {
		t.Error("another number is withdrawn too")
	}
}

// The data-protection officer is a supervisor an admin names, confirmed by a second
// person; an agent cannot be one; the officer works the desk, the admin does not.
func TestDataProtectionOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, root2 := f.admins(t)
	yes, no := true, false
	if _, err := f.s.UpdateUser(ctx, root, *f.agent.UserID, tickets.UserEdit{DataProtectionOfficer: &yes}); tickets.ErrorField(err) != "data_protection_officer" {
		t.Errorf("an agent named officer: %v, want invalid", err)
	}
	pending, err := f.s.UpdateUser(ctx, root, *f.sup.UserID, tickets.UserEdit{DataProtectionOfficer: &yes})
	if err != nil || !pending {
		t.Fatalf("naming the officer: pending %v, %v; want it to wait for a confirmation", pending, err)
	}
	if u, _ := f.s.FindUser(ctx, *f.sup.UserID); u.DataProtectionOfficer {
		t.Fatal("the officer is named before anyone confirmed it")
	}
	changes, err := f.s.PendingUserChanges(ctx, root2)
	if err != nil || len(changes) != 1 || changes[0].OldDPO || !changes[0].NewDPO {
		t.Fatalf("pending changes %+v %v", changes, err)
	}
	if _, err := f.s.ConfirmUserChange(ctx, root, changes[0].ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("the proposer confirms: %v", err)
	}
	if _, err := f.s.ConfirmUserChange(ctx, root2, changes[0].ID); err != nil {
		t.Fatal(err)
	}
	u, _ := f.s.FindUser(ctx, *f.sup.UserID)
	if !u.DataProtectionOfficer {
		t.Fatal("the officer is not named after the confirmation")
	}
	dpo := tickets.ActorFor(u)
	if !dpo.DataProtectionOfficer || !dpo.HandlesDataRequests() {
		t.Errorf("the officer's actor %+v", dpo)
	}
	if root.HandlesDataRequests() || f.agent.HandlesDataRequests() || f.officer.HandlesDataRequests() {
		t.Error("an admin, an agent or an officer works the data desk")
	}
	officers, err := f.s.DataProtectionOfficers(ctx)
	if err != nil || len(officers) != 1 || officers[0].Username != "sup1" {
		t.Errorf("officers %v %v", officers, err)
	}
	// Un-naming is an access change too; demoting a named officer to agent is refused.
	role := tickets.RoleAgent
	if _, err := f.s.UpdateUser(ctx, root, u.ID, tickets.UserEdit{Role: &role}); tickets.ErrorField(err) != "data_protection_officer" {
		t.Errorf("demoting the officer while named: %v, want invalid", err)
	}
	if pending, err := f.s.UpdateUser(ctx, root, u.ID, tickets.UserEdit{DataProtectionOfficer: &no}); err != nil || !pending {
		t.Errorf("un-naming: %v %v", pending, err)
	}
}

// A withdrawal carried out while the dialer holds its list of cases due stops the call
// all the same: the claim sees it in its own transaction and writes no call.
func TestWithdrawalStopsACallAlreadyListed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.monitored(t)
	now := f.at(t, "09:00")
	target := f.due(t)[c.Ref]
	if target == nil {
		t.Fatal("the case is not due a call")
	}
	r := &tickets.DataRequest{Kind: tickets.RequestWithdrawal, Phone: target.Phone, Channel: "letter"}
	if err := f.s.RegisterDataRequest(ctx, f.sup, r); err != nil {
		t.Fatal(err)
	}
	if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	call := &tickets.Call{ChannelID: "fu-" + tickets.NewCallID(), Direction: "follow_up", Dialed: target.Phone}
	if _, err := f.s.ClaimFollowUpCall(ctx, target, now, call); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("claiming a call listed before the withdrawal: %v, want a conflict", err)
	}
	if got, err := f.s.ListCalls(ctx, tickets.ActorSystem, tickets.CallFilter{ChannelID: &call.ChannelID}); err != nil || len(got) != 0 {
		t.Errorf("the refused claim wrote %d calls (%v), want none", len(got), err)
	}
}
