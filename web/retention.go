package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// RetentionPage is the admins' retention schedule (Thời hạn lưu trữ): how long each kind
// of citizens' data is kept, the form to change it, and the purge's last runs.
type RetentionPage struct {
	Nav     Nav
	Rows    []RetentionRow
	Kinds   []tickets.RetentionKind // the runs' columns
	Runs    []PurgeRunRow
	Message string
}

// RetentionRow is one kind of data in the schedule, as the form shows it.
type RetentionRow struct {
	Code, Label, Days string
	Default, Min      int
	Changed           string // who changed it last, when
	Error             string // why the typed period was refused
}

// Hint says the row's default, its least and its last change.
func (r RetentionRow) Hint() string {
	h := fmt.Sprintf("Mặc định %d ngày", r.Default)
	if r.Min > 1 {
		h += fmt.Sprintf(", tối thiểu %d ngày", r.Min)
	}
	if r.Changed != "" {
		h += " · đổi lần cuối: " + r.Changed
	}
	return h
}

// PurgeRunRow is one run of the purge: when, started by what, and its counts by kind.
type PurgeRunRow struct {
	At, Source, Error string
	Counts            []int // in the order of Kinds
	Total             int
}

func (s *Server) retentionPage(r *http.Request, me *viewer, typed map[string]string) (RetentionPage, error) {
	p := RetentionPage{Nav: s.nav(r, me, "retention"), Kinds: tickets.RetentionKinds, Message: r.URL.Query().Get("done")}
	periods, err := s.cfg.Store.RetentionPeriods(r.Context(), me.Actor)
	if err != nil {
		return p, err
	}
	days := map[string]*tickets.RetentionPeriod{}
	for _, per := range periods {
		days[per.Kind] = per
	}
	for _, k := range tickets.RetentionKinds {
		row := RetentionRow{Code: k.Code, Label: k.Vi, Default: k.DefaultDays, Min: k.MinDays}
		if per := days[k.Code]; per != nil {
			row.Days = strconv.Itoa(per.Days)
			if per.UpdatedBy != nil && per.UpdatedAt != nil {
				row.Changed = *per.UpdatedBy + ", " + dateTime(*per.UpdatedAt)
			}
		}
		if v, ok := typed[k.Code]; ok {
			row.Days = v
		}
		p.Rows = append(p.Rows, row)
	}
	runs, err := s.cfg.Store.PurgeRuns(r.Context(), me.Actor, 10)
	if err != nil {
		return p, err
	}
	for _, run := range runs {
		row := PurgeRunRow{At: dateTime(run.StartedAt), Source: map[string]string{"serve": "hằng đêm", "shell": "lệnh hotline purge"}[run.Source],
			Total: run.Total()}
		if run.FinishedAt == nil {
			row.Error = "đang chạy hoặc bị ngắt"
		} else if run.Error != "" {
			row.Error = "lỗi (xem nhật ký máy chủ)"
		}
		for _, k := range tickets.RetentionKinds {
			row.Counts = append(row.Counts, run.Counts[k.Code])
		}
		p.Runs = append(p.Runs, row)
	}
	return p, nil
}

func (s *Server) handleRetention(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.retentionPage(r, me, nil)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, retentionPage(p))
}

// handleRetentionSet changes the schedule. A period that is not a whole number of days,
// or is refused (the access log under six months), is said beside its field, with every
// period as typed; nothing changes then.
func (s *Server) handleRetentionSet(w http.ResponseWriter, r *http.Request, me *viewer) {
	typed := map[string]string{}
	days := map[string]int{}
	var bad *tickets.Error
	for _, k := range tickets.RetentionKinds {
		v := strings.TrimSpace(r.PostFormValue(k.Code))
		if v == "" {
			continue
		}
		typed[k.Code] = v
		n, err := strconv.Atoi(v)
		if err != nil && bad == nil {
			bad = tickets.FieldErrorf(k.Code, "Hãy ghi số ngày bằng chữ số, ví dụ %d.", k.DefaultDays)
		}
		days[k.Code] = n
	}
	var err error
	if bad != nil {
		err = bad
	} else {
		err = s.cfg.Store.SetRetentionPeriods(r.Context(), me.Actor, days)
	}
	if err == nil {
		s.log.Info("retention schedule changed", "by", me.User.Username)
		http.Redirect(w, r, "/admin/retention?done="+url.QueryEscape("Đã lưu thời hạn lưu trữ."), http.StatusSeeOther)
		return
	}
	if tickets.ErrorCode(err) != tickets.EINVALID {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.retentionPage(r, me, typed)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.Message = ""
	field := tickets.ErrorField(err)
	for i := range p.Rows {
		if p.Rows[i].Code == field {
			p.Rows[i].Error = tickets.ErrorMessage(err)
		}
	}
	s.render(w, r, statusFor(err), retentionPage(p))
}

// retentionAuditRow shows a change of the retention schedule in the admins' audit view.
func retentionAuditRow(e *tickets.UserEvent) AuditRow {
	what := e.Field
	for _, k := range tickets.RetentionKinds {
		if k.Code == e.Field {
			what = k.Vi
		}
	}
	return AuditRow{At: dateTime(e.At), Actor: e.Actor, User: "—", What: "Thời hạn lưu trữ: " + what,
		Before: fmt.Sprintf("%s ngày", e.OldValue), After: fmt.Sprintf("%s ngày", e.NewValue), Note: e.Note}
}
