package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/huehotline/hotline/tickets"
)

// export runs an access request's export (logged in the access log by the store) for a
// request from the console itself.
func (s *Server) export(w http.ResponseWriter, r *http.Request, me *viewer) (*tickets.PersonExport, bool) {
	if !fromConsole(r) {
		s.fail(w, r, me, notFromConsole)
		return nil, false
	}
	x, err := s.cfg.Store.ExportPerson(r.Context(), me.Actor, requestID(r), remoteAddr(r))
	if err != nil {
		s.fail(w, r, me, err)
		return nil, false
	}
	s.log.Info("data exported", "by", me.User.Username, "request", x.RequestID)
	return x, true
}

// handleRequestExportJSON hands over an access request's export as JSON, the machine-
// readable copy.
func (s *Server) handleRequestExportJSON(w http.ResponseWriter, r *http.Request, me *viewer) {
	x, ok := s.export(w, r, me)
	if !ok {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		s.fail(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="du-lieu-YC-%d.json"`, x.RequestID))
	buf.WriteTo(w)
}

// handleRequestExportPDF hands over an access request's export as a PDF for the citizen.
func (s *Server) handleRequestExportPDF(w http.ResponseWriter, r *http.Request, me *viewer) {
	x, ok := s.export(w, r, me)
	if !ok {
		return
	}
	pdf, err := PersonPDF(x)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="du-lieu-YC-%d.pdf"`, x.RequestID))
	w.Write(pdf)
}

// handleRequestErase carries out a deletion request (tickets.Store.ErasePerson).
func (s *Server) handleRequestErase(w http.ResponseWriter, r *http.Request, me *viewer) {
	r.ParseForm()
	s.requestAction(w, r, me, "erase", "Đã xoá dữ liệu của số này.", func(id int64) error {
		_, err := s.cfg.Store.ErasePerson(r.Context(), me.Actor, id)
		return err
	})
}

// PersonPDF writes an access request's export as a PDF for the citizen: the number, who
// made it and when, then the calls, tickets with their notes and trail, cases with their
// follow-ups, voice messages (listed) and callback requests. The font is the daily
// report's embedded DejaVu Sans.
func PersonPDF(x *tickets.PersonExport) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(nfc(fmt.Sprintf("Dữ liệu cá nhân YC-%d", x.RequestID)), true)
	p.SetCreator("Tổng đài 1900 1075", true)
	p.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	p.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, 14)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-10)
		p.SetFont("dejavu", "", 7.5)
		p.CellFormat(0, 4, nfc(fmt.Sprintf("Tổng đài 1900 1075 · YC-%d · Trang %d/{nb}", x.RequestID, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	line := func(style string, size float64, text string) {
		p.SetFont("dejavu", style, size)
		p.MultiCell(0, size*0.5, nfc(text), "", "L", false)
	}
	heading := func(text string, n int) {
		p.Ln(3)
		line("B", 12, fmt.Sprintf("%s (%d)", text, n))
		if n == 0 {
			line("", 9.5, "Không có.")
		}
	}
	line("B", 15, "Dữ liệu cá nhân tổng đài 1900 1075 lưu về số "+tickets.FormatPhone(x.Phone))
	line("", 9.5, fmt.Sprintf("Theo yêu cầu YC-%d (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15). Lập lúc %s bởi %s.",
		x.RequestID, dateTime(x.GeneratedAt), x.GeneratedBy))
	line("", 9.5, "Lời nhắn thoại được liệt kê, không kèm âm thanh; xin nghe tại tổng đài nếu cần.")

	heading("Cuộc gọi", len(x.Calls))
	for _, c := range x.Calls {
		path := []string{}
		for _, st := range c.Path {
			step := st.Node
			if st.Key != "" {
				step += " (" + st.Key + ")"
			}
			path = append(path, step)
		}
		line("", 9.5, fmt.Sprintf("%s · %s · kết quả: %s · menu: %s", dateTime(c.StartedAt), c.Direction, c.Outcome, strings.Join(path, " → ")))
	}
	heading("Phiếu", len(x.Tickets))
	for _, t := range x.Tickets {
		line("B", 10, fmt.Sprintf("%s · %s · %s · %s", t.Ref, tickets.CategoryLabel(t.Category).Vi, tickets.StatusLabel(t.Status).Vi, dateTime(t.CreatedAt)))
		if t.Summary != "" || t.Details != "" {
			line("", 9.5, strings.TrimSpace(t.Summary+" "+t.Details))
		}
		for _, e := range t.Trail {
			line("", 8.5, "  "+eventLine(e))
		}
	}
	heading("Ca nghi nhiễm", len(x.Cases))
	for _, c := range x.Cases {
		line("B", 10, fmt.Sprintf("%s · %s · %s · %s", c.Ref, c.Name, tickets.CaseStatusLabel(c.Status).Vi, c.Address))
		for _, f := range c.FollowUps {
			result := "chưa có"
			if f.Result != nil {
				result = tickets.FollowUpResultLabel(*f.Result).Vi
			}
			line("", 9, fmt.Sprintf("  Ngày %d (%s): %s %s", f.Day, dayText(f.DueOn), result, f.Note))
		}
		for _, e := range c.Trail {
			line("", 8.5, "  "+eventLine(e))
		}
	}
	heading("Lời nhắn thoại, ghi âm", len(x.Voice))
	for _, v := range x.Voice {
		ref := ""
		if v.TicketRef != nil {
			ref = " · phiếu " + *v.TicketRef
		}
		line("", 9.5, fmt.Sprintf("%s · %d giây%s", dateTime(v.CreatedAt), v.DurationMS/1000, ref))
	}
	heading("Yêu cầu gọi lại", len(x.Callbacks))
	for _, c := range x.Callbacks {
		line("", 9.5, fmt.Sprintf("%s · %s", dateTime(c.QueuedAt), c.Status))
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("person pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// eventLine writes an entry of a trail: when, who, what.
func eventLine(e *tickets.ExportEvent) string {
	s := dateTime(e.At) + " · " + e.Actor + " · " + e.Kind
	if e.NewValue != "" {
		s += ": " + e.OldValue + " → " + e.NewValue
	}
	if e.Note != "" {
		s += " · " + e.Note
	}
	return s
}
