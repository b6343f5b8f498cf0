package web_test

import (
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pdfWord is a word of a PDF as pdftotext -bbox places it (points from the top left).
type pdfWord struct {
	Page                   int
	XMin, YMin, XMax, YMax float64
	Text                   string
}

// pdfPage is a page's size in points.
type pdfPage struct{ W, H float64 }

var (
	bboxPage = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// readPDF reads a PDF's words and pages with pdftotext -bbox.
func readPDF(t *testing.T, path string) ([]pdfWord, []pdfPage) {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox (poppler-utils; make test installs it): %v", err)
	}
	var words []pdfWord
	var pages []pdfPage
	for _, line := range strings.Split(string(out), "\n") {
		if m := bboxPage.FindStringSubmatch(line); m != nil {
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			pages = append(pages, pdfPage{w, h})
			continue
		}
		if m := bboxWord.FindStringSubmatch(line); m != nil {
			f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
			words = append(words, pdfWord{len(pages), f(m[1]), f(m[2]), f(m[3]), f(m[4]), html.UnescapeString(m[5])})
		}
	}
	// In the order one reads them, line by line, whatever order the file has them in.
	slices.SortStableFunc(words, func(a, b pdfWord) int {
		if a.Page != b.Page {
			return a.Page - b.Page
		}
		return cmpFloat(a.YMin, b.YMin)
	})
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && sameLine(words[i], words[j]) {
			j++
		}
		slices.SortStableFunc(words[i:j], func(a, b pdfWord) int { return cmpFloat(a.XMin, b.XMin) })
		i = j
	}
	return words, pages
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sameLine says whether two words stand on one line.
func sameLine(a, b pdfWord) bool { return a.Page == b.Page && math.Abs(a.YMin-b.YMin) < 1.5 }

// findPhrase finds a phrase written on one line, from the word at index from on: the
// index of its first and last words, or -1.
func findPhrase(words []pdfWord, phrase string, from int) (first, last int) {
	want := strings.Fields(phrase)
	for i := from; i+len(want) <= len(words); i++ {
		ok := true
		for j, w := range want {
			if words[i+j].Text != w || !sameLine(words[i], words[i+j]) {
				ok = false
				break
			}
		}
		if ok {
			return i, i + len(want) - 1
		}
	}
	return -1, -1
}

// lineOf returns the words on the line of words[i], left to right.
func lineOf(words []pdfWord, i int) []pdfWord {
	var out []pdfWord
	for _, w := range words {
		if sameLine(w, words[i]) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b pdfWord) int { return int(a.XMin - b.XMin) })
	return out
}

// pdfTable is what a test expects of a table of the PDF: its title, its columns'
// headers, and some rows by label with the values under each header.
type pdfTable struct {
	Title   string
	Headers []string
	Rows    map[string][]string
}

