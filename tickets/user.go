package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is a person who uses the console.
type User struct {
	ID           int64     `db:"id"`
	Username     string    `db:"username"`
	DisplayName  string    `db:"display_name"`
	Role         string    `db:"role"`
	UnitCode     *string   `db:"unit_code"`
	PasswordHash string    `db:"password_hash"`
	Active       bool      `db:"active"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

const userColumns = `id, username, display_name, role, unit_code, password_hash, active, created_at, updated_at`

// CreateUser adds a user with a password, kept only as a bcrypt hash. Only an admin may.
func (s *Store) CreateUser(ctx context.Context, actor Actor, u *User, password string) error {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên được tạo người dùng.")
	}
	u.Username = strings.TrimSpace(u.Username)
	switch {
	case u.Username == "":
		return Errorf(EINVALID, "Tên đăng nhập không được để trống.")
	case len(password) < 10:
		return Errorf(EINVALID, "Mật khẩu phải có ít nhất 10 ký tự.")
	}
	switch u.Role {
	case RoleAgent, RoleSupervisor, RoleAdmin:
		if u.UnitCode != nil {
			return Errorf(EINVALID, "Chỉ cán bộ phường/xã được gắn với một đơn vị.")
		}
	case RoleOfficer:
		if u.UnitCode == nil {
			return Errorf(EINVALID, "Cán bộ phường/xã phải được gắn với một đơn vị.")
		}
	default:
		return Errorf(EINVALID, "Vai trò %q không tồn tại.", u.Role)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	u.PasswordHash, u.Active = string(hash), true
	return s.inTx(ctx, func(t *tx) error {
		u.CreatedAt, u.UpdatedAt = t.now, t.now
		err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO users (username, display_name, role, unit_code,
			password_hash, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Username, u.DisplayName, u.Role, u.UnitCode, u.PasswordHash, u.Active, u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if err != nil {
			err = mapConstraint(err)
			if ErrorCode(err) == ECONFLICT {
				return Errorf(ECONFLICT, "Tên đăng nhập %q đã có người dùng.", u.Username)
			}
			return fmt.Errorf("create user %s: %w", u.Username, err)
		}
		return nil
	})
}

// Authenticate returns the active user with this name and password. Any mismatch is the
// same error, so it tells nothing about which part was wrong.
func (s *Store) Authenticate(ctx context.Context, username, password string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE username = ? AND active = 1`), username)
	wrong := Errorf(EFORBIDDEN, "Tên đăng nhập hoặc mật khẩu không đúng.")
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Spend the same time as for a real user, so timing tells nothing either.
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, wrong
	case err != nil:
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, wrong
	}
	return &u, nil
}

var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
	return h
})

// FindUser returns a user by id.
func (s *Store) FindUser(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("find user %d: %w", id, notFound(err, "người dùng"))
	}
	return &u, nil
}
