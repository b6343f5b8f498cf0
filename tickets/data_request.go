package tickets

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// EntityDataRequest is a citizen's request about their personal data, on the audit trail.
const EntityDataRequest = "data_request"

// Kinds of data-subject requests (Law 91/2025/QH15, Art. 4; Decree 356/2025/ND-CP).
const (
	RequestAccess      = "access"      // what is held about me
	RequestCorrection  = "correction"  // correct what is held
	RequestRestriction = "restriction" // restrict or object to processing
	RequestWithdrawal  = "withdrawal"  // withdraw consent
	RequestDeletion    = "deletion"    // delete what is held
)

// RequestKinds lists the kinds of requests with their labels.
var RequestKinds = []Label{
	{RequestAccess, "Xem, nhận bản sao dữ liệu", "Access"},
	{RequestCorrection, "Chỉnh sửa dữ liệu", "Correction"},
	{RequestRestriction, "Hạn chế, phản đối xử lý", "Restriction or objection"},
	{RequestWithdrawal, "Rút lại sự đồng ý", "Withdrawal of consent"},
	{RequestDeletion, "Xoá dữ liệu", "Deletion"},
}

// RequestChannels lists the ways a request comes by.
var RequestChannels = []Label{
	{"call", "Qua điện thoại", "By phone"},
	{"letter", "Bằng thư, văn bản", "By letter"},
	{"in_person", "Trực tiếp", "In person"},
}

// Statuses of a request.
const (
	RequestReceived = "received"
	RequestVerified = "verified"
	RequestAnswered = "answered"
	RequestExtended = "extended"
	RequestDone     = "done"
	RequestRefused  = "refused"
)

// RequestStatuses lists the statuses with their labels.
var RequestStatuses = []Label{
	{RequestReceived, "Đã tiếp nhận", "Received"},
	{RequestVerified, "Đã xác minh", "Verified"},
	{RequestAnswered, "Đã phản hồi", "Answered"},
	{RequestExtended, "Đã gia hạn", "Extended"},
	{RequestDone, "Đã thực hiện", "Done"},
	{RequestRefused, "Từ chối", "Refused"},
}

// Ways a requester's identity is verified. A document is recorded by its kind, never
// its image or its number.
const (
	VerifyCallback = "callback" // the hotline called the number in question back
	VerifyDocument = "document" // a document was seen
)

// VerifyDocuments lists the kinds of documents that may be seen.
var VerifyDocuments = []Label{
	{"citizen_id", "Thẻ căn cước / căn cước công dân", "Citizen ID card"},
	{"passport", "Hộ chiếu", "Passport"},
	{"vneid", "Tài khoản định danh điện tử VNeID (mức 2)", "VNeID account (level 2)"},
	{"authorisation", "Giấy uỷ quyền kèm giấy tờ tuỳ thân của người được uỷ quyền", "Power of attorney with the agent's ID"},
}

// KeepReasons are the legal reasons to keep data a deletion request asks to delete
// (Law 91/2025/QH15, Art. 14): the supervisor chooses one, and it is recorded.
var KeepReasons = []Label{
	{"law_requires", "Pháp luật quy định phải lưu giữ (hồ sơ phòng, chống bệnh truyền nhiễm)", "The law requires it kept"},
	{"public_health", "Cần cho phòng, chống dịch bệnh đang diễn ra, vì sức khoẻ cộng đồng", "Needed for an ongoing epidemic response"},
	{"authority_request", "Cơ quan nhà nước có thẩm quyền yêu cầu lưu giữ (điều tra, quốc phòng, an ninh)", "A competent authority requires it kept"},
	{"legal_claim", "Phục vụ giải quyết khiếu nại, tố cáo, tranh chấp đang có", "A pending complaint or dispute"},
}

// AnswerWorkingDays is the period within which a request is answered (Decree
// 356/2025/ND-CP): 2 working days from its receipt.
const AnswerWorkingDays = 2

