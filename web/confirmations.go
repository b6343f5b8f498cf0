package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// ConfirmationsPage lists the user changes admins proposed that wait for a second
// person: a supervisor, or an admin who neither proposed the change nor is its user.
type ConfirmationsPage struct {
	Nav     Nav
	Changes []ChangeRow
	Message string
	Error   string
	// Code is the sign-in code the confirmation just made, shown this once to the
	// supervisor who confirmed it, to hand to the user.
	Code *SignInCodeView
}

// SignInCodeView is a sign-in code as the supervisor who confirmed it reads it.
type SignInCodeView struct {
	Username, Code, Expires string
}

// ChangeRow is one change waiting, as the person deciding reads it.
type ChangeRow struct {
	ID                 int64
	Username, Role     string // the user's role now
	What               string
	Before, After      string
	ProposedBy, At     string
	MayConfirm         bool
	IssuesCode         bool // confirming it hands the confirmer the user's sign-in code
	MayRefuse          bool // the proposer, taking it back, or who may confirm it
	WhyNot, RowMessage string
}

var changeKinds = map[string]string{
	tickets.UserChangeCreate:   "Tài khoản mới",
	tickets.UserChangeAccess:   "Quyền truy cập",
	tickets.UserChangePassword: "Đặt lại mật khẩu",
}

func (s *Server) confirmationsPage(r *http.Request, me *viewer) (ConfirmationsPage, error) {
	p := ConfirmationsPage{Nav: s.nav(r, me, "confirmations")}
	list, err := s.cfg.Store.PendingUserChanges(r.Context(), me.Actor)
	if err != nil {
		return p, err
	}
	n := s.names(r, me)
	for _, c := range list {
		row := ChangeRow{ID: c.ID, Username: c.Username, Role: tickets.RoleLabel(c.UserRole).Vi, What: changeKinds[c.Kind], ProposedBy: c.ProposedBy,
			At: dateTime(c.ProposedAt), MayConfirm: c.MayConfirm(me.Actor), IssuesCode: c.IssuesCode(),
			MayRefuse: c.MayRefuse(me.Actor)}
		row.Before, row.After = changeText(c, n)
		switch {
		case c.MayConfirm(me.Actor):
		case me.User.ID == c.ProposedByID:
			row.WhyNot = "Bạn đề xuất thay đổi này: cần một người khác xác nhận; bạn có thể rút lại (Từ chối)."
		case me.User.ID == c.UserID:
			row.WhyNot = "Thay đổi này là của tài khoản bạn: người khác xác nhận hoặc từ chối nó."
		case c.IssuesCode():
			row.WhyNot = tickets.ErrorMessage(tickets.ErrCodeForASupervisor)
		}
		p.Changes = append(p.Changes, row)
	}
	return p, nil
}

// changeText writes what a change does: the fields it changes, before and after.
func changeText(c *tickets.UserChange, n names) (before, after string) {
	if c.Kind == tickets.UserChangePassword {
		return "", "mã đăng nhập một lần cho người xác nhận trao cho người dùng, để tự đặt mật khẩu mới trước khi làm việc"
	}
	unit := func(code *string) string {
		if code == nil {
			return "—"
		}
		return n.unit(*code)
	}
	var b, a []string
	add := func(label, was, will string) {
		if was != will || c.Kind == tickets.UserChangeCreate {
			b, a = append(b, label+": "+was), append(a, label+": "+will)
		}
	}
	add("vai trò", tickets.RoleLabel(c.OldRole).Vi, tickets.RoleLabel(c.NewRole).Vi)
	if c.OldUnitCode != nil || c.NewUnitCode != nil {
		add("đơn vị", unit(c.OldUnitCode), unit(c.NewUnitCode))
	}
	if c.OldPhone != "" || c.NewPhone != "" {
		add("máy", orDash(c.OldPhone), orDash(c.NewPhone))
	}
	if c.OldActive != c.NewActive {
		add("đăng nhập", yesNo(c.OldActive), yesNo(c.NewActive))
	}
	if c.OldDPO != c.NewDPO {
		add("phụ trách bảo vệ dữ liệu cá nhân", yesNo(c.OldDPO), yesNo(c.NewDPO))
	}
	if c.Kind == tickets.UserChangeCreate {
		b = nil
	}
	return strings.Join(b, "; "), strings.Join(a, "; ")
}

func (s *Server) handleConfirmations(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.confirmationsPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, confirmationsPage(p))
}

