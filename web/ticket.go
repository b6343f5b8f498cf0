package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// TicketView is a ticket's page: what it is, who called, what they said, what was done,
// and the forms to work it.
type TicketView struct {
	Nav              Nav
	Ref, URL         string
	Category         string
	CategoryCode     string
	Priority         string
	Status           string
	StatusCode       string
	Summary          string
	Created          string
	FirstResponseDue string
	ResolutionDue    string
	FirstResponse    string
	Overdue          bool
	Area             string
	AreaCode         string
	Assignee         string
	Contact          string
	Updated          string // the version the forms act on (stale changes are refused)
	Caller           CallerPanel
	Answers          []string
	Recordings       []RecordingLink
	// CallPrompts is what the ticket's call told the caller about their data (the notice,
	// a consent asked), with the version heard: for those who see who called.
	CallPrompts     []CallPromptRow
	Timeline        []EventRow
	Options         TicketOptions
	Case            *CaseLink
	RepeatOf        *CaseLink // the ticket this one repeats
	MergedInto      *CaseLink
	CanAssign       bool
	CanMerge        bool
	MergeCandidates []TicketRow // the caller's other tickets this one may be merged into
	CanCallBack     bool
	CallBackWhy     string // why not, when a number exists
	Errors          map[string]string
	// Viewers are the others who have the ticket open now (soft presence, kept live).
	Viewers []string
	// EditOpen opens the edit form: the agent's console brought them here for a call.
	EditOpen bool
	// RequestID is the citizen's correction request the edit form corrects under
	// (?request=ID from the request's page, kept in the form), "" for a normal edit.
	RequestID string
	// CanLinkCaller offers to link a withheld or unknown number to a caller already known.
	CanLinkCaller bool
	Message       string // what the last action did
	Problem       string // a refusal not tied to one field (a stale page)
	NewCase       CaseForm

	// MessageAt is the form the last action was made from, when its message stands
	// beside it ("status": a move is told under the moves, so that nothing above them
	// grows and moves them away from the pointer).
	MessageAt string
	// Edit is what the edit form shows: the ticket as saved, or what the user chose when
	// the store refused it. The rest of the page shows only what was saved.
	Edit TicketEditForm
	// Steps is the workflow's row of moves, always the same buttons in the same places
	// (those not possible now are disabled), so that pressing one never puts another
	// under the pointer; cancelling stands apart, at the end (CanCancel).
	Steps []StepButton
	// CanCancel offers to cancel the ticket: a reason, then a confirmation (ConfirmCancel).
	CanCancel     bool
	ConfirmCancel *CancelConfirm
	// CanReopen offers a supervisor to reopen a cancelled ticket, with a reason.
	CanReopen bool
	// GuideMenus says what the caller chose in the IVR's information menus (1, 5), and
	// Guides link the articles of Hướng dẫn that answer it, at the top of the page.
	GuideMenus string
	Guides     []GuideLink
	// InsertArticles and InsertReplies are what can be inserted into the note; Note is
	// the note field's text (an insertion asked for without the page's script).
	InsertArticles, InsertReplies []option
	Note                          string
}

// StepButton is one button of the workflow's row.
type StepButton struct {
	Value, Text string
	Allowed     bool // the move may be made now
	Current     bool // the ticket is in this status
}

// CancelConfirm is the confirmation asked before a ticket is cancelled, with the reason
// given and the page's version (a ticket changed since is not cancelled).
type CancelConfirm struct {
	Reason, Updated string
}

// workflowSteps are the statuses the workflow's row has a button for, in its order
// (new is where tickets start; assigned is reached by choosing whom).
var workflowSteps = []string{tickets.StatusTriaged, tickets.StatusInProgress, tickets.StatusResolved, tickets.StatusClosed}

// TicketEditForm is the edit form's values: category, priority, area and summary.
type TicketEditForm struct {
	Category, Priority, Area, Summary string
}

// CallerPanel is who called: their number (full for those who may see it), name,
// language, and what else they called about.
type CallerPanel struct {
	Number   string
	Hidden   bool // an officer does not see who reported a case in their commune
	Name     string
	Language string
	Calls    []CallRow
	Tickets  []TicketRow
	Cases    []CaseLink // the suspected cases of the number
	// Withdrawn: the number's holder withdrew their consent, restricted or objected to
	// processing (a request done on the desk): nothing that needs consent is done for
	// them without a new one.
	Withdrawn bool
}

