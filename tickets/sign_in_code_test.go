package tickets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// takeoverFails checks that an admin cannot sign in as a user with any password the
// admin could know (what they typed for the user, or nothing), nor, signed in so, set
// a password of their own choosing and hold a working account.
func (f *fixture) takeoverFails(tb testing.TB, username string, known []string) {
	tb.Helper()
	ctx := context.Background()
	for _, pw := range known {
		res, err := f.s.SignIn(ctx, username, pw)
		if err != nil {
			continue
		}
		tb.Errorf("the admin signs in as %s with %q, a password the admin knows", username, pw)
		a := tickets.ActorFor(res.User)
		if _, err := f.s.ChangePassword(ctx, a, pw, "the admin took this over"); err != nil {
			continue
		}
		res, err = f.s.SignIn(ctx, username, "the admin took this over")
		if err != nil {
			tb.Fatal(err)
		}
		a = tickets.ActorFor(res.User)
		tb.Errorf("the admin set %s's password and holds a working account: sees health data %v, supervises %v",
			username, a.SeesHealthData(), a.IsSupervisor())
	}
}

// codeWorksOnce checks the sign-in code a confirmer was handed: it signs the user in
// once, to their own account only; with it they set their own password, and from then
// on their own password signs them in and the code does not.
func (f *fixture) codeWorksOnce(tb testing.TB, username string, code *tickets.SignInCode, role string) {
	tb.Helper()
	ctx := context.Background()
	if code == nil || code.Code == "" {
		tb.Fatalf("the confirmer is handed no sign-in code for %s", username)
	}
	if code.Username != username || !code.ExpiresAt.Equal(f.now.Add(tickets.SignInCodeLifetime)) {
		tb.Errorf("the code is for %q until %s, want %q until %s", code.Username, code.ExpiresAt, username, f.now.Add(tickets.SignInCodeLifetime))
	}
	res, err := f.s.SignIn(ctx, username, code.Code)
	if err != nil {
		tb.Fatalf("%s signs in with the code: %v", username, err)
	}
	a := tickets.ActorFor(res.User)
	if !a.MustChangePassword() || a.SeesHealthData() {
		tb.Errorf("signed in with the code, %s is an actor of role %q, want one who may only set their own password", username, a.Role)
	}
	if _, err := f.s.SignIn(ctx, username, code.Code); err == nil {
		tb.Errorf("the code signs %s in a second time", username)
	} else if !strings.Contains(tickets.ErrorMessage(err), "đã được dùng") {
		tb.Errorf("a second sign-in with the code: %q, want it says the code was used", tickets.ErrorMessage(err))
	}
	own := username + "'s very own"
	if _, err := f.s.ChangePassword(ctx, a, code.Code, own); err != nil {
		tb.Fatalf("%s sets their own password with the code: %v", username, err)
	}
	if _, err := f.s.SignIn(ctx, username, code.Code); err == nil {
		tb.Errorf("the code signs %s in once they set their own password", username)
	}
	res, err = f.s.SignIn(ctx, username, own)
	if err != nil {
		tb.Fatalf("%s signs in with their own password: %v", username, err)
	}
	if a := tickets.ActorFor(res.User); a.Role != role {
		tb.Errorf("with their own password %s is an actor of role %q, want %q", username, a.Role, role)
	}
}