// ExtensionWorkingDays is how much one extension adds to a request's period: once, with
// a reason (Decree 356/2025/ND-CP allows one extension of at most 15 days).
const ExtensionWorkingDays = 15

// RequestWorkingDays returns the period within which a request of the kind is carried
// out, in working days from its receipt: 10 for access and correction, 15 for
// withdrawal and restriction, 20 for deletion.
func RequestWorkingDays(kind string) int {
	switch kind {
	case RequestAccess, RequestCorrection:
		return 10
	case RequestWithdrawal, RequestRestriction:
		return 15
	default:
		return 20
	}
}

// DataRequest is a citizen's request about the personal data held for a phone number,
// with its identity check, status and legal clock.
type DataRequest struct {
	ID              int64      `db:"id"`
	Kind            string     `db:"kind"`
	Phone           string     `db:"phone"` // E.164
	Channel         string     `db:"channel"`
	Requester       string     `db:"requester"`
	Details         string     `db:"details"`
	ReceivedAt      time.Time  `db:"received_at"`
	RegisteredByID  *int64     `db:"registered_by_id"`
	RegisteredBy    string     `db:"registered_by"`
	Status          string     `db:"status"`
	VerifyMethod    *string    `db:"verify_method"`
	VerifyDocument  string     `db:"verify_document"`
	VerifiedBy      *string    `db:"verified_by"`
	VerifiedAt      *time.Time `db:"verified_at"`
	AnsweredAt      *time.Time `db:"answered_at"`
	AnswerNote      string     `db:"answer_note"`
	ExtendedAt      *time.Time `db:"extended_at"`
	ExtensionReason string     `db:"extension_reason"`
	DoneAt          *time.Time `db:"done_at"`
	Outcome         string     `db:"outcome"`
	KeepReason      string     `db:"keep_reason"`
	RefusedAt       *time.Time `db:"refused_at"`
	RefusalReason   string     `db:"refusal_reason"`
	ExportedAt      *time.Time `db:"exported_at"`

	// The clock, as of when the request was read.
	Clock RequestClock `db:"-"`
	// Events is the request's trail, oldest first (GetDataRequest only).
	Events []*Event `db:"-"`
}

// RequestClock is a request's legal clock: the last day of each period, what is due
// next, and whether it is past or near.
type RequestClock struct {
	AnswerDue string // last local day to answer
	DoneDue   string // last local day to carry it out (with the extension, if any)
	NextDue   string // the one of them still to meet, "" once closed
	Overdue   bool   // today is after NextDue
	NearDue   bool   // NextDue is today or the next working day
	DaysLeft  int    // working days after today up to NextDue (0 when due today or past)
}

// Open reports whether the request is still to be carried out or refused.
func (r *DataRequest) Open() bool { return r.Status != RequestDone && r.Status != RequestRefused }

// Verified reports whether the requester's identity was verified.
func (r *DataRequest) Verified() bool { return r.VerifiedAt != nil }

// clock computes the request's legal clock at now on the holiday calendar.
func (r *DataRequest) clock(now time.Time, h Holidays) RequestClock {
	c := RequestClock{AnswerDue: WorkingDaysAfter(r.ReceivedAt, AnswerWorkingDays, h)}
	days := RequestWorkingDays(r.Kind)
	if r.ExtendedAt != nil {
		days += ExtensionWorkingDays
	}
	c.DoneDue = WorkingDaysAfter(r.ReceivedAt, days, h)
	if !r.Open() {
		return c
	}
	c.NextDue = c.DoneDue
	if r.AnsweredAt == nil {
		c.NextDue = c.AnswerDue
	}
	today := Day(now)
	c.Overdue = today > c.NextDue
	if !c.Overdue {
		c.DaysLeft = WorkingDaysBetween(today, c.NextDue, h)
		c.NearDue = c.DaysLeft <= 1
	}
	return c
}

