package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// TicketsPage is the ticket list: a view (a tab), filters, a page of rows.
type TicketsPage struct {
	Nav     Nav
	View    string
	Views   []NavLink
	Filter  TicketFilterForm
	Rows    []TicketRow
	Next    string // the next page's URL, "" at the end
	Options TicketOptions
	Error   string
	// Errors are the filters' own messages, beside their fields (from, to); OOB sends
	// them to the fields with a list htmx replaces alone.
	Errors  map[string]string
	OOB     bool
	Message string // what the last action did
	Broad   bool   // the name searched for is too common: only some callers were searched
	// MarkAll asks to confirm "mark all handled", with how many it will resolve.
	MarkAll *MarkAllConfirm
}

// MarkAllConfirm is the question before "mark all handled": how many missed calls of the
// filtered list it resolves, how many it leaves (a colleague's), and which ones, so that
// a call missed while the agent reads is not among them.
type MarkAllConfirm struct {
	Count, Others int
	IDs           string // the tickets counted, comma-separated
	Back          string // the list again
}

// FiltersOpen says the filters folded under the search box (on a phone) start open:
// some are set, or one is wrong.
func (p TicketsPage) FiltersOpen() bool {
	f := p.Filter
	return f.Status != "" || f.Category != "" || f.Priority != "" || f.Area != "" || f.Assignee != "" || f.From != "" || f.To != "" ||
		len(p.Errors) > 0
}

// TicketFilterForm is the list's filters as the user typed them.
type TicketFilterForm struct {
	Q, Status, Category, Priority, Area, Assignee, From, To string
}

// Pairs are the filters set, as name (Value) and value (Text), for a form that acts on
// the filtered set.
func (f TicketFilterForm) Pairs() []option {
	var out []option
	for _, p := range []option{{"q", f.Q}, {"status", f.Status}, {"category", f.Category}, {"priority", f.Priority},
		{"area", f.Area}, {"assignee", f.Assignee}, {"from", f.From}, {"to", f.To}} {
		if p.Text != "" {
			out = append(out, p)
		}
	}
	return out
}

// TicketOptions are the choices of the list's and the ticket page's selects: Areas are
// the list's area filter (what the user sees), Units the areas a ticket may be given.
type TicketOptions struct {
	Statuses, Categories, Priorities, Units, Areas, Assignees []option
}

// TicketRow is one ticket as a list shows it: the caller's number masked.
type TicketRow struct {
	Ref, URL, Category, Priority, Status, Caller, Area, Assignee, Created string
	Overdue, Repeat                                                       bool
	Messages                                                              int
	Viewers                                                               []string // others with it open
	// MayMarkHandled offers "handled" on the missed-call worklist: not on a colleague's.
	MayMarkHandled bool
}

// ticketViews are the list's tabs: the call centre's, and a ward officer's.
var (
	callCentreViews = []NavLink{
		{"open", "/tickets?view=open", "Đang mở (khẩn trước)"},
		{"mine", "/tickets?view=mine", "Của tôi"},
		{"unassigned", "/tickets?view=unassigned", "Chưa giao"},
		{"overdue", "/tickets?view=overdue", "Quá hạn"},
		{"callbacks", "/tickets?view=callbacks", "Yêu cầu gọi lại"},
		{"missed", "/tickets?view=missed", "Cuộc gọi nhỡ"},
		{"all", "/tickets?view=all", "Tất cả"},
	}
	officerViews = []NavLink{
		{"unit", "/tickets?view=unit", "Đơn vị tôi (đang mở)"},
		{"overdue", "/tickets?view=overdue", "Quá hạn"},
		{"all", "/tickets?view=all", "Tất cả"},
	}
)

