package tickets_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// parallel runs fn n times at once and returns the errors, in order.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}

// Guesses made at once are throttled as those made one after another: the lock is
// checked and the failure counted in one step, so that of 12 parallel wrong passwords
// at most 5 (the limit) are compared with the password, and the name is locked after.
func TestSignInThrottlingHoldsUnderParallelGuesses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const guesses = 12
	limit := f.s.Login.MaxFailures
	errs := parallel(guesses, func(i int) error {
		_, err := f.s.SignIn(ctx, "agent1", fmt.Sprintf("guess number %d", i))
		return err
	})
	checked := 0
	for i, err := range errs {
		switch msg := tickets.ErrorMessage(err); {
		case strings.Contains(msg, "không đúng"):
			checked++ // compared with the password, and found wrong
		case strings.Contains(msg, "tạm khoá"):
		default:
			t.Errorf("guess %d: %v", i, err)
		}
	}
	if checked > limit {
		t.Errorf("%d of %d parallel guesses were checked against the password, want at most %d", checked, guesses, limit)
	}
	if _, err := f.s.SignIn(ctx, "agent1", "correct horse battery"); !strings.Contains(tickets.ErrorMessage(err), "tạm khoá") {
		t.Errorf("the right password after the parallel guesses: %v, want the name locked", err)
	}
}

// Changing one's password takes the current one, and guessing it is throttled as
// signing in is, per user (the same count: it is the same secret), parallel guesses too.
func TestChangePasswordThrottled(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const guesses = 12
	limit := f.s.Login.MaxFailures
	errs := parallel(guesses, func(i int) error {
		_, err := f.s.ChangePassword(ctx, f.agent, fmt.Sprintf("guess number %d", i), "a brand new password")
		return err
	})
	checked := 0
	for i, err := range errs {
		switch msg := tickets.ErrorMessage(err); {
		case tickets.ErrorCode(err) == tickets.EINVALID && strings.Contains(msg, "hiện tại không đúng"):
			checked++
		case tickets.ErrorCode(err) == tickets.EFORBIDDEN && strings.Contains(msg, "tạm khoá"):
		default:
			t.Errorf("guess %d: %v", i, err)
		}
	}
	if checked > limit {
		t.Errorf("%d of %d parallel guesses of the current password were checked, want at most %d", checked, guesses, limit)
	}
	if _, err := f.s.ChangePassword(ctx, f.agent, "correct horse battery", "a brand new password"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("the right current password while locked: %v, want refused", err)
	}
	if _, err := f.s.SignIn(ctx, "agent1", "correct horse battery"); !strings.Contains(tickets.ErrorMessage(err), "tạm khoá") {
		t.Errorf("signing in after the guesses of the current password: %v, want the name locked", err)
	}
}

// The changes that must end a user's sessions (deactivation, a role, an officer's unit,
// an agent's phone, a password) bump their session generation, in the transaction that
// makes them; the others leave it.
func TestSessionGeneration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	shell := tickets.ActorSystem // an admin's changes wait for a second person: TestUserChangeConfirmed
	officer := *f.officer.UserID
	agent := *f.agent.UserID
	root, _ := f.admins(t)
	for _, tc := range []struct {
		name string
		user int64
		do   func() error
		ends bool
	}{
		{"DisplayName", agent, func() error {
			_, err := f.s.UpdateUser(ctx, shell, agent, tickets.UserEdit{DisplayName: ptr("Agent One")})
			return err
		}, false},
		// A new phone ends the shift on the old one, and the sessions with it (this case
		// asserted false before: a phone change left both).
		{"Phone", agent, func() error {
			_, err := f.s.UpdateUser(ctx, shell, agent, tickets.UserEdit{Phone: ptr("PJSIP/agent109")})
			return err
		}, true},
		{"PhoneConfirmed", agent, func() error {
			if _, err := f.s.UpdateUser(ctx, root, agent, tickets.UserEdit{Phone: ptr("PJSIP/agent110")}); err != nil {
				return err
			}
			list, err := f.s.PendingUserChanges(ctx, f.sup)
			if err != nil || len(list) != 1 {
				return fmt.Errorf("%d changes waiting (%v), want the phone's", len(list), err)
			}
			_, err = f.s.ConfirmUserChange(ctx, f.sup, list[0].ID)
			return err
		}, true},
		{"Deactivated", agent, func() error {
			_, err := f.s.UpdateUser(ctx, shell, agent, tickets.UserEdit{Active: ptr(false)})
			return err
		}, true},
		{"Reactivated", agent, func() error {
			_, err := f.s.UpdateUser(ctx, shell, agent, tickets.UserEdit{Active: ptr(true)})
			return err
		}, false},
		{"Role", agent, func() error {
			_, err := f.s.UpdateUser(ctx, shell, agent, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)})
			return err
		}, true},
		{"OfficerUnit", officer, func() error {
			_, err := f.s.UpdateUser(ctx, shell, officer, tickets.UserEdit{UnitCode: ptr(ptr(kimLong))})
			return err
		}, true},
		{"PasswordReset", agent, func() error { _, err := f.s.ResetPassword(ctx, shell, agent, "reset by the admin"); return err }, true},
		{"OwnPassword", agent, func() error {
			_, err := f.s.ChangePassword(ctx, f.agent, "reset by the admin", "my own new password")
			return err
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.s.FindUser(ctx, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.do(); err != nil {
				t.Fatal(err)
			}
			after, err := f.s.FindUser(ctx, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.SessionGen != before.SessionGen; got != tc.ends {
				t.Errorf("session generation %d -> %d: ends sessions %v, want %v", before.SessionGen, after.SessionGen, got, tc.ends)
			}
		})
	}
	// The user's own change returns the generation their session keeps.
	gen, err := f.s.ChangePassword(ctx, f.agent, "my own new password", "and another one")
	if u, _ := f.s.FindUser(ctx, agent); err != nil || gen != u.SessionGen {
		t.Errorf("ChangePassword returned generation %d (%v), the user has %d", gen, err, u.SessionGen)
	}
}

