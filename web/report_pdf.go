package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/huehotline/hotline/tickets"
)

// The PDF's font: DejaVu Sans (Bitstream Vera licence, web/fonts/LICENSE), embedded so the
// hotline needs no font installed to write Vietnamese.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// ReportPDF writes a report as an A4 PDF for the steering committee: a first page to read
// in two minutes (the day's key figures, the service level against its target, charts of
// the queue by half-hour, the new tickets by category, the follow-ups and the last 14
// days), then the report's tables by rows and columns as on the page (a wide table on
// landscape pages), each frozen figure that later data changed with its value now, and
// page numbers. go-pdf/fpdf draws it all (no image files): pure Go, UTF-8 TrueType fonts
// embedded as subsets, nothing to install.
func ReportPDF(d *ReportData) ([]byte, error) {
	p := &reportPDF{Fpdf: fpdf.New("P", "mm", "A4", ""), d: d, figs: map[string]tickets.Figure{}}
	for _, f := range d.Figures {
		p.figs[f.Key] = f
	}
	p.SetTitle(nfc(d.Title), true)
	p.SetCreator("Tổng đài 1900 1075", true)
	p.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	p.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(false, pdfBottom) // the tables break their pages themselves
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-10)
		p.font("", 7.5, pdfMuted)
		p.CellFormat(0, 4, nfc(fmt.Sprintf("Tổng đài 1900 1075 · %s · Trang %d/{nb}", d.Title, p.PageNo())), "", 0, "C", false, 0, "")
	})
	v := reportView(d)
	p.firstPage(v)
	p.tables(v)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// The page's measures, in mm, and colours.
const (
	pdfMargin = 12.0
	pdfBottom = 16.0 // room for the footer
)

type rgb [3]int

var (
	pdfInk       = rgb{28, 33, 40}
	pdfMuted     = rgb{96, 106, 118}
	pdfLine      = rgb{214, 220, 227}
	pdfBand      = rgb{230, 236, 242}
	pdfZebra     = rgb{246, 248, 250}
	pdfTileFill  = rgb{244, 246, 248}
	pdfChanged   = rgb{138, 90, 0}
	pdfAnswered  = rgb{61, 154, 95}
	pdfAbandoned = rgb{200, 85, 61}
	pdfOtherExit = rgb{150, 170, 196}
	pdfReceived  = rgb{226, 231, 237}
	pdfCalls     = rgb{74, 120, 168}
	pdfSymptoms  = rgb{216, 155, 43}
	// The service level against its target: at or above, a little under, far under.
	pdfBands = map[string][2]rgb{
		tickets.SLGood: {{223, 241, 229}, {26, 127, 55}},
		tickets.SLNear: {{255, 241, 206}, {150, 96, 0}},
		tickets.SLPoor: {{252, 226, 221}, {178, 34, 22}},
	}
)

type reportPDF struct {
	*fpdf.Fpdf
	d    *ReportData
	figs map[string]tickets.Figure
}

func (p *reportPDF) font(style string, size float64, c rgb) {
	p.SetFont("dejavu", style, size)
	p.SetTextColor(c[0], c[1], c[2])
}

func (p *reportPDF) fill(c rgb) { p.SetFillColor(c[0], c[1], c[2]) }
func (p *reportPDF) draw(c rgb) { p.SetDrawColor(c[0], c[1], c[2]) }

// width is a text's width in the current font.
func (p *reportPDF) width(s string) float64 { return p.GetStringWidth(nfc(s)) }

// fitted writes a text in a cell, in a smaller font (down to 5.5 pt) when it is too
// wide, cut with "…" when even that is too wide.
func (p *reportPDF) fitted(w, h float64, s, align string) {
	size, _ := p.GetFontSize()
	room := w - 2*p.GetCellMargin()
	for p.width(s) > room && size > 5.5 {
		size -= 0.5
		p.SetFontSize(size)
	}
	for p.width(s) > room && len([]rune(s)) > 2 {
		r := []rune(strings.TrimSuffix(s, "…"))
		s = string(r[:len(r)-1]) + "…"
	}
	p.CellFormat(w, h, nfc(s), "", 0, align, false, 0, "")
}