// checkPDFTable finds a table by its title and the line of its headers, then each row
// by its label: under each header (the values right-aligned to the header's right edge)
// stands the value wanted, and nothing stands outside the columns.
func checkPDFTable(t *testing.T, words []pdfWord, tb pdfTable) {
	t.Helper()
	_, title := findPhrase(words, tb.Title, 0)
	if title < 0 {
		t.Errorf("the PDF has no table %q", tb.Title)
		return
	}
	first, _ := findPhrase(words, tb.Headers[0], title+1)
	if first < 0 {
		t.Errorf("%s: no header %q", tb.Title, tb.Headers[0])
		return
	}
	var right []float64 // each column's right edge, from its header
	for _, h := range tb.Headers {
		i, j := findPhrase(words, h, first)
		if i < 0 || !sameLine(words[i], words[first]) {
			t.Errorf("%s: header %q not on the line of %q", tb.Title, h, tb.Headers[0])
			return
		}
		right = append(right, words[j].XMax)
	}
	for label, want := range tb.Rows {
		i, j := findPhrase(words, label, first+len(tb.Headers))
		if i < 0 {
			t.Errorf("%s: no row %q", tb.Title, label)
			continue
		}
		line := lineOf(words, i)
		left := words[j].XMax
		var got []string
		for c, r := range right {
			var cell []string
			for _, w := range line {
				if w.XMin > left+0.5 && w.XMax < r+1 {
					cell = append(cell, w.Text)
				}
			}
			if len(cell) > 0 && math.Abs(wordEnding(line, r)-r) > 1 {
				t.Errorf("%s, %s: the value under %q does not end where its header ends", tb.Title, label, tb.Headers[c])
			}
			got = append(got, strings.Join(cell, " "))
			left = r + 1
		}
		for _, w := range line {
			if w.XMin > right[len(right)-1]+1 {
				t.Errorf("%s, %s: %q stands past the last column", tb.Title, label, w.Text)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s, %s: under %q the PDF has %q, want %q", tb.Title, label, tb.Headers, got, want)
		}
	}
}

// wordEnding is the right edge of the word of a line ending nearest x.
func wordEnding(line []pdfWord, x float64) float64 {
	best := math.Inf(1)
	for _, w := range line {
		if math.Abs(w.XMax-x) < math.Abs(best-x) {
			best = w.XMax
		}
	}
	return best
}

// tileValue reads a key figure of the first page: the line of text under its label.
func tileValue(words []pdfWord, label string) string {
	i, _ := findPhrase(words, label, 0)
	if i < 0 || words[i].Page != 1 {
		return "(no tile " + label + ")"
	}
	l := words[i]
	var below []pdfWord
	for _, w := range words {
		if w.Page == 1 && w.YMin > l.YMax && w.YMin < l.YMax+30 && w.XMin > l.XMin-1 && w.XMin < l.XMin+100 {
			below = append(below, w)
		}
	}
	if len(below) == 0 {
		return ""
	}
	slices.SortFunc(below, func(a, b pdfWord) int { return int(a.YMin-b.YMin)*1000 + int(a.XMin-b.XMin) })
	var out []string
	for _, w := range below {
		if sameLine(w, below[0]) {
			out = append(out, w.Text)
		}
	}
	return strings.Join(out, " ")
}

// The PDF is what a steering committee reads in two minutes: a first page with the day's
// key figures and charts, then tables by rows and columns (landscape where a table is
// wide), each value under its header and the same as on the page.
func TestReportPDF(t *testing.T) {
	c := newConsole(t)
	c.fillBusyDay()
	minh := c.client("minh")
	_, page := get(t, minh, c.srv.URL+"/reports/daily?day="+busyDay)
	fig := func(key string) string { return figureOf(page, key) }

	resp, err := minh.Get(c.srv.URL + "/reports/daily.pdf?day=" + busyDay)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "report.pdf")
	f, _ := os.Create(pdfPath)
	f.ReadFrom(resp.Body)
	f.Close()
	resp.Body.Close()
	words, pages := readPDF(t, pdfPath)
	if keep := os.Getenv("HOTLINE_REPORT_PDF"); keep != "" { // to look at it whole
		if b, err := os.ReadFile(pdfPath); err == nil {
			os.WriteFile(keep, b, 0o644)
		}
	}
	if len(pages) == 0 || len(pages) > 8 {
		t.Errorf("the PDF has %d pages, want 1 to 8", len(pages))
	}

	t.Run("KeyFigures", func(t *testing.T) {
		for label, want := range map[string]string{
			"Cuộc gọi đến":      fig("calls.received"),
			"Được trả lời":      fig("queue.answered"),
			"Bỏ máy khi chờ":    fig("queue.abandoned"),
			"Mức phục vụ":       fig("queue.service_level"),
			"Chờ trung bình":    fig("queue.asa"),
			"Phiếu mới":         fig("tickets.created"),
			"Còn mở cuối ngày":  fig("tickets.backlog"),
			"Ca nghi nhiễm mới": fig("cases.new"),
			"Theo dõi đã làm":   "1",
			"Theo dõi bỏ lỡ":    "1",
		} {
			if got := tileValue(words, label); got != want {
				t.Errorf("first page: %s %q, want %q", label, got, want)
			}
		}
	})

	t.Run("Charts", func(t *testing.T) {
		for _, title := range []string{"Cuộc gọi vào hàng chờ theo 30 phút", "Phiếu mới theo loại"} {
			if i, _ := findPhrase(words, title, 0); i < 0 || words[i].Page != 1 {
				t.Errorf("the first page has no chart %q", title)
			}
		}
		// The bars are drawn: the first page, drawn, has the answered and abandoned colours.
		out := filepath.Join(dir, "first")
		if err := exec.Command("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdfPath, out).Run(); err != nil {
			t.Fatalf("pdftoppm: %v", err)
		}
		r, err := os.Open(out + ".png")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		for name, col := range map[string][3]uint32{"answered": {61, 154, 95}, "abandoned": {200, 85, 61}} {
			if n := pixelsOf(img, col); n < 20 {
				t.Errorf("the first page has %d pixels of the %s bars' colour", n, name)
			}
		}
	})

	t.Run("Tables", func(t *testing.T) {
		staffing := map[string][]string{}
		for _, h := range []string{"08", "09", "10", "11", "14"} {
			k := "staffing." + h + "."
			staffing[h+":00"] = []string{fig(k + "offered"), fig(k + "needed"), fig(k + "on_duty")}
		}
		halfHours := map[string][]string{}
		for _, h := range []string{"00:00–00:30", "08:30–09:00", "09:00–09:30", "09:30–10:00", "10:00–10:30", "23:30–24:00"} {
			k := "queue.interval." + h[:2] + h[3:5] + "."
			halfHours[h] = []string{fig(k + "offered"), fig(k + "answered"), fig(k + "abandoned"), fig(k + "service_level")}
		}
		units := map[string][]string{}
		for _, u := range []struct{ code, name string }{{phuXuan, "Phường Phú Xuân"}, {kimLong, "Phường Kim Long"}} {
			var row []string
			for _, k := range []string{"tickets.unit.%s.created", "tickets.unit.%s.resolved", "tickets.unit.%s.backlog", "tickets.unit.%s.overdue",
				"cases.unit.%s.monitoring", "cases.unit.%s.seen", "cases.unit.%s.with_signs", "cases.unit.%s.not_reached", "cases.unit.%s.not_seen_2"} {
				row = append(row, fig(fmt.Sprintf(k, u.code)))
			}
			units[u.name] = row
		}
		agents := map[string][]string{}
		for _, a := range []struct{ user, name string }{{"lan", "Nguyễn Thị Lan"}, {"mai", "Trần Mai"}} {
			var row []string
			for _, k := range []string{"answered", "talk", "wrap_up", "paused.break", "paused.meeting", "signed_in", "occupancy"} {
				row = append(row, fig("agents."+a.user+"."+k))
			}
			agents[a.name] = row
		}
		for _, tb := range []pdfTable{
			{"Nhân lực (Erlang C, 80/20)", []string{"vào hàng chờ", "cần (Erlang C)", "có mặt"}, staffing},
			{"Hàng chờ theo 30 phút", []string{"vào hàng chờ", "được trả lời", "bỏ máy", "mức phục vụ"}, halfHours},
			{"Theo phường, xã", []string{"mới", "giải quyết", "còn mở", "quá hạn", "đang theo dõi", "gặp được", "có dấu hiệu",
				"không liên lạc được", "2 ngày không gặp"}, units},
			{"Tổng đài viên", []string{"cuộc gọi trả lời", "nói chuyện", "hoàn tất", "tạm nghỉ (Nghỉ giải lao)", "tạm nghỉ (Họp)",
				"trong ca", "tỉ lệ bận"}, agents},
		} {
			checkPDFTable(t, words, tb)
		}
		// The units' table is wide: its pages are landscape.
		if i, _ := findPhrase(words, "Theo phường, xã", 0); i >= 0 {
			if p := pages[words[i].Page-1]; p.W <= p.H {
				t.Errorf("the units' table is on a page %.0f × %.0f pt, want landscape", p.W, p.H)
			}
		}
	})

	// The first page is the README's; the others are drawn to be looked at.
	for i := range len(pages) {
		dir, name := os.Getenv("HOTLINE_SCREENSHOTS_EXTRA"), fmt.Sprintf("report-pdf-page-%d", i+1)
		if i == 0 {
			dir, name = os.Getenv("HOTLINE_SCREENSHOTS"), "report-pdf"
		}
		if dir == "" {
			continue
		}
		if err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", fmt.Sprint(i+1), "-l", fmt.Sprint(i+1), "-singlefile",
			pdfPath, filepath.Join(dir, name)).Run(); err != nil {
			t.Fatal(err)
		}
	}
}

// pixelsOf counts an image's pixels of one colour (within a few levels).
func pixelsOf(img image.Image, col [3]uint32) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r>>8, col[0]) && near(g>>8, col[1]) && near(bl>>8, col[2]) {
				n++
			}
		}
	}
	return n
}

func near(a, b uint32) bool { return a+3 >= b && b+3 >= a }
