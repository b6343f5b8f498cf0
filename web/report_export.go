package web

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
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

// The PDF's font: DejaVu Sans (Bitstream Vera licence, web/fonts/LICENSE), embedded so the
// hotline needs no font installed to write Vietnamese.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// ReportPDF writes a report as an A4 PDF: the hotline's name, the report's title and
// period, when it was frozen, each section's figures (with the value now beside a frozen
// figure that changed), and page numbers. go-pdf/fpdf writes it: maintained, pure Go,
// UTF-8 TrueType fonts embedded as subsets, nothing to install.
func ReportPDF(d *ReportData) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(nfc(d.Title), true)
	pdf.SetCreator("Tổng đài 1900 1075", true)
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("dejavu", "", 8)
		pdf.CellFormat(0, 5, nfc(fmt.Sprintf("%s · Trang %d/{nb}", d.Title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("dejavu", "B", 9)
	pdf.CellFormat(0, 5, nfc("TỔNG ĐÀI 1900 1075 · HỖ TRỢ PHÒNG CHỐNG DỊCH · HUẾ"), "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "B", 16)
	pdf.CellFormat(0, 10, nfc(d.Title), "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 9)
	stamp := "Số liệu tính lúc " + d.Live.In(tickets.Local).Format("15:04 02/01/2006") + " (chưa chốt)"
	if d.Frozen != nil {
		stamp = "Số liệu chốt lúc " + d.Frozen.In(tickets.Local).Format("15:04 02/01/2006")
		if len(d.Changes) > 0 {
			stamp += fmt.Sprintf("; %d số liệu đã thay đổi sau khi chốt (cột \"nay\")", len(d.Changes))
		}
	}
	if d.Unit != "" {
		stamp += " · " + d.Unit
	}
	pdf.CellFormat(0, 6, nfc(stamp), "", 1, "L", false, 0, "")
	section := ""
	for _, f := range d.Figures {
		if f.Section != section {
			section = f.Section
			if pdf.GetY() > 260 {
				pdf.AddPage()
			}
			pdf.Ln(3)
			pdf.SetFont("dejavu", "B", 11)
			pdf.SetFillColor(230, 236, 242)
			pdf.CellFormat(0, 7, nfc(section), "", 1, "L", true, 0, "")
			pdf.SetFont("dejavu", "", 9)
		}
		pdf.CellFormat(130, 5, nfc(f.Label), "B", 0, "L", false, 0, "")
		pdf.CellFormat(25, 5, nfc(f.Value), "B", 0, "R", false, 0, "")
		now := ""
		if v, ok := d.Changes[f.Key]; ok {
			now = tickets.ChangeText(f.Value, v.Value)
		}
		pdf.CellFormat(0, 5, nfc(now), "B", 1, "R", false, 0, "")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// nfc composes Vietnamese text (a letter and its marks as one character), as the font's
// glyphs expect.
func nfc(s string) string { return norm.NFC.String(s) }
