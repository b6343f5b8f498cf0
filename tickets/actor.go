package tickets

// Roles of the people who use the console.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleOfficer    = "officer" // a ward or commune officer, who sees only their unit
	RoleAdmin      = "admin"
	RoleSystem     = "system" // the IVR and the hotline's own rules
	// RoleMustChangePassword is no user's role but the actor of a user with no password of
	// their own, signed in with a one-time sign-in code (User.MustChangePassword): listed
	// nowhere, it may do nothing but set their own (ChangePassword takes only the actor's
	// user id).
	RoleMustChangePassword = "must_change_password"
)

// Actor is who does something: a signed-in user, the IVR or the system. Store methods
// take the actor to scope what it may see and to write the audit trail.
type Actor struct {
	UserID   *int64
	Name     string
	Role     string
	UnitCode string // for officers: the only unit they see
	// DataProtectionOfficer says the user is the named data-protection officer (a
	// supervisor: User.DataProtectionOfficer).
	DataProtectionOfficer bool
}

// ActorIVR is the IVR acting for a caller.
var ActorIVR = Actor{Name: "ivr", Role: RoleSystem}

// ActorSystem is the hotline's own rules (escalations, schedules).
var ActorSystem = Actor{Name: "system", Role: RoleSystem}

// ActorFor returns the actor of a signed-in user. A user with no password of their own
// (User.MustChangePassword: signed in with the one-time code a supervisor handed them) is
// an actor of no role until they set their own: whoever held the code on the way to them
// must not read citizens' data or confirm user changes with it. Every store method
// refuses that actor but ChangePassword.
func ActorFor(u *User) Actor {
	id := u.ID
	if u.MustChangePassword {
		return Actor{UserID: &id, Name: u.Username, Role: RoleMustChangePassword}
	}
	a := Actor{UserID: &id, Name: u.Username, Role: u.Role, DataProtectionOfficer: u.DataProtectionOfficer}
	if u.UnitCode != nil {
		a.UnitCode = *u.UnitCode
	}
	return a
}

// MustChangePassword reports whether the actor is a user who must set their own password
// before anything else (ActorFor).
func (a Actor) MustChangePassword() bool { return a.Role == RoleMustChangePassword }

// ErrMustChangePassword is what a user with no password of their own is told of anything
// but setting it.
var ErrMustChangePassword = Errorf(EFORBIDDEN, "Bạn đã đăng nhập bằng mã đăng nhập một lần: hãy đặt mật khẩu của riêng bạn ở mục Tài khoản (mật khẩu hiện tại là mã đó). Cho đến khi đó, tài khoản chỉ mở được trang Tài khoản.")

// scoped reports whether the actor sees only one unit.
func (a Actor) scoped() bool { return a.Role == RoleOfficer }

// seesHealthData reports whether the actor may see citizens' reports and cases at all:
// the call centre and the ward and commune officers (their unit's only). An admin, an
// unknown or an empty role sees none: access is denied unless a role grants it.
func (a Actor) seesHealthData() bool {
	switch a.Role {
	case RoleAgent, RoleSupervisor, RoleOfficer, RoleSystem:
		return true
	}
	return false
}

// SeesHealthData reports whether the actor may see citizens' reports and cases.
func (a Actor) SeesHealthData() bool { return a.seesHealthData() }

// canSee reports whether the actor may see something in a unit.
func (a Actor) canSee(unitCode *string) bool {
	if !a.seesHealthData() {
		return false
	}
	return !a.scoped() || (unitCode != nil && *unitCode == a.UnitCode)
}

// SeesCallCentre reports whether the actor sees the call centre's own data: calls,
// callers' histories, the agents' queue (agents, supervisors and the hotline itself).
func (a Actor) SeesCallCentre() bool {
	switch a.Role {
	case RoleAgent, RoleSupervisor, RoleSystem:
		return true
	}
	return false
}

// SeesReporterOf reports whether the actor may see who reported a ticket (the caller's
// number): a ward or commune officer does not see who reported a suspected case or a
// violation in their commune, so that a neighbour who called stays anonymous. It is
// decided by what the caller chose when the ticket was made, or by the call centre making
// it a community report since (Ticket.ReporterHidden, one-way), not by the category of
// the day, so no re-categorisation reveals a reporter.
func (a Actor) SeesReporterOf(t *Ticket) bool {
	if !a.canSeeTicket(t) {
		return false
	}
	return !a.hidesReporterOf(t)
}

// hidesReporterOf reports whether the reporter of a ticket is kept from the actor.
func (a Actor) hidesReporterOf(t *Ticket) bool { return a.scoped() && t.ReporterHidden }

// MayChangeCategory reports whether the actor may give a ticket another category: an
// officer may not make a ticket a community report nor make a community report anything
// else. Which reports are anonymous is the caller's choice, kept by the call centre, not
// the commune's to move either way.
func (a Actor) MayChangeCategory(t *Ticket, to string) bool {
	if to == t.Category || !a.scoped() {
		return true
	}
	return to != CategoryCommunityReport && t.Category != CategoryCommunityReport
}

// IsSupervisor reports whether the actor supervises the call centre (reassigns, merges,
// reads reports and the access log).
func (a Actor) IsSupervisor() bool { return a.Role == RoleSupervisor }

// HandlesDataRequests reports whether the actor works the desk of citizens' requests
// about their personal data (Yêu cầu về dữ liệu cá nhân): the supervisors and the
// data-protection officer. No admin does: an admin sees no citizen's data.
func (a Actor) HandlesDataRequests() bool {
	return a.UserID != nil && (a.Role == RoleSupervisor || (a.DataProtectionOfficer && a.Role != RoleAdmin))
}

// isPerson reports whether the actor is someone signed in, not the IVR or the hotline's
// own rules: only a person's action answers a citizen (a ticket's first response).
func (a Actor) isPerson() bool {
	switch a.Role {
	case RoleAgent, RoleSupervisor, RoleOfficer, RoleAdmin:
		return true
	}
	return false
}

// canWork reports whether the actor may change tickets and cases: whoever sees them.
func (a Actor) canWork() bool { return a.seesHealthData() }
