package tickets

import (
	"fmt"
	"regexp"
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

// Priorities lists the priorities, most urgent first.
var Priorities = []string{P1, P2, P3, P4}

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

// Statuses lists every ticket status with its labels.
var Statuses = []Label{
	{StatusNew, "Mới", "New"},
	{StatusTriaged, "Đã phân loại", "Triaged"},
	{StatusAssigned, "Đã giao", "Assigned"},
	{StatusInProgress, "Đang xử lý", "In progress"},
	{StatusResolved, "Đã giải quyết", "Resolved"},
	{StatusClosed, "Đã đóng", "Closed"},
	{StatusCancelled, "Đã huỷ", "Cancelled"},
}

// OpenStatuses are the statuses of tickets still waiting for work: all but resolved,
// closed and cancelled (the store's queries name those).
var OpenStatuses = []string{StatusNew, StatusTriaged, StatusAssigned, StatusInProgress}

// ticketTransitions are the only status changes allowed: the workflow forward, reopening
// a resolved or closed ticket, and cancelling one that is still open (with a reason, or
// as a duplicate when merged). A cancelled ticket goes back only by a supervisor's
// ReopenTicket, to the status it was cancelled from.
var ticketTransitions = map[string][]string{
	StatusNew:        {StatusTriaged, StatusCancelled},
	StatusTriaged:    {StatusAssigned, StatusCancelled},
	StatusAssigned:   {StatusInProgress, StatusCancelled},
	StatusInProgress: {StatusResolved, StatusCancelled},
	StatusResolved:   {StatusClosed, StatusInProgress},
	StatusClosed:     {StatusInProgress},
	StatusCancelled:  {},
}

// CheckTransition returns nil if a ticket may go from one status to another, and a
// domain error saying why not otherwise.
func CheckTransition(from, to string) error {
	if _, ok := ticketTransitions[to]; !ok {
		return Errorf(EINVALID, "Trạng thái %q không tồn tại.", to)
	}
	allowed, ok := ticketTransitions[from]
	if !ok {
		return Errorf(EINVALID, "Trạng thái %q không tồn tại.", from)
	}
	for _, s := range allowed {
		if s == to {
			return nil
		}
	}
	return Errorf(ECONFLICT, "Không thể chuyển phiếu từ “%s” sang “%s”.", StatusLabel(from).Vi, StatusLabel(to).Vi)
}

// TicketMoves returns the statuses a ticket may move to from its status.
func TicketMoves(from string) []string { return append([]string(nil), ticketTransitions[from]...) }

// PriorityLabels names the priorities.
var PriorityLabels = []Label{
	{P1, "P1 · Khẩn cấp", "P1 · Urgent"},
	{P2, "P2 · Cao", "P2 · High"},
	{P3, "P3 · Bình thường", "P3 · Normal"},
	{P4, "P4 · Thấp", "P4 · Low"},
}

// IsOpen reports whether a status still needs work.
func IsOpen(status string) bool {
	for _, s := range OpenStatuses {
		if s == status {
			return true
		}
	}
	return false
}

// Label names a code for people, in Vietnamese and English.
type Label struct {
	Code string
	Vi   string
	En   string
}

func findLabel(list []Label, code string) (Label, bool) {
	for _, l := range list {
		if l.Code == code {
			return l, true
		}
	}
	return Label{Code: code, Vi: code, En: code}, false
}

// CategoryLabel returns the label of a category code.
func CategoryLabel(code string) Label { l, _ := findLabel(Categories, code); return l }

// StatusLabel returns the label of a status code.
func StatusLabel(code string) Label { l, _ := findLabel(Statuses, code); return l }

// SLA is how soon tickets of each priority must first be answered and then resolved.
type SLA struct {
	FirstResponse map[string]time.Duration
	Resolution    map[string]time.Duration
}

// DefaultSLA is the call centre's service level unless configured otherwise.
func DefaultSLA() SLA {
	return SLA{
		FirstResponse: map[string]time.Duration{P1: 15 * time.Minute, P2: time.Hour, P3: 4 * time.Hour, P4: 24 * time.Hour},
		Resolution:    map[string]time.Duration{P1: 4 * time.Hour, P2: 24 * time.Hour, P3: 72 * time.Hour, P4: 7 * 24 * time.Hour},
	}
}

// Due returns when a ticket of a priority created at created must first be answered and
// be resolved.
func (s SLA) Due(priority string, created time.Time) (firstResponse, resolution time.Time) {
	return created.Add(s.FirstResponse[priority]), created.Add(s.Resolution[priority])
}

// Ticket is a piece of work for the call centre that came from a call or an agent.
type Ticket struct {
	ID               int64      `db:"id"`
	Ref              string     `db:"ref"`
	Category         string     `db:"category"`
	Priority         string     `db:"priority"`
	Status           string     `db:"status"`
	UnitCode         *string    `db:"unit_code"`
	AssigneeUserID   *int64     `db:"assignee_user_id"`
	AssigneeUnitCode *string    `db:"assignee_unit_code"`
	CallerID         *int64     `db:"caller_id"`
	CallerNumber     *string    `db:"caller_number"` // the caller's phone, from callers
	ContactPhone     *string    `db:"contact_phone"`
	CallID           *string    `db:"call_id"`
	CaseID           *int64     `db:"case_id"`
	RepeatOfID       *int64     `db:"repeat_of_id"`
	MergedIntoID     *int64     `db:"merged_into_id"`
	ReporterHidden   bool       `db:"reporter_hidden"` // officers do not see who reported it: set at creation or when the call centre makes it a community report, never cleared
	Summary          string     `db:"summary"`
	Details          string     `db:"details"`
	IVRKeys          string     `db:"ivr_keys"`
	IVRAnswers       Answers    `db:"ivr_answers"`
	FirstResponseDue time.Time  `db:"first_response_due"`
	ResolutionDue    time.Time  `db:"resolution_due"`
	FirstResponseAt  *time.Time `db:"first_response_at"`
	ResolvedAt       *time.Time `db:"resolved_at"`
	ClosedAt         *time.Time `db:"closed_at"`
	CreatedAt        time.Time  `db:"created_at"`
	CreatedDay       string     `db:"created_day"`
	UpdatedAt        time.Time  `db:"updated_at"`
}

// Overdue reports whether the ticket has missed its first response or resolution time
// at now. It is computed each time, never stored, so it is never stale.
func (t *Ticket) Overdue(now time.Time) bool {
	if !IsOpen(t.Status) {
		return false
	}
	if t.FirstResponseAt == nil && now.After(t.FirstResponseDue) {
		return true
	}
	return now.After(t.ResolutionDue)
}

// Validate checks what a new ticket must have.
func (t *Ticket) Validate() error {
	if _, ok := findLabel(Categories, t.Category); !ok {
		return Errorf(EINVALID, "Loại phiếu %q không tồn tại.", t.Category)
	}
	if err := checkPriority(t.Priority); err != nil {
		return err
	}
	if t.ContactPhone != nil {
		p, err := NormalizePhone(*t.ContactPhone)
		if err != nil {
			return err
		}
		t.ContactPhone = &p
	}
	return nil
}

// checkPriority says whether a priority exists.
func checkPriority(p string) error {
	for _, q := range Priorities {
		if p == q {
			return nil
		}
	}
	return Errorf(EINVALID, "Mức ưu tiên %q không tồn tại (P1 đến P4).", p)
}

// TicketRef formats the human reference of the n-th ticket of a year: HL-260001.
func TicketRef(year, n int) string {
	return fmt.Sprintf("HL-%02d%04d", year%100, n)
}

// refNumber is the number of a ticket's or a case's reference as TicketRef and CaseRef
// write it: the year's two digits and the number in the year, four digits or more.
const refNumber = `-[0-9]{6,10}`

// ticketRefPattern is a ticket's reference, in any case: the one pattern of them, used
// whole (IsTicketRef: the search box, the access log's filter, the live events) and within
// a text (ticketRefIn: the references an officer's trail masks).
const ticketRefPattern = `(?i)HL` + refNumber

var (
	ticketRefExact = regexp.MustCompile(`^(?:` + ticketRefPattern + `)$`)
	ticketRefIn    = regexp.MustCompile(ticketRefPattern)
)

// IsTicketRef reports whether s is a ticket's reference (HL-260001, in any case) with
// nothing before or after it.
func IsTicketRef(s string) bool { return ticketRefExact.MatchString(s) }
