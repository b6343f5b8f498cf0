package tickets

import (
	"fmt"
	"time"
)

// Ticket categories.
const (
	CategorySymptomReport   = "symptom_report"
	CategoryCommunityReport = "community_report"
	CategorySupportRequest  = "support_request"
	CategoryInformation     = "information_request"
	CategoryCallback        = "callback_request"
	CategoryMissedCall      = "missed_call"
	CategoryOther           = "other"
)

// Categories lists every category with its Vietnamese and English labels.
var Categories = []Label{
	{CategorySymptomReport, "Tự khai báo triệu chứng", "Symptom report"},
	{CategoryCommunityReport, "Phản ánh cộng đồng", "Community report"},
	{CategorySupportRequest, "Đăng ký hỗ trợ", "Support request"},
	{CategoryInformation, "Hỏi thông tin", "Information request"},
	{CategoryCallback, "Yêu cầu gọi lại", "Callback request"},
	{CategoryMissedCall, "Cuộc gọi nhỡ", "Missed call"},
	{CategoryOther, "Khác", "Other"},
}

// Priorities, P1 the most urgent.
const (
	P1 = "P1"
	P2 = "P2"
	P3 = "P3"
	P4 = "P4"
)

// Ticket statuses.
const (
	StatusNew        = "new"
	StatusTriaged    = "triaged"
	StatusAssigned   = "assigned"
	StatusInProgress = "in_progress"
	StatusResolved   = "resolved"
	StatusClosed     = "closed"
	StatusCancelled  = "cancelled"
)

// Label names a code for people, in Vietnamese and English.
type Label struct {
	Code string
	Vi   string
	En   string
}

// CategoryLabel returns the label of a category code.
func CategoryLabel(code string) Label {
	for _, l := range Categories {
		if l.Code == code {
			return l
		}
	}
	return Label{Code: code, Vi: code, En: code}
}

// Ticket is a piece of work for the call centre that came from a call or an agent.
type Ticket struct {
	ID           int64     `db:"id"`
	Ref          string    `db:"ref"`
	Category     string    `db:"category"`
	Priority     string    `db:"priority"`
	Status       string    `db:"status"`
	CallerNumber *string   `db:"caller_number"`
	CallID       *string   `db:"call_id"`
	IVRKeys      string    `db:"ivr_keys"`
	Summary      string    `db:"summary"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Validate checks what a new ticket must have.
func (t *Ticket) Validate() error {
	if CategoryLabel(t.Category).Vi == t.Category {
		return Errorf(EINVALID, "Loại phiếu %q không tồn tại.", t.Category)
	}
	switch t.Priority {
	case P1, P2, P3, P4:
	default:
		return Errorf(EINVALID, "Mức ưu tiên %q không tồn tại (P1 đến P4).", t.Priority)
	}
	return nil
}

// TicketRef formats the human reference of the n-th ticket of a year: HL-260001.
func TicketRef(year, n int) string {
	return fmt.Sprintf("HL-%02d%04d", year%100, n)
}
