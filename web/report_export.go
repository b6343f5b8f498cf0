package web

import (
	"encoding/csv"
	"io"

	"golang.org/x/text/unicode/norm"

	"github.com/huehotline/hotline/tickets"
)

// WriteReportCSV writes a report as CSV for spreadsheets: UTF-8 with a byte-order mark
// (so Excel shows Vietnamese), one line per figure: section, key, label, value, the value
// now where later data changed a frozen figure, and the values' unit. Values are plain
// numbers in their unit (a percentage without its sign, durations in seconds, none left
// empty) so that a column sums; text has the unit "text". The first lines (section "Báo
// cáo") say what the report is.
func WriteReportCSV(w io.Writer, d *ReportData) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	c := csv.NewWriter(w)
	c.Write([]string{"section", "key", "label", "value", "value_now", "unit"})
	c.Write([]string{"Báo cáo", "report.title", "Tên", d.Title, "", tickets.UnitText})
	c.Write([]string{"Báo cáo", "report.from", "Từ ngày", d.From, "", tickets.UnitText})
	c.Write([]string{"Báo cáo", "report.to", "Đến ngày", d.To, "", tickets.UnitText})
	if d.Frozen != nil {
		c.Write([]string{"Báo cáo", "report.frozen_at", "Chốt lúc", d.Frozen.In(tickets.Local).Format("2006-01-02 15:04"), "", tickets.UnitText})
	} else {
		c.Write([]string{"Báo cáo", "report.computed_at", "Tính lúc", d.Live.In(tickets.Local).Format("2006-01-02 15:04"), "", tickets.UnitText})
	}
	for _, f := range d.Figures {
		now := ""
		if v, ok := d.Changes[f.Key]; ok {
			now = v.Number
		}
		c.Write([]string{f.Section, f.Key, f.Label, f.Number, now, f.Unit})
	}
	c.Flush()
	return c.Error()
}

// nfc composes Vietnamese text (a letter and its marks as one character), as the font's
// glyphs expect.
func nfc(s string) string { return norm.NFC.String(s) }