const dataRequestColumns = `id, kind, phone, channel, requester, details, received_at, registered_by_id, registered_by, status,
	verify_method, verify_document, verified_by, verified_at, answered_at, answer_note, extended_at, extension_reason, done_at,
	outcome, keep_reason, refused_at, refusal_reason, exported_at`

// errNotDataDesk is what an actor who does not work the desk is told.
var errNotDataDesk = Errorf(EFORBIDDEN, "Chỉ giám sát viên và người phụ trách bảo vệ dữ liệu cá nhân làm việc với yêu cầu về dữ liệu cá nhân.")

func mayHandleRequests(actor Actor) error {
	if actor.MustChangePassword() {
		return ErrMustChangePassword
	}
	if !actor.HandlesDataRequests() {
		return errNotDataDesk
	}
	return nil
}

// RegisterDataRequest records a citizen's request for a phone number (normalised as
// tickets' numbers are): its kind, how it came, the name given and what is asked. Its
// clock starts now. A supervisor or the data-protection officer registers it.
func (s *Store) RegisterDataRequest(ctx context.Context, actor Actor, r *DataRequest) error {
	if err := mayHandleRequests(actor); err != nil {
		return err
	}
	if _, ok := findLabel(RequestKinds, r.Kind); !ok {
		return FieldErrorf("kind", "Hãy chọn loại yêu cầu.")
	}
	if _, ok := findLabel(RequestChannels, r.Channel); !ok {
		return FieldErrorf("channel", "Hãy chọn yêu cầu đến bằng cách nào.")
	}
	if strings.TrimSpace(r.Phone) == "" {
		return FieldErrorf("phone", "Hãy ghi số điện thoại mà yêu cầu nói đến.")
	}
	phone, err := NormalizePhone(r.Phone)
	if err != nil {
		return &Error{Code: EINVALID, Message: ErrorMessage(err), Field: "phone"}
	}
	r.Phone, r.Requester, r.Details = phone, strings.TrimSpace(r.Requester), strings.TrimSpace(r.Details)
	if len([]rune(r.Details)) > 4000 {
		return FieldErrorf("details", "Nội dung yêu cầu dài quá 4000 ký tự.")
	}
	return s.inTx(ctx, func(t *tx) error {
		r.ReceivedAt, r.RegisteredByID, r.RegisteredBy, r.Status = t.now, actor.UserID, actor.Name, RequestReceived
		if err := t.GetContext(ctx, &r.ID, t.Rebind(`INSERT INTO data_requests (kind, phone, channel, requester, details, received_at,
			registered_by_id, registered_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.Kind, r.Phone, r.Channel, r.Requester, r.Details, r.ReceivedAt, r.RegisteredByID, r.RegisteredBy, r.Status); err != nil {
			return fmt.Errorf("register data request: %w", err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "created", field: "kind", new: r.Kind, note: r.Channel})
	})
}

// dataRequestInTx reads a request inside a transaction.
func dataRequestInTx(ctx context.Context, q sqlxQueryer, id int64) (*DataRequest, error) {
	var r DataRequest
	if err := q.GetContext(ctx, &r, q.Rebind(`SELECT `+dataRequestColumns+` FROM data_requests WHERE id = ?`), id); err != nil {
		return nil, notFound(err, "yêu cầu về dữ liệu cá nhân")
	}
	return &r, nil
}

// GetDataRequest returns a request with its clock and trail.
func (s *Store) GetDataRequest(ctx context.Context, actor Actor, id int64) (*DataRequest, error) {
	if err := mayHandleRequests(actor); err != nil {
		return nil, err
	}
	r, err := dataRequestInTx(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	h, err := holidaySet(ctx, s.db)
	if err != nil {
		return nil, err
	}
	r.Clock = r.clock(s.Now(), h)
	if r.Events, err = s.events(ctx, EntityDataRequest, id); err != nil {
		return nil, err
	}
	return r, nil
}

// ListDataRequests returns the requests: the open ones first, overdue, then near due,
// then by their next deadline; then the last 500 closed ones, newest first.
func (s *Store) ListDataRequests(ctx context.Context, actor Actor) ([]*DataRequest, error) {
	if err := mayHandleRequests(actor); err != nil {
		return nil, err
	}
	var list []*DataRequest
	// Every open request (an old overdue one must not fall off the list), and the last 500
	// closed ones.
	if err := s.db.SelectContext(ctx, &list, `SELECT `+dataRequestColumns+` FROM data_requests
		WHERE status NOT IN ('done', 'refused') OR id IN (SELECT id FROM data_requests WHERE status IN ('done', 'refused')
			ORDER BY received_at DESC, id DESC LIMIT 500)
		ORDER BY received_at DESC, id DESC`); err != nil {
		return nil, fmt.Errorf("list data requests: %w", err)
	}
	h, err := holidaySet(ctx, s.db)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	for _, r := range list {
		r.Clock = r.clock(now, h)
	}
	rank := func(r *DataRequest) int {
		switch {
		case r.Clock.Overdue:
			return 0
		case r.Clock.NearDue:
			return 1
		case r.Open():
			return 2
		}
		return 3
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.Open() {
			return a.Clock.NextDue < b.Clock.NextDue
		}
		return false // closed: as read, newest first
	})
	return list, nil
}

// DataRequestsDue counts the open requests past their deadline and those due today or
// the next working day, for the supervisors' daily report.
func (s *Store) DataRequestsDue(ctx context.Context, actor Actor) (overdue, near int, err error) {
	list, err := s.ListDataRequests(ctx, actor)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range list {
		switch {
		case r.Clock.Overdue:
			overdue++
		case r.Clock.NearDue:
			near++
		}
	}
	return overdue, near, nil
}

// changeRequest runs fn on an open request in a transaction, for a supervisor or the
// data-protection officer.
func (s *Store) changeRequest(ctx context.Context, actor Actor, id int64, fn func(t *tx, r *DataRequest) error) error {
	if err := mayHandleRequests(actor); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		r, err := dataRequestInTx(ctx, t, id)
		if err != nil {
			return err
		}
		if !r.Open() {
			return Errorf(ECONFLICT, "Yêu cầu số %d đã đóng (%s).", r.ID, findLabelVi(RequestStatuses, r.Status))
		}
		return fn(t, r)
	})
}

func findLabelVi(list []Label, code string) string { l, _ := findLabel(list, code); return l.Vi }

// VerifyDataRequest records how the requester's identity was verified: a callback to the
// number in question (method "callback"), or a document seen (method "document", with
// its kind from VerifyDocuments; never its image or number), by whom and when.
func (s *Store) VerifyDataRequest(ctx context.Context, actor Actor, id int64, method, document string) error {
	switch method {
	case VerifyCallback:
		document = ""
	case VerifyDocument:
		if _, ok := findLabel(VerifyDocuments, document); !ok {
			return FieldErrorf("document", "Hãy chọn loại giấy tờ đã xem.")
		}
	default:
		return FieldErrorf("method", "Hãy chọn cách đã xác minh danh tính.")
	}
	return s.changeRequest(ctx, actor, id, func(t *tx, r *DataRequest) error {
		if r.Verified() {
			return Errorf(ECONFLICT, "Yêu cầu số %d đã được xác minh.", r.ID)
		}
		status := r.Status
		if status == RequestReceived {
			status = RequestVerified
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET status = ?, verify_method = ?, verify_document = ?,
			verified_by = ?, verified_at = ? WHERE id = ?`), status, method, document, actor.Name, t.now, r.ID); err != nil {
			return fmt.Errorf("verify data request %d: %w", r.ID, err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "verified", field: method, new: document, old: r.Status})
	})
}

