package web

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// How the console writes things for people: Vietnamese words, Huế's time, phone numbers
// as Vietnamese users write them.

// dateTime writes a time as dd/mm/yyyy hh:mm, Huế time.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(tickets.Local).Format("02/01/2006 15:04")
}

// dateTimePtr writes an optional time, "" when there is none.
func dateTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return dateTime(*t)
}

// dayText writes a stored local day (2021-08-10) as 10/08/2021.
func dayText(day string) string { return tickets.DayText(day) }

// phoneText writes a number in full (0905 123 456), or "không rõ số" without one.
func phoneText(p *string) string {
	if p == nil {
		return "không rõ số"
	}
	return tickets.FormatPhone(*p)
}

// maskedPhone writes a number masked for lists (0905 *** 456).
func maskedPhone(p *string) string {
	if p == nil {
		return "không rõ số"
	}
	return tickets.MaskPhone(*p)
}

// durationText writes a duration in Vietnamese: 2 phút 05 giây.
func durationText(d time.Duration) string {
	d = d.Round(time.Second)
	m, sec := int(d/time.Minute), int((d%time.Minute)/time.Second)
	if m == 0 {
		return fmt.Sprintf("%d giây", sec)
	}
	return fmt.Sprintf("%d phút %02d giây", m, sec)
}

// Vietnamese words for what the IVR and the call records hold.
var (
	outcomeWords = map[string]string{
		tickets.OutcomeInProgress:   "Đang diễn ra",
		tickets.OutcomeInformation:  "Nghe thông tin",
		tickets.OutcomeTicket:       "Tạo phiếu",
		tickets.OutcomeNoChoice:     "Không chọn được",
		tickets.OutcomeHungUp:       "Gác máy",
		tickets.OutcomeRejected:     "Từ chối (hệ thống dừng)",
		tickets.OutcomeDropped:      "Rớt do sự cố",
		tickets.OutcomeInterrupted:  "Gián đoạn do sự cố",
		tickets.OutcomeError:        "Lỗi hệ thống",
		tickets.OutcomeVoiceMessage: "Để lại lời nhắn",
		tickets.OutcomeAgent:        "Gặp tổng đài viên",
		tickets.OutcomeAgentFailed:  "Không nối được tổng đài viên",
		tickets.OutcomeCallback:     "Yêu cầu gọi lại",
		tickets.OutcomeAbandoned:    "Gác máy khi chờ",
		tickets.OutcomeUnavailable:  "Hệ thống gián đoạn (lời nhắn)",
		"callback_answered":         "Gọi lại: đã nói chuyện",
		"callback_no_answer":        "Gọi lại: không nghe máy",
		"callback_busy":             "Gọi lại: máy bận",
		"callback_agent_no_answer":  "Gọi lại: tổng đài viên không nghe",
		"callback_agent_left":       "Gọi lại: tổng đài viên gác máy",
		"callback_failed":           "Gọi lại: lỗi",
		tickets.OutcomeFollowUp:     "Gọi theo dõi: đã ghi kết quả",
		tickets.OutcomeOptedOut:     "Gọi theo dõi: từ chối cuộc gọi tự động",
	}
	languageWords = map[string]string{"vi": "Tiếng Việt", "en": "Tiếng Anh"}
	answerWords   = map[string]string{
		"fever": "Sốt", "cough": "Ho", "breath": "Khó thở", "travel": "Đi từ vùng dịch về", "contact": "Tiếp xúc ca bệnh",
		"new": "Có điều mới cần báo",
	}
	answerOrder = []string{"fever", "cough", "breath", "travel", "contact", "new"}
	yesNoWords  = map[string]string{"yes": "có", "no": "không"}
	eventWords  = map[string]string{
		"created": "Tạo phiếu", "status": "Chuyển trạng thái", "reopened": "Mở lại", "assigned": "Giao",
		"priority": "Đổi mức ưu tiên", "area": "Đổi khu vực", "category": "Đổi loại", "summary": "Sửa tóm tắt",
		"note": "Ghi chú", "merged": "Gộp phiếu", "repeat": "Gọi lại nhiều lần", "repeated": "Có cuộc gọi lặp lại",
		"linked": "Liên kết", "recording": "Lời nhắn thoại", "callback": "Gọi lại", "callback_requested": "Yêu cầu gọi lại",
		"follow_up": "Kết quả theo dõi", "scheduled": "Lên lịch theo dõi", "escalated": "Báo lên",
		"auto_calls": "Gọi tự động", "reporter_hidden": "Giữ ẩn danh người phản ánh với cán bộ phường/xã", "follow_up_corrected": "Sửa kết quả theo dõi",
		"corrected": "Sửa theo yêu cầu của người dân",
	}
)

