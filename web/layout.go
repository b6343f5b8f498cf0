package web

import "github.com/huehotline/hotline/tickets"

// Nav is the console's header: who is signed in and where they can go.
type Nav struct {
	SignedIn bool
	Name     string
	Role     string
	Active   string
	Links    []NavLink
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
	tickets_ := NavLink{"tickets", "/tickets", "Phiếu"}
	cases := NavLink{"cases", "/cases", "Ca nghi nhiễm"}
	board := NavLink{"board", "/board", "Theo dõi hằng ngày"}
	switch me.User.Role {
	case tickets.RoleAgent:
		n.Links = []NavLink{tickets_, cases, board}
	case tickets.RoleSupervisor:
		n.Links = []NavLink{tickets_, cases, board, {"access", "/access", "Nhật ký truy cập"}}
	case tickets.RoleOfficer:
		n.Links = []NavLink{board, tickets_, cases}
	case tickets.RoleAdmin:
		n.Links = []NavLink{{"users", "/admin/users", "Người dùng"}, {"units", "/admin/units", "Đơn vị"}}
	}
	n.Links = append(n.Links, NavLink{"account", "/account", "Tài khoản"})
	return n
}