// AnswerDataRequest records the answer given to the requester (within 2 working days:
// what will be done and how), with a note of what was said.
func (s *Store) AnswerDataRequest(ctx context.Context, actor Actor, id int64, note string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return FieldErrorf("note", "Hãy ghi đã phản hồi người yêu cầu những gì.")
	}
	return s.changeRequest(ctx, actor, id, func(t *tx, r *DataRequest) error {
		if r.AnsweredAt != nil {
			return Errorf(ECONFLICT, "Yêu cầu số %d đã được phản hồi.", r.ID)
		}
		status := r.Status
		if status == RequestReceived || status == RequestVerified {
			status = RequestAnswered
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET status = ?, answered_at = ?, answer_note = ? WHERE id = ?`),
			status, t.now, note, r.ID); err != nil {
			return fmt.Errorf("answer data request %d: %w", r.ID, err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "answered", field: "status", old: r.Status, new: status, note: note})
	})
}

// ExtendDataRequest extends the request's period once, by ExtensionWorkingDays, with a
// reason, before its deadline has passed.
func (s *Store) ExtendDataRequest(ctx context.Context, actor Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return FieldErrorf("reason", "Hãy ghi lý do gia hạn.")
	}
	return s.changeRequest(ctx, actor, id, func(t *tx, r *DataRequest) error {
		if r.ExtendedAt != nil {
			return Errorf(ECONFLICT, "Yêu cầu số %d đã được gia hạn một lần; chỉ được gia hạn một lần.", r.ID)
		}
		h, err := holidaySet(ctx, t)
		if err != nil {
			return err
		}
		if due := WorkingDaysAfter(r.ReceivedAt, RequestWorkingDays(r.Kind), h); Day(t.now) > due {
			return Errorf(ECONFLICT, "Thời hạn của yêu cầu số %d đã hết ngày %s: không gia hạn được nữa.", r.ID, DayText(due))
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET status = ?, extended_at = ?, extension_reason = ? WHERE id = ?`),
			RequestExtended, t.now, reason, r.ID); err != nil {
			return fmt.Errorf("extend data request %d: %w", r.ID, err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "extended", field: "status", old: r.Status, new: RequestExtended, note: reason})
	})
}

