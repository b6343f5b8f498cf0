package tickets

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Case statuses, after WHO Go.Data's follow-up of contacts.
const (
	CaseSuspected      = "suspected"
	CaseMonitoring     = "monitoring"
	CaseReferred       = "referred"        // referred for testing
	CaseTestedNegative = "tested_negative" //
	CaseTestedPositive = "tested_positive" //
	CaseCleared        = "cleared"
	CaseLost           = "lost" // lost to follow-up
)

// CaseStatuses lists every case status with its labels.
var CaseStatuses = []Label{
	{CaseSuspected, "Nghi nhiễm", "Suspected"},
	{CaseMonitoring, "Đang theo dõi", "Monitoring"},
	{CaseReferred, "Chuyển xét nghiệm", "Referred for testing"},
	{CaseTestedNegative, "Âm tính", "Tested negative"},
	{CaseTestedPositive, "Dương tính", "Tested positive"},
	{CaseCleared, "Kết thúc theo dõi", "Cleared"},
	{CaseLost, "Mất dấu", "Lost to follow-up"},
}

// caseTransitions are the status changes a case may make.
var caseTransitions = map[string][]string{
	CaseSuspected:      {CaseMonitoring, CaseReferred, CaseLost},
	CaseMonitoring:     {CaseReferred, CaseCleared, CaseLost},
	CaseReferred:       {CaseTestedNegative, CaseTestedPositive, CaseLost},
	CaseTestedNegative: {CaseMonitoring, CaseReferred, CaseCleared},
	CaseTestedPositive: {CaseCleared},
	CaseLost:           {CaseMonitoring},
	CaseCleared:        {},
}

// CheckCaseTransition returns nil if a case may go from one status to another.
func CheckCaseTransition(from, to string) error {
	allowed, ok := caseTransitions[from]
	if _, known := caseTransitions[to]; !ok || !known {
		return Errorf(EINVALID, "Trạng thái ca %q không tồn tại.", to)
	}
	for _, s := range allowed {
		if s == to {
			return nil
		}
	}
	fl, _ := findLabel(CaseStatuses, from)
	tl, _ := findLabel(CaseStatuses, to)
	return Errorf(ECONFLICT, "Không thể chuyển ca từ “%s” sang “%s”.", fl.Vi, tl.Vi)
}

// followsUp reports whether follow-ups may be recorded for a case in a status.
func followsUp(status string) bool {
	switch status {
	case CaseMonitoring, CaseReferred, CaseTestedNegative:
		return true
	}
	return false
}

// Follow-up results and methods.
const (
	ResultWell         = "well"          // seen, no signs
	ResultSymptomatic  = "symptomatic"   // seen, with signs
	ResultNotReached   = "not_reached"   // tried, not reached
	ResultNotAttempted = "not_attempted" // nobody tried that day
	ResultRefused      = "refused"

	MethodAgentCall     = "agent_call"
	MethodAutomatedCall = "automated_call"
	MethodHomeVisit     = "home_visit"
	MethodPhoneCall     = "phone_call" // a ward or commune officer's phone call
)

// Policy is the rules of follow-up.
type Policy struct {
	MonitoringDays  int // daily follow-ups created on entering monitoring; well days needed to clear
	NotReachedLimit int // consecutive not-reached results that mark a case lost
}

// DefaultPolicy is 14 days of monitoring and 3 missed calls to lost.
func DefaultPolicy() Policy { return Policy{MonitoringDays: 14, NotReachedLimit: 3} }

