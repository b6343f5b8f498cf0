package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Access is denied unless a role grants it: an admin, an unknown or an empty role sees
// no citizen's data; an officer sees no calls and no caller history outside their unit.
func TestRolesDenyByDefault(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(kimLong))
	c := f.newCase(t, nil)
	for _, actor := range []tickets.Actor{
		{Name: "root", Role: tickets.RoleAdmin},
		{Name: "ghost", Role: "janitor"},
		{Name: "nobody"},
	} {
		t.Run(actor.Role, func(t *testing.T) {
			if _, err := f.s.ListTickets(ctx, actor, tickets.TicketFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("ListTickets: %v", err)
			}
			if _, err := f.s.GetTicket(ctx, actor, tk.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
				t.Errorf("GetTicket: %v", err)
			}
			if _, err := f.s.GetCase(ctx, actor, c.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
				t.Errorf("GetCase: %v", err)
			}
			if _, err := f.s.FindCases(ctx, actor, tickets.CaseFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("FindCases: %v", err)
			}
			if _, err := f.s.ListCalls(ctx, actor, tickets.CallFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("ListCalls: %v", err)
			}
			if _, err := f.s.CallerHistory(ctx, actor, "0905123456", 10); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("CallerHistory: %v", err)
			}
			if err := f.s.AddTicketNote(ctx, actor, tk.ID, "x"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("AddTicketNote: %v", err)
			}
		})
	}
	t.Run("officer", func(t *testing.T) {
		if _, err := f.s.ListCalls(ctx, f.officer, tickets.CallFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an officer lists calls: %v", err)
		}
		// The number called about Kim Long only: Phú Xuân's officer is not told it called.
		if _, err := f.s.CallerHistory(ctx, f.officer, "0905123456", 10); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("another unit's caller history: %v", err)
		}
		h, err := f.s.CallerHistory(ctx, f.other, "0905123456", 10)
		if err != nil || len(h.Calls) != 0 || len(h.Tickets) != 1 {
			t.Errorf("own unit's caller history: %+v, %v", h, err)
		}
	})
}

// An officer does not see who reported a suspected case or a violation in their commune;
// the call centre does.
func TestReporterHiddenFromOfficers(t *testing.T) {
	f := newFixture(t)
	report := f.ticket(t, tickets.CategoryCommunityReport, "0905123456", ptr(phuXuan))
	symptoms := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	if f.officer.SeesReporterOf(report) || !f.officer.SeesReporterOf(symptoms) || !f.agent.SeesReporterOf(report) {
		t.Error("reporter visibility wrong")
	}
	if f.other.SeesReporterOf(symptoms) {
		t.Error("another unit's officer sees the number")
	}
}

// Five failed sign-ins within 15 minutes lock the name for 15 minutes, even for the right
// password; the count survives (it is in the database) and a success clears it.
func TestSignInThrottling(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := 1; i <= 5; i++ {
		res, err := f.s.SignIn(ctx, " Agent1 ", "wrong password")
		if tickets.ErrorCode(err) != tickets.EFORBIDDEN || res.Failures != i {
			t.Fatalf("attempt %d: %+v, %v", i, res, err)
		}
		*f.now = f.now.Add(time.Minute)
	}
	res, err := f.s.SignIn(ctx, "agent1", "correct horse battery")
	if err == nil || res.LockedUntil.IsZero() {
		t.Fatalf("the right password during the lockout: %+v, %v", res, err)
	}
	*f.now = f.now.Add(15 * time.Minute)
	if res, err := f.s.SignIn(ctx, "AGENT1", "correct horse battery"); err != nil || res.User == nil || res.User.Username != "agent1" {
		t.Fatalf("after the lockout: %+v, %v", res, err)
	}
	// Four failures, a success, four more: no lockout.
	for i := 0; i < 4; i++ {
		f.s.SignIn(ctx, "agent1", "wrong")
	}
	f.s.SignIn(ctx, "agent1", "correct horse battery")
	for i := 0; i < 4; i++ {
		f.s.SignIn(ctx, "agent1", "wrong")
	}
	if _, err := f.s.SignIn(ctx, "agent1", "correct horse battery"); err != nil {
		t.Errorf("locked after a success between failures: %v", err)
	}
}

