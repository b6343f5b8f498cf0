package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// UsersPage is the admins' list of users, with the form to add one.
type UsersPage struct {
	Nav     Nav
	Users   []UserRow
	Roles   []option
	Units   []option
	New     UserForm
	Errors  map[string]string
	Message string
}

// UserRow is a user as admins see and change them.
type UserRow struct {
	ID                             int64
	Username, Name, Role, RoleCode string
	Unit, UnitCode, Phone, Since   string
	Active                         bool
	DPO                            bool   // the data-protection officer
	Pending                        string // what of the user waits for a second person
	// OwnPassword says of a user who has not set their own password yet whether a
	// sign-in code was issued them, when, and whether it still signs in: never the code.
	OwnPassword string
	Error       string
}

// UserForm is what was typed in the form adding a user.
type UserForm struct {
	Username, Name, Role, Unit, Phone string
}

func (s *Server) usersPage(r *http.Request, me *viewer) (UsersPage, error) {
	p := UsersPage{Nav: s.nav(r, me, "users"), Roles: labelsVi(tickets.Roles), Errors: map[string]string{}}
	users, err := s.cfg.Store.ListUsers(r.Context(), me.Actor)
	if err != nil {
		return p, err
	}
	pending, err := s.cfg.Store.PendingUserChanges(r.Context(), me.Actor)
	if err != nil {
		return p, err
	}
	waiting := map[int64][]string{}
	for _, c := range pending {
		waiting[c.UserID] = append(waiting[c.UserID], changeKinds[c.Kind])
	}
	n := s.names(r, me)
	for _, u := range n.units {
		if u.Active {
			p.Units = append(p.Units, option{u.Code, u.Name})
		}
	}
	for _, u := range users {
		row := UserRow{ID: u.ID, Username: u.Username, Name: u.DisplayName, Role: tickets.RoleLabel(u.Role).Vi, RoleCode: u.Role,
			Phone: u.Phone, Active: u.Active, DPO: u.DataProtectionOfficer, Since: dateTime(u.CreatedAt), Pending: strings.Join(waiting[u.ID], ", ")}
		if u.UnitCode != nil {
			row.Unit, row.UnitCode = n.unit(*u.UnitCode), *u.UnitCode
		}
		row.OwnPassword = ownPasswordText(u, s.cfg.Now())
		p.Users = append(p.Users, row)
	}
	return p, nil
}

// ownPasswordText says of a user who has no password of their own yet where their
// sign-in code is: none yet, issued (when, until when), used to sign in, or expired.
func ownPasswordText(u *tickets.User, now time.Time) string {
	switch {
	case !u.MustChangePassword:
		return ""
	case u.CodeIssuedAt == nil:
		return "chưa tự đặt mật khẩu: chưa có mã đăng nhập một lần (cấp khi một giám sát viên xác nhận)"
	case u.CodeUsedAt != nil:
		return "chưa tự đặt mật khẩu: mã cấp lúc " + dateTime(*u.CodeIssuedAt) + ", đã dùng để đăng nhập lúc " + dateTime(*u.CodeUsedAt)
	case u.SignInCodeExpired(now):
		return "chưa tự đặt mật khẩu: mã cấp lúc " + dateTime(*u.CodeIssuedAt) + " đã hết hạn lúc " + dateTime(*u.CodeExpiresAt) + "; hãy đặt lại mật khẩu"
	}
	return "chưa tự đặt mật khẩu: mã đăng nhập một lần cấp lúc " + dateTime(*u.CodeIssuedAt) + ", hết hạn lúc " + dateTime(*u.CodeExpiresAt)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.usersPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, usersPage(p))
}

// handleUserAdd proposes a new user. The admin gives no password (a password the request
// carries is not read): the supervisor who confirms the user is handed their sign-in code.
func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request, me *viewer) {
	f := UserForm{Username: r.PostFormValue("username"), Name: r.PostFormValue("display_name"), Role: r.PostFormValue("role"),
		Unit: r.PostFormValue("unit"), Phone: r.PostFormValue("phone")}
	u := &tickets.User{Username: f.Username, DisplayName: f.Name, Role: f.Role, Phone: f.Phone}
	if f.Unit != "" && f.Role == tickets.RoleOfficer {
		u.UnitCode = &f.Unit
	}
	err := s.cfg.Store.CreateUser(r.Context(), me.Actor, u, "")
	if err == nil {
		s.log.Info("user added", "by", me.User.Username, "username", u.Username, "role", u.Role, "active", u.Active)
		done := "Đã thêm " + u.Username + waitsForCode
		http.Redirect(w, r, "/admin/users?done="+url.QueryEscape(done), http.StatusSeeOther)
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.usersPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.New = f
	msg := tickets.ErrorMessage(err)
	field := "new"
	switch {
	case strings.Contains(msg, "Tên đăng nhập"):
		field = "username"
	case strings.Contains(msg, "đơn vị"), strings.Contains(msg, "Đơn vị"):
		field = "unit"
	case strings.Contains(msg, "Máy điện thoại"):
		field = "phone"
	}
	p.Errors[field] = msg
	s.render(w, r, http.StatusUnprocessableEntity, usersPage(p))
}

// handleUserEdit changes a user's name, role, unit, phone, or whether they may sign in.
func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request, me *viewer) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	e := tickets.UserEdit{}
	if v, ok := r.PostForm["display_name"]; ok {
		e.DisplayName = &v[0]
	}
	if v := r.PostFormValue("role"); v != "" {
		e.Role = &v
		var unit *string
		if u := r.PostFormValue("unit"); u != "" && v == tickets.RoleOfficer {
			unit = &u
		}
		e.UnitCode = &unit
	}
	if v, ok := r.PostForm["phone"]; ok {
		e.Phone = &v[0]
	}
	if v := r.PostFormValue("active"); v != "" {
		active := v == "1"
		e.Active = &active
	}
	if r.PostFormValue("dpo_shown") == "1" && r.PostFormValue("active") == "" { // the row's form, not its lock button
		dpo := r.PostFormValue("dpo") == "1"
		e.DataProtectionOfficer = &dpo
	}
	s.userAction(w, r, me, id, "Đã lưu", func() (pending bool, err error) {
		return pending, s.changeUser(r.Context(), id, "account changed", func() error {
			pending, err = s.cfg.Store.UpdateUser(r.Context(), me.Actor, id, e)
			return err
		})
	})
}