// RefuseDataRequest refuses the request, with the reason the requester is told (their
// identity could not be verified, the law does not allow it...).
func (s *Store) RefuseDataRequest(ctx context.Context, actor Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return FieldErrorf("reason", "Hãy ghi lý do từ chối.")
	}
	return s.changeRequest(ctx, actor, id, func(t *tx, r *DataRequest) error {
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET status = ?, refused_at = ?, refusal_reason = ? WHERE id = ?`),
			RequestRefused, t.now, reason, r.ID); err != nil {
			return fmt.Errorf("refuse data request %d: %w", r.ID, err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "refused", field: "status", old: r.Status, new: RequestRefused, note: reason})
	})
}

// CompleteDataRequest marks a verified request carried out, with what was done. A
// withdrawal of consent or a restriction or objection marks the number (ConsentWithdrawn):
// no automated follow-up call dials it again, and no new processing that needs consent is
// done. A deletion is carried out by ErasePerson, or closed here only with a legal reason
// to keep the data (KeepReasons, Law 91/2025/QH15 Art. 14), recorded.
func (s *Store) CompleteDataRequest(ctx context.Context, actor Actor, id int64, outcome, keepReason string) error {
	outcome = strings.TrimSpace(outcome)
	return s.changeRequest(ctx, actor, id, func(t *tx, r *DataRequest) error {
		if !r.Verified() {
			return Errorf(ECONFLICT, "Hãy xác minh danh tính người yêu cầu trước khi thực hiện yêu cầu.")
		}
		switch r.Kind {
		case RequestDeletion:
			if _, ok := findLabel(KeepReasons, keepReason); !ok {
				return FieldErrorf("keep_reason", "Không xoá thì phải chọn căn cứ pháp lý để giữ lại dữ liệu; muốn xoá, hãy dùng nút Xoá dữ liệu.")
			}
		case RequestWithdrawal, RequestRestriction:
			keepReason = ""
			if err := withdrawConsent(ctx, t, r); err != nil {
				return err
			}
			if outcome == "" {
				outcome = "Đã ngừng gọi theo dõi tự động và không xử lý mới dữ liệu cần sự đồng ý cho số này."
			}
		default:
			keepReason = ""
		}
		if outcome == "" {
			return FieldErrorf("outcome", "Hãy ghi đã làm gì để thực hiện yêu cầu.")
		}
		return completeRequest(ctx, t, actor, r, outcome, keepReason)
	})
}

// completeRequest closes a request as done, with what was done.
func completeRequest(ctx context.Context, t *tx, actor Actor, r *DataRequest, outcome, keepReason string) error {
	answered := r.AnsweredAt
	if answered == nil {
		answered = &t.now
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET status = ?, done_at = ?, answered_at = ?, outcome = ?, keep_reason = ?
		WHERE id = ?`), RequestDone, t.now, answered, outcome, keepReason, r.ID); err != nil {
		return fmt.Errorf("complete data request %d: %w", r.ID, err)
	}
	return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "done", field: "status", old: r.Status, new: RequestDone,
		note: strings.TrimSpace(outcome + " " + keepReason)})
}