// CallRow is one call as the caller panel shows it.
type CallRow struct {
	Started, Outcome, Language, Duration string
}

// CallPromptRow is one prompt a call kept as evidence: when it played, what it is, in
// which language and version (URL: its page in Thông báo, for supervisors), how much
// was heard, and a consent's answer.
type CallPromptRow struct {
	At, What, Lang, Version, URL, Heard, Answer string
}

// callPromptNames name the prompts kept as evidence.
var callPromptNames = map[string]string{
	"privacy_notice":  "Thông báo về dữ liệu cá nhân",
	"consent_support": "Hỏi đồng ý khi đăng ký hỗ trợ",
}

// callPromptRows writes a call's evidence for the ticket page.
func callPromptRows(list []*tickets.CallPrompt, supervisor bool) []CallPromptRow {
	seconds := func(t time.Time) string { return t.In(tickets.Local).Format("02/01/2006 15:04:05") }
	var rows []CallPromptRow
	for _, p := range list {
		r := CallPromptRow{At: seconds(p.PlayedAt), What: callPromptNames[p.Prompt], Lang: langLabels[p.Lang],
			Version: fmt.Sprintf("phiên bản %d", p.Number)}
		if r.What == "" {
			r.What = p.Prompt
		}
		if p.VersionID == nil {
			r.Version += " (bản gốc)"
		}
		if supervisor {
			r.URL = "/announcements/" + p.Prompt
		}
		if p.HeardMS != nil {
			r.Heard = "nghe " + strings.Replace(fmt.Sprintf("%.1f", float64(*p.HeardMS)/1000), ".", ",", 1) + " giây"
		}
		switch p.Answer {
		case tickets.ConsentGiven:
			r.Answer = "bấm " + p.Key + ": đồng ý"
		case tickets.ConsentRefused:
			r.Answer = "bấm " + p.Key + ": không đồng ý"
		}
		if r.Answer != "" && p.AnsweredAt != nil {
			r.Answer += " lúc " + seconds(*p.AnsweredAt)
		}
		rows = append(rows, r)
	}
	return rows
}

// RecordingLink is a voice message to play.
type RecordingLink struct {
	URL, Duration string
}

// EventRow is one entry of a ticket's or case's timeline.
type EventRow struct {
	At, Actor, What, Detail, Note string
	Other                         string // the ticket it was written on, when merged in
	Role                          string // the actor's role, for a person
}

// CaseLink points to a case or a ticket.
type CaseLink struct {
	Ref, URL, Status string
}

// CaseForm is the form to open a suspected case from a ticket.
type CaseForm struct {
	Name, Phone, BirthYear, Sex, Address, Area, Link string
	Language                                         string // of the automated follow-up calls
}