// handleConfirm makes a proposed change of a user take effect; if it ends the user's
// sessions (a new role, unit or password), they end now: off duty, live streams closed.
// A new user or a password reset makes the user a sign-in code: this answer shows it to
// the supervisor who confirmed, once (not a redirect: the code is in no URL, and the
// page is not kept), and nothing logs it.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.decideChange(w, r, me, "Đã xác nhận.", func(c *tickets.UserChange) (*tickets.SignInCode, error) {
		var code *tickets.SignInCode
		err := s.changeUser(r.Context(), c.UserID, "account changed", func() (err error) {
			code, err = s.cfg.Store.ConfirmUserChange(r.Context(), me.Actor, c.ID)
			return err
		})
		return code, err
	})
}

// handleRefuse drops a proposed change of a user.
func (s *Server) handleRefuse(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.decideChange(w, r, me, "Đã từ chối.", func(c *tickets.UserChange) (*tickets.SignInCode, error) {
		return nil, s.cfg.Store.RefuseUserChange(r.Context(), me.Actor, c.ID)
	})
}

func (s *Server) decideChange(w http.ResponseWriter, r *http.Request, me *viewer, done string, do func(*tickets.UserChange) (*tickets.SignInCode, error)) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	list, err := s.cfg.Store.PendingUserChanges(r.Context(), me.Actor)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	var c *tickets.UserChange
	for _, x := range list {
		if x.ID == id {
			c = x
		}
	}
	var code *tickets.SignInCode
	if c == nil {
		err = tickets.Errorf(tickets.ENOTFOUND, "Không tìm thấy thay đổi đang chờ xác nhận này; có thể người khác đã quyết định.")
	} else {
		code, err = do(c)
	}
	if err == nil {
		s.log.Info("user change decided", "by", me.User.Username, "change", c.ID, "user", c.Username, "done", done, "code_issued", code != nil)
		if code == nil {
			http.Redirect(w, r, "/confirmations?done="+url.QueryEscape(done), http.StatusSeeOther)
			return
		}
		p, perr := s.confirmationsPage(r, me)
		if perr != nil {
			s.fail(w, r, me, perr)
			return
		}
		p.Message = done
		p.Code = &SignInCodeView{Username: code.Username, Code: code.Code, Expires: dateTime(code.ExpiresAt)}
		s.render(w, r, http.StatusOK, confirmationsPage(p))
		return
	}
	if statusFor(err) == http.StatusInternalServerError {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.confirmationsPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.Error = tickets.ErrorMessage(err)
	for i := range p.Changes {
		if p.Changes[i].ID == id {
			p.Changes[i].RowMessage, p.Error = p.Error, ""
		}
	}
	s.render(w, r, statusFor(err), confirmationsPage(p))
}

// AuditPage is the admins' view of every change of users.
type AuditPage struct {
	Nav  Nav
	Rows []AuditRow
}

// AuditRow is one change of a user.
type AuditRow struct {
	At, Actor, User, What, Before, After, Note string
}

var auditKinds = map[string]string{
	"created": "Tạo tài khoản", "proposed": "Đề xuất", tickets.UserChangeConfirmed: "Xác nhận", tickets.UserChangeRefused: "Từ chối",
	"display_name": "Họ tên", "role": "Vai trò", "unit": "Đơn vị", "phone": "Máy điện thoại", "active": "Được đăng nhập",
	"password": "Mật khẩu",
}

func (s *Server) handleUserAudit(w http.ResponseWriter, r *http.Request, me *viewer) {
	evs, err := s.cfg.Store.UserAudit(r.Context(), me.Actor, 500)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p := AuditPage{Nav: s.nav(r, me, "audit")}
	for _, e := range evs {
		if e.Entity == tickets.EntityRetention {
			p.Rows = append(p.Rows, retentionAuditRow(e))
			continue
		}
		row := AuditRow{At: dateTime(e.At), Actor: e.Actor, User: e.Username, What: auditKinds[e.Kind], Before: e.OldValue,
			After: e.NewValue, Note: e.Note}
		if row.What == "" {
			row.What = e.Kind
		}
		switch e.Kind {
		case "role", "created":
			row.Before, row.After = roleText(e.OldValue), roleText(e.NewValue)
		case "active":
			row.Before, row.After = boolText(e.OldValue), boolText(e.NewValue)
		case "password":
			row.After = map[string]string{"reset": "đặt lại", "changed": "tự đổi", "code": "cấp mã đăng nhập một lần",
				"code_used": "đăng nhập bằng mã một lần"}[e.NewValue]
		case "proposed", tickets.UserChangeConfirmed, tickets.UserChangeRefused:
			row.What += " (" + changeKinds[e.Field] + ")"
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, auditPage(p))
}

func roleText(code string) string {
	if code == "" {
		return ""
	}
	return tickets.RoleLabel(code).Vi
}

func boolText(v string) string {
	switch v {
	case "true":
		return "có"
	case "false":
		return "không"
	}
	return v
}

func yesNo(v bool) string {
	if v {
		return "được"
	}
	return "bị khoá"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