// usable returns the width and the bottom of the writable part of the current page.
func (p *reportPDF) usable() (w, bottom float64) {
	pw, ph := p.GetPageSize()
	return pw - 2*pdfMargin, ph - pdfBottom
}

// figure and number read a figure of the report; has says whether the report has it.
func (p *reportPDF) has(key string) bool { _, ok := p.figs[key]; return ok }

func (p *reportPDF) number(key string) int {
	n, _ := strconv.Atoi(p.figs[key].Number)
	return n
}

// now returns a figure's value now, when later data changed it.
func (p *reportPDF) now(key string) (tickets.Figure, bool) {
	f, ok := p.d.Changes[key]
	return f, ok
}

// heading writes the hotline's name, the title, the period and the stamp.
func (p *reportPDF) heading() {
	p.font("B", 8, pdfMuted)
	p.CellFormat(0, 4.5, nfc("TỔNG ĐÀI 1900 1075 · ĐƯỜNG DÂY NÓNG PHÒNG CHỐNG DỊCH · HUẾ"), "", 1, "L", false, 0, "")
	p.font("B", 17, pdfInk)
	p.CellFormat(0, 9, nfc(p.d.Title), "", 1, "L", false, 0, "")
	if p.d.Range != "" {
		p.font("", 9, pdfInk)
		p.CellFormat(0, 5, nfc("Kỳ báo cáo: "+p.d.Range), "", 1, "L", false, 0, "")
	}
	stamp := "Số liệu tính lúc " + p.d.Live.In(tickets.Local).Format("15:04 02/01/2006") + " (chưa chốt)"
	if p.d.Frozen != nil {
		stamp = "Số liệu chốt lúc " + p.d.Frozen.In(tickets.Local).Format("15:04 02/01/2006")
		if len(p.d.Changes) > 0 {
			stamp += fmt.Sprintf("; %d số liệu đã thay đổi sau khi chốt (ghi \"nay\" bên cạnh)", len(p.d.Changes))
		}
	}
	p.font("", 8.5, pdfMuted)
	p.CellFormat(0, 5, nfc(stamp), "", 1, "L", false, 0, "")
}

// pdfTile is a key figure of the first page: the figures it sums (or the one it shows),
// a line under it, and for the service level its colour against the target.
type pdfTile struct {
	label string
	keys  []string
	sub   string
	band  string
}

// tiles are the first page's key figures, those the report has (an officer's has no
// calls).
func (p *reportPDF) tiles() []pdfTile {
	v := func(key string) string { return p.figs[key].Value }
	fu := func(r string) string { return "cases.follow_ups." + r }
	all := []pdfTile{
		{label: "Cuộc gọi đến", keys: []string{"calls.received"}, sub: v("calls.unique") + " số máy, " + v("calls.repeat") + " gọi nhiều lần"},
		{label: "Được trả lời", keys: []string{"queue.answered"}, sub: v("queue.answered_20s") + " trong 20 giây / " + v("queue.offered") + " vào hàng chờ"},
		{label: "Bỏ máy khi chờ", keys: []string{"queue.abandoned"}, sub: "tỉ lệ bỏ máy " + v("queue.abandon_rate")},
		{label: "Mức phục vụ", keys: []string{"queue.service_level"}, sub: "mục tiêu 80 % trong 20 giây"},
		{label: "Chờ trung bình", keys: []string{"queue.asa"}, sub: "lâu nhất " + v("queue.longest_wait") + "; " + v("queue.callbacks") + " xin gọi lại"},
		{label: "Phiếu mới", keys: []string{"tickets.created"}, sub: "P1: " + v("tickets.priority.P1") + " · P2: " + v("tickets.priority.P2")},
		{label: "Còn mở cuối ngày", keys: []string{"tickets.backlog"}, sub: "quá hạn: " + v("tickets.overdue")},
		{label: "Ca nghi nhiễm mới", keys: []string{"cases.new"}, sub: "chuyển tuyến: " + v("cases.moved."+tickets.CaseReferred)},
		{label: "Lượt theo dõi cần làm", keys: []string{"cases.monitoring"}, sub: "mỗi ca đang theo dõi, mỗi ngày một lượt"},
		{label: "Theo dõi đã làm", keys: []string{fu(tickets.ResultWell), fu(tickets.ResultSymptomatic), fu(tickets.ResultNotReached), fu(tickets.ResultRefused)},
			sub: "gặp được: " + strconv.Itoa(p.number(fu(tickets.ResultWell))+p.number(fu(tickets.ResultSymptomatic))) + " · không liên lạc được: " + v(fu(tickets.ResultNotReached))},
		{label: "Theo dõi bỏ lỡ", keys: []string{fu(tickets.ResultNotAttempted), "cases.follow_ups.pending"}, sub: "2 ngày liền không gặp: " + v("cases.not_seen_2")},
		{label: "Có dấu hiệu", keys: []string{fu(tickets.ResultSymptomatic)}, sub: "qua cuộc gọi tự động: " + v("auto_calls.with_signs")},
	}
	var out []pdfTile
	for _, t := range all {
		if !p.has(t.keys[0]) {
			continue
		}
		if t.keys[0] == "queue.service_level" {
			share, err := strconv.ParseFloat(p.figs[t.keys[0]].Number, 64)
			t.band = tickets.ServiceLevelBand(share/100, err == nil)
		}
		out = append(out, t)
	}
	return out
}

