package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Kinds of user changes that wait for a second person.
const (
	UserChangeCreate   = "create"   // a new user, inactive until confirmed
	UserChangeAccess   = "access"   // a role, an officer's unit, an agent's phone, re-activation
	UserChangePassword = "password" // a password an admin set
)

// Statuses of a user change.
const (
	UserChangePending   = "pending"
	UserChangeConfirmed = "confirmed"
	UserChangeRefused   = "refused"
)

// UserChange is a change of a user an admin proposed: it takes effect when a second
// person confirms it, a supervisor or another admin, neither the proposer nor the user
// changed; a new user or a password reset, a supervisor only (IssuesCode). It carries no
// password: confirming it makes the user a sign-in code.
type UserChange struct {
	ID           int64      `db:"id"`
	UserID       int64      `db:"user_id"`
	Username     string     `db:"username"`
	Kind         string     `db:"kind"`
	OldRole      string     `db:"old_role"`
	NewRole      string     `db:"new_role"`
	OldUnitCode  *string    `db:"old_unit_code"`
	NewUnitCode  *string    `db:"new_unit_code"`
	OldPhone     string     `db:"old_phone"`
	NewPhone     string     `db:"new_phone"`
	OldActive    bool       `db:"old_active"`
	NewActive    bool       `db:"new_active"`
	OldDPO       bool       `db:"old_dpo"` // the data-protection officer, before and after
	NewDPO       bool       `db:"new_dpo"`
	UserRole     string     `db:"user_role"` // the user's role now, whatever the change
	ProposedByID int64      `db:"proposed_by_id"`
	ProposedBy   string     `db:"proposed_by"`
	ProposedAt   time.Time  `db:"proposed_at"`
	Status       string     `db:"status"`
	DecidedByID  *int64     `db:"decided_by_id"`
	DecidedBy    *string    `db:"decided_by"`
	DecidedAt    *time.Time `db:"decided_at"`
}

// MayConfirm reports whether the actor may confirm the change: a supervisor or an admin
// who neither proposed it nor is the user it changes; a supervisor only for a change
// that issues a sign-in code (IssuesCode).
func (c *UserChange) MayConfirm(a Actor) bool {
	return a.confirmsUserChanges() && *a.UserID != c.ProposedByID && *a.UserID != c.UserID &&
		(!c.IssuesCode() || a.Role == RoleSupervisor)
}

// IssuesCode reports whether confirming the change makes the user a one-time sign-in
// code, handed to the one who confirms it: a new user, a password reset. A supervisor
// confirms it, never an admin: no admin knows a password another user works with (an
// admin with another admin's code would confirm their own proposals with it, and with a
// working account's would reach citizens' data).
func (c *UserChange) IssuesCode() bool {
	return c.Kind == UserChangeCreate || c.Kind == UserChangePassword
}

// ErrCodeForASupervisor is what an admin who would confirm a change that issues a code
// is told.
var ErrCodeForASupervisor = Errorf(EFORBIDDEN, "Xác nhận thay đổi này tạo một mã đăng nhập một lần và hiện mã cho người xác nhận, nên chỉ giám sát viên xác nhận nó: không quản trị viên nào được biết mật khẩu của người khác.")

// MayRefuse reports whether the actor may refuse the change: its proposer (taking it
// back) or anyone who may confirm it, never the user it changes (who would refuse their
// own demotion).
func (c *UserChange) MayRefuse(a Actor) bool {
	return a.confirmsUserChanges() && *a.UserID != c.UserID
}

// confirmsUserChanges reports whether the actor is one who may confirm (or refuse) user
// changes at all: a signed-in supervisor or admin.
func (a Actor) confirmsUserChanges() bool {
	return a.UserID != nil && (a.Role == RoleSupervisor || a.Role == RoleAdmin)
}

const userChangeColumns = `c.id, c.user_id, u.username, u.role AS user_role, c.kind, c.old_role, c.new_role, c.old_unit_code, c.new_unit_code,
	c.old_phone, c.new_phone, c.old_active, c.new_active, c.old_dpo, c.new_dpo, c.proposed_by_id, c.proposed_by, c.proposed_at, c.status,
	c.decided_by_id, c.decided_by, c.decided_at`

const userChangeFrom = ` FROM user_changes c JOIN users u ON u.id = c.user_id`