func outcomeText(code string) string {
	if r, ok := strings.CutPrefix(code, "follow_up_"); ok && code != tickets.OutcomeFollowUp && code != tickets.OutcomeOptedOut {
		return "Gọi theo dõi: " + strings.ToLower(tickets.AttemptResultLabel(r).Vi)
	}
	return wordOr(outcomeWords, code)
}
func languageText(code string) string  { return wordOr(languageWords, code) }
func eventKindText(code string) string { return wordOr(eventWords, code) }

func wordOr(m map[string]string, code string) string {
	if w, ok := m[code]; ok {
		return w
	}
	return code
}

// answersText writes the IVR's answers in words, in the order the questions are asked:
// "Sốt: có; Ho: không; ...", then the area, the number to call back and the language.
func answersText(a tickets.Answers, unitName func(string) string) []string {
	var out []string
	for _, k := range answerOrder {
		if v, ok := a[k]; ok {
			out = append(out, answerWords[k]+": "+wordOr(yesNoWords, v))
		}
	}
	if u, ok := a["unit"]; ok {
		if u == "" {
			out = append(out, "Khu vực: không rõ")
		} else {
			out = append(out, "Khu vực: "+unitName(u))
		}
	}
	if cb, ok := a["callback"]; ok && cb != "" {
		out = append(out, "Số gọi lại: "+tickets.FormatPhone(cb))
	}
	if l, ok := a["lang"]; ok && l != "vi" {
		out = append(out, "Ngôn ngữ: "+languageText(l))
	}
	if q, ok := a["queued_at"]; ok {
		if t, err := time.Parse(time.RFC3339, q); err == nil {
			out = append(out, "Vào hàng chờ lúc "+dateTime(t))
		}
	}
	// Anything else, so that nothing the caller said is hidden.
	var rest []string
	for k := range a {
		switch k {
		case "fever", "cough", "breath", "travel", "contact", "unit", "callback", "lang", "queued_at":
		default:
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, k+": "+a[k])
	}
	return out
}

// labelsVi returns the Vietnamese names of codes, for selects.
func labelsVi(list []tickets.Label) []option {
	out := make([]option, len(list))
	for i, l := range list {
		out[i] = option{Value: l.Code, Text: l.Vi}
	}
	return out
}

// option is one choice of a select.
type option struct {
	Value, Text string
}

// hasErrors reports whether a form has an error, beside its buttons (form) or one of
// its fields (form.field).
func hasErrors(errs map[string]string, form string) bool {
	for k := range errs {
		if k == form || strings.HasPrefix(k, form+".") {
			return true
		}
	}
	return false
}

// trimmed returns a form value without surrounding space.
func trimmed(s string) string { return strings.TrimSpace(s) }

// errorTitle is an error page's heading.
func errorTitle(status int) string {
	switch status {
	case 400, 422:
		return "Dữ liệu không hợp lệ"
	case 401:
		return "Cần đăng nhập"
	case 403:
		return "Không có quyền truy cập"
	case 404:
		return "Không tìm thấy"
	case 409:
		return "Xung đột dữ liệu"
	}
	return "Lỗi hệ thống"
}

func itoa64(n int64) string { return fmt.Sprint(n) }