// tileValue is what a tile shows, and its value now when later data changed it.
func (p *reportPDF) tileValue(t pdfTile) (value, now string) {
	if len(t.keys) == 1 {
		f := p.figs[t.keys[0]]
		if n, ok := p.now(t.keys[0]); ok {
			return f.Value, tickets.ChangeText(f.Value, n.Value)
		}
		return f.Value, ""
	}
	var sum, sumNow int
	for _, k := range t.keys {
		n := p.number(k)
		sum += n
		if f, ok := p.now(k); ok {
			n, _ = strconv.Atoi(f.Number)
		}
		sumNow += n
	}
	value = strconv.Itoa(sum)
	if sumNow != sum {
		now = tickets.ChangeText(value, strconv.Itoa(sumNow))
	}
	return value, now
}

// firstPage: the heading, the key figures and the charts.
func (p *reportPDF) firstPage(v ReportView) {
	p.AddPage()
	p.heading()
	w, bottom := p.usable()
	const cols, gap, th = 4, 3.0, 19.0
	tw := (w - gap*(cols-1)) / cols
	y := p.GetY() + 3
	tiles := p.tiles()
	for i, t := range tiles {
		x := pdfMargin + float64(i%cols)*(tw+gap)
		ty := y + float64(i/cols)*(th+gap)
		fillC, valueC := pdfTileFill, pdfInk
		if c, ok := pdfBands[t.band]; ok {
			fillC, valueC = c[0], c[1]
		}
		p.fill(fillC)
		p.draw(pdfLine)
		p.SetLineWidth(0.2)
		p.RoundedRect(x, ty, tw, th, 1.2, "1234", "FD")
		value, now := p.tileValue(t)
		p.SetXY(x+1, ty+1.2)
		p.font("", 7.5, pdfMuted)
		p.fitted(tw-2, 4, t.label, "L")
		p.SetXY(x+1, ty+5.6)
		p.font("B", 16, valueC)
		p.CellFormat(tw-2, 7.5, nfc(value), "", 0, "L", false, 0, "")
		if now != "" {
			p.SetXY(x+1+p.width(value)+1.5, ty+7.6)
			p.font("B", 7.5, pdfChanged)
			p.CellFormat(tw-p.width(value)-4, 4, nfc(now), "", 0, "L", false, 0, "")
		}
		p.SetXY(x+1, ty+13.6)
		p.font("", 6.5, pdfMuted)
		p.fitted(tw-2, 4, t.sub, "L")
	}
	rows := (len(tiles) + cols - 1) / cols
	y += float64(rows)*(th+gap) + 2
	if p.has("queue.interval.0000.offered") {
		y = p.halfHourChart(pdfMargin, y, w, 60)
	}
	half := (w - 6) / 2
	y1 := p.barChart(pdfMargin, y, half, "Phiếu mới theo loại", p.prefixed("tickets.category.", "Loại: "), nil)
	followUps := "Theo dõi ca trong ngày"
	if p.d.From != p.d.To {
		followUps = "Theo dõi ca trong kỳ"
	}
	y2 := p.barChart(pdfMargin+half+6, y, half, followUps, p.prefixed("cases.follow_ups.", "Theo dõi: "), map[string]rgb{
		"cases.follow_ups." + tickets.ResultWell: pdfAnswered, "cases.follow_ups." + tickets.ResultSymptomatic: pdfAbandoned,
		"cases.follow_ups." + tickets.ResultNotReached: pdfSymptoms, "cases.follow_ups.pending": pdfOtherExit})
	y = max(y1, y2)
	if len(p.d.Trend) > 0 && bottom-y > 40 {
		p.trendChart(pdfMargin, y, w, min(58, bottom-y-2))
	}
}

