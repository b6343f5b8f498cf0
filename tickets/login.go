package tickets

import (
	"context"
	"fmt"
	"time"
)

// LoginPolicy throttles guessing passwords: after MaxFailures failed sign-ins for a user
// name within Window, further sign-ins for it are refused for Lockout.
type LoginPolicy struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

// DefaultLoginPolicy is 5 failures within 15 minutes, then 15 minutes locked.
func DefaultLoginPolicy() LoginPolicy {
	return LoginPolicy{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
}

// LoginResult says how a sign-in went, for the log (never with the password).
type LoginResult struct {
	User        *User
	Failures    int       // failures within the window, this one included
	LockedUntil time.Time // when the name is locked, until then
}

// SignIn checks a user name and password under the login policy. A name locked by too
// many failures is refused, even with the right password, until the lockout ends; the
// refusal says until when. Failures are counted by name (folded) in the database, so a
// restart does not forget them; a success forgets them. Each guess is counted before
// the password is compared (attempt), so that guesses sent at once cannot all be
// compared before the first of them is counted.
func (s *Store) SignIn(ctx context.Context, username, password string) (*LoginResult, error) {
	name := FoldUsername(username)
	res, err := s.attempt(ctx, name)
	if err != nil {
		return res, err
	}
	u, err := s.Authenticate(ctx, name, password)
	if err == nil {
		if err := s.forgive(ctx, name); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		return &LoginResult{User: u}, nil
	}
	if ErrorCode(err) != EFORBIDDEN {
		return nil, err
	}
	return res, err
}

// attempt counts a guess of a name's password, before it is compared: in one write
// transaction it reads the name's recent failures, refuses the guess if they lock the
// name, and otherwise records it as a failure (forgive takes it back when the password
// was right). Writers take turns, in this process and across processes, so N guesses
// at once are N guesses in a row: at most MaxFailures of them reach bcrypt.
func (s *Store) attempt(ctx context.Context, name string) (*LoginResult, error) {
	p := s.Login
	var res *LoginResult
	var locked error
	err := s.inTx(ctx, func(t *tx) error {
		var recent []time.Time
		if err := t.SelectContext(ctx, &recent, t.Rebind(`SELECT at FROM login_failures
			WHERE username = ? AND at > ? ORDER BY at`), name, t.now.Add(-p.Window-p.Lockout)); err != nil {
			return err
		}
		// Locked: MaxFailures failures within Window, the last of them less than Lockout ago.
		for i := 0; i+p.MaxFailures <= len(recent); i++ {
			first, last := recent[i], recent[i+p.MaxFailures-1]
			if last.Sub(first) <= p.Window && t.now.Before(last.Add(p.Lockout)) {
				until := last.Add(p.Lockout)
				res = &LoginResult{LockedUntil: until, Failures: len(recent)}
				locked = Errorf(EFORBIDDEN, "Mật khẩu bị nhập sai quá %d lần; tài khoản %q tạm khoá đến %s.", p.MaxFailures, name, until.In(Local).Format("15:04"))
				return nil
			}
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO login_failures (username, at) VALUES (?, ?)`), name, t.now); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM login_failures WHERE at < ?`), t.now.Add(-24*time.Hour)); err != nil {
			return err
		}
		res = &LoginResult{Failures: 1}
		for _, at := range recent {
			if t.now.Sub(at) <= p.Window {
				res.Failures++
			}
		}
		if res.Failures >= p.MaxFailures {
			res.LockedUntil = t.now.Add(p.Lockout)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count a sign-in attempt: %w", err)
	}
	return res, locked
}

// forgive forgets a name's failures: its password was right.
func (s *Store) forgive(ctx context.Context, name string) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM login_failures WHERE username = ?`), name)
		return err
	})
}
