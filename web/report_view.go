package web

import (
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// ReportView is the report page.
type ReportView struct {
	Title      string
	Range      string // a week's or a month's days
	Stamp      string // frozen when, or computed when
	Changed    int    // figures changed since frozen
	Officer    bool
	Sections   []reportSection
	HourChart  string // SVG
	TrendChart string
	UnitChart  string
	Links      reportLinks
	Day        string
	Period     string
	// DayInput is the day's field (dd/mm/yyyy, or as typed), DayError its message;
	// NoData says the period has no figures yet, or none at all.
	DayInput, DayError, NoData string
	// Requests counts, for supervisors and the data-protection officer, the citizens'
	// data requests past their legal deadline and those due today or the next working
	// day (nil for others).
	Requests *RequestsDue
}

// RequestsDue is the count of data requests overdue and near due.
type RequestsDue struct{ Overdue, Near int }

type reportLinks struct {
	Prev, Next, Day, Week, Month, CSV, PDF string
}

type reportSection struct {
	Title     string
	RowHeader string   // what the rows of a table by rows and columns are
	Columns   []string // a table by rows and columns; one value column when empty
	Rows      []reportRow
}

type reportRow struct {
	Label string
	Cells []reportCell
}

type reportCell struct {
	Key, Value, Now string
	Text            bool // a text, not a number (a call's id)
}

// Sections shown as tables, with what their rows are: their labels are "row: column".
var pivotSections = map[string]string{tickets.SectionInterval: "Khung 30 phút", tickets.SectionAgents: "Tổng đài viên",
	tickets.SectionUnits: "Phường, xã", tickets.SectionCaseUnit: "Phường, xã", tickets.SectionStaffing: "Giờ"}

func reportView(d *ReportData) ReportView {
	v := ReportView{Title: d.Title, Range: d.Range, Changed: len(d.Changes), Officer: d.Unit != "", Day: d.Day, Period: d.Period, DayInput: dayText(d.Day)}
	switch {
	case d.Future:
		v.NoData = "Ngày " + dayText(d.Day) + " chưa đến: chưa có số liệu."
	case d.Empty:
		v.NoData = "Không có số liệu nào trong kỳ này: không có cuộc gọi, phiếu hay ca nào."
	}
	if d.Frozen != nil {
		v.Stamp = "Số liệu chốt lúc " + d.Frozen.In(tickets.Local).Format("15:04 02/01/2006")
	} else {
		v.Stamp = "Số liệu tính lúc " + d.Live.In(tickets.Local).Format("15:04 02/01/2006") + "; chưa chốt"
	}
	link := func(day, period, path string) string {
		q := url.Values{"day": {day}}
		if period != "day" {
			q.Set("period", period)
		}
		return path + "?" + q.Encode()
	}
	step := map[string]int{"day": 1, "week": 7}[d.Period]
	prev, next := tickets.AddDays(d.From, -1), tickets.AddDays(d.To, 1)
	if step > 0 {
		prev, next = tickets.AddDays(d.Day, -step), tickets.AddDays(d.Day, step)
	}
	v.Links = reportLinks{Prev: link(prev, d.Period, "/reports/daily"), Next: link(next, d.Period, "/reports/daily"),
		Day: link(d.Day, "day", "/reports/daily"), Week: link(d.Day, "week", "/reports/daily"), Month: link(d.Day, "month", "/reports/daily"),
		CSV: link(d.Day, d.Period, "/reports/daily.csv"), PDF: link(d.Day, d.Period, "/reports/daily.pdf")}
	var sec *reportSection
	for _, f := range d.Figures {
		if sec == nil || sec.Title != f.Section {
			v.Sections = append(v.Sections, reportSection{Title: f.Section})
			sec = &v.Sections[len(v.Sections)-1]
		}
		cell := reportCell{Key: f.Key, Value: f.Value, Now: d.Changes[f.Key].Value, Text: f.Unit == tickets.UnitText}
		row, col, pivot := strings.Cut(f.Label, ": ")
		rowHeader, table := pivotSections[f.Section]
		if !pivot || !table {
			sec.Rows = append(sec.Rows, reportRow{Label: f.Label, Cells: []reportCell{cell}})
			continue
		}
		sec.RowHeader = rowHeader
		ci := slices.Index(sec.Columns, col)
		if ci < 0 {
			sec.Columns = append(sec.Columns, col)
			ci = len(sec.Columns) - 1
		}
		if len(sec.Rows) == 0 || sec.Rows[len(sec.Rows)-1].Label != row {
			sec.Rows = append(sec.Rows, reportRow{Label: row})
		}
		r := &sec.Rows[len(sec.Rows)-1]
		for len(r.Cells) <= ci {
			r.Cells = append(r.Cells, reportCell{})
		}
		r.Cells[ci] = cell
	}
	// Every row of a table has a cell under each header, empty where it has no figure.
	for i := range v.Sections {
		sec := &v.Sections[i]
		for j := range sec.Rows {
			if len(sec.Columns) > 0 {
				for len(sec.Rows[j].Cells) < len(sec.Columns) {
					sec.Rows[j].Cells = append(sec.Rows[j].Cells, reportCell{})
				}
			}
		}
	}
	if d.Report != nil {
		v.HourChart = hourChart(d.Report)
		v.UnitChart = unitChart(d.Report, d.Units)
	}
	if len(d.Trend) > 0 {
		v.TrendChart = trendChart(d.Trend)
	}
	return v
}

// Charts, drawn as SVG on the server: nothing to load in the browser, and they print.

const (
	colOffered  = "#4a78a8"
	colAnswered = "#3d9a5f"
	colAbandon  = "#c8553d"
	colSymptoms = "#d89b2b"
)

func svgOpen(b *strings.Builder, w, h int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" class="chart">`, w, h, html.EscapeString(title))
	fmt.Fprintf(b, `<title>%s</title>`, html.EscapeString(title))
}

func legend(b *strings.Builder, x, y int, items ...string) {
	for i := 0; i+1 < len(items); i += 2 {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>`,
			x, y, items[i], x+14, y+9, html.EscapeString(items[i+1]))
		x += 24 + 7*len([]rune(items[i+1]))
	}
}

// scale returns a round top for an axis of values up to m.
func scale(m int) int {
	for _, s := range []int{5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000} {
		if m <= s {
			return s
		}
	}
	return m
}

// hourChart: calls received, offered to the queue, answered and abandoned, per hour.
func hourChart(r *tickets.DayReport) string {
	const w, h, left, top, bottom = 720, 220, 36, 24, 20
	var hours [24][3]int
	top_ := 0
	for i, f := range r.Intervals {
		hours[i/2][0] += f.Offered
		hours[i/2][1] += f.Answered
		hours[i/2][2] += f.Abandoned
	}
	for hr := range hours {
		top_ = max(top_, hours[hr][0], r.Calls.ByHour[hr])
	}
	top_ = scale(top_)
	var b strings.Builder
	svgOpen(&b, w, h, "Cuộc gọi theo giờ")
	plotH := float64(h - top - bottom)
	y := func(v int) float64 { return float64(top) + plotH*(1-float64(v)/float64(top_)) }
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="10">%d</text><line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ccc"/>`, top+3, top_, left, y(top_), w, y(top_))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#888"/>`, left, y(0), w, y(0))
	slot := float64(w-left) / 24
	for hr := range 24 {
		x := float64(left) + slot*float64(hr)
		// received as a light column behind, then offered, answered, abandoned
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#e3e8ee"><title>%02d:00 %d cuộc gọi</title></rect>`,
			x+1, y(r.Calls.ByHour[hr]), slot-2, y(0)-y(r.Calls.ByHour[hr]), hr, r.Calls.ByHour[hr])
		for k, col := range []string{colOffered, colAnswered, colAbandon} {
			v := hours[hr][k]
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
				x+3+float64(k)*(slot-6)/3, y(v), (slot-6)/3, y(0)-y(v), col)
		}
		if hr%3 == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10">%02d</text>`, x+2, h-6, hr)
		}
	}
	legend(&b, left, 4, "#c9d2dc", "cuộc gọi đến", colOffered, "vào hàng chờ", colAnswered, "được trả lời", colAbandon, "bỏ máy")
	b.WriteString(`</svg>`)
	return b.String()
}