// prefixed lists the figures whose key begins so, with their labels shortened.
func (p *reportPDF) prefixed(prefix, labelPrefix string) []tickets.Figure {
	var out []tickets.Figure
	for _, f := range p.d.Figures {
		if strings.HasPrefix(f.Key, prefix) && f.Unit == tickets.UnitCount {
			f.Label = strings.TrimPrefix(f.Label, labelPrefix)
			out = append(out, f)
		}
	}
	return out
}

// chartTitle writes a chart's title and its legend (colour, label pairs) to its right.
func (p *reportPDF) chartTitle(x, y, w float64, title string, legend ...any) {
	p.SetXY(x, y)
	p.font("B", 9, pdfInk)
	p.CellFormat(w, 5, nfc(title), "", 0, "L", false, 0, "")
	p.font("", 6.5, pdfInk)
	lx := x + w
	for i := len(legend) - 2; i >= 0; i -= 2 {
		c, label := legend[i].(rgb), legend[i+1].(string)
		lw := p.width(label) + 5
		lx -= lw
		p.fill(c)
		p.Rect(lx, y+1.6, 2.4, 2.4, "F")
		p.SetXY(lx+2.8, y+0.8)
		p.CellFormat(lw-2.8, 4, nfc(label), "", 0, "L", false, 0, "")
		lx -= 1.5
	}
}

// axis draws a value axis from 0 to top: grid lines at 0, half and top, labelled.
func (p *reportPDF) axis(x, y, w, h float64, top int) {
	p.SetLineWidth(0.15)
	p.font("", 6, pdfMuted)
	for _, f := range []float64{0, 0.5, 1} {
		ly := y + h - h*f
		p.draw(pdfLine)
		if f == 0 {
			p.draw(pdfMuted)
		}
		p.Line(x, ly, x+w, ly)
		if f > 0 {
			p.SetXY(x-8, ly-2)
			p.CellFormat(7.5, 4, strconv.FormatFloat(float64(top)*f, 'f', -1, 64), "", 0, "R", false, 0, "")
		}
	}
}

// halfHourChart: the calls that entered the queue in each half-hour, stacked by what
// became of them, over the calls received in each hour; it returns the y below it.
func (p *reportPDF) halfHourChart(x, y, w, h float64) float64 {
	p.chartTitle(x, y, w, "Cuộc gọi vào hàng chờ theo 30 phút", pdfReceived, "cuộc gọi đến (theo giờ)",
		pdfAnswered, "được trả lời", pdfAbandoned, "bỏ máy", pdfOtherExit, "gọi lại, lời nhắn, khác")
	top := 1
	var offered, answered, abandoned [48]int
	var received [24]int
	for i := range 48 {
		k := fmt.Sprintf("queue.interval.%02d%02d.", i/2, i%2*30)
		offered[i], answered[i], abandoned[i] = p.number(k+"offered"), p.number(k+"answered"), p.number(k+"abandoned")
		top = max(top, offered[i])
	}
	for hr := range 24 {
		received[hr] = p.number(fmt.Sprintf("calls.hour.%02d", hr))
		top = max(top, received[hr])
	}
	top = scale(top)
	px, py, pw, ph := x+9, y+7, w-9, h-12
	slot := pw / 48
	bar := func(bx, bw float64, from, n int, c rgb) {
		if n <= 0 {
			return
		}
		p.fill(c)
		p.Rect(bx, py+ph-ph*float64(from+n)/float64(top), bw, ph*float64(n)/float64(top), "F")
	}
	for hr := range 24 {
		bar(px+slot*float64(2*hr)+0.3, 2*slot-0.6, 0, received[hr], pdfReceived)
	}
	p.axis(px, py, pw, ph, top)
	for i := range 48 {
		bx := px + slot*float64(i) + slot*0.18
		bw := slot * 0.64
		other := offered[i] - answered[i] - abandoned[i]
		bar(bx, bw, 0, answered[i], pdfAnswered)
		bar(bx, bw, answered[i], abandoned[i], pdfAbandoned)
		bar(bx, bw, answered[i]+abandoned[i], other, pdfOtherExit)
	}
	p.font("", 6, pdfMuted)
	for hr := 0; hr < 24; hr += 2 {
		p.SetXY(px+slot*float64(2*hr)-3, py+ph+0.5)
		p.CellFormat(6, 3.5, fmt.Sprintf("%02d", hr), "", 0, "C", false, 0, "")
	}
	return y + h + 1
}

