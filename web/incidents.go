package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Sự cố dữ liệu: the register of personal-data incidents and the access log's flags, for
// supervisors (Law 91/2025/QH15 Art. 23). The register lists the incidents whose 72 hours
// still run first, the nearest deadline first, each clock counting down (htmx reloads the
// list every minute) and red once overdue; flags of the access log wait above it to be
// dismissed with a reason or made an incident in one step. Opening the register scans
// the access log written since its last scan (tickets.Store.ScanAccessLog): a flag is
// wanted when a supervisor looks, the scan reads only what is new, and a second
// supervisor or hotline opening it at once raises nothing twice.

// IncidentsPage is the register.
type IncidentsPage struct {
	Nav      Nav
	Open     []IncidentRow // the clock runs
	Others   []IncidentRow // notified, recorded why not, or closed
	Flags    []FlagRow     // waiting for review
	Reviewed []FlagRow     // reviewed in the last 30 days
	Message  string
	Errors   map[string]string // flag-ID.reason
}

// IncidentRow is one incident in the register.
type IncidentRow struct {
	ID             int64
	URL            string
	Found, Summary string
	People         string
	Status         string
	Clock          ClockView
}

// ClockView is an incident's 72 hours as shown: what is left, or how it ended.
type ClockView struct {
	Text    string
	Due     string
	Class   string // overdue, soon, stopped, running
	Overdue bool
}

// FlagRow is one flag of the access log.
type FlagRow struct {
	ID                  int64
	User, Hour          string
	Count, Threshold    int
	AccessURL           string // the access log of that user and hour
	DismissURL, OpenURL string
	Status, Reviewed    string
	Reason, IncidentURL string
}

// IncidentForm is what was typed in the form of a new incident.
type IncidentForm struct {
	FoundAt, FoundBy, Summary, People, Actions string
	Estimated                                  bool
	Kinds                                      map[string]bool
}

// NewIncidentPage is the form of a new incident.
type NewIncidentPage struct {
	Nav    Nav
	Form   IncidentForm
	Kinds  []option
	Errors map[string]string
}

// IncidentPage is one incident.
type IncidentPage struct {
	Nav                   Nav
	ID                    int64
	URL                   string
	Found, FoundBy        string
	Summary, Actions      string
	Kinds                 []string
	People                string
	Status                string
	Clock                 ClockView
	Notified, NotifiedHow string
	NoNoticeReason        string
	Closed                bool
	Minutes               []IncidentMinute
	Trail                 []IncidentMinute
	Edit                  IncidentForm
	KindOptions           []option
	Notice                NoticeForm
	Message               string
	Errors                map[string]string
}

// NoticeForm is what was typed in the notification's and no-notification's forms.
type NoticeForm struct {
	At, How, Reason, Minute, Close string
}

// IncidentMinute is one note of the minutes, or one entry of the trail.
type IncidentMinute struct {
	At, Author, Text string
}