// loadTicket finds the ticket of a request's {ref}.
func (s *Server) loadTicket(r *http.Request, me *viewer) (*tickets.Ticket, error) {
	return s.cfg.Store.FindTicketByRef(r.Context(), me.Actor, r.PathValue("ref"))
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request, me *viewer) {
	tk, err := s.loadTicket(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v, err := s.ticketView(r, me, tk)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v.EditOpen = v.EditOpen || r.URL.Query().Get("call") != ""
	status := http.StatusOK
	if item := r.URL.Query().Get("insert"); item != "" {
		// Without the page's script, inserting into the note shows the page again with the
		// text in the note's field.
		text, err := s.insertText(r.Context(), me, item)
		switch code := tickets.ErrorCode(err); {
		case err == nil:
			v.Note = text
		case code == tickets.EINVALID || code == tickets.ENOTFOUND:
			v.Errors["insert"] = tickets.ErrorMessage(err)
			status = http.StatusUnprocessableEntity
		default:
			s.fail(w, r, me, err)
			return
		}
	}
	s.render(w, r, status, ticketPage(v))
}

// ticketView builds a ticket's page. Showing the caller's full number is written to the
// access log first.
func (s *Server) ticketView(r *http.Request, me *viewer, tk *tickets.Ticket) (TicketView, error) {
	ctx := r.Context()
	n := s.names(r, me)
	v := TicketView{
		Nav: s.nav(r, me, "tickets"), Ref: tk.Ref, URL: "/tickets/" + tk.Ref,
		Category: tickets.CategoryLabel(tk.Category).Vi, CategoryCode: tk.Category, Priority: tk.Priority,
		Status: tickets.StatusLabel(tk.Status).Vi, StatusCode: tk.Status, Summary: tk.Summary,
		Created: dateTime(tk.CreatedAt), FirstResponseDue: dateTime(tk.FirstResponseDue), ResolutionDue: dateTime(tk.ResolutionDue),
		FirstResponse: dateTimePtr(tk.FirstResponseAt), Overdue: tk.Overdue(s.cfg.Now()),
		Assignee: n.assigneeRole(tk.AssigneeUserID, tk.AssigneeUnitCode), Updated: strconv.FormatInt(tk.UpdatedAt.UnixNano(), 10),
		Options: s.ticketOptions(r, me), Errors: map[string]string{},
		CanAssign: tickets.IsOpen(tk.Status) && (me.Actor.IsSupervisor() || (me.Actor.SeesCallCentre() && tk.AssigneeUserID == nil && tk.AssigneeUnitCode == nil)),
		CanMerge:  me.Actor.IsSupervisor() && tk.MergedIntoID == nil && tk.Status != tickets.StatusCancelled,
	}
	if id, err := strconv.ParseInt(r.FormValue("request"), 10, 64); err == nil && id > 0 && me.Actor.HandlesDataRequests() {
		v.RequestID = strconv.FormatInt(id, 10)
		v.EditOpen = true // correcting under the request: the form stays open
	}
	if tk.UnitCode != nil {
		v.Area, v.AreaCode = n.unit(*tk.UnitCode), *tk.UnitCode
	}
	v.Edit = TicketEditForm{Category: tk.Category, Priority: tk.Priority, Area: v.AreaCode, Summary: tk.Summary}
	// The edit form offers the categories the store lets this user give the ticket.
	v.Options.Categories = nil
	for _, c := range tickets.Categories {
		if me.Actor.MayChangeCategory(tk, c.Code) {
			v.Options.Categories = append(v.Options.Categories, option{c.Code, c.Vi})
		}
	}
	moves := map[string]bool{}
	for _, to := range tickets.TicketMoves(tk.Status) {
		moves[to] = true
	}
	v.CanCancel = moves[tickets.StatusCancelled]
	if tk.Status != tickets.StatusCancelled {
		for _, st := range workflowSteps {
			b := StepButton{Value: st, Text: tickets.StatusLabel(st).Vi, Allowed: moves[st], Current: st == tk.Status}
			if st == tickets.StatusInProgress && (tk.Status == tickets.StatusResolved || tk.Status == tickets.StatusClosed) {
				b.Text = "Mở lại (" + b.Text + ")"
			}
			v.Steps = append(v.Steps, b)
		}
	}
	v.CanReopen = tk.Status == tickets.StatusCancelled && tk.MergedIntoID == nil && me.Actor.IsSupervisor()
	v.Answers = answersText(tk.IVRAnswers, n.unit)
	seesNumber := me.Actor.SeesReporterOf(tk)
	number := tk.ContactPhone
	if number == nil {
		number = tk.CallerNumber
	}
	if seesNumber && (tk.CallerNumber != nil || tk.ContactPhone != nil) {
		if err := s.logAccess(r, me, tickets.AccessTicketPhone, tk.Ref, number); err != nil {
			return v, err
		}
	}
	switch {
	case !seesNumber:
		v.Caller = CallerPanel{Number: "Ẩn danh với cán bộ phường/xã", Hidden: true}
	default:
		v.Caller.Number = phoneText(tk.CallerNumber)
		if tk.CallID != nil {
			prompts, err := s.cfg.Store.TicketCallPrompts(ctx, me.Actor, tk.ID)
			if err != nil {
				return v, err
			}
			v.CallPrompts = callPromptRows(prompts, me.Actor.IsSupervisor())
		}
		if tk.ContactPhone != nil {
			v.Contact = tickets.FormatPhone(*tk.ContactPhone)
		}
		// The history of the number the caller is known by: theirs, or the one an agent
		// linked a withheld call to.
		known := tk.CallerNumber
		if known == nil {
			known = tk.ContactPhone
		}
		v.CanLinkCaller = me.Actor.SeesCallCentre() && tickets.IsOpen(tk.Status) && tk.CallerNumber == nil && tk.ContactPhone == nil
		if known != nil {
			withdrawn, err := s.cfg.Store.ConsentWithdrawn(ctx, *known)
			if err != nil {
				return v, err
			}
			v.Caller.Withdrawn = withdrawn
			if cs, err := s.cfg.Store.FindCases(ctx, me.Actor, tickets.CaseFilter{Phone: *known, Limit: 5}); err == nil {
				for _, c := range cs {
					v.Caller.Cases = append(v.Caller.Cases, CaseLink{Ref: c.Ref, URL: "/cases/" + c.Ref, Status: tickets.CaseStatusLabel(c.Status).Vi})
				}
			}
			if h, err := s.cfg.Store.CallerHistory(ctx, me.Actor, *known, 10); err == nil {
				v.Caller.Name, v.Caller.Language = h.Caller.Name, languageText(h.Caller.Language)
				for _, c := range h.Calls {
					row := CallRow{Started: dateTime(c.StartedAt), Outcome: outcomeText(c.Outcome), Language: languageText(c.Language)}
					if c.EndedAt != nil {
						row.Duration = durationText(c.EndedAt.Sub(c.StartedAt))
					}
					v.Caller.Calls = append(v.Caller.Calls, row)
				}
				var others []*tickets.Ticket
				for _, t := range h.Tickets {
					if t.ID != tk.ID {
						others = append(others, t)
					}
				}
				v.Caller.Tickets = s.ticketRows(r, me, others)
				// A merge never crosses the anonymity rule (the store refuses it): a
				// community report is merged with another report kept anonymous only.
				for i, t := range others {
					if t.ReporterHidden == tk.ReporterHidden {
						v.MergeCandidates = append(v.MergeCandidates, v.Caller.Tickets[i])
					}
				}
				// A number never heard of before may be a caller known by another.
				if me.Actor.SeesCallCentre() && tickets.IsOpen(tk.Status) && tk.ContactPhone == nil && len(others) == 0 && len(h.Calls) <= 1 {
					v.CanLinkCaller = true
				}
			}
		}
	}
	v.Viewers = s.hub.viewersOf(tk.Ref, me.User)
	if s.hub != nil {
		v.Nav.EventsURL = "/events?ticket=" + url.QueryEscape(tk.Ref)
	}
	// The call centre calls back, from the agent's own phone.
	if me.Actor.SeesCallCentre() && s.cfg.Callbacks != nil && number != nil {
		if me.User.Phone == "" {
			v.CallBackWhy = "Tài khoản của bạn chưa có máy điện thoại; hãy nhờ quản trị viên thêm."
		} else {
			v.CanCallBack = true
		}
	}
	recs, err := s.cfg.Store.TicketRecordings(ctx, me.Actor, tk.ID)
	if err != nil {
		return v, err
	}
	for _, rec := range recs {
		v.Recordings = append(v.Recordings, RecordingLink{URL: fmt.Sprintf("/recordings/%d", rec.ID), Duration: durationText(rec.Duration())})
	}
	evs, err := s.cfg.Store.TicketEvents(ctx, me.Actor, tk.ID)
	if err != nil {
		return v, err
	}
	v.Timeline = s.timeline(evs, tk.ID, n)
	if tk.CaseID != nil {
		if c, err := s.cfg.Store.GetCase(ctx, me.Actor, *tk.CaseID); err == nil {
			v.Case = &CaseLink{Ref: c.Ref, URL: "/cases/" + c.Ref, Status: tickets.CaseStatusLabel(c.Status).Vi}
		}
	}
	for _, l := range []struct {
		id  *int64
		dst **CaseLink
	}{{tk.RepeatOfID, &v.RepeatOf}, {tk.MergedIntoID, &v.MergedInto}} {
		if l.id != nil {
			if t, err := s.cfg.Store.GetTicket(ctx, me.Actor, *l.id); err == nil {
				*l.dst = &CaseLink{Ref: t.Ref, URL: "/tickets/" + t.Ref, Status: tickets.StatusLabel(t.Status).Vi}
			}
		}
	}
	v.GuideMenus, v.Guides = s.ticketGuides(ctx, me, tk)
	v.InsertArticles, v.InsertReplies = s.noteInserts(ctx, me)
	v.NewCase = CaseForm{Area: v.AreaCode, Language: "vi"}
	if tk.IVRAnswers["lang"] == "en" { // the caller chose English on the hotline
		v.NewCase.Language = "en"
	}
	// The person of a case is called every day by the automated follow-up: a case from a
	// community report starts without a phone (the number there is the reporter's, not
	// the person's), unless the agent types one.
	if number != nil && seesNumber && !tk.ReporterHidden && tk.Category != tickets.CategoryCommunityReport {
		v.NewCase.Phone = tickets.FormatPhone(*number)
	}
	return v, nil
}

// isoDay is a day as stored (2021-08-10), written into some trail values.
var isoDay = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)