// withdrawConsent marks a request's number as one whose holder withdrew consent or
// objected (once: a later request keeps the first mark).
func withdrawConsent(ctx context.Context, t *tx, r *DataRequest) error {
	_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO consent_withdrawals (phone, request_id, withdrawn_at) VALUES (?, ?, ?)
		ON CONFLICT (phone) DO NOTHING`), r.Phone, r.ID, t.now)
	if err != nil {
		return fmt.Errorf("withdraw consent for request %d: %w", r.ID, err)
	}
	return nil
}

// ConsentWithdrawn reports whether the holder of a number withdrew their consent or
// objected to processing (a withdrawal or restriction request carried out): the ticket
// page says so beside the caller, so that nobody registers for them by hand what needs
// consent (the IVR asks consent anew on every registration); the follow-up dialer skips
// the number in its own query.
// The number is normalised first; one that is not a Vietnamese number is reported as
// not withdrawn.
func (s *Store) ConsentWithdrawn(ctx context.Context, number string) (bool, error) {
	phone, err := NormalizePhone(number)
	if err != nil {
		return false, nil
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM consent_withdrawals WHERE phone = ?`), phone); err != nil {
		return false, fmt.Errorf("consent withdrawn: %w", err)
	}
	return n > 0, nil
}

// DataProtectionOfficers returns the active users named data-protection officer, to
// show on the desk who is.
func (s *Store) DataProtectionOfficers(ctx context.Context) ([]*Person, error) {
	var list []*Person
	if err := s.db.SelectContext(ctx, &list, `SELECT id, username, display_name, role, unit_code, active FROM users
		WHERE data_protection_officer = 1 AND active = 1 ORDER BY username`); err != nil {
		return nil, fmt.Errorf("data-protection officers: %w", err)
	}
	return list, nil
}

// RequestKindLabel names a kind of request.
func RequestKindLabel(code string) Label { l, _ := findLabel(RequestKinds, code); return l }

// RequestChannelLabel names the way a request came.
func RequestChannelLabel(code string) Label { l, _ := findLabel(RequestChannels, code); return l }

// RequestStatusLabel names a request's status.
func RequestStatusLabel(code string) Label { l, _ := findLabel(RequestStatuses, code); return l }

// VerifyDocumentLabel names a kind of document seen.
func VerifyDocumentLabel(code string) Label { l, _ := findLabel(VerifyDocuments, code); return l }

// KeepReasonLabel names a legal reason to keep data.
func KeepReasonLabel(code string) Label { l, _ := findLabel(KeepReasons, code); return l }
