package tickets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is a person who uses the console.
type User struct {
	ID           int64   `db:"id"`
	Username     string  `db:"username"`
	DisplayName  string  `db:"display_name"`
	Role         string  `db:"role"`
	UnitCode     *string `db:"unit_code"`
	Phone        string  `db:"phone"` // the agent's phone as Asterisk dials it: PJSIP/agent101
	PasswordHash string  `db:"password_hash"`
	Active       bool    `db:"active"`
	// SessionGen is bumped by every change that must end the user's sessions (deactivation,
	// a new role, unit or phone, a new password); a session keeps the one it was signed in
	// with.
	SessionGen int64 `db:"session_gen"`
	// OwnPasswordGen is the session generation the user's own last password change gave
	// the session they made it from (ShiftEndsWith).
	OwnPasswordGen int64 `db:"own_password_gen"`
	// MustChangePassword says the user has no password of their own: an admin created
	// them or reset theirs in the console, and the user's password is the one-time
	// sign-in code a supervisor was handed on confirming it (or none yet). Until the user
	// sets their own the account may do nothing else (ActorFor).
	MustChangePassword bool `db:"must_change_password"`
	// DataProtectionOfficer names the supervisor who is the hotline's data-protection
	// officer (Law 91/2025/QH15): set by an admin as an access change that a second person
	// confirms; only a supervisor may be one.
	DataProtectionOfficer bool `db:"data_protection_officer"`
	// CodeIssuedAt, CodeExpiresAt and CodeUsedAt are the sign-in code's: when it was
	// made, until when it signs in, and when it did (it signs in once).
	CodeIssuedAt  *time.Time `db:"code_issued_at"`
	CodeExpiresAt *time.Time `db:"code_expires_at"`
	CodeUsedAt    *time.Time `db:"code_used_at"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
}

// SignInCodeExpired reports whether the user has no own password and no sign-in code
// that signs them in at now: it expired, or there is none.
func (u *User) SignInCodeExpired(now time.Time) bool {
	return u.MustChangePassword && u.CodeUsedAt == nil && (u.CodeExpiresAt == nil || !now.Before(*u.CodeExpiresAt))
}

// Name is how the user is shown: their display name, or their user name.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// Roles lists the roles with their labels.
var Roles = []Label{
	{RoleAgent, "Tổng đài viên", "Agent"},
	{RoleSupervisor, "Giám sát", "Supervisor"},
	{RoleOfficer, "Cán bộ phường/xã", "Ward or commune officer"},
	{RoleAdmin, "Quản trị", "Admin"},
}

// RoleLabel returns the label of a role.
func RoleLabel(code string) Label { l, _ := findLabel(Roles, code); return l }

const userColumns = `id, username, display_name, role, unit_code, phone, password_hash, active, session_gen, own_password_gen,
	must_change_password, code_issued_at, code_expires_at, code_used_at, data_protection_officer, created_at, updated_at`

// MinPasswordLength is the shortest password the console takes.
const MinPasswordLength = 10

// FoldUsername is a user name as stored and looked up: trimmed, lower case, so that
// "Lan", "lan " and "LAN" are one user.
func FoldUsername(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// checkUser validates a user's name, role, unit and phone.
func checkUser(u *User) error {
	u.Username = FoldUsername(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Phone = strings.TrimSpace(u.Phone)
	if u.Username == "" {
		return Errorf(EINVALID, "Tên đăng nhập không được để trống.")
	}
	if strings.ContainsAny(u.Username, " \t/\\") || len(u.Username) > 64 {
		return Errorf(EINVALID, "Tên đăng nhập chỉ gồm chữ, số và dấu chấm, gạch ngang (tối đa 64 ký tự).")
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
	if u.DataProtectionOfficer && u.Role != RoleSupervisor {
		return FieldErrorf("data_protection_officer", "Chỉ giám sát viên được chỉ định là người phụ trách bảo vệ dữ liệu cá nhân.")
	}
	if u.Phone != "" && (!strings.Contains(u.Phone, "/") || strings.ContainsAny(u.Phone, " ,")) {
		return Errorf(EINVALID, "Máy điện thoại %q không hợp lệ: ghi như Asterisk gọi, ví dụ PJSIP/agent101.", u.Phone)
	}
	return nil
}

func checkPassword(password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return Errorf(EINVALID, "Mật khẩu phải có ít nhất %d ký tự.", MinPasswordLength)
	}
	return nil
}

// CreateUser adds a user with a password, kept only as a bcrypt hash: the hotline itself
// does (the first admin, and `hotline users add` on the shell, the operator's trusted
// path). An admin adds one with no password (password ""): the user is inactive
// (u.Active false) and has none until a supervisor confirms it (ConfirmUserChange), which
// makes them a one-time sign-in code that the supervisor is handed, not the admin. The
// admin never knows a password the user works with: with it they would sign in as the
// user first and make it their own.
func (s *Store) CreateUser(ctx context.Context, actor Actor, u *User, password string) error {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên được tạo người dùng.")
	}
	if actor.Role == RoleAdmin && actor.UserID == nil {
		return Errorf(EFORBIDDEN, "Chưa đăng nhập.")
	}
	if err := checkUser(u); err != nil {
		return err
	}
	if actor.Role == RoleAdmin && password != "" {
		return ErrAdminGivesNoPassword
	}
	u.PasswordHash, u.Active, u.MustChangePassword = "", actor.Role == RoleSystem, actor.Role != RoleSystem
	if actor.Role == RoleSystem {
		if err := checkPassword(password); err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		u.PasswordHash = string(hash)
	}
	return s.inTx(ctx, func(t *tx) error {
		u.CreatedAt, u.UpdatedAt = t.now, t.now
		err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO users (username, display_name, role, unit_code, phone,
			password_hash, active, must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Username, u.DisplayName, u.Role, u.UnitCode, u.Phone, u.PasswordHash, u.Active, u.MustChangePassword,
			u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if err != nil {
			err = mapConstraint(err)
			switch ErrorCode(err) {
			case ECONFLICT:
				return Errorf(ECONFLICT, "Tên đăng nhập %q đã có người dùng.", u.Username)
			case EINVALID:
				return Errorf(EINVALID, "Đơn vị %s không tồn tại.", deref(u.UnitCode))
			}
			return fmt.Errorf("create user %s: %w", u.Username, err)
		}
		if err := addEvent(ctx, t, actor, EntityUser, u.ID, change{kind: "created", field: "role", new: u.Role}); err != nil {
			return err
		}
		if actor.Role == RoleSystem {
			return nil
		}
		active := *u
		active.Active = true
		return propose(ctx, t, actor, UserChangeCreate, u, &active)
	})
}

// ErrAdminGivesNoPassword is what an admin who gives a user a password is told.
var ErrAdminGivesNoPassword = Errorf(EFORBIDDEN, "Quản trị viên không đặt mật khẩu cho người dùng: khi một giám sát viên xác nhận, hệ thống tạo một mã đăng nhập một lần và chỉ hiện nó cho người xác nhận, để trao cho người dùng.")

// ErrNoSignInCode is what a user on a password an admin typed before sign-in codes is
// told: the admin knows it, so it opens the account no more.
var ErrNoSignInCode = Errorf(EFORBIDDEN, "Mật khẩu này do quản trị viên đặt nên không còn dùng được. Hãy nhờ quản trị viên đề xuất đặt lại mật khẩu: khi một giám sát viên xác nhận, bạn nhận từ họ một mã đăng nhập một lần.")

// Authenticate returns the active user with this name and password. Any mismatch is the
// same error, so it tells nothing about which part was wrong. A user with no password of
// their own signs in with their one-time sign-in code (typed in any case, with or without
// its dashes and spaces): once, and until it expires; whoever holds the right code is
// told when it did or why it does not.
func (s *Store) Authenticate(ctx context.Context, username, password string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE username = ? AND active = 1`), FoldUsername(username))
	wrong := Errorf(EFORBIDDEN, "Tên đăng nhập hoặc mật khẩu không đúng.")
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Spend the same time as for a real user, so timing tells nothing either.
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, wrong
	case err != nil:
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if u.MustChangePassword && u.CodeIssuedAt != nil {
		password = canonicalCode(password)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, wrong
	}
	if !u.MustChangePassword {
		return &u, nil
	}
	if err := s.spendCode(ctx, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// spendCode signs a user in with their sign-in code, once: the first sign-in with it
// marks it used, in one transaction, so two at once do not both get in.
func (s *Store) spendCode(ctx context.Context, u *User) error {
	return s.inTx(ctx, func(t *tx) error {
		cur, err := userInTx(ctx, t, u.ID)
		if err != nil {
			return err
		}
		switch {
		case cur.PasswordHash != u.PasswordHash || !cur.MustChangePassword:
			return Errorf(EFORBIDDEN, "Tên đăng nhập hoặc mật khẩu không đúng.") // changed meanwhile
		case cur.CodeIssuedAt == nil || cur.CodeExpiresAt == nil:
			return ErrNoSignInCode
		case cur.CodeUsedAt != nil:
			return Errorf(EFORBIDDEN, "Mã đăng nhập một lần này đã được dùng lúc %s; mã chỉ dùng được một lần. Nếu không phải bạn đã dùng nó, hãy báo ngay cho giám sát viên. Để có mã mới, hãy nhờ quản trị viên đề xuất đặt lại mật khẩu.",
				cur.CodeUsedAt.In(Local).Format("15:04 02/01/2006"))
		case !t.now.Before(*cur.CodeExpiresAt):
			return Errorf(EFORBIDDEN, "Mã đăng nhập một lần này đã hết hạn lúc %s. Hãy nhờ quản trị viên đề xuất đặt lại mật khẩu: khi một giám sát viên xác nhận, bạn nhận từ họ một mã mới.",
				cur.CodeExpiresAt.In(Local).Format("15:04 02/01/2006"))
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE users SET code_used_at = ? WHERE id = ?`), t.now, u.ID); err != nil {
			return fmt.Errorf("sign in with a code: %w", err)
		}
		u.CodeUsedAt = &t.now
		return addEvent(ctx, t, ActorFor(u), EntityUser, u.ID, change{kind: "password", field: "password", new: "code_used"})
	})
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

// FindUserByName returns a user by user name (folded).
func (s *Store) FindUserByName(ctx context.Context, username string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE username = ?`), FoldUsername(username))
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", username, notFound(err, "người dùng "+username))
	}
	return &u, nil
}

// CountUsers counts the users, active or not.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM users`); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// ListUsers returns every user, by role then name, for admins; and the active agents and
// supervisors (to assign tickets to) for the call centre.
func (s *Store) ListUsers(ctx context.Context, actor Actor) ([]*User, error) {
	q := `SELECT ` + userColumns + ` FROM users`
	switch {
	case actor.Role == RoleAdmin || actor.Role == RoleSystem:
	case actor.SeesCallCentre():
		q += ` WHERE active = 1 AND role IN ('agent', 'supervisor')`
	default:
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được danh sách người dùng.")
	}
	var list []*User
	if err := s.db.SelectContext(ctx, &list, q+` ORDER BY role, username`); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// Person is a user as the console names them to others: the name shown, the role and an
// officer's unit; never their password, phone or session.
type Person struct {
	ID          int64   `db:"id"`
	Username    string  `db:"username"`
	DisplayName string  `db:"display_name"`
	Role        string  `db:"role"`
	UnitCode    *string `db:"unit_code"`
	Active      bool    `db:"active"`
}

// Name is how the person is shown: their display name, or their user name if they have
// none.
func (p *Person) Name() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// People returns every user by id, active or not (a trail outlives a deactivation), for
// pages that name who did what: trails, assignees, who recorded a follow-up, who looked
// at a citizen's data. Whoever reads such pages may ask: the call centre, the officers,
// the admins.
func (s *Store) People(ctx context.Context, actor Actor) (map[int64]*Person, error) {
	if !actor.seesHealthData() && actor.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được danh sách người dùng.")
	}
	var list []*Person
	if err := s.db.SelectContext(ctx, &list, `SELECT id, username, display_name, role, unit_code, active FROM users`); err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	out := make(map[int64]*Person, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// UserEdit is what an admin changes on a user; nil fields are left as they are.
type UserEdit struct {
	DisplayName *string
	Role        *string
	UnitCode    **string
	Phone       *string
	Active      *bool
	// DataProtectionOfficer names or un-names the user the data-protection officer.
	DataProtectionOfficer *bool
}

// UpdateUser changes a user's name, role, unit, phone or whether they may sign in, with
// an audit event for each change, and not to leave no active admin. Only an admin may
// (or the hotline itself). Of an admin's edit, the name and a deactivation take effect
// at once; a new role, unit or phone, or a re-activation, waits for a second person
// (ConfirmUserChange), and pending says so. An admin's account (their own or another
// admin's) is never given a working role: a person who administers has a second account
// for the work, made and confirmed as anyone's.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, id int64, e UserEdit) (pending bool, err error) {
	if actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return false, Errorf(EFORBIDDEN, "Chỉ quản trị viên được sửa người dùng.")
	}
	err = s.inTx(ctx, func(t *tx) error {
		old, err := userInTx(ctx, t, id)
		if err != nil {
			return err
		}
		u := *old
		if e.DisplayName != nil {
			u.DisplayName = *e.DisplayName
		}
		if e.Role != nil {
			u.Role = *e.Role
		}
		if e.UnitCode != nil {
			u.UnitCode = *e.UnitCode
		}
		if e.Phone != nil {
			u.Phone = *e.Phone
		}
		if e.Active != nil {
			u.Active = *e.Active
		}
		if e.DataProtectionOfficer != nil {
			u.DataProtectionOfficer = *e.DataProtectionOfficer
		}
		if err := checkUser(&u); err != nil {
			return err
		}
		if actor.Role == RoleSystem {
			return writeUser(ctx, t, actor, old, &u, "")
		}
		if err := mayPropose(actor, old, &u); err != nil {
			return err
		}
		now := *old
		now.DisplayName = u.DisplayName
		if old.Active && !u.Active {
			now.Active = false
		}
		if err := writeUser(ctx, t, actor, old, &now, ""); err != nil {
			return err
		}
		if !grantsAccess(&now, &u) {
			return nil
		}
		pending = true
		return propose(ctx, t, actor, UserChangeAccess, &now, &u)
	})
	return pending && err == nil, err
}

// userInTx reads a user inside a transaction.
func userInTx(ctx context.Context, t *tx, id int64) (*User, error) {
	var u User
	if err := t.GetContext(ctx, &u, t.Rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), id); err != nil {
		return nil, notFound(err, "người dùng")
	}
	return &u, nil
}