// timeline turns audit events into rows in words.
func (s *Server) timeline(evs []*tickets.Event, ownID int64, n names) []EventRow {
	rows := make([]EventRow, 0, len(evs))
	for _, e := range evs {
		row := EventRow{At: dateTime(e.At), Actor: actorName(e, n), What: eventKindText(e.Kind), Note: e.Note}
		if e.Entity == tickets.EntityCase && e.Kind == "created" {
			row.What = "Mở ca"
		}
		if e.ActorID != nil {
			row.Role = n.role(*e.ActorID)
		}
		label := func(v string) string { return v }
		switch e.Field {
		case "status":
			label = func(v string) string { return tickets.StatusLabel(v).Vi }
			if e.Entity == tickets.EntityCase {
				label = func(v string) string { return tickets.CaseStatusLabel(v).Vi }
			}
		case "category":
			label = func(v string) string { return tickets.CategoryLabel(v).Vi }
		case "unit_code":
			label = n.unit
		case "assignee":
			label = func(v string) string {
				switch {
				case strings.HasPrefix(v, "user:"):
					id, _ := strconv.ParseInt(strings.TrimPrefix(v, "user:"), 10, 64)
					return n.user(id)
				case strings.HasPrefix(v, "unit:"):
					return n.unit(strings.TrimPrefix(v, "unit:"))
				}
				return v
			}
		case "result":
			label = func(v string) string { return outcomeText("callback_" + v) }
		case "auto_calls":
			label = func(v string) string { return tickets.AutoCallStateLabel(v).Vi }
		case "call_now":
			label = func(string) string { return "yêu cầu gọi ngay" }
		}
		if strings.HasPrefix(e.Field, "day ") {
			label = func(v string) string { return tickets.FollowUpResultLabel(v).Vi }
			row.What += " (" + strings.Replace(e.Field, "day", "ngày", 1) + ")"
		}
		switch {
		case e.OldValue != "" && e.NewValue != "":
			row.Detail = label(e.OldValue) + " → " + label(e.NewValue)
		case e.NewValue != "":
			row.Detail = label(e.NewValue)
		}
		if e.Kind == "recording" {
			row.Detail = "lời nhắn #" + e.NewValue
		}
		row.Detail = isoDay.ReplaceAllString(row.Detail, "$3/$2/$1") // days kept in a value ("14 ngày từ 2021-08-10")
		if e.Entity == tickets.EntityTicket && e.EntityID != ownID {
			row.Other = fmt.Sprintf("phiếu đã gộp #%d", e.EntityID)
		}
		rows = append(rows, row)
	}
	return rows
}

