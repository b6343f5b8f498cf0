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
// restart does not forget them; a success forgets them.
func (s *Store) SignIn(ctx context.Context, username, password string) (*LoginResult, error) {
	name := FoldUsername(username)
	p := s.Login
	now := s.Now().UTC()
	var recent []time.Time
	if err := s.db.SelectContext(ctx, &recent, s.db.Rebind(`SELECT at FROM login_failures
		WHERE username = ? AND at > ? ORDER BY at`), name, now.Add(-p.Window-p.Lockout)); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	// Locked: MaxFailures failures within Window, the last of them less than Lockout ago.
	for i := 0; i+p.MaxFailures <= len(recent); i++ {
		first, last := recent[i], recent[i+p.MaxFailures-1]
		if last.Sub(first) <= p.Window && now.Before(last.Add(p.Lockout)) {
			until := last.Add(p.Lockout)
			return &LoginResult{LockedUntil: until, Failures: len(recent)},
				Errorf(EFORBIDDEN, "Đăng nhập sai quá %d lần; tài khoản %q tạm khoá đến %s.", p.MaxFailures, name, until.In(Local).Format("15:04"))
		}
	}
	u, err := s.Authenticate(ctx, name, password)
	if err == nil {
		if err := s.inTx(ctx, func(t *tx) error {
			_, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM login_failures WHERE username = ?`), name)
			return err
		}); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		return &LoginResult{User: u}, nil
	}
	if ErrorCode(err) != EFORBIDDEN {
		return nil, err
	}
	if werr := s.inTx(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO login_failures (username, at) VALUES (?, ?)`), name, now)
		if err == nil {
			_, err = t.ExecContext(ctx, t.Rebind(`DELETE FROM login_failures WHERE at < ?`), now.Add(-24*time.Hour))
		}
		return err
	}); werr != nil {
		return nil, fmt.Errorf("sign in: %w", werr)
	}
	res := &LoginResult{Failures: 1}
	for _, at := range recent {
		if now.Sub(at) <= p.Window {
			res.Failures++
		}
	}
	if res.Failures >= p.MaxFailures {
		res.LockedUntil = now.Add(p.Lockout)
	}
	return res, err
}