// incidentURL is the page of an incident.
func incidentURL(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// hoursText writes a duration in hours and minutes: 61 giờ 05 phút.
func hoursText(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < 0 {
		d = -d
	}
	return fmt.Sprintf("%d giờ %02d phút", int(d/time.Hour), int((d%time.Hour)/time.Minute))
}

// clockView writes an incident's clock at now.
func clockView(inc *tickets.Incident, now time.Time) ClockView {
	c := inc.ClockAt(now)
	v := ClockView{Due: dateTime(c.Due)}
	switch {
	case c.Notified && c.Late > 0:
		v.Text, v.Class = "Đã thông báo, muộn "+hoursText(c.Late), "stopped late"
	case c.Notified:
		v.Text, v.Class = "Đã thông báo trong hạn", "stopped"
	case c.Stopped:
		v.Text, v.Class = "Không thông báo (đã ghi lý do)", "stopped"
	case c.Overdue:
		v.Text, v.Class, v.Overdue = "Quá hạn "+hoursText(c.Left), "overdue", true
	case c.Soon:
		v.Text, v.Class = "Còn "+hoursText(c.Left), "soon"
	default:
		v.Text, v.Class = "Còn "+hoursText(c.Left), "running"
	}
	return v
}

// peopleShown writes how many people an incident concerns.
func peopleShown(inc *tickets.Incident) string {
	switch {
	case inc.People == nil:
		return "chưa rõ"
	case inc.PeopleEstimated:
		return "khoảng " + strconv.FormatInt(*inc.People, 10)
	}
	return strconv.FormatInt(*inc.People, 10)
}

// hourParam is a flagged hour as the access log's filter takes it (Huế time).
const hourParam = "2006-01-02T15"

// accessHourURL is the access log of one user in one hour.
func accessHourURL(username string, hour time.Time) string {
	return "/access?" + url.Values{"user": {username}, "hour": {hour.In(tickets.Local).Format(hourParam)}}.Encode()
}

// hourText writes a clock hour: 08:00–09:00 10/08/2021.
func hourText(hour time.Time) string {
	h := hour.In(tickets.Local)
	return h.Format("15:04") + "–" + h.Add(time.Hour).Format("15:04") + " " + h.Format("02/01/2006")
}

func (s *Server) incidentsPage(r *http.Request, me *viewer) (IncidentsPage, error) {
	p := IncidentsPage{Nav: s.nav(r, me, "incidents"), Message: r.URL.Query().Get("done"), Errors: map[string]string{}}
	ctx := r.Context()
	if !isHTMX(r) { // the minute's reload of the clocks reads only
		if _, err := s.cfg.Store.ScanAccessLog(ctx); err != nil {
			return p, err
		}
	}
	list, err := s.cfg.Store.Incidents(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	now := s.cfg.Now()
	for _, inc := range list {
		row := IncidentRow{ID: inc.ID, URL: incidentURL(inc.ID), Found: dateTime(inc.FoundAt), Summary: excerpt(inc.Summary, 160),
			People: peopleShown(inc), Status: wordOrLabel(tickets.IncidentStatusLabels, inc.Status), Clock: clockView(inc, now)}
		if inc.ClockAt(now).Stopped || inc.Status == tickets.IncidentClosed {
			p.Others = append(p.Others, row)
		} else {
			p.Open = append(p.Open, row)
		}
	}
	flags, err := s.cfg.Store.AccessFlags(ctx, me.Actor)
	if err != nil {
		return p, err
	}
	n := s.names(r, me)
	for _, f := range flags {
		id := strconv.FormatInt(f.ID, 10)
		row := FlagRow{ID: f.ID, User: f.Username, Hour: hourText(f.Hour), Count: f.Count, Threshold: f.Threshold,
			AccessURL: accessHourURL(f.Username, f.Hour), DismissURL: "/access-flags/" + id + "/dismiss", OpenURL: "/access-flags/" + id + "/incident",
			Reason: f.Reason}
		if f.UserID != nil {
			if name, ok := n.byID[*f.UserID]; ok {
				row.User = name + " (" + f.Username + ")"
			}
		}
		if f.Status == tickets.FlagOpen {
			p.Flags = append(p.Flags, row)
			continue
		}
		row.Status = "Đã bỏ qua"
		if f.IncidentID != nil {
			row.Status, row.IncidentURL = "Đã mở sự cố", incidentURL(*f.IncidentID)
		}
		if f.ReviewedBy != nil {
			row.Reviewed = *f.ReviewedBy + " · " + dateTimePtr(f.ReviewedAt)
		}
		p.Reviewed = append(p.Reviewed, row)
	}
	return p, nil
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.incidentsPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, incidentsPage(p))
}

func (s *Server) handleIncidentNew(w http.ResponseWriter, r *http.Request, me *viewer) {
	p := NewIncidentPage{Nav: s.nav(r, me, "incidents"), Kinds: labelsVi(tickets.DataKindLabels), Errors: map[string]string{},
		Form: IncidentForm{FoundAt: dateTime(s.cfg.Now()), FoundBy: me.User.Name(), Kinds: map[string]bool{}}}
	s.render(w, r, http.StatusOK, newIncidentPage(p))
}

// peopleParam reads the number of people typed: "" is not known yet.
func peopleParam(text string) (*int64, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(trimmed(text), ".", ""), " ", "")
	if text == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, tickets.FieldErrorf("people", "Số người %q không phải là một số; để trống nếu chưa rõ.", text)
	}
	return &n, nil
}