// noCodeInTheAudit checks that the users' trail never holds a sign-in code.
func (f *fixture) noCodeInTheAudit(tb testing.TB, admin tickets.Actor, code *tickets.SignInCode) {
	tb.Helper()
	if code == nil {
		return
	}
	evs, err := f.s.UserAudit(context.Background(), admin, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	bare := strings.ReplaceAll(code.Code, "-", "")
	for _, e := range evs {
		for _, v := range []string{e.OldValue, e.NewValue, e.Note} {
			if strings.Contains(strings.ReplaceAll(v, "-", ""), bare) {
				tb.Errorf("the users' audit shows the code: %+v", e.Event)
			}
		}
	}
}

// The admin never knows a password the user works with. An admin gives a new user, or a
// reset, no password; when a supervisor confirms it, the store makes a one-time sign-in
// code and hands it to the supervisor, never to the admin. Otherwise the admin signs in
// as the new supervisor before they do, "changes" the password they know, and holds a
// working account: confirms their own proposals, reads citizens' data.
func TestAdminNeverKnowsTheUsersPassword(t *testing.T) {
	ctx := context.Background()
	t.Run("NewSupervisor", func(t *testing.T) {
		f := newFixture(t)
		root, _ := f.admins(t)
		u := &tickets.User{Username: "sup2", Role: tickets.RoleSupervisor}
		known := []string{"the admin's choice", ""}
		if err := f.s.CreateUser(ctx, root, u, known[0]); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("root creates sup2 with a password root chose: %v, want forbidden (an admin gives none)", err)
		}
		if u.ID == 0 {
			if err := f.s.CreateUser(ctx, root, u, ""); err != nil {
				t.Fatalf("root creates sup2 without a password: %v", err)
			}
		}
		code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, u.ID, tickets.UserChangeCreate).ID)
		if err != nil {
			t.Fatal(err)
		}
		f.takeoverFails(t, "sup2", known)
		f.noCodeInTheAudit(t, root, code)
		f.codeWorksOnce(t, "sup2", code, tickets.RoleSupervisor)
	})
	t.Run("PasswordReset", func(t *testing.T) {
		f := newFixture(t)
		root, _ := f.admins(t)
		id := *f.agent.UserID
		known := []string{"reset by the admin", ""}
		pending, err := f.s.ResetPassword(ctx, root, id, known[0])
		if tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("root resets agent1's password to one root chose: pending %v, %v; want forbidden (an admin gives none)", pending, err)
		}
		if !pending {
			if pending, err = f.s.ResetPassword(ctx, root, id, ""); err != nil || !pending {
				t.Fatalf("root proposes a reset without a password: pending %v, %v", pending, err)
			}
		}
		code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, id, tickets.UserChangePassword).ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SignIn(ctx, "agent1", "correct horse battery"); err == nil {
			t.Error("agent1's old password signs in after the reset")
		}
		f.takeoverFails(t, "agent1", known)
		f.noCodeInTheAudit(t, root, code)
		f.codeWorksOnce(t, "agent1", code, tickets.RoleAgent)
	})
}

// A sign-in code expires SignInCodeLifetime after it was made: then it signs nobody in,
// and says so to whoever holds it (a wrong password is told only that it is wrong). A
// new reset, confirmed, makes a new code.
func TestSignInCodeExpires(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	root, _ := f.admins(t)
	u := &tickets.User{Username: "mai", Role: tickets.RoleAgent}
	if err := f.s.CreateUser(ctx, root, u, ""); err != nil {
		t.Fatal(err)
	}
	code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, u.ID, tickets.UserChangeCreate).ID)
	if err != nil {
		t.Fatal(err)
	}
	if code == nil || code.Code == "" {
		t.Fatal("the confirmer is handed no sign-in code")
	}
	issued := *f.now
	*f.now = issued.Add(tickets.SignInCodeLifetime)
	_, err = f.s.SignIn(ctx, "mai", code.Code)
	if err == nil || !strings.Contains(tickets.ErrorMessage(err), "hết hạn") {
		t.Errorf("mai signs in with her code %s after it was made: %v, want refused, saying it expired", tickets.SignInCodeLifetime, err)
	}
	_, wrong := f.s.SignIn(ctx, "mai", "not the code at all")
	_, nobody := f.s.SignIn(ctx, "nobody", "not the code at all")
	if tickets.ErrorMessage(wrong) != tickets.ErrorMessage(nobody) {
		t.Errorf("a wrong password for mai says %q, for nobody %q: want the same", tickets.ErrorMessage(wrong), tickets.ErrorMessage(nobody))
	}
	if pending, err := f.s.ResetPassword(ctx, root, u.ID, ""); err != nil || !pending {
		t.Fatalf("root proposes a new code: pending %v, %v", pending, err)
	}
	again, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, u.ID, tickets.UserChangePassword).ID)
	if err != nil {
		t.Fatal(err)
	}
	if again != nil && again.Code == code.Code {
		t.Error("the new code is the expired one")
	}
	f.codeWorksOnce(t, "mai", again, tickets.RoleAgent)
	t.Run("JustBefore", func(t *testing.T) {
		if _, err := f.s.ResetPassword(ctx, root, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		code, err := f.s.ConfirmUserChange(ctx, f.sup, f.pendingFor(t, root, u.ID, tickets.UserChangePassword).ID)
		if err != nil || code == nil {
			t.Fatalf("confirm: %v %v", code, err)
		}
		*f.now = f.now.Add(tickets.SignInCodeLifetime - time.Second)
		if _, err := f.s.SignIn(ctx, "mai", code.Code); err != nil {
			t.Errorf("the code a second before it expires: %v", err)
		}
	})
}