// Case is a person suspected of infection, followed up day by day until cleared.
type Case struct {
	ID              int64   `db:"id"`
	Ref             string  `db:"ref"`
	PersonName      string  `db:"person_name"`
	NameKey         string  `db:"name_key"`
	Phone           *string `db:"phone"`
	BirthYear       *int    `db:"birth_year"`
	Sex             string  `db:"sex"`
	Address         string  `db:"address"`
	UnitCode        *string `db:"unit_code"`
	OnsetDate       *string `db:"onset_date"`
	ExposureTravel  bool    `db:"exposure_travel"`
	ExposureContact bool    `db:"exposure_contact"`
	ExposureNote    string  `db:"exposure_note"`
	Status          string  `db:"status"`
	MonitoringFrom  *string `db:"monitoring_from"`
	// Language is what the automated follow-up calls speak: vi or en.
	Language string `db:"language"`
	// AutoCalls says whether the hotline calls the case by itself each day (AutoCallsOn),
	// and if not, why.
	AutoCalls string    `db:"auto_calls"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Validate checks and normalises what a case must have.
func (c *Case) Validate(now time.Time) error {
	c.PersonName = strings.TrimSpace(c.PersonName)
	if c.PersonName == "" {
		return FieldErrorf("person_name", "Cần có họ tên người nghi nhiễm.")
	}
	c.NameKey = NameKey(c.PersonName)
	if c.Phone != nil {
		p, err := NormalizePhone(*c.Phone)
		if err != nil {
			return FieldErrorf("phone", "%s Hãy nhập số di động 10 chữ số (0905 123 456) hoặc số máy bàn (0234 3822 123), hoặc để trống.", ErrorMessage(err))
		}
		c.Phone = &p
	}
	if c.BirthYear != nil && (*c.BirthYear < 1900 || *c.BirthYear > now.Year()) {
		return FieldErrorf("birth_year", "%s", BirthYearRange(strconv.Itoa(*c.BirthYear), now))
	}
	switch c.Language {
	case "":
		c.Language = "vi"
	case "vi", "en":
	default:
		return FieldErrorf("language", "Ngôn ngữ %q không hợp lệ (vi hoặc en).", c.Language)
	}
	switch c.Sex {
	case "", "male", "female":
	default:
		return FieldErrorf("sex", "Giới tính %q không hợp lệ.", c.Sex)
	}
	if c.OnsetDate != nil {
		d, err := time.ParseInLocation(DayFormat, *c.OnsetDate, Local)
		if err != nil {
			return FieldErrorf("onset_date", "Ngày khởi phát “%s” không hợp lệ: hãy viết ngày/tháng/năm, ví dụ 10/08/2021.", *c.OnsetDate)
		}
		if d.After(now) {
			return FieldErrorf("onset_date", "Ngày khởi phát không thể ở tương lai.")
		}
	}
	return nil
}

// BirthYearRange is what is said of a birth year that is not one: the years allowed.
func BirthYearRange(typed string, now time.Time) string {
	return fmt.Sprintf("Năm sinh “%s” không hợp lệ: hãy nhập năm từ 1900 đến %d, ví dụ 1958.", typed, now.Year())
}

// CaseRef formats the reference of the n-th case of a year: CA-260001.
func CaseRef(year, n int) string { return fmt.Sprintf("CA-%02d%04d", year%100, n) }

// caseRefExact is a case's reference, in any case, with nothing before or after it.
var caseRefExact = regexp.MustCompile(`^(?i:CA` + refNumber + `)$`)

// isCaseRef reports whether s is a case's reference (CA-260001, in any case).
func isCaseRef(s string) bool { return caseRefExact.MatchString(s) }

// FollowUp is one day of a case's monitoring.
type FollowUp struct {
	ID         int64      `db:"id"`
	CaseID     int64      `db:"case_id"`
	Day        int        `db:"day"`
	DueOn      string     `db:"due_on"`
	Result     *string    `db:"result"`
	Method     *string    `db:"method"`
	Answers    Answers    `db:"answers"`
	Note       string     `db:"note"`
	RecordedBy *int64     `db:"recorded_by"`
	RecordedAt *time.Time `db:"recorded_at"`
}

// FollowUpResults names the results of a follow-up day as WHO Go.Data does.
var FollowUpResults = []Label{
	{ResultWell, "Đã gặp, không có dấu hiệu", "Seen, no signs"},
	{ResultSymptomatic, "Đã gặp, có dấu hiệu", "Seen, with signs"},
	{ResultNotReached, "Không liên lạc được", "Not reached"},
	{ResultNotAttempted, "Chưa thực hiện", "Not attempted"},
	{ResultRefused, "Từ chối", "Refused"},
}

// FollowUpResultLabel returns the label of a follow-up result.
func FollowUpResultLabel(code string) Label { l, _ := findLabel(FollowUpResults, code); return l }

// FollowUpMethods names how a follow-up was made.
var FollowUpMethods = []Label{
	{MethodAgentCall, "Tổng đài viên gọi", "Agent's call"},
	{MethodAutomatedCall, "Cuộc gọi tự động", "Automated call"},
	{MethodHomeVisit, "Đến nhà", "Home visit"},
	{MethodPhoneCall, "Cán bộ gọi điện", "Officer's phone call"},
}

// CaseStatusLabel returns the label of a case status.
func CaseStatusLabel(code string) Label { l, _ := findLabel(CaseStatuses, code); return l }

// CaseMoves returns the statuses a case may move to from its status.
func CaseMoves(from string) []string { return append([]string(nil), caseTransitions[from]...) }

// checkFollowUp validates a follow-up result and method.
func checkFollowUp(result, method string) error {
	switch result {
	case ResultWell, ResultSymptomatic, ResultNotReached, ResultNotAttempted, ResultRefused:
	default:
		return Errorf(EINVALID, "Kết quả theo dõi %q không tồn tại.", result)
	}
	switch method {
	case MethodAgentCall, MethodAutomatedCall, MethodHomeVisit, MethodPhoneCall:
	case "":
		return Errorf(EINVALID, "Hãy chọn cách theo dõi: gọi điện hay đến nhà.")
	default:
		return Errorf(EINVALID, "Cách theo dõi %q không tồn tại.", method)
	}
	return nil
}