// admins adds two admins who sign in (actors with their ids), as the shell's operator
// would make them.
func (f *fixture) admins(tb testing.TB) (root, root2 tickets.Actor) {
	tb.Helper()
	mk := func(name string) tickets.Actor {
		u := &tickets.User{Username: name, Role: tickets.RoleAdmin}
		if err := f.s.CreateUser(context.Background(), tickets.ActorSystem, u, "an admin's password"); err != nil {
			tb.Fatal(err)
		}
		return tickets.ActorFor(u)
	}
	return mk("root"), mk("root2")
}

// An admin's changes that would let someone reach citizens' data (a new user, a role, an
// officer's unit, an agent's phone, re-activation, a new password) wait for a second
// person; giving an admin's account (their own or another's) a working role is refused
// outright. What takes nothing away at once: a name, deactivation.
func TestAdminUserChangesWaitForASecondPerson(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, root2 := f.admins(t)
	agent, officer := *f.agent.UserID, *f.officer.UserID
	user := func(id int64) *tickets.User {
		t.Helper()
		u, err := f.s.FindUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	t.Run("NewSupervisor", func(t *testing.T) {
		u := &tickets.User{Username: "newsup", Role: tickets.RoleSupervisor}
		if err := f.s.CreateUser(ctx, root, u, ""); err != nil {
			t.Fatal(err)
		}
		if got := user(u.ID); got.Active || got.PasswordHash != "" {
			t.Errorf("a supervisor an admin created before anyone confirmed it: active %v, a password %v", got.Active, got.PasswordHash != "")
		}
	})
	t.Run("OwnAccountWorkingRole", func(t *testing.T) {
		_, err := f.s.UpdateUser(ctx, root, *root.UserID, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)})
		if tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an admin gives their own account a working role: %v, want refused", err)
		}
		if got := user(*root.UserID); got.Role != tickets.RoleAdmin {
			t.Errorf("the admin's role is %s", got.Role)
		}
	})
	t.Run("AnotherAdminWorkingRole", func(t *testing.T) {
		_, err := f.s.UpdateUser(ctx, root, *root2.UserID, tickets.UserEdit{Role: ptr(tickets.RoleAgent)})
		if tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an admin gives another admin a working role: %v, want refused", err)
		}
		if got := user(*root2.UserID); got.Role != tickets.RoleAdmin {
			t.Errorf("the other admin's role is %s", got.Role)
		}
	})
	t.Run("Role", func(t *testing.T) {
		if _, err := f.s.UpdateUser(ctx, root, agent, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)}); err != nil {
			t.Fatal(err)
		}
		if got := user(agent); got.Role != tickets.RoleAgent {
			t.Errorf("the agent's role is %s before anyone confirmed the change", got.Role)
		}
	})
	t.Run("OfficerUnit", func(t *testing.T) {
		if _, err := f.s.UpdateUser(ctx, root, officer, tickets.UserEdit{UnitCode: ptr(ptr(kimLong))}); err != nil {
			t.Fatal(err)
		}
		if got := user(officer); *got.UnitCode != phuXuan {
			t.Errorf("the officer's unit is %s before anyone confirmed the change", *got.UnitCode)
		}
	})
	t.Run("PasswordReset", func(t *testing.T) {
		if _, err := f.s.ResetPassword(ctx, root, officer, ""); err != nil {
			t.Fatal(err)
		}
		if res, err := f.s.SignIn(ctx, "officer1", "correct horse battery"); err != nil || res.User.MustChangePassword {
			t.Errorf("the officer's own password before anyone confirmed the reset: %v", err)
		}
	})
	t.Run("NameAndDeactivationAtOnce", func(t *testing.T) {
		other := &tickets.User{Username: "agent9", Role: tickets.RoleAgent}
		if err := f.s.CreateUser(ctx, tickets.ActorSystem, other, "a long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUser(ctx, root, other.ID, tickets.UserEdit{DisplayName: ptr("Chín"), Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if got := user(other.ID); got.DisplayName != "Chín" || got.Active {
			t.Errorf("name %q, active %v: want both at once", got.DisplayName, got.Active)
		}
		if _, err := f.s.UpdateUser(ctx, root, other.ID, tickets.UserEdit{Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if got := user(other.ID); got.Active {
			t.Error("re-activated before anyone confirmed it")
		}
	})
}

// pendingFor returns the change waiting for a user, failing the test if there is none.
func (f *fixture) pendingFor(tb testing.TB, actor tickets.Actor, userID int64, kind string) *tickets.UserChange {
	tb.Helper()
	list, err := f.s.PendingUserChanges(context.Background(), actor)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range list {
		if c.UserID == userID && c.Kind == kind {
			return c
		}
	}
	tb.Fatalf("no %s change waiting for user %d in %+v", kind, userID, list)
	return nil
}

// A change an admin proposed takes effect when a supervisor, or another admin, confirms
// it: never the proposer, never the user changed, never an agent. A change of a user who
// changed since is refused; the proposer may take theirs back; the decisions are on the
// user's trail, in the admins' audit view, and no password is kept once decided.
func TestUserChangeConfirmed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, root2 := f.admins(t)
	mk := func(name, role string) tickets.Actor {
		u := &tickets.User{Username: name, Role: role}
		if err := f.s.CreateUser(ctx, tickets.ActorSystem, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		return tickets.ActorFor(u)
	}
	sup := mk("sup", tickets.RoleSupervisor)
	agent, officer := *f.agent.UserID, *f.officer.UserID
	user := func(id int64) *tickets.User {
		t.Helper()
		u, err := f.s.FindUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	t.Run("Role", func(t *testing.T) {
		before := user(agent)
		if pending, err := f.s.UpdateUser(ctx, root, agent, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)}); err != nil || !pending {
			t.Fatalf("propose: pending %v, %v", pending, err)
		}
		if _, err := f.s.UpdateUser(ctx, root2, agent, tickets.UserEdit{Role: ptr(tickets.RoleOfficer), UnitCode: ptr(ptr(phuXuan))}); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("a second change of the same user while one waits: %v, want a conflict", err)
		}
		c := f.pendingFor(t, sup, agent, tickets.UserChangeAccess)
		for name, who := range map[string]tickets.Actor{"TheProposer": root, "TheUser": f.agent, "AnAgent": mk("agent2", tickets.RoleAgent), "AnOfficer": f.other} {
			if _, err := f.s.ConfirmUserChange(ctx, who, c.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
				t.Errorf("%s confirms: %v, want refused", name, err)
			}
		}
		if got := user(agent); got.Role != tickets.RoleAgent {
			t.Fatalf("role %s before the confirmation", got.Role)
		}
		if _, err := f.s.ConfirmUserChange(ctx, root2, c.ID); err != nil {
			t.Fatalf("another admin confirms: %v", err)
		}
		got := user(agent)
		if got.Role != tickets.RoleSupervisor || got.SessionGen == before.SessionGen {
			t.Errorf("after the confirmation: role %s, session generation %d (was %d)", got.Role, got.SessionGen, before.SessionGen)
		}
		if _, err := f.s.ConfirmUserChange(ctx, root2, c.ID); tickets.ErrorCode(err) != tickets.ENOTFOUND {
			t.Errorf("confirmed twice: %v", err)
		}
		evs, _ := f.s.UserAudit(ctx, root, 100)
		var trail []string
		for i := len(evs) - 1; i >= 0; i-- {
			if e := evs[i]; e.EntityID == agent {
				trail = append(trail, e.Actor+" "+e.Kind+" "+e.NewValue)
			}
		}
		if want := "root proposed Giám sát|root2 role supervisor|root2 confirmed "; !strings.Contains(strings.Join(trail, "|"), want) {
			t.Errorf("the agent's trail %q lacks %q", trail, want)
		}
	})
	t.Run("SupervisorConfirmsANewUser", func(t *testing.T) {
		u := &tickets.User{Username: "mai", Role: tickets.RoleOfficer, UnitCode: ptr(kimLong)}
		if err := f.s.CreateUser(ctx, root, u, ""); err != nil || u.Active {
			t.Fatalf("create: active %v, %v", u.Active, err)
		}
		code, err := f.s.ConfirmUserChange(ctx, sup, f.pendingFor(t, root, u.ID, tickets.UserChangeCreate).ID)
		if err != nil || code == nil {
			t.Fatalf("confirm: code %v, %v", code != nil, err)
		}
		if res, err := f.s.SignIn(ctx, "mai", code.Code); err != nil || res.User.Role != tickets.RoleOfficer {
			t.Errorf("the new officer signs in with her code once confirmed: %v", err)
		}
	})
	t.Run("TheUserChangedConfirmsNot", func(t *testing.T) {
		if _, err := f.s.UpdateUser(ctx, root, *sup.UserID, tickets.UserEdit{Phone: ptr("PJSIP/sup1")}); err != nil {
			t.Fatal(err)
		}
		c := f.pendingFor(t, root2, *sup.UserID, tickets.UserChangeAccess)
		if _, err := f.s.ConfirmUserChange(ctx, sup, c.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("the supervisor confirms their own change: %v, want refused", err)
		}
		if err := f.s.RefuseUserChange(ctx, root2, c.ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ChangedSinceRefused", func(t *testing.T) {
		if _, err := f.s.UpdateUser(ctx, root, officer, tickets.UserEdit{UnitCode: ptr(ptr(kimLong))}); err != nil {
			t.Fatal(err)
		}
		c := f.pendingFor(t, sup, officer, tickets.UserChangeAccess)
		if _, err := f.s.UpdateUser(ctx, root, officer, tickets.UserEdit{Active: ptr(false)}); err != nil {
			t.Fatal(err) // a deactivation takes effect at once, pending change or not
		}
		if _, err := f.s.ConfirmUserChange(ctx, sup, c.ID); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("confirm a change of a user deactivated since: %v, want a conflict", err)
		}
		if got := user(officer); *got.UnitCode != phuXuan {
			t.Errorf("unit %s", *got.UnitCode)
		}
	})
	t.Run("PasswordResetTakenBack", func(t *testing.T) {
		id := *f.other.UserID
		if pending, err := f.s.ResetPassword(ctx, root, id, ""); err != nil || !pending {
			t.Fatalf("propose: %v %v", pending, err)
		}
		if err := f.s.RefuseUserChange(ctx, root, f.pendingFor(t, sup, id, tickets.UserChangePassword).ID); err != nil {
			t.Fatalf("the proposer takes it back: %v", err)
		}
		if res, err := f.s.SignIn(ctx, "officer2", "correct horse battery"); err != nil || res.User.MustChangePassword {
			t.Errorf("the officer's own password after the reset was refused: %v", err)
		}
		if _, err := f.s.ResetPassword(ctx, root, id, ""); err != nil {
			t.Fatal(err)
		}
		before := user(id)
		code, err := f.s.ConfirmUserChange(ctx, sup, f.pendingFor(t, sup, id, tickets.UserChangePassword).ID)
		if err != nil || code == nil {
			t.Fatalf("confirm: code %v, %v", code != nil, err)
		}
		if _, err := f.s.SignIn(ctx, "officer2", code.Code); err != nil {
			t.Errorf("the confirmed reset's code: %v", err)
		}
		if user(id).SessionGen == before.SessionGen {
			t.Error("the confirmed reset left the officer's sessions")
		}
	})
	t.Run("DeactivatedConfirmerConfirmsNot", func(t *testing.T) {
		sup2 := mk("sup2", tickets.RoleSupervisor)
		if _, err := f.s.UpdateUser(ctx, root, agent, tickets.UserEdit{Phone: ptr("PJSIP/agent7")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUser(ctx, root2, *sup2.UserID, tickets.UserEdit{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ConfirmUserChange(ctx, sup2, f.pendingFor(t, sup, agent, tickets.UserChangeAccess).ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("a deactivated supervisor confirms (their old session's actor): %v, want refused", err)
		}
	})
	t.Run("WhoSees", func(t *testing.T) {
		if _, err := f.s.PendingUserChanges(ctx, f.agent); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an agent lists pending user changes: %v", err)
		}
		if _, err := f.s.UserAudit(ctx, sup, 10); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("a supervisor reads the admins' audit view: %v", err)
		}
		evs, err := f.s.UserAudit(ctx, root, 1000)
		if err != nil || len(evs) == 0 {
			t.Fatalf("the audit view: %d entries, %v", len(evs), err)
		}
		for _, e := range evs {
			if all := e.OldValue + e.NewValue + e.Note; strings.Contains(all, "$2a$") || strings.Contains(all, "by the admin") || strings.Contains(all, "own password") {
				t.Errorf("a password in the audit view: %+v", e)
			}
		}
		var kept int
		if err := f.s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM user_changes WHERE status <> 'pending' AND password_hash IS NOT NULL`).Scan(&kept); err != nil || kept != 0 {
			t.Errorf("%d decided changes keep a password hash (%v)", kept, err)
		}
	})
}

// An admin in the console (an actor with a user id, not the shell) is held to the same
// checks as the shell: names, roles, units, phones and passwords are checked before
// anything is proposed, a name taken is refused, only admins change users, and the last
// active admin stays.
func TestAdminUserChangesChecked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, _ := f.admins(t)
	t.Run("CreateUser", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			actor tickets.Actor
			u     *tickets.User
			pw    string
			code  string
		}{
			{"AnAgentCreates", f.agent, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "long enough pw", tickets.EFORBIDDEN},
			{"ASupervisorCreates", f.sup, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "long enough pw", tickets.EFORBIDDEN},
			{"AnAdminNotSignedIn", tickets.Actor{Role: tickets.RoleAdmin}, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "long enough pw", tickets.EFORBIDDEN},
			{"AnAdminGivesAPassword", root, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "long enough pw", tickets.EFORBIDDEN},
			{"OfficerWithoutUnit", root, &tickets.User{Username: "x", Role: tickets.RoleOfficer}, "", tickets.EINVALID},
			{"AgentWithUnit", root, &tickets.User{Username: "x", Role: tickets.RoleAgent, UnitCode: ptr(phuXuan)}, "", tickets.EINVALID},
			{"UnknownRole", root, &tickets.User{Username: "x", Role: "king"}, "", tickets.EINVALID},
			{"BadPhone", root, &tickets.User{Username: "x", Role: tickets.RoleAgent, Phone: "agent101"}, "", tickets.EINVALID},
			{"TakenName", root, &tickets.User{Username: " AGENT1 ", Role: tickets.RoleAgent}, "", tickets.ECONFLICT},
			{"UnknownUnit", root, &tickets.User{Username: "y", Role: tickets.RoleOfficer, UnitCode: ptr("00000")}, "", tickets.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := f.s.CreateUser(ctx, tc.actor, tc.u, tc.pw); tickets.ErrorCode(err) != tc.code {
					t.Errorf("got %v, want %s", err, tc.code)
				}
			})
		}
		if list, err := f.s.PendingUserChanges(ctx, root); err != nil || len(list) != 0 {
			t.Errorf("refused creations left %d changes waiting (%v)", len(list), err)
		}
	})
	t.Run("UpdateUser", func(t *testing.T) {
		agent := *f.agent.UserID
		for _, tc := range []struct {
			name  string
			actor tickets.Actor
			e     tickets.UserEdit
			code  string
		}{
			{"AnAgentEdits", f.agent, tickets.UserEdit{Active: ptr(false)}, tickets.EFORBIDDEN},
			{"OfficerWithoutUnit", root, tickets.UserEdit{Role: ptr(tickets.RoleOfficer)}, tickets.EINVALID},
			{"BadPhone", root, tickets.UserEdit{Phone: ptr("agent101")}, tickets.EINVALID},
			{"UnknownUnit", root, tickets.UserEdit{Role: ptr(tickets.RoleOfficer), UnitCode: ptr(ptr("99999"))}, tickets.EINVALID},
			{"UnknownRole", root, tickets.UserEdit{Role: ptr("king")}, tickets.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := f.s.UpdateUser(ctx, tc.actor, agent, tc.e); tickets.ErrorCode(err) != tc.code {
					t.Errorf("got %v, want %s", err, tc.code)
				}
			})
		}
		if u, _ := f.s.FindUser(ctx, agent); u.Role != tickets.RoleAgent || !u.Active || u.Phone != "" {
			t.Errorf("after the refused edits: role %s, active %v, phone %q", u.Role, u.Active, u.Phone)
		}
	})
	t.Run("ResetPassword", func(t *testing.T) {
		if _, err := f.s.ResetPassword(ctx, root, *f.agent.UserID, "long enough pw"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an admin gives a password: %v, want forbidden", err)
		}
		if _, err := f.s.ResetPassword(ctx, f.sup, *f.agent.UserID, ""); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("a supervisor resets a password: %v, want forbidden", err)
		}
	})
	t.Run("LastAdminStays", func(t *testing.T) {
		s := openStore(t, f.now)
		only := &tickets.User{Username: "root", Role: tickets.RoleAdmin}
		if err := s.CreateUser(ctx, tickets.ActorSystem, only, "an admin's password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, tickets.ActorFor(only), only.ID, tickets.UserEdit{Active: ptr(false)}); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("the last admin deactivates their own account: %v, want a conflict", err)
		}
	})
}

// signedIn signs a user in and returns the actor of their session, as the console makes it.
func (f *fixture) signedIn(tb testing.TB, username, password string) tickets.Actor {
	tb.Helper()
	res, err := f.s.SignIn(context.Background(), username, password)
	if err != nil {
		tb.Fatalf("sign in as %s: %v", username, err)
	}
	return tickets.ActorFor(res.User)
}

// A user signed in with their one-time sign-in code (a user an admin created, a reset
// of an admin's, once a supervisor confirmed it) has no password of their own yet, so
// until they set one the account sees no citizen's data and decides nothing: its actor is
// refused by every store method, it never passes the confirmer check, and setting their
// own password is all it may do. Whoever held the code on its way to the user must not
// work with it. The shell's users and resets are the trusted operator's, and are not
// held so. (This was TestAdminSetPasswordMustBeChanged, of passwords the admin typed.)
func TestSignInCodeOpensOnlyTheAccount(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, root2 := f.admins(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905123456", ptr(phuXuan))
	create := func(t *testing.T, u *tickets.User) *tickets.SignInCode {
		t.Helper()
		if err := f.s.CreateUser(ctx, root, u, ""); err != nil {
			t.Fatal(err)
		}
		code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, u.ID, tickets.UserChangeCreate).ID)
		if err != nil || code == nil {
			t.Fatalf("confirm %s: code %v, %v", u.Username, code != nil, err)
		}
		return code
	}
	// refusedAll checks that an actor sees no citizen's data and decides nothing.
	refusedAll := func(t *testing.T, who string, a tickets.Actor, change *tickets.UserChange) {
		t.Helper()
		if a.SeesHealthData() || a.SeesCallCentre() || a.IsSupervisor() {
			t.Errorf("%s: sees health data %v, the call centre %v, supervises %v; want none", who, a.SeesHealthData(), a.SeesCallCentre(), a.IsSupervisor())
		}
		if _, err := f.s.ListTickets(ctx, a, tickets.TicketFilter{}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s lists tickets: %v, want forbidden", who, err)
		}
		if _, err := f.s.GetTicket(ctx, a, tk.ID); err == nil {
			t.Errorf("%s reads a ticket", who)
		}
		if _, err := f.s.PendingUserChanges(ctx, a); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s lists the pending user changes: %v, want forbidden", who, err)
		}
		if change.MayConfirm(a) {
			t.Errorf("%s may confirm change %d", who, change.ID)
		}
		if _, err := f.s.ConfirmUserChange(ctx, a, change.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s confirms change %d: %v, want forbidden", who, change.ID, err)
		}
		if err := f.s.RefuseUserChange(ctx, a, change.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s refuses change %d: %v, want forbidden", who, change.ID, err)
		}
		if err := f.s.CreateUser(ctx, a, &tickets.User{Username: "by" + a.Name, Role: tickets.RoleAgent}, "long enough pw"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s creates a user: %v, want forbidden", who, err)
		}
		if _, err := f.s.UserAudit(ctx, a, 10); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("%s reads the users' audit: %v, want forbidden", who, err)
		}
	}
	t.Run("NewSupervisor", func(t *testing.T) {
		u := &tickets.User{Username: "sup2", Role: tickets.RoleSupervisor}
		code := create(t, u)
		work := &tickets.User{Username: "rootwork", Role: tickets.RoleSupervisor}
		if err := f.s.CreateUser(ctx, root, work, ""); err != nil {
			t.Fatal(err)
		}
		c := f.pendingFor(t, root2, work.ID, tickets.UserChangeCreate)
		sup2 := f.signedIn(t, "sup2", code.Code)
		refusedAll(t, "sup2 signed in with the code", sup2, c)
		// An actor made by hand with the account's role is refused by the store too.
		byHand := tickets.Actor{UserID: &u.ID, Name: "sup2", Role: tickets.RoleSupervisor}
		if _, err := f.s.ConfirmUserChange(ctx, byHand, c.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("sup2 as a supervisor by hand confirms: %v, want forbidden", err)
		}
		if got, _ := f.s.FindUser(ctx, work.ID); got.Active {
			t.Fatal("rootwork is active: sup2 confirmed it with the code")
		}
		if _, err := f.s.ChangePassword(ctx, sup2, code.Code, "sup2's very own"); err != nil {
			t.Fatalf("sup2 sets their own password: %v", err)
		}
		sup2 = f.signedIn(t, "sup2", "sup2's very own")
		if !sup2.IsSupervisor() {
			t.Error("sup2 is no supervisor with their own password")
		}
		if _, err := f.s.ConfirmUserChange(ctx, sup2, c.ID); err != nil {
			t.Errorf("sup2 confirms with their own password: %v", err)
		}
	})
	t.Run("NewAdmin", func(t *testing.T) {
		code := create(t, &tickets.User{Username: "root3", Role: tickets.RoleAdmin})
		// root2 proposes a change root3 could confirm (an access change, no code) but for the code.
		if _, err := f.s.UpdateUser(ctx, root2, *f.agent.UserID, tickets.UserEdit{Phone: ptr("PJSIP/agent7")}); err != nil {
			t.Fatal(err)
		}
		root3 := f.signedIn(t, "root3", code.Code)
		refusedAll(t, "root3 signed in with the code", root3, f.pendingFor(t, root, *f.agent.UserID, tickets.UserChangeAccess))
		if err := f.s.RefuseUserChange(ctx, root2, f.pendingFor(t, root, *f.agent.UserID, tickets.UserChangeAccess).ID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PasswordReset", func(t *testing.T) {
		if _, err := f.s.ResetPassword(ctx, root, *f.agent.UserID, ""); err != nil {
			t.Fatal(err)
		}
		code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, *f.agent.UserID, tickets.UserChangePassword).ID)
		if err != nil || code == nil {
			t.Fatalf("confirm: code %v, %v", code != nil, err)
		}
		other := &tickets.User{Username: "agent8", Role: tickets.RoleAgent}
		if err := f.s.CreateUser(ctx, root2, other, ""); err != nil {
			t.Fatal(err)
		}
		agent := f.signedIn(t, "agent1", code.Code)
		refusedAll(t, "agent1 signed in with the reset's code", agent, f.pendingFor(t, root, other.ID, tickets.UserChangeCreate))
		if _, err := f.s.ChangePassword(ctx, agent, code.Code, "agent1's own again"); err != nil {
			t.Fatal(err)
		}
		if a := f.signedIn(t, "agent1", "agent1's own again"); !a.SeesHealthData() {
			t.Error("agent1 sees no health data with their own password")
		}
	})
	t.Run("ShellIsTrusted", func(t *testing.T) {
		u := &tickets.User{Username: "agent5", Role: tickets.RoleAgent}
		if err := f.s.CreateUser(ctx, tickets.ActorSystem, u, "typed on the shell"); err != nil {
			t.Fatal(err)
		}
		if a := f.signedIn(t, "agent5", "typed on the shell"); !a.SeesHealthData() {
			t.Error("a user the shell added sees no health data")
		}
		if _, err := f.s.ResetPassword(ctx, tickets.ActorSystem, u.ID, "reset on the shell"); err != nil {
			t.Fatal(err)
		}
		if a := f.signedIn(t, "agent5", "reset on the shell"); !a.SeesHealthData() {
			t.Error("a user whose password the shell reset sees no health data")
		}
	})
}

// A change is confirmed only on the user it was proposed for, as they were: a user whose
// role, unit, phone or whether they may sign in changed since is not changed by it,
// whatever its kind. A reset proposed for an agent would otherwise open the account of
// the supervisor they became, which the confirmer never read.
func TestStaleUserChangeRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		since func(t *testing.T, f *fixture, root, root2 tickets.Actor, id int64) error // what changes the user after the reset is proposed
		user  func(f *fixture) tickets.Actor
	}{
		{"RoleConfirmedSince", func(t *testing.T, f *fixture, root, root2 tickets.Actor, id int64) error {
			if _, err := f.s.UpdateUser(ctx, root, id, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)}); err != nil {
				return err
			}
			_, err := f.s.ConfirmUserChange(ctx, root2, f.pendingFor(t, root2, id, tickets.UserChangeAccess).ID)
			return err
		}, func(f *fixture) tickets.Actor { return f.agent }},
		{"RoleOnTheShell", func(_ *testing.T, f *fixture, _, _ tickets.Actor, id int64) error {
			_, err := f.s.UpdateUser(ctx, tickets.ActorSystem, id, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)})
			return err
		}, func(f *fixture) tickets.Actor { return f.agent }},
		{"UnitOnTheShell", func(_ *testing.T, f *fixture, _, _ tickets.Actor, id int64) error {
			_, err := f.s.UpdateUser(ctx, tickets.ActorSystem, id, tickets.UserEdit{UnitCode: ptr(ptr(kimLong))})
			return err
		}, func(f *fixture) tickets.Actor { return f.officer }},
		{"Deactivated", func(_ *testing.T, f *fixture, root, _ tickets.Actor, id int64) error {
			_, err := f.s.UpdateUser(ctx, root, id, tickets.UserEdit{Active: ptr(false)})
			return err
		}, func(f *fixture) tickets.Actor { return f.agent }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			root, root2 := f.admins(t)
			who := tc.user(f)
			id := *who.UserID
			if _, err := f.s.ResetPassword(ctx, root, id, ""); err != nil {
				t.Fatal(err)
			}
			c := f.pendingFor(t, f.sup, id, tickets.UserChangePassword)
			if err := tc.since(t, f, root, root2, id); err != nil {
				t.Fatal(err)
			}
			if code, err := f.s.ConfirmUserChange(ctx, f.sup, c.ID); tickets.ErrorCode(err) != tickets.ECONFLICT || code != nil {
				t.Errorf("confirm a reset of a user changed since: code %v, %v; want a conflict", code != nil, err)
			}
			if u, _ := f.s.FindUser(ctx, id); u.MustChangePassword || u.CodeIssuedAt != nil {
				t.Error("the stale reset gave the user a sign-in code")
			}
			if got := f.pendingFor(t, f.sup, id, tickets.UserChangePassword); got.ID != c.ID {
				t.Errorf("waiting: change %d, want %d still waiting, to be refused", got.ID, c.ID)
			}
		})
	}
}

// A proposed change may be refused by its proposer (taking it back) and by anyone who may
// confirm it, never by the user it is about: a supervisor does not refuse their own
// demotion.
func TestUserChangeRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		who  func(t *testing.T, f *fixture, root, root2 tickets.Actor) tickets.Actor
		code string // "" when the refusal stands
	}{
		{"TheUserChanged", func(_ *testing.T, f *fixture, _, _ tickets.Actor) tickets.Actor { return f.sup }, tickets.EFORBIDDEN},
		{"AnAgent", func(_ *testing.T, f *fixture, _, _ tickets.Actor) tickets.Actor { return f.agent }, tickets.EFORBIDDEN},
		{"AnOfficer", func(_ *testing.T, f *fixture, _, _ tickets.Actor) tickets.Actor { return f.officer }, tickets.EFORBIDDEN},
		{"TheProposer", func(_ *testing.T, _ *fixture, root, _ tickets.Actor) tickets.Actor { return root }, ""},
		{"AnotherAdmin", func(_ *testing.T, _ *fixture, _, root2 tickets.Actor) tickets.Actor { return root2 }, ""},
		{"AnotherSupervisor", func(t *testing.T, f *fixture, _, _ tickets.Actor) tickets.Actor {
			u := &tickets.User{Username: "sup3", Role: tickets.RoleSupervisor}
			if err := f.s.CreateUser(ctx, tickets.ActorSystem, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			return tickets.ActorFor(u)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			root, root2 := f.admins(t)
			id := *f.sup.UserID
			if _, err := f.s.UpdateUser(ctx, root, id, tickets.UserEdit{Role: ptr(tickets.RoleAgent)}); err != nil {
				t.Fatal(err)
			}
			c := f.pendingFor(t, root2, id, tickets.UserChangeAccess)
			err := f.s.RefuseUserChange(ctx, tc.who(t, f, root, root2), c.ID)
			if got := tickets.ErrorCode(err); got != tc.code {
				t.Fatalf("refuse: %v, want code %q", err, tc.code)
			}
			list, _ := f.s.PendingUserChanges(ctx, root2)
			if got, want := len(list) == 1, tc.code != ""; got != want {
				t.Errorf("the demotion waits still: %v, want %v", got, want)
			}
		})
	}
}

// A session left behind by a change of its user takes the user off duty with it, unless
// the change was the user's own password change: the session they made it from holds
// the new generation and goes on, on duty.
func TestShiftEndsWith(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := *f.agent.UserID
	user := func() *tickets.User {
		t.Helper()
		u, err := f.s.FindUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	signedIn := user().SessionGen // a session signed in before any change
	type check struct {
		name string
		gen  int64
		want bool
	}
	steps := []struct {
		name   string
		do     func() error
		checks func(now int64) []check
	}{
		{"OwnPasswordChange", func() error {
			_, err := f.s.ChangePassword(ctx, f.agent, "correct horse battery", "my own new password")
			return err
		}, func(now int64) []check {
			return []check{{"TheOtherSession", signedIn, false}, {"TheSessionItWasMadeFrom", now, false}}
		}},
		{"RoleOnTheShell", func() error {
			_, err := f.s.UpdateUser(ctx, tickets.ActorSystem, id, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)})
			return err
		}, func(now int64) []check {
			return []check{{"TheOldSession", signedIn, true}, {"TheSessionOfTheOwnChange", now - 1, true}, {"ASessionSignedInSince", now, false}}
		}},
		{"Deactivated", func() error {
			_, err := f.s.UpdateUser(ctx, tickets.ActorSystem, id, tickets.UserEdit{Active: ptr(false)})
			return err
		}, func(now int64) []check {
			return []check{{"ASessionSignedInSince", now, true}}
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		u := user()
		for _, c := range st.checks(u.SessionGen) {
			t.Run(st.name+"/"+c.name, func(t *testing.T) {
				if got := u.ShiftEndsWith(c.gen); got != c.want {
					t.Errorf("generation %d of %d (own change %d): ends the shift %v, want %v", c.gen, u.SessionGen, u.OwnPasswordGen, got, c.want)
				}
			})
		}
	}
}

// Issue 29, item 5: whoever sees a trail, an assignee or the access log sees people by
// their names: People gives every user (officers, those deactivated since) with the name
// shown and the role, to every role that reads such pages, never their password or phone.
func TestPeopleByName(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	gone := &tickets.User{Username: "cu", DisplayName: "Võ Văn Cũ", Role: tickets.RoleAgent, Phone: "PJSIP/agent109"}
	if err := f.s.CreateUser(ctx, tickets.ActorSystem, gone, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateUser(ctx, tickets.ActorSystem, gone.ID, tickets.UserEdit{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		actor tickets.Actor
	}{{"Agent", f.agent}, {"Supervisor", f.sup}, {"Officer", f.officer}} {
		t.Run(tt.name, func(t *testing.T) {
			people, err := f.s.People(ctx, tt.actor)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []struct {
				id         int64
				name, role string
			}{{*f.officer.UserID, "officer1", tickets.RoleOfficer}, {*f.agent.UserID, "agent1", tickets.RoleAgent}, {gone.ID, "Võ Văn Cũ", tickets.RoleAgent}} {
				p, ok := people[want.id]
				if !ok {
					t.Errorf("user %d (%s) not among the people", want.id, want.name)
					continue
				}
				if got := p.Name(); got != want.name || p.Role != want.role {
					t.Errorf("user %d is %q (%s), want %q (%s)", want.id, got, p.Role, want.name, want.role)
				}
			}
		})
	}
	if _, err := f.s.People(ctx, tickets.Actor{Name: "x", Role: "visitor"}); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("a role that sees nothing: %v, want forbidden", err)
	}
}