// waitsForConfirmation is said of an admin's change that takes effect once confirmed.
const waitsForConfirmation = "; thay đổi về quyền truy cập chờ một giám sát viên hoặc một quản trị viên khác xác nhận (mục Chờ xác nhận)."

// waitsForCode is said of a new user or a password reset: a supervisor confirms it, and
// is handed the user's sign-in code.
const waitsForCode = "; chờ một giám sát viên xác nhận (mục Chờ xác nhận). Khi xác nhận, giám sát viên nhận mã đăng nhập một lần để trao cho người dùng; quản trị viên không biết mã."

// handleUserPassword proposes a password reset of a user. The admin gives no password
// (one the request carries is not read): the supervisor who confirms it is handed the
// user's sign-in code.
func (s *Server) handleUserPassword(w http.ResponseWriter, r *http.Request, me *viewer) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.userAction(w, r, me, id, "Đã đề xuất đặt lại mật khẩu", func() (pending bool, err error) {
		return pending, s.changeUser(r.Context(), id, "password reset", func() error {
			pending, err = s.cfg.Store.ResetPassword(r.Context(), me.Actor, id, "")
			return err
		})
	})
}

// userAction runs an admin's change of a user and shows the list again, saying whether
// part of it waits for a confirmation; a refusal is shown beside the user.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, me *viewer, id int64, done string, do func() (bool, error)) {
	r.ParseForm()
	pending, err := do()
	if err == nil {
		s.log.Info("user changed", "by", me.User.Username, "user", id, "pending", pending)
		switch {
		case pending && strings.HasSuffix(r.URL.Path, "/password"):
			done += waitsForCode
		case pending:
			done += waitsForConfirmation
		default:
			done += "."
		}
		http.Redirect(w, r, "/admin/users?done="+url.QueryEscape(done), http.StatusSeeOther)
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT && code != tickets.EFORBIDDEN {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.usersPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	for i := range p.Users {
		if p.Users[i].ID == id {
			p.Users[i].Error = tickets.ErrorMessage(err)
		}
	}
	s.render(w, r, statusFor(err), usersPage(p))
}

// UnitsPage is the admins' list of wards and communes.
type UnitsPage struct {
	Nav      Nav
	Units    []UnitRow
	New      tickets.Unit
	Error    string
	Message  string
	AddError string // beside the form that adds a unit
}

// UnitRow is a unit as admins see it.
type UnitRow struct {
	Code, Name, Kind, Since string
	Active                  bool
}

func (s *Server) unitsPage(r *http.Request, me *viewer) (UnitsPage, error) {
	p := UnitsPage{Nav: s.nav(r, me, "units")}
	units, err := s.cfg.Store.ListUnits(r.Context(), true)
	if err != nil {
		return p, err
	}
	for _, u := range units {
		row := UnitRow{Code: u.Code, Name: u.Name, Kind: map[string]string{"phuong": "Phường", "xa": "Xã"}[u.Kind], Active: u.Active}
		if u.RetiredAt != nil {
			row.Since = "ngừng " + dateTime(*u.RetiredAt)
		}
		p.Units = append(p.Units, row)
	}
	return p, nil
}

func (s *Server) handleUnits(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.unitsPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, unitsPage(p))
}

func (s *Server) handleUnitAdd(w http.ResponseWriter, r *http.Request, me *viewer) {
	u := &tickets.Unit{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind")}
	s.unitAction(w, r, me, *u, "Đã thêm "+u.Name, func() error { return s.cfg.Store.AddUnit(r.Context(), me.Actor, u) })
}

func (s *Server) handleUnitRetire(w http.ResponseWriter, r *http.Request, me *viewer) {
	code := r.PathValue("code")
	s.unitAction(w, r, me, tickets.Unit{}, "Đã ngừng đơn vị "+code, func() error { return s.cfg.Store.RetireUnit(r.Context(), me.Actor, code) })
}

func (s *Server) unitAction(w http.ResponseWriter, r *http.Request, me *viewer, typed tickets.Unit, done string, do func() error) {
	err := do()
	if err == nil {
		s.forgetUnits()
		s.log.Info("units changed", "by", me.User.Username, "what", done)
		http.Redirect(w, r, "/admin/units?done="+url.QueryEscape(done), http.StatusSeeOther)
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT && code != tickets.ENOTFOUND {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.unitsPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.New = typed
	if r.URL.Path == "/admin/units" {
		p.AddError = tickets.ErrorMessage(err) // beside the form that added it
	} else {
		p.Error = tickets.ErrorMessage(err)
	}
	s.render(w, r, statusFor(err), unitsPage(p))
}