// actorName is who did an event, as people know them.
func actorName(e *tickets.Event, n names) string {
	switch {
	case e.ActorID != nil:
		if name, ok := n.byID[*e.ActorID]; ok {
			return name
		}
		return e.Actor
	case e.Actor == "ivr":
		return "Tổng đài tự động"
	case e.Actor == "system":
		return "Hệ thống"
	}
	return e.Actor
}

// ticketAction runs a change on the ticket of a request's {ref}, made from the page the
// user saw (its version in the form: a ticket changed since is not changed again), and
// answers with the ticket's page: its main part for htmx, or a redirect. field is the
// form field an invalid change's message goes beside.
func (s *Server) ticketAction(w http.ResponseWriter, r *http.Request, me *viewer, field, done string, do func(ctx context.Context, tk *tickets.Ticket) error) {
	tk, err := s.loadTicket(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	ctx := r.Context()
	if u := r.PostFormValue("updated"); u != "" {
		if ns, err := strconv.ParseInt(u, 10, 64); err == nil {
			ctx = tickets.IfUnmodifiedSince(ctx, time.Unix(0, ns).UTC())
		}
	}
	err = do(ctx, tk)
	status := http.StatusOK
	var v TicketView
	if err != nil {
		switch code := tickets.ErrorCode(err); {
		case tickets.IsStale(err) || code == tickets.ECONFLICT || code == tickets.EFORBIDDEN:
			status = statusFor(err)
		case code == tickets.EINVALID:
			status = http.StatusUnprocessableEntity
		default:
			s.fail(w, r, me, err)
			return
		}
	} else if !isHTMX(r) {
		query := ""
		if req := r.PostFormValue("request"); field == "edit" && req != "" {
			query = "?request=" + url.QueryEscape(req) // still correcting under the request
		}
		http.Redirect(w, r, "/tickets/"+tk.Ref+query+"#"+field, http.StatusSeeOther)
		return
	}
	if fresh, ferr := s.loadTicket(r, me); ferr == nil {
		tk = fresh
	} else if err == nil {
		seeOther(w, r, "/tickets") // gone from the user's sight (an officer gave it away)
		return
	}
	v, verr := s.ticketView(r, me, tk)
	if verr != nil {
		s.fail(w, r, me, verr)
		return
	}
	switch {
	case err == nil:
		v.Message = done
		if field == "status" {
			v.MessageAt = field
		}
	case status == http.StatusUnprocessableEntity:
		v.Errors[errorField(r, field, err)] = tickets.ErrorMessage(err)
		keepInput(r, &v)
	default:
		v.Problem = tickets.ErrorMessage(err)
	}
	if isHTMX(r) {
		s.render(w, r, status, ticketMain(v))
		return
	}
	s.render(w, r, status, ticketPage(v))
}

// errorField is where a form's error goes: beside the field at fault when the error names
// one (case.birth_year), or, for a case refused a hidden reporter's number, the case's
// phone or the reference of the case it was to be linked to; else beside the form's
// buttons (case).
func errorField(r *http.Request, form string, err error) string {
	if form == "case" && tickets.IsReporterNumber(err) {
		if trimmed(r.PostFormValue("case_ref")) != "" {
			return "case.case_ref"
		}
		return "case.phone"
	}
	if f := tickets.ErrorField(err); f != "" {
		return form + "." + f
	}
	return form
}

// keepInput puts what the user typed back in the forms of a page shown again with an
// error, so nothing they wrote is lost; the rest of the page keeps what was saved.
func keepInput(r *http.Request, v *TicketView) {
	if c := r.PostFormValue("category"); c != "" {
		v.Edit.Category = c
	}
	if p := r.PostFormValue("priority"); p != "" {
		v.Edit.Priority = p
	}
	if _, ok := r.PostForm["summary"]; ok {
		v.Edit.Summary = r.PostFormValue("summary")
	}
	if _, ok := r.PostForm["area"]; ok {
		v.Edit.Area = r.PostFormValue("area")
	}
	v.NewCase = CaseForm{Name: r.PostFormValue("person_name"), Phone: r.PostFormValue("phone"), BirthYear: r.PostFormValue("birth_year"),
		Sex: r.PostFormValue("sex"), Address: r.PostFormValue("address"), Area: r.PostFormValue("case_area"), Link: r.PostFormValue("case_ref"),
		Language: r.PostFormValue("language")}
	if v.NewCase.Name == "" && v.NewCase.Phone == "" && v.NewCase.Area == "" {
		v.NewCase.Area = v.AreaCode
	}
}

func (s *Server) handleTicketStatus(w http.ResponseWriter, r *http.Request, me *viewer) {
	to := r.PostFormValue("to")
	field := "status"
	if to == tickets.StatusCancelled {
		if r.PostFormValue("confirm") != "yes" {
			s.cancelStep(w, r, me)
			return
		}
		field = "cancel"
	}
	s.ticketAction(w, r, me, field, "Đã chuyển sang “"+tickets.StatusLabel(to).Vi+"”.", func(ctx context.Context, tk *tickets.Ticket) error {
		return s.cfg.Store.TransitionTicket(ctx, me.Actor, tk.ID, to, trimmed(r.PostFormValue("note")))
	})
}

// cancelStep answers the first press of "cancel": the ticket's page asking to confirm,
// with the reason given, or saying what is missing. Nothing is changed yet.
func (s *Server) cancelStep(w http.ResponseWriter, r *http.Request, me *viewer) {
	tk, err := s.loadTicket(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v, err := s.ticketView(r, me, tk)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	reason := trimmed(r.PostFormValue("note"))
	status := http.StatusOK
	if err := tickets.CheckTransition(tk.Status, tickets.StatusCancelled); err != nil {
		status, v.Problem = statusFor(err), tickets.ErrorMessage(err)
	} else if u := r.PostFormValue("updated"); u != "" && u != v.Updated {
		// The page the user pressed it on is out of date: they see the ticket as it is.
		status, v.Problem = http.StatusConflict, tickets.ErrorMessage(tickets.ErrStale)
	} else if err := tickets.CheckCancelReason(reason); err != nil {
		status, v.Errors["cancel"] = http.StatusUnprocessableEntity, tickets.ErrorMessage(err)
	} else {
		v.ConfirmCancel = &CancelConfirm{Reason: reason, Updated: v.Updated}
	}
	if isHTMX(r) {
		s.render(w, r, status, ticketMain(v))
		return
	}
	s.render(w, r, status, ticketPage(v))
}

// handleTicketReopen reopens a cancelled ticket (supervisors), with the reason.
func (s *Server) handleTicketReopen(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.ticketAction(w, r, me, "reopen", "Đã mở lại phiếu.", func(ctx context.Context, tk *tickets.Ticket) error {
		return s.cfg.Store.ReopenTicket(ctx, me.Actor, tk.ID, trimmed(r.PostFormValue("note")))
	})
}

func (s *Server) handleTicketAssign(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.ticketAction(w, r, me, "assign", "Đã giao phiếu.", func(ctx context.Context, tk *tickets.Ticket) error {
		var userID *int64
		var unit *string
		switch a := r.PostFormValue("assignee"); {
		case a == "me" && me.Actor.UserID != nil:
			userID = me.Actor.UserID
		case strings.HasPrefix(a, "user:"):
			id, err := strconv.ParseInt(strings.TrimPrefix(a, "user:"), 10, 64)
			if err != nil {
				return tickets.Errorf(tickets.EINVALID, "Người nhận không hợp lệ.")
			}
			userID = &id
		case strings.HasPrefix(a, "unit:"):
			unit = ptr(strings.TrimPrefix(a, "unit:"))
		default:
			return tickets.Errorf(tickets.EINVALID, "Hãy chọn người hoặc đơn vị nhận phiếu.")
		}
		return s.cfg.Store.AssignTicket(ctx, me.Actor, tk.ID, userID, unit, trimmed(r.PostFormValue("note")))
	})
}

func (s *Server) handleTicketEdit(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.ticketAction(w, r, me, "edit", "Đã lưu thay đổi.", func(ctx context.Context, tk *tickets.Ticket) error {
		// The form sends every field; the store is given only those the user changed from
		// the ticket as the page showed it (a page changed since is refused as stale).
		e := tickets.TicketEdit{}
		if v := r.PostFormValue("category"); v != "" && v != tk.Category {
			e.Category = &v
		}
		if v := r.PostFormValue("priority"); v != "" && v != tk.Priority {
			e.Priority = &v
		}
		if _, ok := r.PostForm["summary"]; ok {
			if v := r.PostFormValue("summary"); strings.TrimSpace(v) != tk.Summary {
				e.Summary = &v
			}
		}
		if _, ok := r.PostForm["area"]; ok {
			var unit *string
			if v := r.PostFormValue("area"); v != "" {
				unit = &v
			}
			if deref(unit) != deref(tk.UnitCode) {
				e.UnitCode = &unit
			}
		}
		if e == (tickets.TicketEdit{}) {
			return nil // nothing changed: nothing to save
		}
		if v := r.PostFormValue("request"); v != "" {
			// Made from a correction request's page: the store checks the request.
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return tickets.Errorf(tickets.EINVALID, "Yêu cầu chỉnh sửa không hợp lệ.")
			}
			e.RequestID = &id
		}
		return s.cfg.Store.EditTicket(ctx, me.Actor, tk.ID, e, trimmed(r.PostFormValue("note")))
	})
}

func (s *Server) handleTicketNote(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	r.PostForm.Del("updated") // a note is never refused for someone else's change
	s.ticketAction(w, r, me, "note", "Đã thêm ghi chú.", func(ctx context.Context, tk *tickets.Ticket) error {
		return s.cfg.Store.AddTicketNote(ctx, me.Actor, tk.ID, r.PostFormValue("note"))
	})
}

func (s *Server) handleTicketMerge(w http.ResponseWriter, r *http.Request, me *viewer) {
	into := strings.ToUpper(trimmed(r.PostFormValue("into")))
	s.ticketAction(w, r, me, "merge", "Đã gộp vào "+into+".", func(ctx context.Context, tk *tickets.Ticket) error {
		if into == "" {
			return tickets.Errorf(tickets.EINVALID, "Hãy nhập mã phiếu giữ lại (ví dụ HL-260012).")
		}
		survivor, err := s.cfg.Store.FindTicketByRef(ctx, me.Actor, into)
		if tickets.ErrorCode(err) == tickets.ENOTFOUND {
			return tickets.Errorf(tickets.EINVALID, "Không tìm thấy phiếu %s.", into)
		}
		if err != nil {
			return err
		}
		return s.cfg.Store.MergeTickets(ctx, me.Actor, tk.ID, survivor.ID, trimmed(r.PostFormValue("note")))
	})
}

// handleTicketCase opens a suspected case from a ticket, or links the ticket to a case
// that exists (case_ref).
func (s *Server) handleTicketCase(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.ticketAction(w, r, me, "case", "Đã liên kết với ca nghi nhiễm.", func(ctx context.Context, tk *tickets.Ticket) error {
		if ref := trimmed(r.PostFormValue("case_ref")); ref != "" {
			c, err := s.cfg.Store.FindCaseByRef(ctx, me.Actor, ref)
			if tickets.ErrorCode(err) == tickets.ENOTFOUND {
				return tickets.Errorf(tickets.EINVALID, "Không tìm thấy ca %s.", strings.ToUpper(ref))
			}
			if err != nil {
				return err
			}
			return s.cfg.Store.LinkTicketToCase(ctx, me.Actor, tk.ID, c.ID, "")
		}
		c := &tickets.Case{PersonName: r.PostFormValue("person_name"), Sex: r.PostFormValue("sex"), Address: trimmed(r.PostFormValue("address")),
			Language: r.PostFormValue("language")}
		if p := trimmed(r.PostFormValue("phone")); p != "" {
			c.Phone = &p
		}
		if a := r.PostFormValue("case_area"); a != "" {
			c.UnitCode = &a
		}
		if y := trimmed(r.PostFormValue("birth_year")); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil {
				return tickets.FieldErrorf("birth_year", "%s", tickets.BirthYearRange(y, s.cfg.Now()))
			}
			c.BirthYear = &n
		}
		return s.cfg.Store.CreateCase(ctx, me.Actor, c, &tk.ID)
	})
}

