package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// ReportData is a report as the page, the CSV and the PDF show it: its figures, and for a
// frozen day the figures later data changed, with their values now.
type ReportData struct {
	Title    string
	Day      string // the day asked for
	Period   string // day, week or month
	From, To string
	Range    string // for a week or a month, the days it shows
	Unit     string // an officer's unit, by name
	Frozen   *time.Time
	Live     time.Time // when the figures not frozen were computed
	Figures  []tickets.Figure
	Changes  map[string]tickets.Figure // figure key → the figure now, for a frozen day
	Report   *tickets.DayReport
	Trend    []trendDay
	Units    []*tickets.Unit
	// Future says the period has not begun; Empty that nothing happened in it.
	Future, Empty bool
}

type trendDay struct {
	Day      string
	Calls    int
	Symptoms int
}

// rangeText writes a period's days: 30/11–04/12/2026, or 28/12/2026–03/01/2027 across a
// year's end.
func rangeText(from, to string) string {
	if from[:4] == to[:4] {
		return strings.TrimSuffix(dayText(from), "/"+from[:4]) + "–" + dayText(to)
	}
	return dayText(from) + "–" + dayText(to)
}

// weekdays name the days of the week, from Sunday.
var weekdays = [7]string{"Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"}

// periodText says which days a period shows: "5 ngày, từ thứ Hai 30/11/2026 đến thứ Sáu
// 04/12/2026 (hôm nay: số liệu đến 10:00)".
func periodText(from, to, today string, now time.Time) string {
	f, _ := time.ParseInLocation(tickets.DayFormat, from, tickets.Local)
	t, _ := time.ParseInLocation(tickets.DayFormat, to, tickets.Local)
	n := int(t.Sub(f).Hours()/24+0.5) + 1
	s := fmt.Sprintf("%d ngày, từ %s %s đến %s %s", n, weekdays[f.Weekday()], dayText(from), weekdays[t.Weekday()], dayText(to))
	if to == today {
		s += " (hôm nay: số liệu đến " + now.In(tickets.Local).Format("15:04") + ")"
	}
	return s
}

// loadReport reads the report a request asks for, as the signed-in user may see it.
func (s *Server) loadReport(ctx context.Context, r *http.Request, me *viewer) (*ReportData, error) {
	today := tickets.Day(s.cfg.Now())
	day := strings.TrimSpace(r.URL.Query().Get("day"))
	if day == "" {
		day = tickets.AddDays(today, -1)
	}
	day, err := tickets.ParseDay(day)
	if err != nil {
		return nil, tickets.FieldErrorf("day", "%s", tickets.ErrorMessage(err))
	}
	period := r.URL.Query().Get("period")
	switch period {
	case "", "day":
		period = "day"
	case "week", "month":
	default:
		return nil, tickets.Errorf(tickets.EINVALID, "Kỳ báo cáo %q không hợp lệ (day, week, month).", period)
	}
	units, err := s.cfg.Store.ListUnits(ctx, false)
	if err != nil {
		return nil, err
	}
	d := &ReportData{Day: day, Period: period, Units: units, Live: s.cfg.Now(), Future: day > today}
	if me.User.Role == tickets.RoleOfficer {
		// An officer's part: their unit's tickets and cases, day by day.
		d.Period, d.From, d.To = "day", day, day
		u, err := s.cfg.Store.UnitDailyReport(ctx, me.Actor, day, "")
		if err != nil {
			return nil, err
		}
		d.Unit = u.Unit
		for _, x := range units {
			if x.Code == u.Unit {
				d.Unit = x.Name
			}
		}
		d.Title = "Báo cáo ngày " + dayText(day) + " – " + d.Unit
		d.Figures = u.Figures(units)
		d.Empty = u.Tickets.Created == 0 && u.Tickets.Backlog == 0 && u.Tickets.Resolved == 0 && u.Cases.New == 0 && u.Cases.Monitoring == 0
		return d, nil
	}
	d.From, d.To = tickets.ReportPeriod(day, period, today)
	if period == "day" {
		now, err := s.cfg.Store.DailyReport(ctx, me.Actor, day)
		if err != nil {
			return nil, err
		}
		d.Report = now
		snap, err := s.cfg.Store.FrozenDay(ctx, day)
		switch {
		case err == nil:
			d.Frozen, d.Report = &snap.FrozenAt, snap.Report
			d.Figures = snap.Report.Figures(units)
			d.Changes = tickets.Changes(d.Figures, now.Figures(units))
		case tickets.ErrorCode(err) == tickets.ENOTFOUND:
			d.Figures = now.Figures(units)
		default:
			return nil, err
		}
	} else {
		if d.Report, err = s.cfg.Store.PeriodReport(ctx, me.Actor, d.From, d.To); err != nil {
			return nil, err
		}
		d.Figures = d.Report.Figures(units)
	}
	switch period {
	case "week":
		d.Title = "Báo cáo tuần " + rangeText(d.From, d.To)
		d.Range = periodText(d.From, d.To, today, d.Live)
	case "month":
		d.Title = "Báo cáo tháng " + strings.TrimPrefix(dayText(d.From), "01/")
		d.Range = periodText(d.From, d.To, today, d.Live)
	default:
		d.Title = "Báo cáo ngày " + dayText(day)
	}
	if d.Trend, err = s.trend(ctx, me, d.To); err != nil {
		return nil, err
	}
	if rp := d.Report; rp != nil {
		d.Empty = rp.Calls.Received == 0 && rp.Calls.Callbacks == 0 && rp.Queue.Offered == 0 && len(rp.Agents) == 0 &&
			rp.Tickets.Created == 0 && rp.Tickets.Backlog == 0 && rp.Tickets.Resolved == 0 && rp.Cases.New == 0 && rp.Cases.Monitoring == 0
	}
	return d, nil
}

