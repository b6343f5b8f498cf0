package tickets

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Orders of the ticket queue.
const (
	SortNewest   = "newest"
	SortOldest   = "oldest"
	SortPriority = "priority" // most urgent first, then oldest first
)

// TicketFilter selects tickets for the queue; nil and zero fields do not filter.
type TicketFilter struct {
	Status           *string
	Open             bool // any status still needing work
	Category         *string
	Priority         *string
	UnitCode         *string
	AssigneeUserID   *int64
	AssigneeUnitCode *string
	Overdue          bool // open and past a due time, at the store's clock
	Unassigned       bool // assigned to nobody
	CreatedFrom      *time.Time
	CreatedBefore    *time.Time
	CallerID         *int64
	CallID           *string
	CaseID           *int64
	Search           string // a reference (HL-260001), a phone number, or the start of a name
	Sort             string
	After            string // the cursor of the page before
	Limit            int
}

// TicketPage is one page of the queue and the cursor of the next ("" at the end).
type TicketPage struct {
	Tickets []*Ticket
	Next    string
	// Broad says a name searched for matches more than NameMatchLimit callers: only the
	// first of them (by name) were searched, and more of the name narrows the search.
	Broad bool
}

// NameMatchLimit is how many callers a name search looks at, at most: a name as common as
// "Nguyễn Văn" matches thousands, and gathering all their tickets would make a search
// slow for everyone.
const NameMatchLimit = 100

// openCondition selects open tickets by the statuses that are not: written so, the
// database reads them through the partial indexes of open tickets (migration 0008).
const openCondition = `t.status NOT IN ('resolved', 'closed', 'cancelled')`