// handleTicketCallback calls the citizen of a ticket back from the signed-in agent's phone.
func (s *Server) handleTicketCallback(w http.ResponseWriter, r *http.Request, me *viewer) {
	s.ticketAction(w, r, me, "callback", "Đang gọi: máy của bạn đổ chuông trước, rồi đến máy người dân.", func(ctx context.Context, tk *tickets.Ticket) error {
		if s.cfg.Callbacks == nil {
			return tickets.Errorf(tickets.ECONFLICT, "Tổng đài chưa sẵn sàng gọi lại.")
		}
		if me.User.Phone == "" {
			return tickets.Errorf(tickets.EINVALID, "Tài khoản của bạn chưa có máy điện thoại; hãy nhờ quản trị viên thêm.")
		}
		number := tk.ContactPhone
		if number == nil {
			number = tk.CallerNumber
		}
		if number == nil {
			return tickets.Errorf(tickets.EINVALID, "Phiếu %s không có số điện thoại để gọi lại.", tk.Ref)
		}
		lang := "vi"
		if tk.IVRAnswers["lang"] == "en" {
			lang = "en"
		}
		_, err := s.cfg.Callbacks.CallBack(context.WithoutCancel(ctx), CallbackRequest{TicketID: tk.ID, Agent: me.User.Phone, Number: *number, Lang: lang, Actor: me.Actor, TicketRef: tk.Ref})
		return err
	})
}

// deref is a string pointer's value, "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
