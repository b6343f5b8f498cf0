package tickets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func newIncident(tb testing.TB, f *fixture, found time.Time) *tickets.Incident {
	tb.Helper()
	inc, err := f.s.CreateIncident(context.Background(), f.sup, tickets.NewIncident{FoundAt: found, FoundBy: "Phòng CNTT",
		Summary: "Một máy tính của tổng đài bị mất", DataKinds: []string{"phone", "health"}, People: ptr(int64(120)), PeopleEstimated: true})
	if err != nil {
		tb.Fatalf("create incident: %v", err)
	}
	return inc
}

// The 72 hours run from the time the incident was found, not from when it was recorded:
// near the deadline within 24 hours, overdue after it; notifying stops the clock, late
// by what it was past.
func TestIncidentClock(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	found := f.now.Add(-10 * time.Hour)
	inc := newIncident(t, f, found)
	if want := found.Add(72 * time.Hour); !inc.NotifyDue.Equal(want) {
		t.Fatalf("due %v, want %v (72 hours from found)", inc.NotifyDue, want)
	}
	for _, tc := range []struct {
		name          string
		at            time.Time
		left          time.Duration
		soon, overdue bool
	}{
		{"Running", *f.now, 62 * time.Hour, false, false},
		{"JustNotSoon", found.Add(48*time.Hour - time.Minute), 24*time.Hour + time.Minute, false, false},
		{"Soon", found.Add(48 * time.Hour), 24 * time.Hour, true, false},
		{"AtTheDeadline", found.Add(72 * time.Hour), 0, true, false},
		{"Overdue", found.Add(73 * time.Hour), -time.Hour, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := inc.ClockAt(tc.at)
			if c.Left != tc.left || c.Soon != tc.soon || c.Overdue != tc.overdue || c.Stopped {
				t.Errorf("clock at %v = %+v, want left %v soon %v overdue %v", tc.at, c, tc.left, tc.soon, tc.overdue)
			}
		})
	}
	t.Run("NotifiedLate", func(t *testing.T) {
		*f.now = found.Add(75 * time.Hour)
		if err := f.s.RecordNotification(ctx, f.sup, inc.ID, found.Add(74*time.Hour), "Công văn 12/SYT gửi A05"); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Incident(ctx, f.sup, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := got.ClockAt(*f.now)
		if got.Status != tickets.IncidentNotified || !c.Stopped || c.Overdue || c.Late != 2*time.Hour {
			t.Errorf("notified 2 hours late: status %s, clock %+v", got.Status, c)
		}
	})
}

func TestIncidentValidation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ok := tickets.NewIncident{FoundAt: f.now.Add(-time.Hour), FoundBy: "Lê Minh", Summary: "Lộ danh sách", DataKinds: []string{"phone"}}
	for _, tc := range []struct {
		name, field string
		change      func(n *tickets.NewIncident)
	}{
		{"NoFoundAt", "found_at", func(n *tickets.NewIncident) { n.FoundAt = time.Time{} }},
		{"FoundInTheFuture", "found_at", func(n *tickets.NewIncident) { n.FoundAt = f.now.Add(time.Hour) }},
		{"NoFinder", "found_by", func(n *tickets.NewIncident) { n.FoundBy = "  " }},
		{"NoSummary", "summary", func(n *tickets.NewIncident) { n.Summary = "" }},
		{"NoKinds", "data_kinds", func(n *tickets.NewIncident) { n.DataKinds = nil }},
		{"UnknownKind", "data_kinds", func(n *tickets.NewIncident) { n.DataKinds = []string{"phone", "dna"} }},
		{"NegativePeople", "people", func(n *tickets.NewIncident) { n.People = ptr(int64(-1)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := ok
			tc.change(&n)
			_, err := f.s.CreateIncident(ctx, f.sup, n)
			if got := tickets.ErrorField(err); got != tc.field || tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("error %v on field %q, want invalid on %q", err, got, tc.field)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		if _, err := f.s.CreateIncident(ctx, f.sup, ok); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		for _, a := range []tickets.Actor{f.agent, f.officer, {Name: "root", Role: tickets.RoleAdmin}} {
			if _, err := f.s.CreateIncident(ctx, a, ok); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s creates an incident: %v", a.Role, err)
			}
			if _, err := f.s.Incidents(ctx, a); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s reads the register: %v", a.Role, err)
			}
			if _, err := f.s.AccessFlags(ctx, a); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s reads the flags: %v", a.Role, err)
			}
		}
	})
}

