package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// HolidaysPage is the admin's holiday calendar (Ngày nghỉ lễ): the weekdays that are not
// working days, on which the legal clocks of data requests are counted.
type HolidaysPage struct {
	Nav       Nav
	Days      []HolidayRow
	New       HolidayForm
	Errors    map[string]string
	Message   string
	Error     string
	NextEmpty bool // next year has no day yet
}

// HolidayRow is a day off on the calendar.
type HolidayRow struct {
	Day, Text, Weekday, Name, AddedBy string
}

// HolidayForm is what was typed in the form adding a day.
type HolidayForm struct {
	Day, Name string
}

func (s *Server) holidaysPage(r *http.Request, me *viewer) (HolidaysPage, error) {
	p := HolidaysPage{Nav: s.nav(r, me, "holidays"), Errors: map[string]string{}}
	list, err := s.cfg.Store.ListHolidays(r.Context())
	if err != nil {
		return p, err
	}
	next := s.cfg.Now().In(tickets.Local).AddDate(1, 0, 0).Format("2006")
	p.NextEmpty = true
	for _, h := range list {
		row := HolidayRow{Day: h.Day, Text: dayText(h.Day), Name: h.Name, AddedBy: orDash(h.AddedBy)}
		if h.AddedBy == "" {
			row.AddedBy = "cài sẵn"
		}
		if t, err := time.ParseInLocation(tickets.DayFormat, h.Day, tickets.Local); err == nil {
			row.Weekday = weekdays[t.Weekday()]
		}
		if h.Day[:4] == next {
			p.NextEmpty = false
		}
		p.Days = append(p.Days, row)
	}
	return p, nil
}

func (s *Server) handleHolidays(w http.ResponseWriter, r *http.Request, me *viewer) {
	p, err := s.holidaysPage(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.Message = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, holidaysPage(p))
}

func (s *Server) handleHolidayAdd(w http.ResponseWriter, r *http.Request, me *viewer) {
	f := HolidayForm{Day: r.PostFormValue("day"), Name: r.PostFormValue("name")}
	h, err := s.cfg.Store.AddHoliday(r.Context(), me.Actor, f.Day, f.Name)
	if err == nil {
		s.log.Info("holiday added", "by", me.User.Username, "day", h.Day)
		http.Redirect(w, r, "/admin/holidays?done="+url.QueryEscape("Đã thêm ngày nghỉ "+dayText(h.Day)+"."), http.StatusSeeOther)
		return
	}
	s.holidayRefused(w, r, me, err, f)
}

func (s *Server) handleHolidayRemove(w http.ResponseWriter, r *http.Request, me *viewer) {
	day := r.PathValue("day")
	if err := s.cfg.Store.RemoveHoliday(r.Context(), me.Actor, day); err != nil {
		s.holidayRefused(w, r, me, err, HolidayForm{})
		return
	}
	s.log.Info("holiday removed", "by", me.User.Username, "day", day)
	http.Redirect(w, r, "/admin/holidays?done="+url.QueryEscape("Đã bỏ ngày nghỉ "+dayText(day)+"."), http.StatusSeeOther)
}

func (s *Server) holidayRefused(w http.ResponseWriter, r *http.Request, me *viewer, err error, f HolidayForm) {
	if code := tickets.ErrorCode(err); code != tickets.EINVALID && code != tickets.ENOTFOUND {
		s.fail(w, r, me, err)
		return
	}
	p, perr := s.holidaysPage(r, me)
	if perr != nil {
		s.fail(w, r, me, perr)
		return
	}
	p.New = f
	if field := tickets.ErrorField(err); field != "" {
		p.Errors[field] = tickets.ErrorMessage(err)
	} else {
		p.Error = tickets.ErrorMessage(err)
	}
	s.render(w, r, statusFor(err), holidaysPage(p))
}
