package web

import (
	"net/http"
	"slices"

	"github.com/huehotline/hotline/tickets"
)

// Nav is the console's header: who is signed in and where they can go.
type Nav struct {
	SignedIn bool
	Name     string
	Role     string
	Active   string
	Links    []NavLink
	// Live says the page gets live events from EventsURL: the queue strip and the
	// agent's desk bar (Desk, for the call centre), who else has a ticket open.
	Live      bool
	EventsURL string
	Strip     *StripView
	Desk      DeskBarView
}

// NavLink is one link of the header.
type NavLink struct {
	Key, Href, Text string
}

// nav builds the header for a user (nil: nobody signed in), with active the current part.
func nav(me *viewer, active string) Nav {
	n := Nav{Active: active}
	if me == nil {
		return n
	}
	n.SignedIn, n.Name, n.Role = true, me.User.Name(), tickets.RoleLabel(me.User.Role).Vi
	if me.Actor.MustChangePassword() {
		n.Links = []NavLink{{"account", "/account", "Tài khoản"}} // all they reach until they set their own password
		return n
	}
	tickets_ := NavLink{"tickets", "/tickets", "Phiếu"}
	cases := NavLink{"cases", "/cases", "Ca nghi nhiễm"}
	board := NavLink{"board", "/board", "Theo dõi hằng ngày"}
	guides := NavLink{"guides", "/guides", "Hướng dẫn"}
	switch me.User.Role {
	case tickets.RoleAgent:
		n.Links = []NavLink{tickets_, cases, board, guides}
	case tickets.RoleSupervisor:
		n.Links = []NavLink{tickets_, cases, board, guides, {"reports", "/reports/daily", "Báo cáo"}, {"announcements", "/announcements", "Thông báo"},
			{"access", "/access", "Nhật ký truy cập"}, {"incidents", "/incidents", "Sự cố dữ liệu"}, {"requests", "/requests", "Yêu cầu về dữ liệu"}, {"confirmations", "/confirmations", "Chờ xác nhận"}}
	case tickets.RoleOfficer:
		n.Links = []NavLink{board, tickets_, cases, guides, {"reports", "/reports/daily", "Báo cáo"}}
	case tickets.RoleAdmin:
		n.Links = []NavLink{{"users", "/admin/users", "Người dùng"}, {"confirmations", "/confirmations", "Chờ xác nhận"},
			{"audit", "/admin/audit", "Nhật ký người dùng"}, {"units", "/admin/units", "Đơn vị"}, {"retention", "/admin/retention", "Thời hạn lưu trữ"}, {"holidays", "/admin/holidays", "Ngày nghỉ lễ"}}
	}
	n.Links = append(n.Links, NavLink{"account", "/account", "Tài khoản"})
	return n
}

// nav builds the header of a page, with its live parts when the desk is on.
func (s *Server) nav(r *http.Request, me *viewer, active string) Nav {
	n := nav(me, active)
	if me == nil || s.hub == nil || !me.Actor.SeesHealthData() {
		return n
	}
	n.Live, n.EventsURL = true, "/events"
	if active == "wallboard" {
		n.EventsURL = "/events?wallboard=1"
	}
	if me.Actor.SeesCallCentre() {
		d := s.cfg.Desk.Snapshot()
		strip := stripView(d)
		n.Strip, n.Desk = &strip, s.deskBarShown(r.Context(), me, remoteAddr(r), fromConsole(r), d)
		n.Desk.Problem = s.sessions.PopString(r.Context(), sessionDeskProblem)
	}
	if me.Actor.IsSupervisor() {
		n.Links = slices.Insert(n.Links, len(n.Links)-1, NavLink{"wallboard", "/wallboard", "Bảng theo dõi"})
	}
	return n
}
