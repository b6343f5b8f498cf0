package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// AccessPage is the access log, for supervisors: who saw which citizen's data.
type AccessPage struct {
	Nav                  Nav
	User, Phone, Subject string
	Hour, HourText       string // one clock hour only (a flag's, from the incident register)
	AllHoursURL          string
	Rows                 []AccessRow
	Next                 string
	Error                string
	PhoneError           string   // beside the citizen's number
	People               []option // whom the log can be filtered by: user name, name and role
}

// AccessRow is one entry of the access log.
type AccessRow struct {
	At, User, Action, Subject, Phone, From string
	Role                                   string // the viewer's role (and an officer's unit)
}

func (s *Server) handleAccessLog(w http.ResponseWriter, r *http.Request, me *viewer) {
	q := r.URL.Query()
	p := AccessPage{Nav: s.nav(r, me, "access"), User: trimmed(q.Get("user")), Phone: trimmed(q.Get("phone")), Subject: trimmed(q.Get("subject"))}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := tickets.AccessFilter{Username: p.User, Phone: p.Phone, Subject: p.Subject, Before: before, Limit: 100}
	var hourErr error
	if h := trimmed(q.Get("hour")); h != "" {
		from, err := time.ParseInLocation(hourParam, h, tickets.Local)
		if err != nil {
			hourErr = tickets.Errorf(tickets.EINVALID, "Giờ %q không đúng dạng năm-tháng-ngàyTgiờ, ví dụ 2021-08-10T08.", h)
		} else {
			to := from.Add(time.Hour)
			f.From, f.To, p.Hour, p.HourText = &from, &to, h, hourText(from)
			p.AllHoursURL = "/access?" + url.Values{"user": {p.User}, "phone": {p.Phone}, "subject": {p.Subject}}.Encode()
		}
	}
	list, err := s.cfg.Store.ListAccess(r.Context(), me.Actor, f)
	status := http.StatusOK
	switch {
	case err == nil && hourErr != nil:
		p.Error, status = tickets.ErrorMessage(hourErr), http.StatusUnprocessableEntity
	case tickets.ErrorCode(err) == tickets.EINVALID && p.Phone != "":
		// The number is the only filter the log refuses.
		p.PhoneError, status = tickets.ErrorMessage(err), http.StatusUnprocessableEntity
	case tickets.ErrorCode(err) == tickets.EINVALID:
		p.Error, status = tickets.ErrorMessage(err), http.StatusUnprocessableEntity
	case err != nil:
		s.fail(w, r, me, err)
		return
	}
	// People by their names (the log keeps user names), and the filter offers them so.
	n := s.names(r, me)
	for _, u := range n.people {
		if u.Role != tickets.RoleAdmin { // an admin sees no citizen's data
			p.People = append(p.People, option{u.Username, u.Name() + " · " + n.role(u.ID)})
		}
	}
	sort.Slice(p.People, func(i, j int) bool { return tickets.NameKey(p.People[i].Text) < tickets.NameKey(p.People[j].Text) })
	for _, a := range list {
		row := AccessRow{At: dateTime(a.At), User: a.Username, Action: wordOrLabel(tickets.AccessLabels, a.Action), Subject: a.Subject, From: a.RemoteAddr}
		if a.UserID != nil {
			if name, ok := n.byID[*a.UserID]; ok {
				row.User, row.Role = name, n.role(*a.UserID)
			}
		}
		if a.Phone != nil {
			row.Phone = tickets.FormatPhone(*a.Phone)
		}
		p.Rows = append(p.Rows, row)
	}
	if len(list) == 100 {
		p.Next = "/access?" + url.Values{"user": {p.User}, "phone": {p.Phone}, "subject": {p.Subject}, "hour": {p.Hour},
			"before": {strconv.FormatInt(list[len(list)-1].ID, 10)}}.Encode()
	}
	s.render(w, r, status, accessPage(p))
}
