package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// CasesPage is the list of suspected cases, searched by phone, name, area, status.
type CasesPage struct {
	Nav      Nav
	Q        string
	Area     string
	Status   string
	Units    []option
	Statuses []option
	Rows     []CaseRow
	Error    string
}

// CaseRow is one case in a list.
type CaseRow struct {
	Ref, URL, Name, Phone, Area, Status, Since string
}

func (s *Server) handleCases(w http.ResponseWriter, r *http.Request, me *viewer) {
	q := r.URL.Query()
	p := CasesPage{Nav: s.nav(r, me, "cases"), Q: trimmed(q.Get("q")), Area: q.Get("area"), Status: q.Get("status"),
		Statuses: labelsVi(tickets.CaseStatuses)}
	n := s.names(r, me)
	p.Units = areaFilter(me, activeUnits(n.units), n)
	f := tickets.CaseFilter{Limit: 100}
	if p.Q != "" {
		if _, ok := tickets.ParsePhoneQuery(p.Q); ok {
			f.Phone = p.Q
		} else {
			f.Name = p.Q
		}
	}
	if p.Area != "" {
		f.UnitCode = &p.Area
	}
	if p.Status != "" {
		f.Status = &p.Status
	}
	status := http.StatusOK
	list, err := s.cfg.Store.FindCases(r.Context(), me.Actor, f)
	switch {
	case tickets.ErrorCode(err) == tickets.EINVALID:
		p.Error, status = tickets.ErrorMessage(err), http.StatusUnprocessableEntity
	case err != nil:
		s.fail(w, r, me, err)
		return
	}
	for _, c := range list {
		row := CaseRow{Ref: c.Ref, URL: "/cases/" + c.Ref, Name: c.PersonName, Phone: maskedPhone(c.Phone),
			Status: tickets.CaseStatusLabel(c.Status).Vi, Since: dateTime(c.CreatedAt)}
		if c.UnitCode != nil {
			row.Area = n.unit(*c.UnitCode)
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, status, casesPage(p))
}

// CaseView is a suspected case's page: the person, their reports, their days of
// follow-up, what was done.
type CaseView struct {
	Nav       Nav
	Ref, URL  string
	Name      string
	Phone     string
	BirthYear string
	Sex       string
	Address   string
	Area      string
	Onset     string
	Exposure  string
	Status    string
	Moves     []option
	Tickets   []TicketRow
	// Tel is the person's number to tap on a phone (tel:+84...), "" without one.
	Tel string
	// Due are the days due and not recorded yet (today's, and overdue ones), each with
	// its form; Days is the whole calendar, folded under them.
	Due  []FollowUpDay
	Days []FollowUpDay
	// CalendarText sums the calendar up on its fold.
	CalendarText string
	// AutoCalls is the case's automated-call state (tickets.AutoCalls*, or
	// AutoCallsWithdrawn), with words.
	AutoCalls, AutoCallsText, LanguageText string
	Attempts                               []AttemptRow
	Timeline                               []EventRow
	Results                                []option
	Methods                                []option
	Errors                                 map[string]string
	Message                                string
}

// AttemptRow is one automated follow-up call to a case.
type AttemptRow struct {
	At, Attempt, Result, ResultCode, Answers string
}

// FollowUpDay is one day of a case's monitoring calendar.
type FollowUpDay struct {
	ID                            int64
	Day                           int
	Due, Result, Method, By, Note string
	ResultCode, MethodCode        string
	Open                          bool // due, no result yet: one can be recorded
	Future                        bool
	Today                         bool
	Form                          FollowUpForm // for an open day
}

func (s *Server) loadCase(r *http.Request, me *viewer) (*tickets.Case, error) {
	return s.cfg.Store.FindCaseByRef(r.Context(), me.Actor, r.PathValue("ref"))
}

func (s *Server) handleCase(w http.ResponseWriter, r *http.Request, me *viewer) {
	c, err := s.loadCase(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v, err := s.caseView(r, me, c)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, casePage(v))
}

// caseView builds a case's page; looking at it is written to the access log first.
func (s *Server) caseView(r *http.Request, me *viewer, c *tickets.Case) (CaseView, error) {
	ctx := r.Context()
	if err := s.logAccess(r, me, tickets.AccessCase, c.Ref, c.Phone); err != nil {
		return CaseView{}, err
	}
	n := s.names(r, me)
	v := CaseView{Nav: s.nav(r, me, "cases"), Ref: c.Ref, URL: "/cases/" + c.Ref, Name: c.PersonName, Phone: phoneText(c.Phone),
		Tel: telURL(c.Phone), Address: c.Address, Status: tickets.CaseStatusLabel(c.Status).Vi, Errors: map[string]string{},
		Results: labelsVi(tickets.FollowUpResults), Methods: labelsVi(tickets.FollowUpMethods)}
	if c.BirthYear != nil {
		v.BirthYear = strconv.Itoa(*c.BirthYear)
	}
	v.Sex = map[string]string{"male": "Nam", "female": "Nữ"}[c.Sex]
	if c.UnitCode != nil {
		v.Area = n.unit(*c.UnitCode)
	}
	if c.OnsetDate != nil {
		v.Onset = dayText(*c.OnsetDate)
	}
	switch {
	case c.ExposureTravel && c.ExposureContact:
		v.Exposure = "Từ vùng dịch về; tiếp xúc ca bệnh"
	case c.ExposureTravel:
		v.Exposure = "Từ vùng dịch về"
	case c.ExposureContact:
		v.Exposure = "Tiếp xúc ca bệnh"
	}
	if c.ExposureNote != "" {
		v.Exposure += " — " + c.ExposureNote
	}
	for _, to := range tickets.CaseMoves(c.Status) {
		v.Moves = append(v.Moves, option{to, tickets.CaseStatusLabel(to).Vi})
	}
	page, err := s.cfg.Store.ListTickets(ctx, me.Actor, tickets.TicketFilter{CaseID: &c.ID, Limit: 100})
	if err != nil {
		return v, err
	}
	v.Tickets = s.ticketRows(r, me, page.Tickets)
	fus, err := s.cfg.Store.FollowUps(ctx, me.Actor, c.ID)
	if err != nil {
		return v, err
	}
	today := tickets.Day(s.cfg.Now())
	recorded, todayDay := 0, 0
	for _, f := range fus {
		d := FollowUpDay{ID: f.ID, Day: f.Day, Due: dayText(f.DueOn), Note: f.Note, Future: f.DueOn > today, Today: f.DueOn == today}
		if f.Result != nil {
			d.Result, d.ResultCode = tickets.FollowUpResultLabel(*f.Result).Vi, *f.Result
			recorded++
		} else {
			d.Open = !d.Future
		}
		if d.Today {
			todayDay = f.Day
		}
		if f.Method != nil {
			d.Method, d.MethodCode = wordOrLabel(tickets.FollowUpMethods, *f.Method), *f.Method
		}
		if f.RecordedBy != nil {
			d.By = n.user(*f.RecordedBy)
		} else if f.Result != nil {
			d.By = "Hệ thống"
		}
		if d.Open {
			d.Form = s.followUpForm(r, me, f.ID, v.URL+"/followups/"+strconv.FormatInt(f.ID, 10), "#case", v.URL)
			d.Form.CaseRef, d.Form.Day = c.Ref, f.Day
			v.Due = append(v.Due, d)
		}
		v.Days = append(v.Days, d)
	}
	if len(fus) > 0 {
		v.CalendarText = fmt.Sprintf("%d ngày · đã ghi %d", len(fus), recorded)
		if todayDay > 0 {
			v.CalendarText += fmt.Sprintf(" · hôm nay ngày %d", todayDay)
		}
	}
	v.AutoCalls, v.AutoCallsText = c.AutoCalls, tickets.AutoCallStateLabel(c.AutoCalls).Vi
	if c.Phone != nil {
		// A withdrawal of consent or an objection carried out stops the automated calls
		// whatever the case's own state says: the dialer skips the number.
		withdrawn, err := s.cfg.Store.ConsentWithdrawn(ctx, *c.Phone)
		if err != nil {
			return v, err
		}
		if withdrawn {
			v.AutoCalls = AutoCallsWithdrawn
			v.AutoCallsText = "Đã ngừng: người dân đã rút lại sự đồng ý hoặc phản đối xử lý dữ liệu (yêu cầu về dữ liệu cá nhân)"
		}
	}
	v.LanguageText = map[string]string{"vi": "tiếng Việt", "en": "tiếng Anh"}[c.Language]
	attempts, err := s.cfg.Store.FollowUpCallsOf(ctx, me.Actor, c.ID)
	if err != nil {
		return v, err
	}
	for _, a := range attempts {
		v.Attempts = append(v.Attempts, attemptRow(a, n.unit))
	}
	evs, err := s.cfg.Store.CaseEvents(ctx, me.Actor, c.ID)
	if err != nil {
		return v, err
	}
	v.Timeline = s.timeline(evs, c.ID, n)
	return v, nil
}

// attemptRow describes an automated call attempt in words.
func attemptRow(a *tickets.FollowUpCall, unitName func(string) string) AttemptRow {
	row := AttemptRow{Attempt: strconv.Itoa(a.Attempt)}
	at := a.CreatedAt
	if a.StartedAt != nil {
		at = *a.StartedAt
	}
	row.At = at.In(tickets.Local).Format("02/01 15:04")
	switch {
	case a.State == tickets.AttemptRequested:
		row.Result, row.Attempt = "Chờ gọi (theo yêu cầu)", "–"
	case a.State != tickets.AttemptEnded && a.Result == nil:
		row.Result = "Đang gọi"
	case a.Result != nil:
		row.ResultCode, row.Result = *a.Result, tickets.AttemptResultLabel(*a.Result).Vi
	}
	if !a.Counted {
		row.Attempt += " (không tính)"
	}
	if a.Cause != nil {
		row.Result += fmt.Sprintf(" (mã %d)", *a.Cause)
	}
	row.Answers = strings.Join(answersText(a.Answers, unitName), "; ")
	return row
}

// AutoCallsWithdrawn is the case page's automated-call state when the number's holder
// withdrew consent or objected: no automated call, and nothing on the page to restart one.
const AutoCallsWithdrawn = "withdrawn"

func (s *Server) handleAutoCalls(w http.ResponseWriter, r *http.Request, me *viewer) {
	do := r.PostFormValue("do")
	done := map[string]string{"pause": "Đã tạm dừng gọi tự động.", "resume": "Đã bật lại gọi tự động.",
		"now": "Đã đặt lịch gọi ngay (trong khung giờ gọi)."}[do]
	s.caseAction(w, r, me, "autocalls", done, func(ctx context.Context, c *tickets.Case) error {
		switch do {
		case "pause":
			return s.cfg.Store.SetAutoCalls(ctx, me.Actor, c.ID, tickets.AutoCallsPaused, trimmed(r.PostFormValue("note")))
		case "resume":
			return s.cfg.Store.SetAutoCalls(ctx, me.Actor, c.ID, tickets.AutoCallsOn, trimmed(r.PostFormValue("note")))
		case "now":
			if err := s.cfg.Store.RequestFollowUpCall(ctx, me.Actor, c.ID); err != nil {
				return err
			}
			if s.cfg.FollowUps != nil {
				s.cfg.FollowUps.Kick()
			}
			return nil
		}
		return tickets.Errorf(tickets.EINVALID, "Yêu cầu %q không hợp lệ.", do)
	})
}

func wordOrLabel(list []tickets.Label, code string) string {
	for _, l := range list {
		if l.Code == code {
			return l.Vi
		}
	}
	return code
}

// caseAction runs a change on the case of a request's {ref} and answers with its page.
func (s *Server) caseAction(w http.ResponseWriter, r *http.Request, me *viewer, field, done string, do func(ctx context.Context, c *tickets.Case) error) {
	c, err := s.loadCase(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	err = do(r.Context(), c)
	status, ok := s.changeStatus(w, r, me, err)
	if !ok {
		return
	}
	if err == nil && !isHTMX(r) {
		http.Redirect(w, r, "/cases/"+c.Ref+"#"+field, http.StatusSeeOther)
		return
	}
	s.caseAnswer(w, r, me, status, func(v *CaseView) {
		if err != nil {
			v.Errors[field] = tickets.ErrorMessage(err)
		} else {
			v.Message = done
		}
	})
}

// changeStatus is the status of the answer to a change that ended in err; an internal
// error is answered here (ok false).
func (s *Server) changeStatus(w http.ResponseWriter, r *http.Request, me *viewer, err error) (status int, ok bool) {
	switch tickets.ErrorCode(err) {
	case "":
		return http.StatusOK, true
	case tickets.EINVALID:
		return http.StatusUnprocessableEntity, true
	case tickets.ECONFLICT, tickets.EFORBIDDEN, tickets.ENOTFOUND:
		return statusFor(err), true
	}
	s.fail(w, r, me, err)
	return 0, false
}

// caseAnswer answers a change with the case as the change left it (its main part for
// htmx), with what set says of the change.
func (s *Server) caseAnswer(w http.ResponseWriter, r *http.Request, me *viewer, status int, set func(v *CaseView)) {
	c, err := s.loadCase(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v, err := s.caseView(r, me, c)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	set(&v)
	if isHTMX(r) {
		s.render(w, r, status, caseMain(v))
		return
	}
	s.render(w, r, status, casePage(v))
}

func (s *Server) handleCaseStatus(w http.ResponseWriter, r *http.Request, me *viewer) {
	to := r.PostFormValue("to")
	s.caseAction(w, r, me, "status", "Đã chuyển sang “"+tickets.CaseStatusLabel(to).Vi+"”.", func(ctx context.Context, c *tickets.Case) error {
		return s.cfg.Store.SetCaseStatus(ctx, me.Actor, c.ID, to, trimmed(r.PostFormValue("note")))
	})
}

func (s *Server) handleCaseNote(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.caseAction(w, r, me, "note", "Đã thêm ghi chú.", func(ctx context.Context, c *tickets.Case) error {
		return s.cfg.Store.AddCaseNote(ctx, me.Actor, c.ID, r.PostFormValue("note"))
	})
}

// BoardPage is a ward or commune's day of follow-up: what is due, overdue, who has not
// been seen, who is lost or referred; a result recorded in one click.
type BoardPage struct {
	Nav     Nav
	Day     string
	DayText string
	// DayInput is the day's field as typed (dd/mm/yyyy), DayError its message; Future
	// says the day has not come (nothing to show yet).
	DayInput, DayError string
	Future             bool
	Unit               string
	UnitName           string
	Units              []option // for the call centre, who picks a unit
	Pick               bool
	DueToday           []BoardDay
	Overdue            []BoardDay
	NotSeen            []BoardCase
	Lost               []BoardCase
	Referred           []BoardCase
	Message            string
	Error              string
}

// BoardDay is a follow-up due, with the form that records its result.
type BoardDay struct {
	ID                          int64
	CaseRef, CaseURL, Name, Due string
	// Phone is the number, in full with Tel to tap for the officer of the unit (and
	// written to the access log), masked for the call centre.
	Phone, Tel string
	Day        int
	Form       FollowUpForm
}

// BoardCase is a case on the board.
type BoardCase struct {
	Ref, URL, Name, Phone, Tel, Since string
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.boardPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	status := http.StatusOK
	if p.DayError != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, boardPage(p))
}

func (s *Server) boardPage(r *http.Request, me *viewer) (BoardPage, error) {
	q := r.URL.Query()
	today := tickets.Day(s.cfg.Now())
	p := BoardPage{Nav: s.nav(r, me, "board"), Unit: q.Get("unit"), DayInput: trimmed(q.Get("day"))}
	day := today
	if p.DayInput != "" {
		d, err := tickets.ParseDay(p.DayInput)
		if err != nil {
			p.DayError = tickets.ErrorMessage(err)
			return p, nil
		}
		day = d
	}
	p.Day, p.DayText, p.DayInput, p.Future = day, dayText(day), dayText(day), day > today
	n := s.names(r, me)
	if me.Actor.UnitCode != "" {
		p.Unit = me.Actor.UnitCode
	} else {
		p.Pick = true
		for _, u := range n.units {
			if u.Active {
				p.Units = append(p.Units, option{u.Code, u.Name})
			}
		}
		if p.Unit == "" {
			return p, nil // the call centre picks a unit first
		}
	}
	p.UnitName = n.unit(p.Unit)
	if p.Future {
		return p, nil // nothing is due on a day to come yet
	}
	b, err := s.cfg.Store.UnitBoard(r.Context(), me.Actor, p.Unit, day)
	if err != nil {
		return p, err
	}
	// The officer of the unit sees its numbers in full, to call; each one shown is
	// logged (a view that cannot be logged shows the number masked).
	numbers := boardNumbers{full: me.Actor.UnitCode != "" && fromConsole(r)}
	back := "/board?" + url.Values{"unit": {p.Unit}, "day": {day}}.Encode()
	for _, list := range []struct {
		src []*tickets.DueFollowUp
		dst *[]BoardDay
	}{{b.DueToday, &p.DueToday}, {b.Overdue, &p.Overdue}} {
		for _, d := range list.src {
			bd := BoardDay{ID: d.ID, CaseRef: d.CaseRef, CaseURL: "/cases/" + d.CaseRef, Name: d.PersonName, Due: dayText(d.DueOn), Day: d.Day}
			bd.Phone, bd.Tel = numbers.show(d.CaseRef, d.Phone)
			bd.Form = s.followUpForm(r, me, d.ID, "/board/followups/"+strconv.FormatInt(d.ID, 10), "#board", back)
			bd.Form.Hidden = []option{{"unit", p.Unit}, {"day", day}}
			bd.Form.CaseRef, bd.Form.Day = d.CaseRef, d.Day
			*list.dst = append(*list.dst, bd)
		}
	}
	for _, c := range b.NotSeen {
		since := "chưa gặp"
		if c.LastSeen != nil {
			since = "gặp lần cuối " + dayText(*c.LastSeen)
		}
		bc := BoardCase{Ref: c.Ref, URL: "/cases/" + c.Ref, Name: c.PersonName, Since: since}
		bc.Phone, bc.Tel = numbers.show(c.Ref, c.Phone)
		p.NotSeen = append(p.NotSeen, bc)
	}
	for _, list := range []struct {
		src []*tickets.Case
		dst *[]BoardCase
	}{{b.Lost, &p.Lost}, {b.Referred, &p.Referred}} {
		for _, c := range list.src {
			bc := BoardCase{Ref: c.Ref, URL: "/cases/" + c.Ref, Name: c.PersonName, Since: dateTime(c.UpdatedAt)}
			bc.Phone, bc.Tel = numbers.show(c.Ref, c.Phone)
			*list.dst = append(*list.dst, bc)
		}
	}
	if err := s.cfg.Store.LogAccesses(r.Context(), me.Actor, numbers.logged(remoteAddr(r))); err != nil {
		return p, errors.Join(tickets.Errorf(tickets.EINTERNAL, "Không ghi được nhật ký truy cập; bảng theo dõi không được hiển thị."), err)
	}
	return p, nil
}

// boardNumbers writes the numbers of a board, and keeps those shown in full for the
// access log, once per case.
type boardNumbers struct {
	full  bool
	shown []*tickets.Access
	seen  map[string]bool
}

func (b *boardNumbers) show(ref string, phone *string) (text, tel string) {
	if !b.full || phone == nil {
		return maskedPhone(phone), ""
	}
	if !b.seen[ref] {
		if b.seen == nil {
			b.seen = map[string]bool{}
		}
		b.seen[ref] = true
		b.shown = append(b.shown, &tickets.Access{Action: tickets.AccessBoardNumber, Subject: ref, Phone: phone})
	}
	return phoneText(phone), telURL(phone)
}

func (b *boardNumbers) logged(from string) []*tickets.Access {
	for _, a := range b.shown {
		a.RemoteAddr = from
	}
	return b.shown
}

// handleBoardFollowUp records a day's result from the board and answers with the board:
// "seen, with signs" asks to confirm first.
func (s *Server) handleBoardFollowUp(w http.ResponseWriter, r *http.Request, me *viewer) {
	post, err := s.recordFollowUp(r, me)
	status, ok := s.changeStatus(w, r, me, err)
	if !ok {
		return
	}
	back := url.Values{"unit": {r.PostFormValue("unit")}, "day": {r.PostFormValue("day")}}.Encode()
	if !isHTMX(r) && err == nil && !post.ask {
		http.Redirect(w, r, "/board?"+back, http.StatusSeeOther)
		return
	}
	r.URL.RawQuery = back
	p, perr := s.boardPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	placed := false
	for _, days := range [][]BoardDay{p.DueToday, p.Overdue} {
		for i := range days {
			if days[i].ID == post.id {
				placed = post.answer(&days[i].Form, err)
			}
		}
	}
	switch {
	case err != nil && !placed:
		p.Error = tickets.ErrorMessage(err)
	case err == nil && !post.ask:
		p.Message = "Đã ghi: " + tickets.FollowUpResultLabel(post.result).Vi + "."
	}
	if isHTMX(r) {
		s.render(w, r, status, boardMain(p))
		return
	}
	s.render(w, r, status, boardPage(p))
}