// barChart: one bar for each figure, labelled, with its value; it returns the y below.
func (p *reportPDF) barChart(x, y, w float64, title string, figs []tickets.Figure, colours map[string]rgb) float64 {
	p.chartTitle(x, y, w, title)
	const row = 5.0
	label := 0.0
	top := 1
	p.font("", 7, pdfInk)
	for _, f := range figs {
		label = max(label, p.width(f.Label)+2)
		n, _ := strconv.Atoi(f.Number)
		top = max(top, n)
	}
	label = min(label, w*0.55)
	bw := w - label - 10
	by := y + 6.5
	p.draw(pdfMuted)
	p.SetLineWidth(0.15)
	p.Line(x+label, by, x+label, by+row*float64(len(figs)))
	for i, f := range figs {
		ry := by + row*float64(i)
		n, _ := strconv.Atoi(f.Number)
		p.SetXY(x, ry)
		p.font("", 7, pdfInk)
		p.fitted(label, row, f.Label, "R")
		c, ok := colours[f.Key]
		if !ok {
			c = pdfCalls
		}
		length := bw * float64(n) / float64(top)
		if n > 0 {
			p.fill(c)
			p.Rect(x+label, ry+1, length, row-2, "F")
		}
		p.SetXY(x+label+length+0.5, ry)
		p.font("B", 7, pdfInk)
		p.CellFormat(9, row, nfc(f.Value), "", 0, "L", false, 0, "")
	}
	return by + row*float64(len(figs)) + 4
}

// trendChart: calls received and symptom reports, the 14 days to the report's last day.
func (p *reportPDF) trendChart(x, y, w, h float64) {
	p.chartTitle(x, y, w, "14 ngày gần nhất", pdfCalls, "cuộc gọi đến", pdfSymptoms, "báo triệu chứng")
	top := 1
	for _, d := range p.d.Trend {
		top = max(top, d.Calls, d.Symptoms)
	}
	top = scale(top)
	px, py, pw, ph := x+9, y+7, w-9, h-12
	p.axis(px, py, pw, ph, top)
	slot := pw / float64(len(p.d.Trend))
	for i, d := range p.d.Trend {
		bx := px + slot*float64(i)
		for k, n := range []int{d.Calls, d.Symptoms} {
			c := []rgb{pdfCalls, pdfSymptoms}[k]
			if n > 0 {
				p.fill(c)
				p.Rect(bx+slot*0.15+float64(k)*slot*0.35, py+ph-ph*float64(n)/float64(top), slot*0.35, ph*float64(n)/float64(top), "F")
			}
		}
		p.SetXY(bx, py+ph+0.5)
		p.font("", 6, pdfMuted)
		p.CellFormat(slot, 3.5, dayText(d.Day)[:5], "", 0, "C", false, 0, "")
	}
}

// The tables after the first page.

// pdfTable is a table of the PDF: rows by columns, with groups of columns over the
// headers when two of the page's tables are joined.
type pdfTable struct {
	title     string
	rowHeader string
	groups    []pdfGroup
	columns   []string
	rows      []reportRow
	total     bool              // a last row with the sums of the columns of counts
	totals    map[string]string // in that row, the figure shown under a column of rates
	list      bool              // figures one a line (label, value), in two columns
}

