package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// FollowUpForm is the form that records a day's result, on the board and on the case's
// page: how the person was followed up (asked of officers, remembered for the day's
// cards), then the result; "seen, with signs", which refers the case and raises a P1
// ticket, is confirmed first.
type FollowUpForm struct {
	ID     int64
	Action string   // where it posts
	Target string   // what htmx replaces with the answer
	Hidden []option // fields it carries, as name (Value) and value (Text): the board's unit and day
	// Methods are the methods an officer chooses from; none for the call centre, whose
	// follow-up is its own call.
	Methods []option
	Method  string // the method chosen, or remembered from the day's last result
	Results []option
	Confirm bool   // "seen, with signs" was pressed: ask to confirm it
	Back    string // where going back from the confirmation leads
	Error   string
	CaseRef string
	Day     int
}

// sessionFollowUpMethod keeps the method of an officer's last result, with its day, so
// that the day's next cards offer it.
const sessionFollowUpMethod = "followup_method"

// officerMethods are how an officer follows a person up.
var officerMethods = []option{{tickets.MethodPhoneCall, "Gọi điện"}, {tickets.MethodHomeVisit, "Đến nhà"}}

// followUpForm is the form of a day's result for a user.
func (s *Server) followUpForm(r *http.Request, me *viewer, id int64, action, target, back string) FollowUpForm {
	f := FollowUpForm{ID: id, Action: action, Target: target, Back: back, Results: labelsVi(tickets.FollowUpResults[:4])}
	if !me.Actor.SeesCallCentre() {
		f.Methods = officerMethods
		if day, method, ok := strings.Cut(s.sessions.GetString(r.Context(), sessionFollowUpMethod), " "); ok && day == tickets.Day(s.cfg.Now()) {
			f.Method = method
		}
	}
	return f
}

// postedFollowUp is a result posted from a day's form, and what became of it.
type postedFollowUp struct {
	id             int64
	result, method string
	ask            bool // "seen, with signs" not confirmed yet: nothing was recorded
}

// answer puts what became of a posted result in its day's form, and reports whether it
// did (the form is on the page).
func (p postedFollowUp) answer(f *FollowUpForm, err error) bool {
	switch {
	case err != nil:
		f.Error = tickets.ErrorMessage(err)
		if p.method != "" {
			f.Method = p.method
		}
		return true
	case p.ask:
		f.Confirm, f.Method = true, p.method
		return true
	}
	return false
}

// recordFollowUp records the result of the follow-up day of a request's {id}: the
// method is asked, never assumed, and "seen, with signs" waits for its confirmation.
func (s *Server) recordFollowUp(r *http.Request, me *viewer) (postedFollowUp, error) {
	p := postedFollowUp{result: r.PostFormValue("result"), method: r.PostFormValue("method")}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return p, tickets.Errorf(tickets.ENOTFOUND, "Không tìm thấy lượt theo dõi.")
	}
	p.id = id
	if me.Actor.SeesCallCentre() {
		p.method = tickets.MethodAgentCall // the call centre follows up by its own call
	} else if p.method != tickets.MethodPhoneCall && p.method != tickets.MethodHomeVisit {
		return p, tickets.Errorf(tickets.EINVALID, "Hãy chọn cách theo dõi: gọi điện hay đến nhà.")
	}
	if p.result == tickets.ResultSymptomatic && r.PostFormValue("confirm") != "1" {
		p.ask = true
		return p, nil
	}
	if err := s.cfg.Store.RecordFollowUp(r.Context(), me.Actor, id, p.result, p.method, nil, trimmed(r.PostFormValue("note"))); err != nil {
		return p, err
	}
	if !me.Actor.SeesCallCentre() {
		s.sessions.Put(r.Context(), sessionFollowUpMethod, tickets.Day(s.cfg.Now())+" "+p.method)
	}
	return p, nil
}

// handleFollowUp records a day's result from the case's page.
func (s *Server) handleFollowUp(w http.ResponseWriter, r *http.Request, me *viewer) {
	c, err := s.loadCase(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	post, err := s.recordFollowUp(r, me)
	status, ok := s.changeStatus(w, r, me, err)
	if !ok {
		return
	}
	if err == nil && !post.ask && !isHTMX(r) {
		http.Redirect(w, r, "/cases/"+c.Ref+"#due-days", http.StatusSeeOther)
		return
	}
	s.caseAnswer(w, r, me, status, func(v *CaseView) {
		placed := false
		for i := range v.Due {
			if v.Due[i].ID == post.id {
				placed = post.answer(&v.Due[i].Form, err)
			}
		}
		switch {
		case err != nil && !placed:
			v.Errors["followup"] = tickets.ErrorMessage(err)
		case err == nil && !post.ask:
			v.Message = "Đã ghi kết quả theo dõi: " + tickets.FollowUpResultLabel(post.result).Vi + "."
		}
	})
}

// handleFollowUpCorrect corrects a day's result recorded by mistake, with the reason.
func (s *Server) handleFollowUpCorrect(w http.ResponseWriter, r *http.Request, me *viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, me, tickets.Errorf(tickets.ENOTFOUND, "Không tìm thấy lượt theo dõi."))
		return
	}
	result := r.PostFormValue("result")
	s.caseAction(w, r, me, "correct-"+strconv.FormatInt(id, 10), "Đã sửa kết quả thành “"+tickets.FollowUpResultLabel(result).Vi+"”.",
		func(ctx context.Context, c *tickets.Case) error {
			return s.cfg.Store.CorrectFollowUp(ctx, me.Actor, id, result, r.PostFormValue("method"), r.PostFormValue("reason"))
		})
}

// telURL is a number to tap on a phone (tel:+84905123456), "" without one.
func telURL(p *string) string {
	if p == nil || *p == "" {
		return ""
	}
	return "tel:" + *p
}