// A code is handed to the person who confirms: a supervisor, never an admin, so that no
// admin knows a password another user works with (a new admin's either, with which they
// would confirm their own proposals). An admin still confirms the other changes.
func TestSignInCodeOnlyForASupervisor(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, username, kind string
		propose              func(f *fixture, root tickets.Actor) error
	}{
		{"NewAgent", "mai", tickets.UserChangeCreate, func(f *fixture, root tickets.Actor) error {
			return f.s.CreateUser(ctx, root, &tickets.User{Username: "mai", Role: tickets.RoleAgent}, "")
		}},
		{"NewAdmin", "root3", tickets.UserChangeCreate, func(f *fixture, root tickets.Actor) error {
			return f.s.CreateUser(ctx, root, &tickets.User{Username: "root3", Role: tickets.RoleAdmin}, "")
		}},
		{"PasswordReset", "officer1", tickets.UserChangePassword, func(f *fixture, root tickets.Actor) error {
			_, err := f.s.ResetPassword(ctx, root, *f.officer.UserID, "")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			root, root2 := f.admins(t)
			if err := tc.propose(f, root); err != nil {
				t.Fatal(err)
			}
			u, err := f.s.FindUserByName(ctx, tc.username)
			if err != nil {
				t.Fatal(err)
			}
			c := f.pendingFor(t, root2, u.ID, tc.kind)
			if c.MayConfirm(root2) {
				t.Error("another admin may confirm a change that hands them a sign-in code")
			}
			if code, err := f.s.ConfirmUserChange(ctx, root2, c.ID); tickets.ErrorCode(err) != tickets.EFORBIDDEN || code != nil {
				t.Errorf("another admin confirms: code %v, %v; want forbidden, no code", code != nil, err)
			}
			if !c.MayConfirm(f.sup) {
				t.Error("a supervisor may not confirm it")
			}
			if code, err := f.s.ConfirmUserChange(ctx, f.sup, c.ID); err != nil || code == nil {
				t.Errorf("a supervisor confirms: code %v, %v; want a code", code != nil, err)
			}
		})
	}
}

// An account on a password an admin set before sign-in codes (must_change_password set,
// no code) is on a password the admin knows: it signs in no more, and, signed in still,
// cannot make that password its own. A new reset, confirmed, gives its user a code.
func TestAdminSetPasswordBeforeCodes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := *f.agent.UserID
	res, err := f.s.SignIn(ctx, "agent1", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	// As an admin's confirmed reset left it before codes: the admin's password, to be changed.
	if _, err := f.s.DB().ExecContext(ctx, `UPDATE users SET must_change_password = 1 WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	res.User.MustChangePassword = true
	if _, err := f.s.SignIn(ctx, "agent1", "correct horse battery"); err == nil {
		t.Error("the password an admin set before codes signs in")
	}
	if _, err := f.s.ChangePassword(ctx, tickets.ActorFor(res.User), "correct horse battery", "the admin took this over"); err == nil {
		t.Error("a session on the password an admin set before codes makes it its own")
	}
}