// trend reads the 14 days to a day: calls received and symptom reports.
func (s *Server) trend(ctx context.Context, me *viewer, to string) ([]trendDay, error) {
	from := tickets.AddDays(to, -13)
	calls, err := s.cfg.Store.CallsByDay(ctx, me.Actor, from, to)
	if err != nil {
		return nil, err
	}
	reports, err := s.cfg.Store.TicketsByDay(ctx, me.Actor, from, to)
	if err != nil {
		return nil, err
	}
	var out []trendDay
	for day := from; day <= to; day = tickets.AddDays(day, 1) {
		t := trendDay{Day: day}
		for _, c := range calls {
			if c.Day == day {
				t.Calls += c.Count
			}
		}
		for _, c := range reports {
			if c.Day == day && c.Kind == tickets.CategorySymptomReport {
				t.Symptoms += c.Count
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request, me *viewer) {
	d, err := s.loadReport(r.Context(), r, me)
	if tickets.ErrorField(err) == "day" {
		// The page again, with the day as typed and the message beside it.
		v := ReportView{Title: "Báo cáo", Officer: me.User.Role == tickets.RoleOfficer, Period: r.URL.Query().Get("period"),
			DayInput: r.URL.Query().Get("day"), DayError: tickets.ErrorMessage(err)}
		s.render(w, r, http.StatusUnprocessableEntity, reportPage(s.nav(r, me, "reports"), v))
		return
	}
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	v := reportView(d)
	if me.Actor.HandlesDataRequests() {
		overdue, near, err := s.cfg.Store.DataRequestsDue(r.Context(), me.Actor)
		if err != nil {
			s.fail(w, r, me, err)
			return
		}
		v.Requests = &RequestsDue{Overdue: overdue, Near: near}
	}
	s.render(w, r, http.StatusOK, reportPage(s.nav(r, me, "reports"), v))
}

func (s *Server) handleReportCSV(w http.ResponseWriter, r *http.Request, me *viewer) {
	d, err := s.loadReport(r.Context(), r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hotline-%s.csv"`, d.fileName()))
	if err := WriteReportCSV(w, d); err != nil {
		s.log.Warn("report csv", "err", err)
	}
}

func (s *Server) handleReportPDF(w http.ResponseWriter, r *http.Request, me *viewer) {
	d, err := s.loadReport(r.Context(), r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	pdf, err := ReportPDF(d)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hotline-%s.pdf"`, d.fileName()))
	w.Write(pdf)
}

// fileName names a report's files: the day, or the period's first and last days.
func (d *ReportData) fileName() string {
	if d.From == d.To || d.From == "" {
		return d.Day
	}
	return d.From + "_" + d.To
}

// FrozenReport is a frozen day's report for its files, as the hotline writes them after
// freezing the day.
func FrozenReport(snap *tickets.Snapshot, units []*tickets.Unit) *ReportData {
	return &ReportData{Title: "Báo cáo ngày " + dayText(snap.Day), Day: snap.Day, Period: "day", From: snap.Day, To: snap.Day,
		Frozen: &snap.FrozenAt, Report: snap.Report, Figures: snap.Report.Figures(units), Units: units}
}