// writeUser writes a user's name, role, unit, phone and whether they may sign in, with
// an audit event for each change (note on each), a new session generation when the
// change ends their sessions, and never leaving no active admin.
func writeUser(ctx context.Context, t *tx, actor Actor, old, u *User, note string) error {
	if err := checkUser(u); err != nil {
		return err
	}
	if old.Role == RoleAdmin && old.Active && (u.Role != RoleAdmin || !u.Active) {
		var admins int
		if err := t.GetContext(ctx, &admins, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1`); err != nil {
			return err
		}
		if admins <= 1 {
			return Errorf(ECONFLICT, "Không thể bỏ quản trị viên cuối cùng.")
		}
	}
	u.SessionGen = old.SessionGen
	if endsSessions(old, u) {
		u.SessionGen++
	}
	_, err := t.ExecContext(ctx, t.Rebind(`UPDATE users SET display_name = ?, role = ?, unit_code = ?, phone = ?, active = ?,
		data_protection_officer = ?, session_gen = ?, updated_at = ? WHERE id = ?`), u.DisplayName, u.Role, u.UnitCode, u.Phone, u.Active,
		u.DataProtectionOfficer, u.SessionGen, t.now, u.ID)
	if err != nil {
		if ErrorCode(mapConstraint(err)) == EINVALID {
			return Errorf(EINVALID, "Đơn vị %s không tồn tại.", deref(u.UnitCode))
		}
		return fmt.Errorf("update user %s: %w", u.Username, err)
	}
	for _, c := range []change{
		{kind: "display_name", old: old.DisplayName, new: u.DisplayName},
		{kind: "role", old: old.Role, new: u.Role},
		{kind: "unit", old: deref(old.UnitCode), new: deref(u.UnitCode)},
		{kind: "phone", old: old.Phone, new: u.Phone},
		{kind: "active", old: fmt.Sprint(old.Active), new: fmt.Sprint(u.Active)},
		{kind: "data_protection_officer", old: fmt.Sprint(old.DataProtectionOfficer), new: fmt.Sprint(u.DataProtectionOfficer)},
	} {
		if c.old != c.new {
			c.field, c.note = c.kind, note
			if err := addEvent(ctx, t, actor, EntityUser, u.ID, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// endsSessions reports whether a change of a user ends their sessions (and with them
// their shift): they may no longer sign in, they would see other data (another role,
// another unit), or callers would be put through to another phone than the one their
// shift is on.
func endsSessions(old, u *User) bool {
	return (old.Active && !u.Active) || old.Role != u.Role || deref(old.UnitCode) != deref(u.UnitCode) || old.Phone != u.Phone
}

// ShiftEndsWith reports whether a session of the user's that holds session generation
// gen ended with a change that takes the user off duty too: they may no longer sign in,
// or gen is not theirs now and what moved it on was not their own password change. That
// one ends their other sessions only: the session they made it from holds the new
// generation and goes on, on duty.
func (u *User) ShiftEndsWith(gen int64) bool {
	return !u.Active || (gen != u.SessionGen && u.SessionGen != u.OwnPasswordGen)
}

// ResetPassword sets a user's password on the shell (the hotline itself, the operator's
// path, as `hotline users add` is): the user's old password no longer works, their
// sessions end and their failed sign-ins are forgotten. An admin proposes a reset with
// no password (password ""), and pending says so: when a supervisor confirms it
// (ConfirmUserChange), the user's password is a one-time sign-in code the supervisor is
// handed, never the admin, and the user must set their own before they do anything else
// (User.MustChangePassword).
func (s *Store) ResetPassword(ctx context.Context, actor Actor, id int64, password string) (pending bool, err error) {
	switch {
	case actor.Role == RoleSystem:
		_, err := s.setPassword(ctx, actor, id, password, "reset")
		return false, err
	case actor.Role != RoleAdmin:
		return false, Errorf(EFORBIDDEN, "Chỉ quản trị viên được đặt lại mật khẩu.")
	case actor.UserID == nil:
		return false, Errorf(EFORBIDDEN, "Chưa đăng nhập.")
	}
	if password != "" {
		return false, ErrAdminGivesNoPassword
	}
	err = s.inTx(ctx, func(t *tx) error {
		u, err := userInTx(ctx, t, id)
		if err != nil {
			return err
		}
		return propose(ctx, t, actor, UserChangePassword, u, u)
	})
	return err == nil, err
}

// ChangePassword changes a user's own password, given the current one, and returns the
// user's new session generation: every session of theirs ends but the one they changed
// it from, which keeps it. It is the one thing a user with no password of their own may
// do (User.MustChangePassword), given their sign-in code as the current one, once it
// signed them in; it lifts that. Guesses of the current password count as failed sign-ins of
// the user's name (it is the same secret), so a session left open does not let anyone
// try passwords without limit.
func (s *Store) ChangePassword(ctx context.Context, actor Actor, current, password string) (int64, error) {
	if actor.UserID == nil {
		return 0, Errorf(EFORBIDDEN, "Chưa đăng nhập.")
	}
	u, err := s.FindUser(ctx, *actor.UserID)
	if err != nil {
		return 0, err
	}
	if u.MustChangePassword {
		if u.CodeUsedAt == nil { // a password an admin typed, before codes
			return 0, ErrNoSignInCode
		}
		current = canonicalCode(current)
	}
	if err := checkPassword(password); err != nil {
		return 0, err
	}
	if current == password {
		return 0, Errorf(EINVALID, "Mật khẩu mới phải khác mật khẩu hiện tại.")
	}
	if _, err := s.attempt(ctx, u.Username); err != nil {
		return 0, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return 0, Errorf(EINVALID, "Mật khẩu hiện tại không đúng.")
	}
	return s.setPassword(ctx, actor, u.ID, password, "changed") // forgets the failures
}

// setPassword sets a user's own password, ends their sessions (a new session generation,
// returned) and forgets their failed sign-ins.
func (s *Store) setPassword(ctx context.Context, actor Actor, id int64, password, kind string) (int64, error) {
	if err := checkPassword(password); err != nil {
		return 0, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}
	var gen int64
	err = s.inTx(ctx, func(t *tx) error {
		var err error
		gen, err = setPasswordHash(ctx, t, actor, id, hash, kind, "", nil)
		return err
	})
	return gen, err
}

// setPasswordHash is setPassword inside a transaction, with the hash already made. With
// expires, the hash is a sign-in code's, in force until then (issueCode).
func setPasswordHash(ctx context.Context, t *tx, actor Actor, id int64, hash []byte, kind, note string, expires *time.Time) (int64, error) {
	var username string
	if err := t.GetContext(ctx, &username, t.Rebind(`SELECT username FROM users WHERE id = ?`), id); err != nil {
		return 0, notFound(err, "người dùng")
	}
	var gen int64
	var issued *time.Time
	if expires != nil {
		issued = &t.now
	}
	if err := t.GetContext(ctx, &gen, t.Rebind(`UPDATE users SET password_hash = ?, must_change_password = ?, code_issued_at = ?,
		code_expires_at = ?, code_used_at = NULL, session_gen = session_gen + 1, updated_at = ? WHERE id = ? RETURNING session_gen`),
		string(hash), expires != nil, issued, expires, t.now, id); err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	if kind == "changed" { // the user's own: the session they made it from goes on with gen
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE users SET own_password_gen = ? WHERE id = ?`), gen, id); err != nil {
			return 0, fmt.Errorf("set password: %w", err)
		}
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM login_failures WHERE username = ?`), username); err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	return gen, addEvent(ctx, t, actor, EntityUser, id, change{kind: "password", field: "password", new: kind, note: note})
}

// issueCode makes a user a one-time sign-in code, sets it as their password (its hash),
// in force for SignInCodeLifetime, and returns it: for the one who confirmed the change
// that made it, to hand to the user. It is on the user's trail without the code.
func issueCode(ctx context.Context, t *tx, actor Actor, u *User, note string) (*SignInCode, error) {
	code := NewSignInCode()
	hash, err := bcrypt.GenerateFromPassword([]byte(canonicalCode(code)), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("hash sign-in code: %w", err)
	}
	expires := t.now.Add(SignInCodeLifetime)
	if _, err := setPasswordHash(ctx, t, actor, u.ID, hash, "code", note, &expires); err != nil {
		return nil, err
	}
	return &SignInCode{Username: u.Username, Code: code, ExpiresAt: expires}, nil
}

// NewSignInCode returns a random one-time sign-in code: 16 lower-case letters and digits
// that are hard to confuse when read out over the phone (80 bits), in groups of four.
func NewSignInCode() string {
	const chars = "abcdefghijkmnpqrstuvwxyz23456789"
	var b strings.Builder
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		b.WriteByte(chars[n.Int64()])
	}
	return b.String()
}

// canonicalCode is a sign-in code as its hash is made: lower case, without the dashes
// and spaces it is shown or typed with.
func canonicalCode(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(strings.TrimSpace(s)))
}

// NewPassword returns a random password of 16 letters and digits that are hard to
// confuse when read out or copied from a terminal.
func NewPassword() string {
	const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		b[i] = chars[n.Int64()]
	}
	return string(b)
}