type pdfGroup struct {
	title string
	n     int
}

// tables writes the report's sections: figures one a line in two columns, tables by rows
// and columns, the two units' tables as one (on landscape pages: it is wide), last.
func (p *reportPDF) tables(v ReportView) {
	var list []pdfTable
	var units, caseUnits *reportSection
	for i := range v.Sections {
		sec := &v.Sections[i]
		switch {
		case sec.Title == tickets.SectionUnits:
			units = sec
		case sec.Title == tickets.SectionCaseUnit:
			caseUnits = sec
		case len(sec.Columns) == 0:
			list = append(list, pdfTable{title: sec.Title, rows: sec.Rows, list: true})
		default:
			t := pdfTable{title: sec.Title, rowHeader: sec.RowHeader, columns: sec.Columns, rows: sec.Rows}
			if sec.Title == tickets.SectionInterval {
				t.total, t.totals = true, map[string]string{"mức phục vụ": "queue.service_level"}
			}
			list = append(list, t)
		}
	}
	if units != nil || caseUnits != nil {
		list = append(list, joinTables("Theo phường, xã", units, caseUnits))
	}
	p.AddPage()
	for _, t := range list {
		if t.list {
			p.listTable(t)
		} else {
			p.gridTable(t)
		}
	}
}

// joinTables joins the units' tickets and cases into one table, a row per unit.
func joinTables(title string, a, b *reportSection) pdfTable {
	t := pdfTable{title: title, total: true}
	at := map[string]int{}
	for _, sec := range []*reportSection{a, b} {
		if sec == nil {
			continue
		}
		t.rowHeader = sec.RowHeader
		name := "Phiếu"
		if sec.Title == tickets.SectionCaseUnit {
			name = "Theo dõi ca"
		}
		before := len(t.columns)
		t.groups = append(t.groups, pdfGroup{name, len(sec.Columns)})
		t.columns = append(t.columns, sec.Columns...)
		for _, r := range sec.Rows {
			i, ok := at[r.Label]
			if !ok {
				i = len(t.rows)
				at[r.Label] = i
				t.rows = append(t.rows, reportRow{Label: r.Label})
			}
			row := &t.rows[i]
			for len(row.Cells) < before {
				row.Cells = append(row.Cells, reportCell{})
			}
			row.Cells = append(row.Cells, r.Cells...)
		}
	}
	for i := range t.rows {
		for len(t.rows[i].Cells) < len(t.columns) {
			t.rows[i].Cells = append(t.rows[i].Cells, reportCell{})
		}
		for j := range t.rows[i].Cells {
			if t.rows[i].Cells[j].Key == "" {
				t.rows[i].Cells[j].Value = "–" // a unit in one of the tables only
			}
		}
	}
	return t
}

// cellText is a cell as the PDF writes it: the value, and the value now beside a frozen
// figure that later data changed.
func cellText(c reportCell) string {
	if c.Now == "" {
		return c.Value
	}
	return c.Value + " · " + tickets.ChangeText(c.Value, c.Now)
}

const (
	pdfRow     = 4.4
	pdfHead    = 5.6
	pdfTitleH  = 7.0
	pdfTextPt  = 7.5
	pdfHeadPt  = 7.2
	pdfTitlePt = 10.5
)

// sectionTitle writes a section's title bar, moving to a new page (portrait, or
// landscape when asked) when the page's orientation differs or less than need is left.
func (p *reportPDF) sectionTitle(title string, landscape bool, need float64) {
	pw, ph := p.GetPageSize()
	if (pw > ph) != landscape || p.GetY()+pdfTitleH+need > ph-pdfBottom {
		o := "P"
		if landscape {
			o = "L"
		}
		p.AddPageFormat(o, fpdf.SizeType{Wd: 210, Ht: 297})
	} else if p.GetY() > pdfMargin+1 {
		p.Ln(3)
	}
	p.SetX(pdfMargin)
	p.font("B", pdfTitlePt, pdfInk)
	p.fill(pdfBand)
	w, _ := p.usable()
	p.CellFormat(w, pdfTitleH, nfc(title), "", 1, "L", true, 0, "")
	p.Ln(0.8)
}

