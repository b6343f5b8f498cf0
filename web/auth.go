package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/huehotline/hotline/tickets"
)

// LoginPage is the sign-in form.
type LoginPage struct {
	Username string
	Next     string
	Error    string
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if s.viewerOf(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, loginPage(LoginPage{Next: r.URL.Query().Get("next")}))
}

// handleLogin signs a user in: a new session token (so a token planted before sign-in
// is worthless), the user's id in it. Failures and lockouts are logged by name, never
// with the password.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	p := LoginPage{Username: strings.TrimSpace(username), Next: r.PostFormValue("next")}
	res, err := s.cfg.Store.SignIn(r.Context(), username, password)
	if err != nil {
		status := statusFor(err)
		switch {
		case status == http.StatusInternalServerError:
			s.log.Error("sign in", "err", err)
		case res != nil && !res.LockedUntil.IsZero():
			s.log.Warn("sign-in refused: too many failures", "username", tickets.FoldUsername(username), "failures", res.Failures,
				"locked_until", res.LockedUntil, "from", remoteAddr(r))
		default:
			s.log.Warn("sign-in failed", "username", tickets.FoldUsername(username), "from", remoteAddr(r))
		}
		p.Error = tickets.ErrorMessage(err)
		if status == http.StatusForbidden {
			status = http.StatusUnauthorized
		}
		s.render(w, r, status, loginPage(p))
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.sessions.Put(r.Context(), sessionUser, res.User.ID)
	s.sessions.Put(r.Context(), sessionGen, res.User.SessionGen)
	s.log.Info("signed in", "username", res.User.Username, "role", res.User.Role, "must_change_password", res.User.MustChangePassword)
	if res.User.MustChangePassword {
		http.Redirect(w, r, "/account", http.StatusSeeOther) // nowhere else until they set their own
		return
	}
	s.startShift(r, res.User)
	http.Redirect(w, r, safeNext(p.Next), http.StatusSeeOther)
}

// safeNext is where to go after signing in: a path of this console, never another site.
// Browsers do not read a Location as Go's net/url does: they drop tabs and newlines and
// take a backslash for a slash, so "/\t/evil.example" is "//evil.example" to them, another
// site. So next is a path only (a single "/" first, no scheme, no host) without a
// backslash, a control character or a space anywhere, as written or once decoded;
// anything else is "/".
func safeNext(next string) string {
	if len(next) > 2048 || !onlyPathChars(next) {
		return "/"
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || !onlyPathChars(decoded) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(decoded, "//") {
		return "/"
	}
	return u.RequestURI()
}

// onlyPathChars reports whether s starts with "/" and has no backslash, control
// character or white space.
func onlyPathChars(s string) bool {
	if !strings.HasPrefix(s, "/") {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, me *viewer) {
	if s.cfg.Desk != nil {
		if err := s.cfg.Desk.SignOut(r.Context(), me.User.ID, "signed out"); err != nil {
			s.log.Warn("take the agent off duty at sign-out", "username", me.User.Username, "err", err)
		}
	}
	token := s.sessions.Token(r.Context())
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, me, err)
		return
	}
	if s.hub != nil {
		s.hub.endSession(token) // the session's other pages
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// handleHome sends each user to where their work is.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, me *viewer) {
	switch me.User.Role {
	case tickets.RoleOfficer:
		http.Redirect(w, r, "/board", http.StatusSeeOther)
	case tickets.RoleAdmin:
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	case tickets.RoleAgent, tickets.RoleSupervisor:
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
	default:
		s.renderError(w, r, me, http.StatusForbidden, "Tài khoản của bạn chưa được gán vai trò; hãy liên hệ quản trị viên.")
	}
}

// AccountPage is a user's own account: who they are, and the form to change the password.
type AccountPage struct {
	Nav     Nav
	Name    string
	Role    string
	Unit    string
	Phone   string
	Errors  map[string]string
	Changed bool
	// MustChange says why this page is all the user reaches: they signed in with their
	// one-time sign-in code, and have no password of their own yet (the current one asked
	// for is the code).
	MustChange string
}

func (s *Server) accountPage(r *http.Request, me *viewer) AccountPage {
	p := AccountPage{Nav: s.nav(r, me, "account"), Name: me.User.Name(), Role: tickets.RoleLabel(me.User.Role).Vi, Phone: me.User.Phone}
	if me.Actor.MustChangePassword() {
		p.MustChange = tickets.ErrorMessage(tickets.ErrMustChangePassword)
	}
	if me.User.UnitCode != nil {
		p.Unit = s.unitName(r, *me.User.UnitCode)
	}
	return p
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, me *viewer) {
	p := s.accountPage(r, me)
	p.Changed = r.URL.Query().Get("changed") == "1"
	s.render(w, r, http.StatusOK, accountPage(p))
}

func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request, me *viewer) {
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	p := s.accountPage(r, me)
	p.Errors = map[string]string{}
	if next != again {
		p.Errors["again"] = "Hai lần nhập mật khẩu mới không giống nhau."
		s.render(w, r, http.StatusUnprocessableEntity, accountPage(p))
		return
	}
	gen, err := s.cfg.Store.ChangePassword(r.Context(), me.Actor, current, next)
	if err != nil {
		status := http.StatusUnprocessableEntity
		switch {
		case tickets.ErrorCode(err) == tickets.EINVALID:
		case errors.Is(err, tickets.ErrNoSignInCode): // a password an admin typed, before codes
			status = http.StatusForbidden
		case tickets.ErrorCode(err) == tickets.EFORBIDDEN: // too many wrong current passwords: the name is locked
			s.log.Warn("password change refused: too many failures", "username", me.User.Username, "from", remoteAddr(r))
			status = http.StatusTooManyRequests
		default:
			s.fail(w, r, me, err)
			return
		}
		field := "password"
		if strings.Contains(tickets.ErrorMessage(err), "hiện tại") || status != http.StatusUnprocessableEntity {
			field = "current"
		}
		p.Errors[field] = tickets.ErrorMessage(err)
		s.render(w, r, status, accountPage(p))
		return
	}
	// Every other session of the user has ended; this one goes on with the new generation.
	s.sessions.Put(r.Context(), sessionGen, gen)
	if s.hub != nil {
		s.hub.endSessions(me.User.ID, s.sessions.Token(r.Context()), gen)
	}
	s.log.Info("password changed", "username", me.User.Username)
	if me.Actor.MustChangePassword() {
		// Their own password now: the shift that signing in starts starts now.
		if u, err := s.cfg.Store.FindUser(r.Context(), me.User.ID); err == nil {
			s.startShift(r, u)
		}
	}
	http.Redirect(w, r, "/account?changed=1", http.StatusSeeOther)
}