// Minutes are appended in order, each an event with its author, and the store offers no
// way to change one; every change of the incident is on its trail.
func TestIncidentMinutesAndTrail(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	inc := newIncident(t, f, f.now.Add(-time.Hour))
	for _, m := range []string{"Họp lúc 9 giờ: xác định phạm vi", "Đã đổi mật khẩu các tài khoản"} {
		*f.now = f.now.Add(time.Minute)
		if err := f.s.AddIncidentMinute(ctx, f.sup, inc.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.AddIncidentMinute(ctx, f.sup, inc.ID, "   "); tickets.ErrorField(err) != "minute" {
		t.Errorf("an empty minute: %v", err)
	}
	if err := f.s.EditIncident(ctx, f.sup, inc.ID, tickets.IncidentEdit{DataKinds: []string{"phone"}, People: ptr(int64(87)), Actions: "Khoá tài khoản"}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CloseIncident(ctx, f.sup, inc.ID, ""); tickets.ErrorField(err) != "close" {
		t.Errorf("closed before notifying or saying why not: %v", err)
	}
	if err := f.s.RecordNoNotification(ctx, f.sup, inc.ID, "Máy đã mã hoá toàn bộ, không có nguy cơ"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CloseIncident(ctx, f.sup, inc.ID, "Xong"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddIncidentMinute(ctx, f.sup, inc.ID, "Thêm"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a minute on a closed incident: %v", err)
	}
	evs, err := f.s.IncidentEvents(ctx, f.sup, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind+":"+e.Field+":"+e.OldValue+">"+e.NewValue+":"+e.Note)
	}
	want := []string{
		"created::>Một máy tính của tổng đài bị mất:phát hiện lúc 10/08/2021 08:00 bởi Phòng CNTT",
		"minute::>:Họp lúc 9 giờ: xác định phạm vi",
		"minute::>:Đã đổi mật khẩu các tài khoản",
		"edited:data_kinds:phone,health>phone:",
		"edited:people:khoảng 120>87:",
		"edited:actions:>Khoá tài khoản:",
		"not_notified:not_notified_reason:>Máy đã mã hoá toàn bộ, không có nguy cơ:",
		"status:status:open>closed:Xong",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if evs[1].Actor != "sup1" || evs[1].ActorID == nil {
		t.Errorf("a minute's author: %+v", evs[1])
	}
}

func TestRecordNotification(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	inc := newIncident(t, f, f.now.Add(-time.Hour))
	for _, tc := range []struct {
		name, field string
		at          time.Time
		how         string
	}{
		{"BeforeFound", "notified_at", f.now.Add(-2 * time.Hour), "Công văn"},
		{"InTheFuture", "notified_at", f.now.Add(time.Hour), "Công văn"},
		{"NoHow", "notified_how", *f.now, " "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.s.RecordNotification(ctx, f.sup, inc.ID, tc.at, tc.how); tickets.ErrorField(err) != tc.field {
				t.Errorf("error %v, want one on %s", err, tc.field)
			}
		})
	}
	if err := f.s.RecordNotification(ctx, f.sup, inc.ID, *f.now, "Cổng thông tin A05"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordNotification(ctx, f.sup, inc.ID, *f.now, "Lần nữa"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("notified twice: %v", err)
	}
}

// logViews logs one user opening n distinct citizens' numbers at a time (and one of them
// again, which counts once).
func logViews(tb testing.TB, f *fixture, who tickets.Actor, at time.Time, n int, first int) {
	tb.Helper()
	saved := *f.now
	defer func() { *f.now = saved }()
	*f.now = at
	var list []*tickets.Access
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("+8490500%04d", first+i)
		list = append(list, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: fmt.Sprintf("HL-26%04d", first+i), Phone: &phone})
	}
	if n > 0 {
		again := *list[0]
		list = append(list, &again)
	}
	if err := f.s.LogAccesses(context.Background(), who, list); err != nil {
		tb.Fatal(err)
	}
}

// The flag rule: exactly the threshold in an hour is not flagged, one more is; hours
// are clock hours; a second scan raises nothing twice for the same user and hour, and a
// flag holds no citizen's number.
func TestAccessFlagRule(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.s.FlagThreshold = 5
	hour := time.Date(2021, 8, 10, 1, 0, 0, 0, time.UTC) // 08:00 in Huế
	*f.now = hour.Add(59 * time.Minute)
	logViews(t, f, f.agent, hour.Add(10*time.Minute), 5, 0)     // exactly N: no flag
	logViews(t, f, f.sup, hour.Add(5*time.Minute), 3, 100)      // N+1 across the hour
	logViews(t, f, f.sup, hour.Add(55*time.Minute), 3, 103)     //
	logViews(t, f, f.officer, hour.Add(50*time.Minute), 3, 200) // 6, but across two hours
	n, err := f.s.ScanAccessLog(ctx)
	if err != nil || n != 1 {
		t.Fatalf("scan = %d, %v; want 1 flag", n, err)
	}
	flags, err := f.s.AccessFlags(ctx, f.sup)
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) != 1 || flags[0].Username != "sup1" || flags[0].Count != 6 || !flags[0].Hour.Equal(hour) || flags[0].Status != tickets.FlagOpen {
		t.Fatalf("flags %+v, want sup1's hour of 6", flags)
	}
	t.Run("NotTwice", func(t *testing.T) {
		logViews(t, f, f.sup, hour.Add(59*time.Minute+30*time.Second), 2, 110) // the same hour, more
		logViews(t, f, f.officer, hour.Add(70*time.Minute), 3, 203)            // the officer's next hour
		*f.now = hour.Add(75 * time.Minute)
		n, err := f.s.ScanAccessLog(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second scan = %d, %v; want no new flag", n, err)
		}
		flags, _ := f.s.AccessFlags(ctx, f.sup)
		if len(flags) != 1 || flags[0].Count != 8 {
			t.Errorf("after a second scan: %+v, want one flag counting 8", flags)
		}
	})
	t.Run("HourStillGoing", func(t *testing.T) {
		now := time.Date(2021, 8, 10, 5, 20, 0, 0, time.UTC)
		*f.now = now
		logViews(t, f, f.agent, now.Add(-10*time.Minute), 4, 300)
		if n, _ := f.s.ScanAccessLog(ctx); n != 0 {
			t.Fatalf("4 of 5 flagged")
		}
		*f.now = now.Add(20 * time.Minute)
		logViews(t, f, f.agent, *f.now, 2, 304) // the same hour, after its first scan
		if n, err := f.s.ScanAccessLog(ctx); err != nil || n != 1 {
			t.Fatalf("an hour read again from its start: %d, %v", n, err)
		}
	})
	t.Run("Dismiss", func(t *testing.T) {
		if err := f.s.DismissAccessFlag(ctx, f.sup, flags[0].ID, ""); tickets.ErrorField(err) != "reason" {
			t.Errorf("dismissed without a reason: %v", err)
		}
		if err := f.s.DismissAccessFlag(ctx, f.sup, flags[0].ID, "Trực đợt cao điểm, gọi lại danh sách"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.IncidentFromFlag(ctx, f.sup, flags[0].ID); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("an incident from a dismissed flag: %v", err)
		}
	})
}

// An incident opened from a flag in one step: found when the flag was raised, the count
// of people from it, and the flag points at it.
func TestIncidentFromFlag(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.s.FlagThreshold = 2
	hour := time.Date(2021, 8, 10, 1, 0, 0, 0, time.UTC)
	*f.now = hour.Add(30 * time.Minute)
	logViews(t, f, f.agent, hour.Add(time.Minute), 3, 0)
	if _, err := f.s.ScanAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	raised := *f.now
	flags, _ := f.s.AccessFlags(ctx, f.sup)
	if len(flags) != 1 {
		t.Fatalf("flags %+v", flags)
	}
	*f.now = f.now.Add(2 * time.Hour)
	inc, err := f.s.IncidentFromFlag(ctx, f.sup, flags[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !inc.FoundAt.Equal(raised) || inc.People == nil || *inc.People != 3 || !strings.Contains(inc.Summary, "agent1") || strings.Contains(inc.Summary, "0905") {
		t.Errorf("incident from the flag: %+v", inc)
	}
	flags, _ = f.s.AccessFlags(ctx, f.sup)
	if flags[0].Status != tickets.FlagIncident || flags[0].IncidentID == nil || *flags[0].IncidentID != inc.ID {
		t.Errorf("the flag after: %+v", flags[0])
	}
	if _, err := f.s.IncidentFromFlag(ctx, f.sup, flags[0].ID); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("a second incident from one flag: %v", err)
	}
	// The access log filtered to the flag's user and hour.
	from, to := flags[0].Hour, flags[0].Hour.Add(time.Hour)
	list, err := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Username: "agent1", From: &from, To: &to})
	if err != nil || len(list) != 4 {
		t.Errorf("the flag's hour in the access log: %d entries, %v; want 4", len(list), err)
	}
	before := from.Add(-time.Hour)
	if list, _ := f.s.ListAccess(ctx, f.sup, tickets.AccessFilter{Username: "agent1", From: &before, To: &from}); len(list) != 0 {
		t.Errorf("the hour before: %d entries", len(list))
	}
}
