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

// The changes that must end a user's sessions bump their session generation, in the
// transaction that makes them; the others leave it.
func TestSessionGeneration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	admin := tickets.Actor{Name: "admin", Role: tickets.RoleAdmin}
	officer := *f.officer.UserID
	agent := *f.agent.UserID
	for _, tc := range []struct {
		name string
		user int64
		do   func() error
		ends bool
	}{
		{"DisplayName", agent, func() error {
			return f.s.UpdateUser(ctx, admin, agent, tickets.UserEdit{DisplayName: ptr("Agent One")})
		}, false},
		{"Phone", agent, func() error { return f.s.UpdateUser(ctx, admin, agent, tickets.UserEdit{Phone: ptr("PJSIP/agent109")}) }, false},
		{"Deactivated", agent, func() error { return f.s.UpdateUser(ctx, admin, agent, tickets.UserEdit{Active: ptr(false)}) }, true},
		{"Reactivated", agent, func() error { return f.s.UpdateUser(ctx, admin, agent, tickets.UserEdit{Active: ptr(true)}) }, false},
		{"Role", agent, func() error {
			return f.s.UpdateUser(ctx, admin, agent, tickets.UserEdit{Role: ptr(tickets.RoleSupervisor)})
		}, true},
		{"OfficerUnit", officer, func() error {
			return f.s.UpdateUser(ctx, admin, officer, tickets.UserEdit{UnitCode: ptr(ptr(kimLong))})
		}, true},
		{"PasswordReset", agent, func() error { return f.s.ResetPassword(ctx, admin, agent, "reset by the admin") }, true},
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