// incidentForm reads the fields of a new incident's or an edit's form.
func incidentForm(r *http.Request) IncidentForm {
	f := IncidentForm{FoundAt: trimmed(r.PostFormValue("found_at")), FoundBy: r.PostFormValue("found_by"), Summary: r.PostFormValue("summary"),
		People: trimmed(r.PostFormValue("people")), Actions: r.PostFormValue("actions"), Estimated: r.PostFormValue("estimated") != "",
		Kinds: map[string]bool{}}
	for _, k := range r.PostForm["data_kinds"] {
		f.Kinds[k] = true
	}
	return f
}

func (s *Server) handleIncidentCreate(w http.ResponseWriter, r *http.Request, me *viewer) {
	form := incidentForm(r)
	refuse := func(err error) {
		if tickets.ErrorCode(err) != tickets.EINVALID {
			s.fail(w, r, me, err)
			return
		}
		field := tickets.ErrorField(err)
		if field == "" {
			field = "form"
		}
		p := NewIncidentPage{Nav: s.nav(r, me, "incidents"), Kinds: labelsVi(tickets.DataKindLabels), Form: form,
			Errors: map[string]string{field: tickets.ErrorMessage(err)}}
		s.render(w, r, statusFor(err), newIncidentPage(p))
	}
	n := tickets.NewIncident{FoundBy: form.FoundBy, Summary: form.Summary, DataKinds: r.PostForm["data_kinds"], PeopleEstimated: form.Estimated, Actions: form.Actions}
	if form.FoundAt == "" {
		refuse(tickets.FieldErrorf("found_at", "Hãy ghi thời điểm phát hiện sự cố."))
		return
	}
	at, err := parseDateTime(form.FoundAt)
	if err != nil {
		refuse(tickets.FieldErrorf("found_at", "%s", tickets.ErrorMessage(err)))
		return
	}
	n.FoundAt = at
	if n.People, err = peopleParam(form.People); err != nil {
		refuse(err)
		return
	}
	inc, err := s.cfg.Store.CreateIncident(r.Context(), me.Actor, n)
	if err != nil {
		refuse(err)
		return
	}
	s.log.Info("incident recorded", "incident", inc.ID, "by", me.User.Username)
	http.Redirect(w, r, incidentURL(inc.ID)+"?done="+url.QueryEscape("Đã ghi sự cố vào sổ."), http.StatusSeeOther)
}