// listTable writes a section's figures one a line: label, value (and the value now), in
// two columns, down the first then the second.
func (p *reportPDF) listTable(t pdfTable) {
	w, _ := p.usable()
	const gap = 6.0
	colW := (w - gap) / 2
	nowW := 0.0
	if len(p.d.Changes) > 0 {
		nowW = 18
	}
	valW := 20.0
	labelW := colW - valW - nowW
	done := 0
	for done < len(t.rows) {
		p.sectionTitle(t.title+continued(done), false, 4*pdfRow)
		_, bottom := p.usable()
		fit := int((bottom - p.GetY()) / pdfRow) // lines in each column on this page
		y0 := p.GetY()
		end := min(done+2*fit, len(t.rows))
		chunk := t.rows[done:end]
		split := (len(chunk) + 1) / 2
		left, right := chunk[:split], chunk[split:]
		for c, rows := range [][]reportRow{left, right} {
			x := pdfMargin + float64(c)*(colW+gap)
			for i, r := range rows {
				y := y0 + float64(i)*pdfRow
				p.SetXY(x, y)
				p.draw(pdfLine)
				p.SetLineWidth(0.15)
				p.Line(x, y+pdfRow, x+colW, y+pdfRow)
				p.font("", pdfTextPt, pdfInk)
				cell := r.Cells[0]
				p.fitted(labelW, pdfRow, r.Label, "L")
				p.font("", pdfTextPt, pdfInk)
				if f := p.figs[cell.Key]; f.Unit == tickets.UnitText {
					p.fitted(valW+nowW, pdfRow, cell.Value, "R")
					continue
				}
				p.CellFormat(valW, pdfRow, nfc(cell.Value), "", 0, "R", false, 0, "")
				if cell.Now != "" {
					p.font("B", pdfTextPt-0.5, pdfChanged)
					p.fitted(nowW, pdfRow, tickets.ChangeText(cell.Value, cell.Now), "R")
				}
			}
		}
		p.SetXY(pdfMargin, y0+float64(len(left))*pdfRow)
		done = end
	}
}

func continued(done int) string {
	if done > 0 {
		return " (tiếp)"
	}
	return ""
}