// mayPropose checks an admin's change of a user before it is recorded: an admin who signs
// in, and no working role for an admin's account.
func mayPropose(actor Actor, old, u *User) error {
	if actor.UserID == nil {
		return Errorf(EFORBIDDEN, "Chưa đăng nhập.")
	}
	if old.Role == RoleAdmin && u.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Không được gán vai trò nghiệp vụ cho tài khoản quản trị (của mình hay của quản trị viên khác): người quản trị làm việc với dữ liệu của người dân bằng một tài khoản riêng, được tạo và xác nhận như mọi người dùng.")
	}
	return nil
}

// grantsAccess reports whether changing a user from cur to u could let someone reach
// citizens' data: a role (a working one, or admin's, which confirms such changes), a
// unit, an agent's phone (where callers are put through), being able to sign in again.
func grantsAccess(cur, u *User) bool {
	return cur.Role != u.Role || deref(cur.UnitCode) != deref(u.UnitCode) || cur.Phone != u.Phone || (!cur.Active && u.Active) ||
		cur.DataProtectionOfficer != u.DataProtectionOfficer
}

// propose records a change of a user, from cur to u (or a password reset: u is cur), to
// wait for a second person. It carries no password: a confirmation makes a sign-in code. One change of each kind waits for a user at a time; a new user's
// creation and a change of their access are one kind.
func propose(ctx context.Context, t *tx, actor Actor, kind string, cur, u *User) error {
	var waiting int
	if err := t.GetContext(ctx, &waiting, t.Rebind(`SELECT COUNT(*) FROM user_changes WHERE user_id = ? AND status = 'pending'
		AND (kind = ? OR (kind <> 'password' AND ? <> 'password'))`), cur.ID, kind, kind); err != nil {
		return fmt.Errorf("propose a change of user %s: %w", cur.Username, err)
	}
	if waiting > 0 {
		return Errorf(ECONFLICT, "Người dùng %s đã có một thay đổi đang chờ xác nhận; hãy để nó được xác nhận hoặc từ chối trước.", cur.Username)
	}
	var id int64
	err := t.GetContext(ctx, &id, t.Rebind(`INSERT INTO user_changes (user_id, kind, old_role, new_role, old_unit_code, new_unit_code,
		old_phone, new_phone, old_active, new_active, old_dpo, new_dpo, proposed_by_id, proposed_by, proposed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		cur.ID, kind, cur.Role, u.Role, cur.UnitCode, u.UnitCode, cur.Phone, u.Phone, cur.Active, u.Active,
		cur.DataProtectionOfficer, u.DataProtectionOfficer, *actor.UserID, actor.Name, t.now)
	if err != nil {
		if ErrorCode(mapConstraint(err)) == EINVALID {
			return Errorf(EINVALID, "Đơn vị %s không tồn tại.", deref(u.UnitCode))
		}
		return fmt.Errorf("propose a change of user %s: %w", cur.Username, err)
	}
	was, will := describeChange(kind, cur, u)
	return addEvent(ctx, t, actor, EntityUser, cur.ID, change{kind: "proposed", field: kind, old: was, new: will,
		note: fmt.Sprintf("đề xuất số %d, chờ xác nhận", id)})
}

// describeChange says what a change changes, for the audit trail: the fields before and
// after, never a password.
func describeChange(kind string, cur, u *User) (was, will string) {
	switch kind {
	case UserChangePassword:
		return "", "mật khẩu mới"
	case UserChangeCreate:
		return "", describeUser(u)
	}
	var before, after []string
	if cur.Role != u.Role {
		before, after = append(before, RoleLabel(cur.Role).Vi), append(after, RoleLabel(u.Role).Vi)
	}
	if deref(cur.UnitCode) != deref(u.UnitCode) {
		before, after = append(before, "đơn vị "+orDash(deref(cur.UnitCode))), append(after, "đơn vị "+orDash(deref(u.UnitCode)))
	}
	if cur.Phone != u.Phone {
		before, after = append(before, "máy "+orDash(cur.Phone)), append(after, "máy "+orDash(u.Phone))
	}
	if cur.Active != u.Active {
		before, after = append(before, activeText(cur.Active)), append(after, activeText(u.Active))
	}
	if cur.DataProtectionOfficer != u.DataProtectionOfficer {
		before, after = append(before, dpoText(cur.DataProtectionOfficer)), append(after, dpoText(u.DataProtectionOfficer))
	}
	return strings.Join(before, ", "), strings.Join(after, ", ")
}

func describeUser(u *User) string {
	parts := []string{RoleLabel(u.Role).Vi}
	if u.UnitCode != nil {
		parts = append(parts, "đơn vị "+*u.UnitCode)
	}
	if u.Phone != "" {
		parts = append(parts, "máy "+u.Phone)
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func dpoText(dpo bool) string {
	if dpo {
		return "người phụ trách bảo vệ dữ liệu cá nhân"
	}
	return "không phụ trách bảo vệ dữ liệu cá nhân"
}

func activeText(active bool) string {
	if active {
		return "được đăng nhập"
	}
	return "bị khoá"
}

// PendingUserChanges returns the user changes waiting for a second person, oldest first,
// for supervisors and admins.
func (s *Store) PendingUserChanges(ctx context.Context, actor Actor) ([]*UserChange, error) {
	if !actor.confirmsUserChanges() {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên và quản trị viên xem các thay đổi người dùng chờ xác nhận.")
	}
	var list []*UserChange
	if err := s.db.SelectContext(ctx, &list, `SELECT `+userChangeColumns+userChangeFrom+
		` WHERE c.status = 'pending' ORDER BY c.proposed_at, c.id`); err != nil {
		return nil, fmt.Errorf("pending user changes: %w", err)
	}
	return list, nil
}

// pendingChange reads a change waiting for a decision inside a transaction.
func pendingChange(ctx context.Context, t *tx, id int64) (*UserChange, error) {
	var c UserChange
	err := t.GetContext(ctx, &c, t.Rebind(`SELECT `+userChangeColumns+userChangeFrom+` WHERE c.id = ? AND c.status = 'pending'`), id)
	if err != nil {
		return nil, notFound(err, "thay đổi đang chờ xác nhận")
	}
	return &c, nil
}

// checkDecider checks that the actor, as the database knows them now, may decide user
// changes: signed in, active, a supervisor or an admin, with a password of their own (one
// an admin set is known to that admin, who would confirm their own proposals with it).
func checkDecider(ctx context.Context, t *tx, actor Actor) error {
	if !actor.confirmsUserChanges() {
		return Errorf(EFORBIDDEN, "Chỉ giám sát viên hoặc một quản trị viên khác được xác nhận thay đổi người dùng.")
	}
	me, err := userInTx(ctx, t, *actor.UserID)
	if err != nil || !me.Active || me.Role != actor.Role {
		return Errorf(EFORBIDDEN, "Tài khoản của bạn không còn được xác nhận thay đổi người dùng.")
	}
	if me.MustChangePassword {
		return ErrMustChangePassword
	}
	return nil
}

// SignInCode is what confirming a change hands the person who confirmed it, to give
// to the user: a one-time code that signs the user in to set their own password.
type SignInCode struct {
	Username  string
	Code      string
	ExpiresAt time.Time
}

// ConfirmUserChange makes a proposed change of a user take effect. Only a supervisor or
// an admin may, who neither proposed it nor is the user it changes; a change of a user
// who has changed since it was proposed (role, unit, phone, able to sign in), of any
// kind, a password reset too, is refused (it would not do what the confirmer read). The
// confirmation is on the user's trail, the confirmer the actor of the changes made, the
// proposer in their note. A new user or a password reset (a supervisor's to confirm)
// makes the user a one-time sign-in code, returned for the confirmer to hand over: the
// user's password until they set their own, known to nobody else.
func (s *Store) ConfirmUserChange(ctx context.Context, actor Actor, id int64) (*SignInCode, error) {
	var code *SignInCode
	err := s.inTx(ctx, func(t *tx) error {
		if err := checkDecider(ctx, t, actor); err != nil {
			return err
		}
		c, err := pendingChange(ctx, t, id)
		if err != nil {
			return err
		}
		if !c.MayConfirm(actor) {
			if c.IssuesCode() && *actor.UserID != c.ProposedByID && *actor.UserID != c.UserID {
				return ErrCodeForASupervisor
			}
			return Errorf(EFORBIDDEN, "Thay đổi phải được một người khác xác nhận: không phải người đề xuất, cũng không phải người được thay đổi.")
		}
		u, err := userInTx(ctx, t, c.UserID)
		if err != nil {
			return err
		}
		// Whatever its kind, a change is of the user as they were when it was proposed: a
		// reset proposed for an agent opens the account of the supervisor they became.
		if u.Role != c.OldRole || deref(u.UnitCode) != deref(c.OldUnitCode) || u.Phone != c.OldPhone || u.Active != c.OldActive ||
			u.DataProtectionOfficer != c.OldDPO {
			return Errorf(ECONFLICT, "Người dùng %s đã thay đổi từ khi đề xuất; hãy từ chối đề xuất này và đề xuất lại.", u.Username)
		}
		note := fmt.Sprintf("đề xuất của %s, số %d", c.ProposedBy, c.ID)
		if c.Kind != UserChangePassword {
			if err := mayPropose(Actor{UserID: &c.ProposedByID}, u, &User{Role: c.NewRole}); err != nil {
				return err
			}
			n := *u
			n.Role, n.UnitCode, n.Phone, n.Active, n.DataProtectionOfficer = c.NewRole, c.NewUnitCode, c.NewPhone, c.NewActive, c.NewDPO
			if err := writeUser(ctx, t, actor, u, &n, note); err != nil {
				return err
			}
		}
		if c.IssuesCode() { // whatever password a proposal made before codes carried: none is used
			if code, err = issueCode(ctx, t, actor, u, note); err != nil {
				return err
			}
		}
		return decide(ctx, t, actor, c, UserChangeConfirmed)
	})
	if err != nil {
		return nil, err
	}
	return code, nil
}

// RefuseUserChange drops a proposed change of a user: a supervisor or an admin may, the
// proposer too (taking it back), never the user it changes. A new user refused stays
// inactive.
func (s *Store) RefuseUserChange(ctx context.Context, actor Actor, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := checkDecider(ctx, t, actor); err != nil {
			return err
		}
		c, err := pendingChange(ctx, t, id)
		if err != nil {
			return err
		}
		if !c.MayRefuse(actor) {
			return Errorf(EFORBIDDEN, "Thay đổi này là của tài khoản bạn: người khác xác nhận hoặc từ chối nó.")
		}
		return decide(ctx, t, actor, c, UserChangeRefused)
	})
}

// decide records the decision on a change, forgets any password a proposal made before
// sign-in codes carried, and puts the decision on the user's trail.
func decide(ctx context.Context, t *tx, actor Actor, c *UserChange, status string) error {
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE user_changes SET status = ?, decided_by_id = ?, decided_by = ?, decided_at = ?,
		password_hash = NULL WHERE id = ?`), status, actor.UserID, actor.Name, t.now, c.ID); err != nil {
		return fmt.Errorf("decide user change %d: %w", c.ID, err)
	}
	return addEvent(ctx, t, actor, EntityUser, c.UserID, change{kind: status, field: c.Kind,
		note: fmt.Sprintf("đề xuất của %s, số %d", c.ProposedBy, c.ID)})
}

// UserEvent is an entry of a user's trail, with the user's name.
type UserEvent struct {
	Event
	Username string `db:"username"`
}

// UserAudit returns the users' trail, newest first, at most limit entries: who changed
// which user, what from and to, when; proposals and their confirmations and refusals;
// and the admins' changes of the retention schedule (entity retention, Username empty),
// which decide how long citizens' data is kept. Passwords are never in it (a change of one says only that it was reset or changed).
// Admins only: the access log is the supervisors'.
func (s *Store) UserAudit(ctx context.Context, actor Actor, limit int) ([]*UserEvent, error) {
	if actor.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Chỉ quản trị viên xem nhật ký thay đổi người dùng.")
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var list []*UserEvent
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT e.id, e.entity, e.entity_id, e.at, e.actor_id, e.actor, e.kind,
		e.field, e.old_value, e.new_value, e.note, COALESCE(u.username, '') AS username
		FROM events e LEFT JOIN users u ON e.entity = 'user' AND u.id = e.entity_id
		WHERE e.entity IN ('user', 'retention') ORDER BY e.at DESC, e.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("user audit: %w", err)
	}
	return list, nil
}

// SignInCodeLifetime is how long a sign-in code signs its user in.
const SignInCodeLifetime = 72 * time.Hour