// Users are managed from the shell (the trusted operator's path, at once): names fold to
// one case, a user who exists is refused, roles and units are checked, the last admin
// stays, passwords are reset and changed. An admin's path in the console is
// TestAdminUserChangesChecked.
func TestManageUsers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	shell := tickets.ActorSystem // `hotline users` on the shell: at once; an admin's path is TestAdminUserChangesChecked
	u := &tickets.User{Username: "  Lan.Nguyen ", DisplayName: "Nguyễn Thị Lan", Role: tickets.RoleAgent, Phone: "PJSIP/agent101"}
	if err := f.s.CreateUser(ctx, shell, u, "a long password"); err != nil {
		t.Fatal(err)
	}
	if u.Username != "lan.nguyen" {
		t.Errorf("username %q, want folded", u.Username)
	}
	if err := f.s.CreateUser(ctx, shell, &tickets.User{Username: "LAN.NGUYEN", Role: tickets.RoleAgent}, "another long one"); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("the same name in capitals: %v", err)
	}
	for name, e := range map[string]tickets.UserEdit{
		"officer without unit": {Role: ptr(tickets.RoleOfficer)},
		"bad phone":            {Phone: ptr("agent101")},
		"unknown unit":         {Role: ptr(tickets.RoleOfficer), UnitCode: ptr(ptr("99999"))},
	} {
		if _, err := f.s.UpdateUser(ctx, shell, u.ID, e); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.s.UpdateUser(ctx, f.agent, u.ID, tickets.UserEdit{Active: ptr(false)}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an agent edits users: %v", err)
	}
	if _, err := f.s.UpdateUser(ctx, shell, u.ID, tickets.UserEdit{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SignIn(ctx, "lan.nguyen", "a long password"); err == nil {
		t.Error("a deactivated user signs in")
	}
	f.s.UpdateUser(ctx, shell, u.ID, tickets.UserEdit{Active: ptr(true)})
	if _, err := f.s.ResetPassword(ctx, shell, u.ID, "short"); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("a short password: %v", err)
	}
	if _, err := f.s.ResetPassword(ctx, shell, u.ID, "reset by the admin"); err != nil {
		t.Fatal(err)
	}
	lan := tickets.ActorFor(u)
	if _, err := f.s.ChangePassword(ctx, lan, "a long password", "my own password"); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("change with the old password: %v", err)
	}
	if _, err := f.s.ChangePassword(ctx, lan, "reset by the admin", "my own password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SignIn(ctx, "lan.nguyen", "my own password"); err != nil {
		t.Errorf("sign in with the new password: %v", err)
	}
	// The last admin stays an admin.
	root := &tickets.User{Username: "root", Role: tickets.RoleAdmin}
	if err := f.s.CreateUser(ctx, tickets.ActorSystem, root, "root password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateUser(ctx, shell, root.ID, tickets.UserEdit{Active: ptr(false)}); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("deactivating the last admin: %v", err)
	}
}

// Who saw a citizen's data is kept, and supervisors find it by user or by number.
func TestAccessLog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	phone := "+84905123456"
	for _, a := range []*tickets.Access{
		{Action: tickets.AccessTicketPhone, Subject: "HL-210001", Phone: &phone, RemoteAddr: "10.0.0.5"},
		{Action: tickets.AccessRecording, Subject: "recording 3", Phone: &phone},
	} {
		if err := f.s.LogAccess(ctx, f.agent, a); err != nil {
			t.Fatal(err)
		}
	}
	sup := tickets.Actor{Name: "sup", Role: tickets.RoleSupervisor}
	list, err := f.s.ListAccess(ctx, sup, tickets.AccessFilter{Phone: "0905 123 456"})
	if err != nil || len(list) != 2 || list[0].Username != "agent1" || list[1].RemoteAddr != "10.0.0.5" {
		t.Errorf("by phone: %+v, %v", list, err)
	}
	if list, _ := f.s.ListAccess(ctx, sup, tickets.AccessFilter{Username: "someone"}); len(list) != 0 {
		t.Errorf("by another user: %d", len(list))
	}
	if _, err := f.s.ListAccess(ctx, f.agent, tickets.AccessFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an agent reads the access log: %v", err)
	}
}

// A change made from a page that is out of date is refused, and says so.
func TestStaleChangeRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategoryOther, "", nil)
	seen := tk.UpdatedAt
	*f.now = f.now.Add(time.Minute)
	if err := f.s.TransitionTicket(ctx, f.agent, tk.ID, tickets.StatusTriaged, ""); err != nil {
		t.Fatal(err)
	}
	err := f.s.TransitionTicket(tickets.IfUnmodifiedSince(ctx, seen), f.agent, tk.ID, tickets.StatusCancelled, "")
	if !tickets.IsStale(err) {
		t.Errorf("a move from an old page: %v", err)
	}
	if got := f.get(t, tk.ID); got.Status != tickets.StatusTriaged {
		t.Errorf("status %s", got.Status)
	}
	now := f.get(t, tk.ID).UpdatedAt
	if err := f.s.TransitionTicket(tickets.IfUnmodifiedSince(ctx, now), f.agent, tk.ID, tickets.StatusCancelled, "trùng"); err != nil {
		t.Errorf("a move from the current page: %v", err)
	}
}

// An officer's board: due today, overdue, not seen for two days, lost, referred.
func TestUnitBoard(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	monitored := func() *tickets.Case {
		c := f.newCase(t, nil)
		if err := f.s.SetCaseStatus(ctx, f.agent, c.ID, tickets.CaseMonitoring, ""); err != nil {
			t.Fatal(err)
		}
		return c
	}
	seenDaily := monitored()
	unseen := monitored()
	f.on(tickets.AddDays(tickets.Day(*f.now), 2))
	for _, fu := range f.followUps(t, seenDaily.ID)[:3] {
		if err := f.s.RecordFollowUp(ctx, f.agent, fu.ID, tickets.ResultWell, tickets.MethodHomeVisit, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.s.UnitBoard(ctx, f.officer, kimLong, tickets.Day(*f.now)) // an officer gets their own unit
	if err != nil {
		t.Fatal(err)
	}
	if b.UnitCode != phuXuan || len(b.DueToday) != 1 || len(b.Overdue) != 2 || len(b.NotSeen) != 1 || b.NotSeen[0].ID != unseen.ID {
		t.Errorf("board: unit %s, due %d, overdue %d, not seen %v", b.UnitCode, len(b.DueToday), len(b.Overdue), b.NotSeen)
	}
	if _, err := f.s.UnitBoard(ctx, f.agent, "00000", tickets.Day(*f.now)); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("an unknown unit: %v", err)
	}
}