// gridTable writes a table by rows and columns: the rows' labels, then a column for each
// header, numbers right-aligned under right-aligned headers, the headers again on each
// page; on landscape pages when it is wider than a portrait page.
func (p *reportPDF) gridTable(t pdfTable) {
	rows := t.rows
	if t.total {
		rows = append(copyRows(rows), p.totalRow(t))
	}
	// Columns as wide as their header or their widest value.
	p.SetFont("dejavu", "", pdfTextPt)
	pad := 2 * p.GetCellMargin()
	labelW := 0.0
	for _, r := range rows {
		labelW = max(labelW, p.width(r.Label))
	}
	p.SetFont("dejavu", "B", pdfHeadPt)
	labelW = max(labelW, p.width(t.rowHeader)) + pad + 1
	widths := make([]float64, len(t.columns))
	for i, c := range t.columns {
		widths[i] = p.width(c) + pad + 1.5
	}
	p.SetFont("dejavu", "", pdfTextPt)
	for _, r := range rows {
		for i, c := range r.Cells {
			if i < len(widths) {
				widths[i] = max(widths[i], p.width(cellText(c))+pad+1.5)
			}
		}
	}
	total := labelW
	for _, w := range widths {
		total += w
	}
	portrait := 210 - 2*pdfMargin
	landscape := total > portrait
	avail := portrait
	if landscape {
		avail = 297 - 2*pdfMargin
	}
	// Spread what is left over the columns, up to 30 mm each.
	if spare := avail - total; spare > 0 && len(widths) > 0 {
		each := spare / float64(len(widths))
		for i := range widths {
			widths[i] = min(widths[i]+each, max(widths[i], 30))
		}
	}
	groupStart := map[int]bool{} // a line before each group of columns but the first
	for i, col := 0, 0; i < len(t.groups); i++ {
		groupStart[col] = i > 0
		col += t.groups[i].n
	}
	header := func() {
		if len(t.groups) > 0 {
			x := pdfMargin + labelW
			p.SetX(pdfMargin)
			p.CellFormat(labelW, pdfHead-1, "", "", 0, "L", false, 0, "")
			p.font("B", pdfHeadPt, pdfInk)
			col := 0
			for _, g := range t.groups {
				gw := 0.0
				for _, w := range widths[col : col+g.n] {
					gw += w
				}
				p.SetX(x)
				p.CellFormat(gw, pdfHead-1, nfc(g.title), "B", 0, "C", false, 0, "")
				x += gw
				col += g.n
			}
			p.Ln(pdfHead - 1)
		}
		p.SetX(pdfMargin)
		p.font("B", pdfHeadPt, pdfInk)
		p.draw(pdfMuted)
		p.SetLineWidth(0.2)
		p.CellFormat(labelW, pdfHead, nfc(t.rowHeader), "B", 0, "L", false, 0, "")
		for i, c := range t.columns {
			b := "B"
			if groupStart[i] {
				b += "L"
			}
			p.CellFormat(widths[i], pdfHead, nfc(c), b, 0, "R", false, 0, "")
		}
		p.Ln(pdfHead)
	}
	heads := pdfHead
	if len(t.groups) > 0 {
		heads += pdfHead - 1
	}
	// A table that fits on a page starts on a page it fits on; one a little longer than
	// a page has its rows closer, to fit.
	rowH := pdfRow
	full := 297 - pdfMargin - pdfBottom - pdfTitleH - 1 - heads
	if landscape {
		full = 210 - pdfMargin - pdfBottom - pdfTitleH - 1 - heads
	}
	if n := float64(len(rows)); n*rowH > full && n*pdfRow*0.85 <= full {
		rowH = full / n
	}
	need := heads + float64(len(rows))*rowH
	if need > full+heads {
		need = heads + 3*rowH
	}
	p.sectionTitle(t.title, landscape, need)
	header()
	for i, r := range rows {
		if _, bottom := p.usable(); p.GetY()+rowH > bottom+0.01 {
			p.sectionTitle(t.title+" (tiếp)", landscape, heads+pdfRow)
			header()
		}
		last := t.total && i == len(rows)-1
		style := ""
		if last {
			style = "B"
		}
		p.SetX(pdfMargin)
		p.fill(pdfZebra)
		zebra := i%2 == 1 && !last
		p.draw(pdfLine)
		p.SetLineWidth(0.15)
		border := ""
		if last {
			p.draw(pdfMuted)
			border = "T"
		}
		p.font(style, pdfTextPt, pdfInk)
		p.CellFormat(labelW, rowH, nfc(r.Label), border, 0, "L", zebra, 0, "")
		for j := range t.columns {
			c := reportCell{}
			if j < len(r.Cells) {
				c = r.Cells[j]
			}
			p.font(style, pdfTextPt, pdfInk)
			if c.Now != "" {
				p.font("B", pdfTextPt, pdfChanged)
			}
			b := border
			if groupStart[j] {
				b += "L"
			}
			p.CellFormat(widths[j], rowH, nfc(cellText(c)), b, 0, "R", zebra, 0, "")
		}
		p.Ln(rowH)
	}
}

// copyRows copies rows, so that a total row is added to the copy.
func copyRows(rows []reportRow) []reportRow { return append([]reportRow(nil), rows...) }

// totalRow sums a table's columns of counts; other columns are left empty.
func (p *reportPDF) totalRow(t pdfTable) reportRow {
	r := reportRow{Label: "Tổng cộng", Cells: make([]reportCell, len(t.columns))}
	for j := range t.columns {
		sum, counts := 0, true
		for _, row := range t.rows {
			if j >= len(row.Cells) || row.Cells[j].Key == "" {
				continue
			}
			f := p.figs[row.Cells[j].Key]
			if f.Unit != tickets.UnitCount {
				counts = false
				break
			}
			n, _ := strconv.Atoi(f.Number)
			sum += n
		}
		switch key, ok := t.totals[t.columns[j]]; {
		case ok:
			r.Cells[j].Value = p.figs[key].Value
		case counts:
			r.Cells[j].Value = strconv.Itoa(sum)
		}
	}
	return r
}
