package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// RequestsPage is the desk of citizens' requests about their personal data (Yêu cầu về
// dữ liệu cá nhân), for supervisors and the data-protection officer: the requests, the
// overdue and near-due ones first, and the form to register one.
type RequestsPage struct {
	Nav             Nav
	Rows            []RequestRow
	Overdue, Near   int
	Officers        string // the data-protection officers named, by name
	New             RequestForm
	Errors          map[string]string
	Kinds, Channels []option
	Message         string
}

// RequestForm is what was typed in the form registering a request.
type RequestForm struct {
	Kind, Channel, Phone, Requester, Details string
}

// RequestRow is a request in the desk's list.
type RequestRow struct {
	ID                          int64
	Href                        string
	Kind, Phone, Received       string
	Status, Due, DueText, Class string
	Overdue, Near               bool
}

// dataDesk serves h to supervisors and the data-protection officer.
func (s *Server) dataDesk(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.HandlesDataRequests() }, h)
}

// clockText says of a request's clock what is due next and by when.
func requestClockText(r *tickets.DataRequest) (due, text, class string) {
	c := r.Clock
	switch {
	case !r.Open():
		return "", tickets.RequestStatusLabel(r.Status).Vi, ""
	case r.AnsweredAt == nil:
		due = "Phản hồi trước hết ngày " + dayText(c.NextDue)
	default:
		due = "Thực hiện trước hết ngày " + dayText(c.NextDue)
	}
	switch {
	case c.Overdue:
		return due, "Quá hạn", "overdue"
	case c.DaysLeft == 0:
		return due, "Hết hạn hôm nay", "near"
	case c.NearDue:
		return due, "Còn 1 ngày làm việc", "near"
	}
	return due, "Còn " + strconv.Itoa(c.DaysLeft) + " ngày làm việc", ""
}

func (s *Server) requestsPage(r *http.Request, me *viewer) (RequestsPage, error) {
	p := RequestsPage{Nav: s.nav(r, me, "requests"), Errors: map[string]string{}, Kinds: labelsVi(tickets.RequestKinds),
		Channels: labelsVi(tickets.RequestChannels), New: RequestForm{Channel: "call"}}
	list, err := s.cfg.Store.ListDataRequests(r.Context(), me.Actor)
	if err != nil {
		return p, err
	}
	for _, q := range list {
		row := RequestRow{ID: q.ID, Href: "/requests/" + itoa64(q.ID), Kind: tickets.RequestKindLabel(q.Kind).Vi,
			Phone: tickets.FormatPhone(q.Phone), Received: dateTime(q.ReceivedAt), Status: tickets.RequestStatusLabel(q.Status).Vi,
			Overdue: q.Clock.Overdue, Near: q.Clock.NearDue}
		row.Due, row.DueText, row.Class = requestClockText(q)
		switch {
		case q.Clock.Overdue:
			p.Overdue++
		case q.Clock.NearDue:
			p.Near++
		}
		p.Rows = append(p.Rows, row)
	}
	officers, err := s.cfg.Store.DataProtectionOfficers(r.Context())
	if err != nil {
		return p, err
	}
	var names []string
	for _, o := range officers {
		names = append(names, o.Name())
	}
	p.Officers = strings.Join(names, ", ")
	return p, nil
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.requestsPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, requestsPage(p))
}