// incidentID is the incident of a request's {id}.
func incidentID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (s *Server) incidentPage(r *http.Request, me *viewer, id int64) (IncidentPage, error) {
	ctx := r.Context()
	inc, err := s.cfg.Store.Incident(ctx, me.Actor, id)
	if err != nil {
		return IncidentPage{}, err
	}
	evs, err := s.cfg.Store.IncidentEvents(ctx, me.Actor, id)
	if err != nil {
		return IncidentPage{}, err
	}
	p := IncidentPage{Nav: s.nav(r, me, "incidents"), ID: inc.ID, URL: incidentURL(inc.ID), Found: dateTime(inc.FoundAt), FoundBy: inc.FoundBy,
		Summary: inc.Summary, Actions: inc.Actions, People: peopleShown(inc), Status: wordOrLabel(tickets.IncidentStatusLabels, inc.Status),
		Clock: clockView(inc, s.cfg.Now()), NotifiedHow: inc.NotifiedHow, Notified: dateTimePtr(inc.NotifiedAt), NoNoticeReason: inc.NotNotifiedReason,
		Closed: inc.Status == tickets.IncidentClosed, KindOptions: labelsVi(tickets.DataKindLabels),
		Message: r.URL.Query().Get("done"), Errors: map[string]string{}}
	p.Edit = IncidentForm{Actions: inc.Actions, Estimated: inc.PeopleEstimated, Kinds: map[string]bool{}}
	if inc.People != nil {
		p.Edit.People = strconv.FormatInt(*inc.People, 10)
	}
	for _, k := range inc.Kinds() {
		p.Kinds = append(p.Kinds, wordOrLabel(tickets.DataKindLabels, k))
		p.Edit.Kinds[k] = true
	}
	p.Notice.At = dateTime(s.cfg.Now())
	for _, e := range evs {
		m := IncidentMinute{At: dateTime(e.At), Author: e.Actor}
		if e.Kind == "minute" {
			m.Text = e.Note
			p.Minutes = append(p.Minutes, m)
			continue
		}
		m.Text = incidentEventText(e)
		p.Trail = append(p.Trail, m)
	}
	return p, nil
}

// incidentEventText writes an entry of an incident's trail.
func incidentEventText(e *tickets.Event) string {
	switch e.Kind {
	case "created":
		return "Ghi vào sổ: " + e.Note
	case "from_flag":
		return "Mở từ cảnh báo của nhật ký truy cập"
	case "notified":
		return "Đã thông báo cho cơ quan chuyên trách: " + e.Note
	case "not_notified":
		return "Lý do không thông báo: " + e.NewValue
	case "status":
		text := "Đóng sự cố"
		if e.Note != "" {
			text += ": " + e.Note
		}
		return text
	case "edited":
		field := map[string]string{"data_kinds": "Loại dữ liệu", "people": "Số người", "actions": "Việc đã làm"}[e.Field]
		old, new := e.OldValue, e.NewValue
		if e.Field == "data_kinds" {
			old, new = kindsText(old), kindsText(new)
		}
		if old == "" {
			old = "(trống)"
		}
		if new == "" {
			new = "(trống)"
		}
		return field + ": " + old + " → " + new
	}
	return e.Kind
}

// kindsText names the kinds of data of a comma-separated list of codes.
func kindsText(codes string) string {
	var out []string
	for _, k := range strings.Split(codes, ",") {
		if k != "" {
			out = append(out, wordOrLabel(tickets.DataKindLabels, k))
		}
	}
	return strings.Join(out, ", ")
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.incidentPage(r, me, incidentID(r))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, incidentPage(p))
}

// handleIncidentClock is an incident's clock alone, reloaded every minute.
func (s *Server) handleIncidentClock(w http.ResponseWriter, r *http.Request, me *viewer) {
	inc, err := s.cfg.Store.Incident(r.Context(), me.Actor, incidentID(r))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, incidentClock(incidentURL(inc.ID), clockView(inc, s.cfg.Now())))
}