// ticketFilter turns a list's URL into a store filter, or an error naming the filter at
// fault.
func (s *Server) ticketFilter(q url.Values, me *viewer) (string, TicketFilterForm, tickets.TicketFilter, error) {
	form := TicketFilterForm{Q: trimmed(q.Get("q")), Status: q.Get("status"), Category: q.Get("category"),
		Priority: q.Get("priority"), Area: q.Get("area"), Assignee: q.Get("assignee"), From: q.Get("from"), To: q.Get("to")}
	views := callCentreViews
	if me.Actor.UnitCode != "" {
		views = officerViews
	}
	view := q.Get("view")
	if !containsKey(views, view) {
		view = views[0].Key
	}
	f := tickets.TicketFilter{Search: form.Q, After: q.Get("after"), Limit: 50}
	switch view {
	case "open", "unit":
		f.Open, f.Sort = true, tickets.SortPriority
	case "mine":
		f.Open, f.Sort, f.AssigneeUserID = true, tickets.SortPriority, me.Actor.UserID
	case "unassigned":
		f.Open, f.Unassigned, f.Sort = true, true, tickets.SortPriority
	case "overdue":
		f.Overdue, f.Sort = true, tickets.SortPriority
	case "callbacks":
		f.Open, f.Sort, f.Category = true, tickets.SortOldest, ptr(tickets.CategoryCallback)
	case "missed":
		f.Open, f.Sort, f.Category = true, tickets.SortOldest, ptr(tickets.CategoryMissedCall)
	}
	set := func(v string, dst **string) {
		if v != "" {
			*dst = ptr(v)
		}
	}
	set(form.Status, &f.Status)
	if view == "missed" {
		form.Category = "" // the worklist is missed calls, whatever the URL says
	}
	set(form.Category, &f.Category)
	set(form.Priority, &f.Priority)
	set(form.Area, &f.UnitCode)
	switch a := form.Assignee; {
	case a == "":
	case a == "none":
		f.Unassigned = true
	case strings.HasPrefix(a, "unit:"):
		f.AssigneeUnitCode = ptr(strings.TrimPrefix(a, "unit:"))
	case strings.HasPrefix(a, "user:"):
		id, err := strconv.ParseInt(strings.TrimPrefix(a, "user:"), 10, 64)
		if err != nil {
			return view, form, f, tickets.Errorf(tickets.EINVALID, "Người nhận %q không hợp lệ.", a)
		}
		f.AssigneeUserID = &id
	default:
		return view, form, f, tickets.Errorf(tickets.EINVALID, "Người nhận %q không hợp lệ.", a)
	}
	for _, d := range []struct {
		name  string
		shown *string
		dst   **time.Time
		next  int
	}{{"from", &form.From, &f.CreatedFrom, 0}, {"to", &form.To, &f.CreatedBefore, 1}} {
		if *d.shown == "" {
			continue
		}
		day, err := tickets.ParseDay(*d.shown)
		if err != nil {
			return view, form, f, tickets.FieldErrorf(d.name, "%s", tickets.ErrorMessage(err))
		}
		*d.shown = tickets.DayText(day)
		t, _ := time.ParseInLocation(tickets.DayFormat, day, tickets.Local)
		t = t.AddDate(0, 0, d.next)
		*d.dst = &t
	}
	return view, form, f, nil
}