// handleRequestRegister registers a request; bad input is shown beside its field.
func (s *Server) handleRequestRegister(w http.ResponseWriter, r *http.Request, me *viewer) {
	f := RequestForm{Kind: r.PostFormValue("kind"), Channel: r.PostFormValue("channel"), Phone: r.PostFormValue("phone"),
		Requester: r.PostFormValue("requester"), Details: r.PostFormValue("details")}
	q := &tickets.DataRequest{Kind: f.Kind, Channel: f.Channel, Phone: f.Phone, Requester: f.Requester, Details: f.Details}
	err := s.cfg.Store.RegisterDataRequest(r.Context(), me.Actor, q)
	if err == nil {
		s.log.Info("data request registered", "by", me.User.Username, "request", q.ID, "kind", q.Kind)
		seeOther(w, r, "/requests/"+itoa64(q.ID))
		return
	}
	if tickets.ErrorCode(err) != tickets.EINVALID {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.requestsPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.New = f
	field := tickets.ErrorField(err)
	if field == "" {
		field = "new"
	}
	p.Errors[field] = tickets.ErrorMessage(err)
	s.render(w, r, http.StatusUnprocessableEntity, requestsPage(p))
}

// RequestPage is one request: its person's number, its clock, its trail, and what can
// be done with it next.
type RequestPage struct {
	Nav                          Nav
	ID                           int64
	Kind, KindCode, Phone        string
	Channel, Requester, Details  string
	Received, RegisteredBy       string
	Status                       string
	Open, Verified, Answered     bool
	Extended, Deletion           bool
	AnswerDue, DoneDue           string
	Due, DueText, DueClass       string
	Verification                 string
	AnswerNote, ExtensionReason  string
	Outcome, KeepReason, Refusal string
	Exported                     string
	Trail                        []TrailRow
	Documents, KeepReasons       []option
	Errors                       map[string]string
	Message                      string
	ExtensionDays, PeriodDays    int
	Typed                        map[string]string // what was typed in the form that failed
	CanWithdraw                  bool              // done stops automated calls to the number
	// A correction request: the number's tickets and cases to correct through their
	// normal screens (Correct: while it is open and verified), and what was corrected.
	Correction    bool
	Correct       bool
	RecordTickets []RecordLink
	RecordCases   []RecordLink
	Corrections   []CorrectionRow
}

// RecordLink is a ticket or case of a request's number, linked to its page.
type RecordLink struct {
	Ref, Title, Status, URL string
	// A case's person as it stands, for its correction form (cases only).
	BirthYear, Address string
}

// CorrectionRow is a field corrected under a correction request.
type CorrectionRow struct {
	At, Actor, Record, Field, Old, New string
}

// correctedFields names the fields a correction changes, as the ticket's screen does.
var correctedFields = map[string]string{
	"summary":       "Tóm tắt",
	"category":      "Loại phiếu",
	"priority":      "Ưu tiên",
	"unit_code":     "Khu vực",
	"contact_phone": "Số gọi lại",
	"person_name":   "Họ tên",
	"birth_year":    "Năm sinh",
	"address":       "Địa chỉ",
}

// correctionValue shows a corrected field's value the way its screen does.
func (s *Server) correctionValue(r *http.Request, me *viewer, field, v string) string {
	switch {
	case v == "":
		return "—"
	case field == "category":
		return tickets.CategoryLabel(v).Vi
	case field == "unit_code":
		return s.names(r, me).unit(v)
	case field == "contact_phone":
		return tickets.FormatPhone(v)
	}
	return v
}

// TrailRow is an entry of a request's trail.
type TrailRow struct {
	At, Actor, What, Note string
}

var requestEvents = map[string]string{
	"created":              "Tiếp nhận",
	"verified":             "Xác minh danh tính",
	"answered":             "Phản hồi người yêu cầu",
	"extended":             "Gia hạn",
	"refused":              "Từ chối",
	"done":                 "Đã thực hiện",
	"exported":             "Xuất dữ liệu cho người yêu cầu",
	"erased":               "Xoá dữ liệu",
	tickets.EventCorrected: "Chỉnh sửa dữ liệu",
}

func (s *Server) requestPage(r *http.Request, me *viewer, id int64) (RequestPage, error) {
	q, err := s.cfg.Store.GetDataRequest(r.Context(), me.Actor, id)
	if err != nil {
		return RequestPage{}, err
	}
	p := RequestPage{Nav: s.nav(r, me, "requests"), ID: q.ID, Kind: tickets.RequestKindLabel(q.Kind).Vi, KindCode: q.Kind,
		Phone: tickets.FormatPhone(q.Phone), Channel: tickets.RequestChannelLabel(q.Channel).Vi, Requester: q.Requester,
		Details: q.Details, Received: dateTime(q.ReceivedAt), RegisteredBy: q.RegisteredBy,
		Status: tickets.RequestStatusLabel(q.Status).Vi, Open: q.Open(), Verified: q.Verified(), Answered: q.AnsweredAt != nil,
		Extended: q.ExtendedAt != nil, Deletion: q.Kind == tickets.RequestDeletion,
		AnswerDue: dayText(q.Clock.AnswerDue), DoneDue: dayText(q.Clock.DoneDue), AnswerNote: q.AnswerNote,
		ExtensionReason: q.ExtensionReason, Outcome: q.Outcome, Refusal: q.RefusalReason,
		Documents: labelsVi(tickets.VerifyDocuments), KeepReasons: labelsVi(tickets.KeepReasons), Errors: map[string]string{},
		ExtensionDays: tickets.ExtensionWorkingDays, PeriodDays: tickets.RequestWorkingDays(q.Kind), Typed: map[string]string{},
		CanWithdraw: q.Kind == tickets.RequestWithdrawal || q.Kind == tickets.RequestRestriction}
	p.Due, p.DueText, p.DueClass = requestClockText(q)
	if q.Kind == tickets.RequestCorrection {
		p.Correction, p.Correct = true, q.Open() && q.Verified()
		for _, c := range q.Corrections() {
			field := correctedFields[c.Field]
			if field == "" {
				field = c.Field
			}
			p.Corrections = append(p.Corrections, CorrectionRow{At: dateTime(c.At), Actor: c.Actor, Record: c.Note, Field: field,
				Old: s.correctionValue(r, me, c.Field, c.OldValue), New: s.correctionValue(r, me, c.Field, c.NewValue)})
		}
	}
	if p.Correct {
		tks, cases, err := s.cfg.Store.RequestRecords(r.Context(), me.Actor, q.ID)
		if err != nil {
			return p, err
		}
		for _, t := range tks {
			p.RecordTickets = append(p.RecordTickets, RecordLink{Ref: t.Ref, Title: t.Title, Status: tickets.StatusLabel(t.Status).Vi,
				URL: "/tickets/" + t.Ref + "?request=" + itoa64(q.ID) + "#edit"})
		}
		for _, c := range cases {
			cs, err := s.cfg.Store.GetCase(r.Context(), me.Actor, c.ID)
			if err != nil {
				return p, err
			}
			link := RecordLink{Ref: c.Ref, Title: cs.PersonName, Status: tickets.CaseStatusLabel(c.Status).Vi, URL: "/cases/" + c.Ref,
				Address: cs.Address}
			if cs.BirthYear != nil {
				link.BirthYear = strconv.Itoa(*cs.BirthYear)
			}
			p.RecordCases = append(p.RecordCases, link)
		}
	}
	if q.KeepReason != "" {
		p.KeepReason = tickets.KeepReasonLabel(q.KeepReason).Vi
	}
	if q.VerifiedAt != nil {
		how := "gọi lại đúng số này"
		if q.VerifyMethod != nil && *q.VerifyMethod == tickets.VerifyDocument {
			how = "đã xem " + tickets.VerifyDocumentLabel(q.VerifyDocument).Vi
		}
		p.Verification = how + " · " + deref(q.VerifiedBy) + " · " + dateTime(*q.VerifiedAt)
	}
	if q.ExportedAt != nil {
		p.Exported = dateTime(*q.ExportedAt)
	}
	for _, e := range q.Events {
		note := e.Note
		switch e.Kind {
		case "created":
			note = tickets.RequestChannelLabel(e.Note).Vi
		case tickets.EventCorrected:
			field := correctedFields[e.Field]
			if field == "" {
				field = e.Field
			}
			note = e.Note + " · " + field
		}
		p.Trail = append(p.Trail, TrailRow{At: dateTime(e.At), Actor: e.Actor, What: requestEvents[e.Kind], Note: note})
	}
	return p, nil
}

func requestID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.requestPage(r, me, requestID(r))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, requestPage(p))
}