// incidentAction runs a change of an incident and goes back to its page, or shows the
// page again with the message beside the field at fault.
func (s *Server) incidentAction(w http.ResponseWriter, r *http.Request, me *viewer, form string, done string, keep func(*IncidentPage), do func(id int64) error) {
	id := incidentID(r)
	err := do(id)
	if err == nil {
		seeOther(w, r, incidentURL(id)+"?done="+url.QueryEscape(done))
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.incidentPage(r, me, id)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	field := form
	if f := tickets.ErrorField(err); f != "" {
		field = f
	}
	p.Errors[field] = tickets.ErrorMessage(err)
	if keep != nil {
		keep(&p)
	}
	s.render(w, r, statusFor(err), incidentPage(p))
}

func (s *Server) handleIncidentMinute(w http.ResponseWriter, r *http.Request, me *viewer) {
	note := r.PostFormValue("minute")
	s.incidentAction(w, r, me, "minute", "Đã thêm vào biên bản.", func(p *IncidentPage) { p.Notice.Minute = note }, func(id int64) error {
		return s.cfg.Store.AddIncidentMinute(r.Context(), me.Actor, id, note)
	})
}

func (s *Server) handleIncidentEdit(w http.ResponseWriter, r *http.Request, me *viewer) {
	form := incidentForm(r)
	s.incidentAction(w, r, me, "edit", "Đã lưu.", func(p *IncidentPage) { p.Edit = form }, func(id int64) error {
		people, err := peopleParam(form.People)
		if err != nil {
			return err
		}
		return s.cfg.Store.EditIncident(r.Context(), me.Actor, id, tickets.IncidentEdit{DataKinds: r.PostForm["data_kinds"], People: people,
			PeopleEstimated: form.Estimated, Actions: form.Actions})
	})
}

func (s *Server) handleIncidentNotified(w http.ResponseWriter, r *http.Request, me *viewer) {
	at, how := trimmed(r.PostFormValue("notified_at")), r.PostFormValue("notified_how")
	s.incidentAction(w, r, me, "notified_how", "Đã ghi việc thông báo cho cơ quan chuyên trách.", func(p *IncidentPage) { p.Notice.At, p.Notice.How = at, how },
		func(id int64) error {
			if at == "" {
				return tickets.FieldErrorf("notified_at", "Hãy ghi thời điểm thông báo.")
			}
			t, err := parseDateTime(at)
			if err != nil {
				return tickets.FieldErrorf("notified_at", "%s", tickets.ErrorMessage(err))
			}
			return s.cfg.Store.RecordNotification(r.Context(), me.Actor, id, t, how)
		})
}

func (s *Server) handleIncidentNoNotice(w http.ResponseWriter, r *http.Request, me *viewer) {
	reason := r.PostFormValue("reason")
	s.incidentAction(w, r, me, "not_notified_reason", "Đã ghi lý do không thông báo.", func(p *IncidentPage) { p.Notice.Reason = reason }, func(id int64) error {
		return s.cfg.Store.RecordNoNotification(r.Context(), me.Actor, id, reason)
	})
}

func (s *Server) handleIncidentClose(w http.ResponseWriter, r *http.Request, me *viewer) {
	note := r.PostFormValue("note")
	s.incidentAction(w, r, me, "close", "Đã đóng sự cố.", func(p *IncidentPage) { p.Notice.Close = note }, func(id int64) error {
		return s.cfg.Store.CloseIncident(r.Context(), me.Actor, id, note)
	})
}

// flagID is the flag of a request's {id}.
func flagID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (s *Server) handleFlagDismiss(w http.ResponseWriter, r *http.Request, me *viewer) {
	id := flagID(r)
	err := s.cfg.Store.DismissAccessFlag(r.Context(), me.Actor, id, r.PostFormValue("reason"))
	if err == nil {
		seeOther(w, r, "/incidents?done="+url.QueryEscape("Đã bỏ qua cảnh báo."))
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.incidentsPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.Message = ""
	p.Errors[strconv.FormatInt(id, 10)+".reason"] = tickets.ErrorMessage(err)
	s.render(w, r, statusFor(err), incidentsPage(p))
}

func (s *Server) handleFlagIncident(w http.ResponseWriter, r *http.Request, me *viewer) {
	inc, err := s.cfg.Store.IncidentFromFlag(r.Context(), me.Actor, flagID(r))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.log.Info("incident opened from an access flag", "incident", inc.ID, "by", me.User.Username)
	seeOther(w, r, incidentURL(inc.ID)+"?done="+url.QueryEscape("Đã mở sự cố từ cảnh báo. Đồng hồ 72 giờ tính từ lúc cảnh báo được đưa ra."))
}