// ListTickets returns a page of tickets as the actor may see them: an officer only ever
// sees their unit's, and never finds a ticket whose reporter is hidden from them by its
// caller, their number or their name (a reference finds it). Pages are keyset-paginated,
// so page 1000 costs what page 1 does.
//
// A condition with OR across two columns (an officer's unit is the ticket's area or its
// assignee; a phone number is the caller's or the contact's) is run as one query per
// branch, each served in order by its own index, and the pages are merged: one OR query
// would make the database sort every matching ticket to find the first fifty.
func (s *Store) ListTickets(ctx context.Context, actor Actor, f TicketFilter) (*TicketPage, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được phiếu.")
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	var branches [][]condition
	if actor.scoped() {
		branches = append(branches, []condition{
			{`t.unit_code = ?`, []any{actor.UnitCode}},
			{`t.assignee_unit_code = ?`, []any{actor.UnitCode}},
		})
	}
	if f.Status != nil {
		add(`t.status = ?`, *f.Status)
	}
	if f.Open || f.Overdue {
		add(openCondition)
	}
	if f.Overdue {
		now := s.Now().UTC()
		add(`((t.first_response_at IS NULL AND t.first_response_due < ?) OR t.resolution_due < ?)`, now, now)
	}
	if f.Category != nil {
		add(`t.category = ?`, *f.Category)
	}
	if f.Priority != nil {
		add(`t.priority = ?`, *f.Priority)
	}
	if f.UnitCode != nil {
		add(`t.unit_code = ?`, *f.UnitCode)
	}
	if f.AssigneeUserID != nil {
		add(`t.assignee_user_id = ?`, *f.AssigneeUserID)
	}
	if f.AssigneeUnitCode != nil {
		add(`t.assignee_unit_code = ?`, *f.AssigneeUnitCode)
	}
	if f.Unassigned {
		add(`t.assignee_user_id IS NULL AND t.assignee_unit_code IS NULL`)
	}
	if f.CreatedFrom != nil {
		add(`t.created_at >= ?`, f.CreatedFrom.UTC())
	}
	if f.CreatedBefore != nil {
		add(`t.created_at < ?`, f.CreatedBefore.UTC())
	}
	if f.CallerID != nil {
		add(`t.caller_id = ?`, *f.CallerID)
		if actor.scoped() { // a caller's tickets, to an officer, are never their hidden reports
			add(`t.reporter_hidden = ?`, false)
		}
	}
	if f.CallID != nil {
		add(`t.call_id = ?`, *f.CallID)
	}
	if f.CaseID != nil {
		add(`t.case_id = ?`, *f.CaseID)
	}
	broad := false
	if q := strings.TrimSpace(f.Search); q != "" {
		conds := searchConditions(q)
		if len(conds) == 1 && len(conds[0].args) == 2 { // a name
			var n int
			if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM callers
				WHERE name_key >= ? AND name_key < ? LIMIT ?) m`), append(conds[0].args, NameMatchLimit+1)...); err != nil {
				return nil, fmt.Errorf("list tickets: %w", err)
			}
			broad = n > NameMatchLimit
		}
		branches = append(branches, conds)
		if actor.scoped() && !IsTicketRef(q) {
			// A number or a name, to an officer, never finds a ticket through its hidden
			// reporter (the caller's or the callback number, the caller's name): the
			// search would tell them who reported it. A reference still finds it.
			add(`t.reporter_hidden = ?`, false)
		}
	}
	order, cursorCond, err := keyset(f.Sort, f.After)
	if err != nil {
		return nil, err
	}
	if cursorCond.sql != "" {
		add(cursorCond.sql, cursorCond.args...)
	}
	n := limit(f.Limit)

	var list []*Ticket
	seen := map[int64]bool{}
	for _, combo := range combinations(branches) {
		w, a := append([]string(nil), where...), append([]any(nil), args...)
		for _, c := range combo {
			w, a = append(w, c.sql), append(a, c.args...)
		}
		query := `SELECT ` + ticketColumns + ticketFrom
		if len(w) > 0 {
			query += ` WHERE ` + strings.Join(w, " AND ")
		}
		query += ` ORDER BY ` + order + ` LIMIT ?`
		var part []*Ticket
		if err := s.db.SelectContext(ctx, &part, s.db.Rebind(query), append(a, n+1)...); err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		for _, t := range part {
			if !seen[t.ID] {
				seen[t.ID] = true
				list = append(list, t)
			}
		}
	}
	sortTickets(f.Sort, list)
	page := &TicketPage{Tickets: list, Broad: broad}
	if len(list) > n {
		page.Tickets = list[:n]
		page.Next = cursorOf(f.Sort, list[n-1])
	}
	if err := hideReporters(ctx, s.db, actor, page.Tickets...); err != nil {
		return nil, err
	}
	return page, nil
}

// combinations returns every way of taking one condition from each group of branches.
func combinations(groups [][]condition) [][]condition {
	out := [][]condition{nil}
	for _, g := range groups {
		var next [][]condition
		for _, prefix := range out {
			for _, c := range g {
				next = append(next, append(append([]condition(nil), prefix...), c))
			}
		}
		out = next
	}
	return out
}

// sortTickets orders merged pages as the query orders them.
func sortTickets(order string, list []*Ticket) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if order == SortPriority && a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			if order == SortNewest || order == "" {
				return a.CreatedAt.After(b.CreatedAt)
			}
			return a.CreatedAt.Before(b.CreatedAt)
		}
		if order == SortNewest || order == "" {
			return a.ID > b.ID
		}
		return a.ID < b.ID
	})
}

// searchConditions reads a search box: a ticket reference, a phone number in any shape
// or its last six digits (the caller's or the number to call back), or the start of a
// caller's name.
func searchConditions(q string) []condition {
	if IsTicketRef(q) {
		return []condition{{`t.ref = ?`, []any{strings.ToUpper(q)}}}
	}
	if p, ok := ParsePhoneQuery(q); ok && p.Number != "" {
		return []condition{
			{`t.caller_id = (SELECT id FROM callers WHERE phone = ?)`, []any{p.Number}},
			{`t.contact_phone = ?`, []any{p.Number}},
		}
	} else if ok {
		// The last six digits: through the indexes of them (migration phone_last_digits).
		return []condition{
			{`t.caller_id IN (SELECT id FROM callers WHERE ` + lastDigits("phone") + `)`, []any{p.Last6}},
			{lastDigits("t.contact_phone"), []any{p.Last6}},
		}
	}
	key := NameKey(q)
	return []condition{{`t.caller_id IN (SELECT id FROM callers WHERE name_key >= ? AND name_key < ?
		ORDER BY name_key LIMIT ` + strconv.Itoa(NameMatchLimit) + `)`, []any{key, key + "\uffff"}}}
}

type condition struct {
	sql  string
	args []any
}

// keyset returns the ORDER BY of a sort and the condition that starts after a cursor.
func keyset(sort, after string) (string, condition, error) {
	var c condition
	var cur cursor
	if after != "" {
		var err error
		if cur, err = parseCursor(after); err != nil {
			return "", c, err
		}
		if cur.sort != sortName(sort) {
			return "", c, Errorf(EINVALID, "Trang tiếp theo thuộc một cách sắp xếp khác; hãy tải lại danh sách.")
		}
	}
	switch sort {
	case "", SortNewest:
		if after != "" {
			c = condition{`(t.created_at, t.id) < (?, ?)`, []any{cur.at, cur.id}}
		}
		return `t.created_at DESC, t.id DESC`, c, nil
	case SortOldest:
		if after != "" {
			c = condition{`(t.created_at, t.id) > (?, ?)`, []any{cur.at, cur.id}}
		}
		return `t.created_at, t.id`, c, nil
	case SortPriority:
		if after != "" {
			c = condition{`(t.priority, t.created_at, t.id) > (?, ?, ?)`, []any{cur.priority, cur.at, cur.id}}
		}
		return `t.priority, t.created_at, t.id`, c, nil
	}
	return "", c, Errorf(EINVALID, "Cách sắp xếp %q không tồn tại.", sort)
}

type cursor struct {
	sort     string
	at       time.Time
	id       int64
	priority string
}

// sortName is a sort's name as cursors carry it ("" is newest first).
func sortName(sort string) string {
	if sort == "" {
		return SortNewest
	}
	return sort
}

// cursorOf is the cursor after t in a sort: the sort's name and t's place in it.
func cursorOf(sort string, t *Ticket) string {
	s := sortName(sort) + ":" + strconv.FormatInt(t.CreatedAt.UnixNano(), 10) + ":" + strconv.FormatInt(t.ID, 10)
	if sort == SortPriority {
		s += ":" + t.Priority
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func parseCursor(s string) (cursor, error) {
	bad := Errorf(EINVALID, "Trang tiếp theo không hợp lệ; hãy tải lại danh sách.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	parts := strings.Split(string(b), ":")
	if len(parts) < 3 {
		return cursor{}, bad
	}
	ns, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return cursor{}, bad
	}
	c := cursor{sort: parts[0], at: time.Unix(0, ns).UTC(), id: id}
	if len(parts) > 3 {
		c.priority = parts[3]
	}
	return c, nil
}