// requestAction runs one step of a request (form names the form, for its errors) and
// shows the request again: with the message, or with the error beside the field.
func (s *Server) requestAction(w http.ResponseWriter, r *http.Request, me *viewer, form, done string, do func(id int64) error) {
	id := requestID(r)
	err := do(id)
	if err == nil {
		s.log.Info("data request changed", "by", me.User.Username, "request", id, "step", form)
		seeOther(w, r, "/requests/"+itoa64(id)+"?done="+url.QueryEscape(done))
		return
	}
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ECONFLICT {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.requestPage(r, me, id)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	if field := tickets.ErrorField(err); field != "" {
		p.Errors[form+"."+field] = tickets.ErrorMessage(err) // beside the field
	} else {
		p.Errors["form.form"] = tickets.ErrorMessage(err) // at the top: the form may be gone (extended once)
	}
	for k, v := range r.PostForm {
		p.Typed[form+"."+k] = v[0]
	}
	s.render(w, r, statusFor(err), requestPage(p))
}

func (s *Server) handleRequestVerify(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "verify", "Đã ghi việc xác minh danh tính.", func(id int64) error {
		return s.cfg.Store.VerifyDataRequest(r.Context(), me.Actor, id, r.PostFormValue("method"), r.PostFormValue("document"))
	})
}

func (s *Server) handleRequestAnswer(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "answer", "Đã ghi phản hồi.", func(id int64) error {
		return s.cfg.Store.AnswerDataRequest(r.Context(), me.Actor, id, r.PostFormValue("note"))
	})
}

func (s *Server) handleRequestExtend(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "extend", "Đã gia hạn.", func(id int64) error {
		return s.cfg.Store.ExtendDataRequest(r.Context(), me.Actor, id, r.PostFormValue("reason"))
	})
}

func (s *Server) handleRequestRefuse(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "refuse", "Đã từ chối yêu cầu.", func(id int64) error {
		return s.cfg.Store.RefuseDataRequest(r.Context(), me.Actor, id, r.PostFormValue("reason"))
	})
}

func (s *Server) handleRequestDone(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "done", "Đã ghi việc thực hiện yêu cầu.", func(id int64) error {
		return s.cfg.Store.CompleteDataRequest(r.Context(), me.Actor, id, r.PostFormValue("outcome"), r.PostFormValue("keep_reason"))
	})
}

// handleRequestCaseCorrect corrects a case's person (name, birth year, address) under a
// correction request, from the request's page.
func (s *Server) handleRequestCaseCorrect(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	ref := r.PathValue("ref")
	s.requestAction(w, r, me, "case-"+ref, "Đã sửa ca "+ref+" theo yêu cầu.", func(id int64) error {
		c, err := s.cfg.Store.FindCaseByRef(r.Context(), me.Actor, ref)
		if err != nil {
			return err
		}
		name, year, address := r.PostFormValue("person_name"), r.PostFormValue("birth_year"), r.PostFormValue("address")
		return s.cfg.Store.CorrectCase(r.Context(), me.Actor, id, c.ID, tickets.CaseCorrection{PersonName: &name, BirthYear: &year, Address: &address},
			r.PostFormValue("note"))
	})
}

// typedOr is what was typed in a field, if the form came back with an error, or def.
func typedOr(typed map[string]string, key, def string) string {
	if v, ok := typed[key]; ok {
		return v
	}
	return def
}
