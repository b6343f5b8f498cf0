package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// lookAt saves a PNG of the whole tab at a width, to be looked at, when
// HOTLINE_SCREENSHOTS_EXTRA names a folder: pictures the README does not show (those are
// screenshot's).
func lookAt(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv("HOTLINE_SCREENSHOTS_EXTRA")
	if dir == "" {
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("picture %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reportTables are the report's tables by rows and columns: each header, and the figure
// (by the end of its key) that sits under it.
var reportTables = map[string]map[string]string{
	"Hàng chờ theo 30 phút": {"vào hàng chờ": "offered", "được trả lời": "answered", "bỏ máy": "abandoned", "mức phục vụ": "service_level"},
	"Tổng đài viên": {"cuộc gọi trả lời": "answered", "nói chuyện": "talk", "hoàn tất": "wrap_up", "tạm nghỉ (Nghỉ giải lao)": "paused.break",
		"tạm nghỉ (Họp)": "paused.meeting", "trong ca": "signed_in", "tỉ lệ bận": "occupancy"},
	"Phiếu theo phường, xã":      {"mới": "created", "giải quyết": "resolved", "còn mở": "backlog", "quá hạn": "overdue"},
	"Theo dõi theo phường, xã":   {"đang theo dõi": "monitoring", "gặp được": "seen", "có dấu hiệu": "with_signs", "không liên lạc được": "not_reached", "2 ngày không gặp": "not_seen_2"},
	"Nhân lực (Erlang C, 80/20)": {"vào hàng chờ": "offered", "cần (Erlang C)": "needed", "có mặt": "on_duty"},
}

// pageTable is a table of the report page as the browser lays it out.
type pageTable struct {
	Section string
	Headers []string
	Rows    []pageRow
}

type pageRow struct {
	Label string
	Cells []pageCell
}

type pageCell struct {
	Key, Text string
	Under     []int // the columns whose header's text the value's text is under
}

// readTables reads every table by rows and columns on the report page: for each value,
// the headers whose text spans the same pixels as the value's text.
const readTables = `(() => {
	const span = node => { const r = document.createRange(); r.selectNodeContents(node); const b = r.getBoundingClientRect(); return [b.left, b.right]; };
	const text = td => [...td.childNodes].find(n => n.nodeType === 3 && n.textContent.trim() !== '');
	return [...document.querySelectorAll('table.figures.pivot')].map(table => {
		const heads = [...table.querySelectorAll('thead th')];
		const spans = heads.map(span);
		return {
			Section: table.closest('section').querySelector('h2').textContent.trim(),
			Headers: heads.map(h => h.textContent.trim()),
			Rows: [...table.querySelectorAll('tbody tr')].map(tr => ({
				Label: tr.children[0].textContent.trim(),
				Cells: [...tr.children].slice(1).map(td => {
					const t = text(td);
					const [l, r] = t ? span(t) : [0, 0];
					return {Key: td.dataset.key || '', Text: t ? t.textContent.trim() : '',
						Under: spans.map(([hl, hr], i) => (t && l < hr && r > hl) ? i : -1).filter(i => i >= 0)};
				}),
			})),
		};
	});
})()`

// Every table of the report page has as many cells in each row as headers, each value
// under its own header (its text within the header's span, at desktop and phone width),
// and under each header the figure the header names; the first header names the rows.
func TestReportTablesColumns(t *testing.T) {
	c := newConsole(t)
	c.fillBusyDay()
	tab := newTab(t)
	c.signIn(tab, "minh")
	if err := chromedp.Do(tab, chromedp.Navigate(c.srv.URL+"/reports/daily?day="+busyDay), chromedp.WaitVisible(`[data-testid="report"]`)); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			tables, err := chromedp.Run(tab, chromedp.Evaluate[[]pageTable](readTables))
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for _, tb := range tables {
				seen = append(seen, tb.Section)
				checkPageTable(t, tb)
			}
			for name := range reportTables {
				if !slices.Contains(seen, name) {
					t.Errorf("no table %q on the page (tables: %q)", name, seen)
				}
			}
			lookAt(t, tab, fmt.Sprint("report-tables-", width), width)
		})
	}
}

func checkPageTable(t *testing.T, tb pageTable) {
	t.Helper()
	want, ok := reportTables[tb.Section]
	if !ok {
		t.Errorf("a table %q the test does not know", tb.Section)
		return
	}
	if len(tb.Headers) == 0 || tb.Headers[0] == "" {
		t.Errorf("%s: the first header does not name the rows: %q", tb.Section, tb.Headers)
	}
	for _, r := range tb.Rows {
		if got, want := len(r.Cells)+1, len(tb.Headers); got != want {
			t.Errorf("%s, %s: %d cells under %d headers", tb.Section, r.Label, got, want)
		}
		// The figures of a row share their key up to the row's name: the rest is the column's.
		var keys []string
		for _, c := range r.Cells {
			keys = append(keys, c.Key)
		}
		prefix := commonPrefix(keys)
		for i, c := range r.Cells {
			col := i + 1
			if col >= len(tb.Headers) {
				break
			}
			head := tb.Headers[col]
			if got := strings.TrimPrefix(c.Key, prefix); got != want[head] {
				t.Errorf("%s, %s: under %q the figure %q (%s), want %q", tb.Section, r.Label, head, got, c.Key, want[head])
			}
			if c.Text != "" && !slices.Equal(c.Under, []int{col}) {
				var under []string
				for _, j := range c.Under {
					under = append(under, tb.Headers[j])
				}
				t.Errorf("%s, %s: the value %q of %q sits under %q", tb.Section, r.Label, c.Text, head, under)
			}
		}
	}
}

// commonPrefix is the keys' common beginning, to the last dot.
func commonPrefix(keys []string) string {
	if len(keys) < 2 {
		return ""
	}
	p := keys[0]
	for _, k := range keys[1:] {
		for !strings.HasPrefix(k, p) {
			p = p[:len(p)-1]
		}
	}
	return p[:strings.LastIndex(p, ".")+1]
}