func containsKey(links []NavLink, key string) bool {
	for _, l := range links {
		if l.Key == key {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

func (s *Server) handleTickets(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, status, err := s.ticketsPage(r, me, r.URL.Query())
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	if isHTMX(r) {
		s.render(w, r, status, ticketListAnswer(p))
		return
	}
	s.render(w, r, status, ticketsPage(p))
}

// ticketsPage builds the ticket list of a query: a view, filters, a page. A filter at
// fault is told on the page (422); any other error is returned.
func (s *Server) ticketsPage(r *http.Request, me *viewer, q url.Values) (TicketsPage, int, error) {
	view, form, f, err := s.ticketFilter(q, me)
	p := TicketsPage{Nav: s.nav(r, me, "tickets"), View: view, Filter: form, Options: s.ticketOptions(r, me),
		Errors: map[string]string{}, OOB: isHTMX(r)}
	p.Views = callCentreViews
	if me.Actor.UnitCode != "" {
		p.Views = officerViews
	}
	if done := q.Get("done"); done != "" {
		if n, err := strconv.Atoi(done); err == nil {
			p.Message = markedText(n, q.Get("asked"))
		}
	}
	status := http.StatusOK
	if err == nil {
		var page *tickets.TicketPage
		page, err = s.cfg.Store.ListTickets(r.Context(), me.Actor, f)
		if err == nil {
			p.Rows, p.Broad = s.ticketRows(r, me, page.Tickets), page.Broad
			if page.Next != "" {
				nq := url.Values{}
				for k, v := range q {
					nq[k] = v
				}
				nq.Set("after", page.Next)
				nq.Set("view", view)
				p.Next = "/tickets?" + nq.Encode()
			}
		}
	}
	if err != nil {
		if tickets.ErrorCode(err) != tickets.EINVALID {
			return p, 0, err
		}
		status = http.StatusUnprocessableEntity
		if f := tickets.ErrorField(err); f == "from" || f == "to" {
			p.Errors[f] = tickets.ErrorMessage(err)
		} else {
			p.Error = tickets.ErrorMessage(err)
		}
	}
	return p, status, nil
}

// markedText says what "mark all handled" (or one "handled") did: how many tickets were
// resolved, of how many confirmed.
func markedText(n int, asked string) string {
	want, err := strconv.Atoi(asked)
	switch {
	case n == 0:
		return "Không phiếu nào được đánh dấu: các phiếu đã được xử lý, hoặc đang do người khác xử lý."
	case err == nil && want > n:
		return fmt.Sprintf("Đã đánh dấu %d phiếu là đã xử lý; %d phiếu đã được người khác xử lý trong lúc đó.", n, want-n)
	}
	return fmt.Sprintf("Đã đánh dấu %d phiếu là đã xử lý.", n)
}

// ticketRows formats tickets for a list, numbers masked.
func (s *Server) ticketRows(r *http.Request, me *viewer, list []*tickets.Ticket) []TicketRow {
	ids := make([]int64, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	recs, _ := s.cfg.Store.RecordingsOf(r.Context(), me.Actor, ids)
	now := s.cfg.Now()
	names := s.names(r, me)
	rows := make([]TicketRow, len(list))
	for i, t := range list {
		row := TicketRow{
			Ref: t.Ref, URL: "/tickets/" + t.Ref, Category: tickets.CategoryLabel(t.Category).Vi, Priority: t.Priority,
			Status: tickets.StatusLabel(t.Status).Vi, Caller: maskedPhone(t.CallerNumber), Created: dateTime(t.CreatedAt),
			Overdue: t.Overdue(now), Repeat: t.RepeatOfID != nil, Messages: len(recs[t.ID]),
			Assignee: names.assignee(t.AssigneeUserID, t.AssigneeUnitCode), Viewers: s.hub.viewersOf(t.Ref, me.User),
			MayMarkHandled: me.Actor.MayMarkHandled(t),
		}
		if !me.Actor.SeesReporterOf(t) {
			row.Caller = "ẩn danh"
		}
		if t.UnitCode != nil {
			row.Area = names.unit(*t.UnitCode)
		}
		rows[i] = row
	}
	return rows
}

// ticketOptions are the selects' choices: the areas in force, and whom tickets go to.
func (s *Server) ticketOptions(r *http.Request, me *viewer) TicketOptions {
	o := TicketOptions{Statuses: labelsVi(tickets.Statuses), Categories: labelsVi(tickets.Categories),
		Priorities: labelsVi(tickets.PriorityLabels)}
	names := s.names(r, me)
	o.Units = activeUnits(names.units)
	if me.Actor.SeesCallCentre() {
		for _, u := range names.users {
			o.Assignees = append(o.Assignees, option{fmt.Sprintf("user:%d", u.ID), u.Name() + " (" + tickets.RoleLabel(u.Role).Vi + ")"})
		}
		for _, u := range o.Units {
			o.Assignees = append(o.Assignees, option{"unit:" + u.Value, u.Text})
		}
	} else if me.Actor.UnitCode != "" {
		o.Assignees = []option{{"unit:" + me.Actor.UnitCode, names.unit(me.Actor.UnitCode)}}
	}
	o.Areas = areaFilter(me, o.Units, names)
	return o
}

// activeUnits are the units in force, for a select.
func activeUnits(units []*tickets.Unit) []option {
	var out []option
	for _, u := range units {
		if u.Active {
			out = append(out, option{u.Code, u.Name})
		}
	}
	return out
}

// areaFilter is what a list's area filter offers: every unit to the call centre, an
// officer's own unit to an officer (she sees no other).
func areaFilter(me *viewer, units []option, n names) []option {
	if me.Actor.UnitCode != "" {
		return []option{{me.Actor.UnitCode, n.unit(me.Actor.UnitCode)}}
	}
	return units
}

// names resolves units' and users' names for a request.
type names struct {
	units   []*tickets.Unit
	byCode  map[string]string
	users   []*tickets.User // those tickets may be given to (the call centre's choices)
	byID    map[int64]string
	people  map[int64]*tickets.Person // everyone, by id: who did what, who has a ticket
	loadErr error
}

func (n names) unit(code string) string {
	if name, ok := n.byCode[code]; ok {
		return name
	}
	return code
}

func (n names) user(id int64) string {
	if name, ok := n.byID[id]; ok {
		return name
	}
	return fmt.Sprintf("người dùng #%d", id)
}

// role is a user's role as people say it, with an officer's unit: "Tổng đài viên",
// "Cán bộ phường/xã, Phường Phú Xuân"; "" for someone unknown.
func (n names) role(id int64) string {
	p, ok := n.people[id]
	if !ok {
		return ""
	}
	r := tickets.RoleLabel(p.Role).Vi
	if p.UnitCode != nil {
		r += ", " + n.unit(*p.UnitCode)
	}
	return r
}

// assigneeRole is who has a ticket with their role (a person) or the unit: for the
// ticket's page, where it helps to know whether the ward or the call centre has it.
func (n names) assigneeRole(userID *int64, unit *string) string {
	a := n.assignee(userID, unit)
	if userID != nil {
		if r := n.role(*userID); r != "" {
			a += " (" + r + ")"
		}
	}
	return a
}

func (n names) assignee(userID *int64, unit *string) string {
	switch {
	case userID != nil:
		return n.user(*userID)
	case unit != nil:
		return n.unit(*unit)
	}
	return ""
}

// unitsCache keeps the units (40 of them, changed by admins once in years) a minute.
type unitsCache struct {
	mu    sync.Mutex
	at    time.Time
	units []*tickets.Unit
}

func (s *Server) names(r *http.Request, me *viewer) names {
	n := names{byCode: map[string]string{}, byID: map[int64]string{}}
	n.units, n.loadErr = s.allUnits(r.Context())
	for _, u := range n.units {
		n.byCode[u.Code] = u.Name
	}
	if me.Actor.SeesCallCentre() {
		n.users, _ = s.cfg.Store.ListUsers(r.Context(), me.Actor)
	}
	// Everyone who did something is named, to everyone who sees it: officers, users
	// deactivated since, whatever the role of who reads.
	n.people, _ = s.cfg.Store.People(r.Context(), me.Actor)
	for id, p := range n.people {
		n.byID[id] = p.Name()
	}
	return n
}

func (s *Server) allUnits(ctx context.Context) ([]*tickets.Unit, error) {
	c := &s.units
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.units != nil && time.Since(c.at) < time.Minute {
		return c.units, nil
	}
	units, err := s.cfg.Store.ListUnits(ctx, true)
	if err != nil {
		return nil, err
	}
	c.units, c.at = units, time.Now()
	return units, nil
}

// forgetUnits makes the next request read the units again (an admin changed them).
func (s *Server) forgetUnits() {
	s.units.mu.Lock()
	s.units.units = nil
	s.units.mu.Unlock()
}

func (s *Server) unitName(r *http.Request, code string) string {
	units, _ := s.allUnits(r.Context())
	for _, u := range units {
		if u.Code == code {
			return u.Name
		}
	}
	return code
}