// trendChart: calls received and symptom reports, the 14 days to the report's last day.
func trendChart(days []trendDay) string {
	const w, h, left, top, bottom = 720, 200, 36, 24, 20
	m := 0
	for _, d := range days {
		m = max(m, d.Calls, d.Symptoms)
	}
	m = scale(m)
	var b strings.Builder
	svgOpen(&b, w, h, "14 ngày: cuộc gọi và báo triệu chứng")
	plotH := float64(h - top - bottom)
	y := func(v int) float64 { return float64(top) + plotH*(1-float64(v)/float64(m)) }
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="10">%d</text><line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ccc"/>`, top+3, m, left, y(m), w, y(m))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#888"/>`, left, y(0), w, y(0))
	slot := float64(w-left) / float64(len(days))
	for i, d := range days {
		x := float64(left) + slot*float64(i)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d cuộc gọi</title></rect>`,
			x+3, y(d.Calls), slot/2-3, y(0)-y(d.Calls), colOffered, dayText(d.Day), d.Calls)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d báo triệu chứng</title></rect>`,
			x+slot/2, y(d.Symptoms), slot/2-3, y(0)-y(d.Symptoms), colSymptoms, dayText(d.Day), d.Symptoms)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10">%s</text>`, x+3, h-6, dayText(d.Day)[:5])
	}
	legend(&b, left, 4, colOffered, "cuộc gọi đến", colSymptoms, "báo triệu chứng")
	b.WriteString(`</svg>`)
	return b.String()
}

// unitChart: tickets created on the day and open at its end, per unit.
func unitChart(r *tickets.DayReport, units []*tickets.Unit) string {
	const w, left, row = 720, 190, 14
	h := 24 + row*len(units) + 6
	m := 0
	for _, u := range r.Tickets.ByUnit {
		m = max(m, u.Created, u.Backlog)
	}
	m = scale(max(m, 1))
	var b strings.Builder
	svgOpen(&b, w, h, "Phiếu theo phường, xã")
	x := func(v int) float64 { return float64(left) + float64(w-left-10)*float64(v)/float64(m) }
	for i, u := range units {
		f := r.Tickets.ByUnit[u.Code]
		if f == nil {
			f = &tickets.UnitTickets{}
		}
		y := 24 + row*i
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="end">%s</text>`, left-4, y+10, html.EscapeString(u.Name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="5" fill="%s"><title>%d phiếu mới</title></rect>`, left, y+2, x(f.Created)-float64(left), colOffered, f.Created)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="5" fill="%s"><title>%d còn mở</title></rect>`, left, y+7, x(f.Backlog)-float64(left), colAbandon, f.Backlog)
	}
	legend(&b, left, 4, colOffered, fmt.Sprintf("phiếu mới (tối đa %d)", m), colAbandon, "còn mở cuối ngày")
	b.WriteString(`</svg>`)
	return b.String()
}
