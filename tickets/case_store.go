package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const caseColumns = `id, ref, person_name, name_key, phone, birth_year, sex, address, unit_code, onset_date,
	exposure_travel, exposure_contact, exposure_note, status, monitoring_from, language, auto_calls, created_at, updated_at`

const followUpColumns = `id, case_id, day, due_on, result, method, answers, note, recorded_by, recorded_at`

// CreateCase opens a suspected case, from a ticket when fromTicketID is set (the ticket
// is linked to it, audited on both). A case from a ticket whose reporter is hidden does
// not take the reporter's number (errReporterPhone).
func (s *Store) CreateCase(ctx context.Context, actor Actor, c *Case, fromTicketID *int64) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền tạo ca.")
	}
	if err := c.Validate(s.Now()); err != nil {
		return err
	}
	if actor.scoped() && !actor.canSee(c.UnitCode) {
		return Errorf(EFORBIDDEN, "Cán bộ phường/xã chỉ tạo ca trong đơn vị của mình.")
	}
	return s.inTx(ctx, func(t *tx) error {
		if fromTicketID != nil && c.Phone != nil {
			tk, err := getTicket(ctx, t, actor, *fromTicketID)
			if err != nil {
				return err
			}
			if actor.scoped() && tk.ReporterHidden {
				return errOfficerPhone
			}
			if isReporterOf(tk, *c.Phone) {
				return errReporterPhone
			}
		}
		ref, err := nextRef(ctx, t, "case_counters", CaseRef)
		if err != nil {
			return err
		}
		c.Ref, c.Status, c.CreatedAt, c.UpdatedAt = ref, CaseSuspected, t.now, t.now
		if c.AutoCalls == "" {
			c.AutoCalls = AutoCallsOn
		}
		err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO cases (ref, person_name, name_key, phone, birth_year, sex,
			address, unit_code, onset_date, exposure_travel, exposure_contact, exposure_note, status, language, auto_calls,
			created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			c.Ref, c.PersonName, c.NameKey, c.Phone, c.BirthYear, c.Sex, c.Address, c.UnitCode, c.OnsetDate,
			c.ExposureTravel, c.ExposureContact, c.ExposureNote, c.Status, c.Language, c.AutoCalls, c.CreatedAt, c.UpdatedAt).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create case: %w", mapConstraint(err))
		}
		if err := addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "created", field: "status", new: c.Status}); err != nil {
			return err
		}
		if fromTicketID != nil {
			return linkTicket(ctx, t, actor, *fromTicketID, c, "")
		}
		return nil
	})
}

// LinkTicketToCase links a report to a case it concerns: one case may gather reports
// from several people. The link is audited on both. A ticket whose reporter is hidden is
// not linked to a case with the reporter's number (errReporterCase).
func (s *Store) LinkTicketToCase(ctx context.Context, actor Actor, ticketID, caseID int64, note string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền liên kết phiếu.")
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, caseID)
		if err != nil {
			return err
		}
		return linkTicket(ctx, t, actor, ticketID, c, note)
	})
}

func linkTicket(ctx context.Context, t *tx, actor Actor, ticketID int64, c *Case, note string) error {
	tk, err := getTicket(ctx, t, actor, ticketID)
	if err != nil {
		return err
	}
	if c.Phone != nil && actor.scoped() && tk.ReporterHidden {
		return errOfficerCase
	}
	if c.Phone != nil && isReporterOf(tk, *c.Phone) {
		return errReporterCase
	}
	if tk.CaseID != nil {
		if *tk.CaseID == c.ID {
			return Errorf(ECONFLICT, "Phiếu %s đã liên kết với ca %s.", tk.Ref, c.Ref)
		}
		return Errorf(ECONFLICT, "Phiếu %s đã liên kết với một ca khác.", tk.Ref)
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET case_id = ?, updated_at = ? WHERE id = ?`), c.ID, t.now, tk.ID); err != nil {
		return fmt.Errorf("link %s to %s: %w", tk.Ref, c.Ref, err)
	}
	if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "linked", field: "case", new: c.Ref, note: note}); err != nil {
		return err
	}
	return addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "linked", field: "ticket", new: tk.Ref, note: note})
}

// A case opened from a ticket whose reporter is hidden, or a case such a ticket is linked
// to, never has the reporter's number as the person's: the officer would read it on the
// case, find the report through the cases of the reporter's own tickets, and the automated
// follow-up would ring the reporter every day.
//
// Officers are refused any number there, not only the reporter's: were only the
// reporter's refused, an officer could learn it by trying numbers (a case opened with a
// guessed number, then the report linked to it). The call centre, who may know the
// reporter, adds the person's number.
var (
	errOfficerPhone  = Errorf(EINVALID, "Ca mở từ tin báo có người phản ánh được giữ ẩn danh: cán bộ phường/xã để trống số điện thoại; hãy nhờ tổng đài 1900 1075 thêm số của người được theo dõi.")
	errOfficerCase   = Errorf(EINVALID, "Cán bộ phường/xã không liên kết được tin báo có người phản ánh được giữ ẩn danh với một ca có số điện thoại; hãy nhờ tổng đài 1900 1075 liên kết.")
	errReporterPhone = Errorf(EINVALID, "Số điện thoại này là của người phản ánh, người được giữ ẩn danh với cán bộ phường/xã: ca nghi nhiễm cần số của chính người được theo dõi (để trống nếu chưa biết).")
	errReporterCase  = Errorf(EINVALID, "Không liên kết được: số điện thoại của ca này là của người phản ánh, người được giữ ẩn danh với cán bộ phường/xã.")
)

// IsReporterNumber reports whether err refused a case's phone because it is the number of
// a reporter kept anonymous: the console shows why beside the phone, or beside the case's
// reference when it was a link to a case.
func IsReporterNumber(err error) bool {
	return errors.Is(err, errReporterPhone) || errors.Is(err, errReporterCase) || errors.Is(err, errOfficerPhone) || errors.Is(err, errOfficerCase)
}

// isReporterOf reports whether phone (E.164) is a number the hidden reporter of a ticket
// is known by: the caller's, the one an agent linked a withheld call to, the one keyed in
// the IVR to be called back on. A ticket whose reporter is not hidden has none.
func isReporterOf(tk *Ticket, phone string) bool {
	if !tk.ReporterHidden {
		return false
	}
	for _, n := range []*string{tk.CallerNumber, tk.ContactPhone} {
		if n != nil && *n == phone {
			return true
		}
	}
	if cb := tk.IVRAnswers["callback"]; cb != "" {
		if n, err := NormalizePhone(cb); err == nil && n == phone {
			return true
		}
	}
	return false
}

func getCase(ctx context.Context, q sqlxQueryer, actor Actor, id int64) (*Case, error) {
	var c Case
	err := q.GetContext(ctx, &c, q.Rebind(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.canSee(c.UnitCode)):
		// Another unit's case does not exist for an officer.
		return nil, Errorf(ENOTFOUND, "Không tìm thấy ca.")
	case err != nil:
		return nil, fmt.Errorf("get case %d: %w", id, err)
	}
	return &c, nil
}

// FindCaseByRef returns a case by its reference (CA-260001), if the actor may see it.
func (s *Store) FindCaseByRef(ctx context.Context, actor Actor, ref string) (*Case, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT id FROM cases WHERE ref = ?`), strings.ToUpper(strings.TrimSpace(ref)))
	if err != nil {
		return nil, fmt.Errorf("find case %s: %w", ref, notFound(err, "ca "+ref))
	}
	return s.GetCase(ctx, actor, id)
}

// AddCaseNote adds a note to a case's trail.
func (s *Store) AddCaseNote(ctx context.Context, actor Actor, id int64, note string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return Errorf(EINVALID, "Ghi chú không được để trống.")
	}
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa ca.")
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, id)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET updated_at = ? WHERE id = ?`), t.now, c.ID); err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "note", note: note})
	})
}

// GetCase returns one case, if the actor may see it.
func (s *Store) GetCase(ctx context.Context, actor Actor, id int64) (*Case, error) {
	return getCase(ctx, s.db, actor, id)
}

// CaseEvents returns a case's audit trail, oldest first.
func (s *Store) CaseEvents(ctx context.Context, actor Actor, id int64) ([]*Event, error) {
	if _, err := s.GetCase(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.events(ctx, EntityCase, id)
}

// CaseFilter finds cases: by phone, by the start of a name, by unit, by status.
type CaseFilter struct {
	Phone    string // in any shape people type it, or its last six digits
	Name     string
	UnitCode *string
	Status   *string
	Limit    int
}

// FindCases returns the cases matching a filter, newest first, so an agent can link a
// new report to a case that already exists.
func (s *Store) FindCases(ctx context.Context, actor Actor, f CaseFilter) ([]*Case, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được ca nghi nhiễm.")
	}
	var where []string
	var args []any
	if actor.scoped() {
		where, args = append(where, "unit_code = ?"), append(args, actor.UnitCode)
	}
	if f.Phone != "" {
		cond, a, err := phoneCondition("phone", f.Phone)
		if err != nil {
			return nil, err
		}
		where, args = append(where, cond), append(args, a...)
	}
	if k := NameKey(f.Name); k != "" {
		where, args = append(where, "name_key >= ? AND name_key < ?"), append(args, k, k+"\uffff")
	}
	if f.UnitCode != nil {
		where, args = append(where, "unit_code = ?"), append(args, *f.UnitCode)
	}
	if f.Status != nil {
		where, args = append(where, "status = ?"), append(args, *f.Status)
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	var list []*Case
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(q+` ORDER BY created_at DESC, id DESC LIMIT ?`), append(args, limit(f.Limit))...); err != nil {
		return nil, fmt.Errorf("find cases: %w", err)
	}
	return list, nil
}

// SetCaseStatus moves a case along its workflow. Entering monitoring schedules a daily
// follow-up for Policy.MonitoringDays days; clearing a monitored case needs that many
// well days.
func (s *Store) SetCaseStatus(ctx context.Context, actor Actor, id int64, to, note string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa ca.")
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, id)
		if err != nil {
			return err
		}
		return s.setCaseStatus(ctx, t, actor, c, to, note)
	})
}

func (s *Store) setCaseStatus(ctx context.Context, t *tx, actor Actor, c *Case, to, note string) error {
	if err := CheckCaseTransition(c.Status, to); err != nil {
		return err
	}
	if to == CaseCleared && c.Status != CaseTestedPositive {
		well, err := wellDaysSinceSymptoms(ctx, t, c.ID)
		if err != nil {
			return fmt.Errorf("count well days of %s: %w", c.Ref, err)
		}
		if well < s.Policy.MonitoringDays {
			return Errorf(ECONFLICT, "Ca %s mới có %d ngày khoẻ liên tiếp; cần %d ngày để kết thúc theo dõi.", c.Ref, well, s.Policy.MonitoringDays)
		}
	}
	from := c.Status
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET status = ?, updated_at = ? WHERE id = ?`), to, t.now, c.ID); err != nil {
		return fmt.Errorf("set status of %s: %w", c.Ref, err)
	}
	c.Status = to
	if err := addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "status", field: "status", old: from, new: to, note: note}); err != nil {
		return err
	}
	if to == CaseMonitoring {
		return s.scheduleFollowUps(ctx, t, actor, c)
	}
	return nil
}

// scheduleFollowUps replaces a case's pending follow-ups with one a day from today.
func (s *Store) scheduleFollowUps(ctx context.Context, t *tx, actor Actor, c *Case) error {
	if _, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM follow_ups WHERE case_id = ? AND result IS NULL`), c.ID); err != nil {
		return fmt.Errorf("clear pending follow-ups of %s: %w", c.Ref, err)
	}
	var last int
	if err := t.GetContext(ctx, &last, t.Rebind(`SELECT COALESCE(MAX(day), 0) FROM follow_ups WHERE case_id = ?`), c.ID); err != nil {
		return fmt.Errorf("follow-ups of %s: %w", c.Ref, err)
	}
	today := Day(t.now)
	for i := 0; i < s.Policy.MonitoringDays; i++ {
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO follow_ups (case_id, day, due_on) VALUES (?, ?, ?)`),
			c.ID, last+i+1, AddDays(today, i)); err != nil {
			return fmt.Errorf("schedule follow-up of %s: %w", c.Ref, err)
		}
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET monitoring_from = COALESCE(monitoring_from, ?) WHERE id = ?`), today, c.ID); err != nil {
		return err
	}
	return addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "scheduled", field: "follow_ups",
		new: fmt.Sprintf("%d ngày từ %s", s.Policy.MonitoringDays, today)})
}

// FollowUps returns a case's follow-ups by day.
func (s *Store) FollowUps(ctx context.Context, actor Actor, caseID int64) ([]*FollowUp, error) {
	if _, err := s.GetCase(ctx, actor, caseID); err != nil {
		return nil, err
	}
	var list []*FollowUp
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+followUpColumns+` FROM follow_ups WHERE case_id = ? ORDER BY day`), caseID)
	if err != nil {
		return nil, fmt.Errorf("follow-ups of case %d: %w", caseID, err)
	}
	return list, nil
}

// RecordFollowUp records the result of one day's follow-up, for a day already due, and
// applies the rules: a symptomatic person is referred for testing and their unit gets a
// P1 ticket, and the 14 days start again from there; a not-reached day extends
// monitoring by a day; Policy.NotReachedLimit missed days in a row (not reached, or
// passed without a result) mark the case lost and raise a P1 ticket for its unit.
func (s *Store) RecordFollowUp(ctx context.Context, actor Actor, followUpID int64, result, method string, answers Answers, note string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền ghi kết quả theo dõi.")
	}
	if err := checkFollowUp(result, method); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := s.recordFollowUp(ctx, t, actor, followUpID, result, method, answers, note)
		return err
	})
}

// recordFollowUp records a day's result in a transaction and applies the rules; it
// returns the ticket it raised for the case's unit, if any.
func (s *Store) recordFollowUp(ctx context.Context, t *tx, actor Actor, followUpID int64, result, method string, answers Answers, note string) (*Ticket, error) {
	var f FollowUp
	err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups WHERE id = ?`), followUpID)
	if err != nil {
		return nil, fmt.Errorf("record follow-up: %w", notFound(err, "lượt theo dõi"))
	}
	c, err := getCase(ctx, t, actor, f.CaseID)
	if err != nil {
		return nil, err
	}
	if !followsUp(c.Status) {
		l, _ := findLabel(CaseStatuses, c.Status)
		return nil, Errorf(ECONFLICT, "Ca %s đang ở trạng thái “%s”, không ghi kết quả theo dõi được.", c.Ref, l.Vi)
	}
	if f.Result != nil {
		return nil, Errorf(ECONFLICT, "Ngày %d của ca %s đã có kết quả.", f.Day, c.Ref)
	}
	today := Day(t.now)
	if f.DueOn > today {
		return nil, Errorf(ECONFLICT, "Ngày %d của ca %s (%s) chưa đến; chỉ ghi kết quả cho những ngày đã đến hạn.", f.Day, c.Ref, DayText(f.DueOn))
	}
	_, err = t.ExecContext(ctx, t.Rebind(`UPDATE follow_ups SET result = ?, method = ?, answers = ?, note = ?,
		recorded_by = ?, recorded_at = ? WHERE id = ?`), result, method, answers, note, actor.UserID, t.now, f.ID)
	if err != nil {
		return nil, fmt.Errorf("record follow-up: %w", err)
	}
	if err := addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "follow_up", field: fmt.Sprintf("day %d", f.Day),
		new: result, note: note}); err != nil {
		return nil, err
	}
	return s.applyResult(ctx, t, c, &f, result, today)
}

// applyResult applies the rules a day's result sets in motion, and returns the ticket
// it raised for the case's unit, if any.
func (s *Store) applyResult(ctx context.Context, t *tx, c *Case, f *FollowUp, result, today string) (*Ticket, error) {
	switch result {
	case ResultSymptomatic:
		// The clock starts again: the days after this one must be well.
		if err := s.scheduleThrough(ctx, t, c, AddDays(f.DueOn, s.Policy.MonitoringDays)); err != nil {
			return nil, err
		}
		if c.Status != CaseReferred && CheckCaseTransition(c.Status, CaseReferred) == nil {
			if err := s.setCaseStatus(ctx, t, ActorSystem, c, CaseReferred, "có triệu chứng khi theo dõi"); err != nil {
				return nil, err
			}
		}
		return s.raiseUnitTicket(ctx, t, c, CategorySymptomReport, "có triệu chứng khi theo dõi",
			fmt.Sprintf("Ca %s (%s) có triệu chứng ngày theo dõi thứ %d. Cần liên hệ, chuyển xét nghiệm.", c.Ref, c.PersonName, f.Day))
	case ResultNotReached, ResultNotAttempted:
		if err := s.extendMonitoring(ctx, t, c); err != nil {
			return nil, err
		}
		return nil, s.escalateMissed(ctx, t, c, today)
	}
	return nil, nil
}

// CorrectFollowUp corrects a day's result recorded by mistake (a wrong button, the
// wrong person's card), with the reason, kept on the case's trail as a correction
// (before → after, who, why). A correction changes the day's record; what the first
// result set in motion stays, for a person to undo knowingly: a referral for testing
// and the P1 ticket raised for the unit stay (the ticket gets a note that its cause was
// corrected, to be closed by whoever works it), as do days added to the monitoring and
// a case marked lost. The count of well days that clears a case reads the results as
// corrected. A correction to a result that sets things in motion (seen with signs; not
// reached) applies its rules, as recording it would have.
func (s *Store) CorrectFollowUp(ctx context.Context, actor Actor, followUpID int64, result, method, reason string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa kết quả theo dõi.")
	}
	if err := checkFollowUp(result, method); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Errorf(EINVALID, "Hãy ghi lý do sửa kết quả (ví dụ: bấm nhầm nút, ghi nhầm người).")
	}
	return s.inTx(ctx, func(t *tx) error {
		var f FollowUp
		err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups WHERE id = ?`), followUpID)
		if err != nil {
			return fmt.Errorf("correct follow-up: %w", notFound(err, "lượt theo dõi"))
		}
		c, err := getCase(ctx, t, actor, f.CaseID)
		if err != nil {
			return err
		}
		if f.Result == nil {
			return Errorf(ECONFLICT, "Ngày %d của ca %s chưa có kết quả để sửa; hãy ghi kết quả.", f.Day, c.Ref)
		}
		old := *f.Result
		if old == result && f.Method != nil && *f.Method == method {
			return Errorf(EINVALID, "Kết quả và cách theo dõi giống như đã ghi; không có gì để sửa.")
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE follow_ups SET result = ?, method = ?, recorded_by = ?, recorded_at = ? WHERE id = ?`),
			result, method, actor.UserID, t.now, f.ID)
		if err != nil {
			return fmt.Errorf("correct follow-up: %w", err)
		}
		note := reason
		if old == ResultSymptomatic && result != ResultSymptomatic {
			refs, err := s.noteRaisedTickets(ctx, t, c, &f, result, reason)
			if err != nil {
				return err
			}
			note += " · Việc chuyển xét nghiệm"
			if len(refs) > 0 {
				note += " và phiếu " + strings.Join(refs, ", ")
			}
			note += " vẫn giữ: hãy xem lại."
		}
		if err := addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "follow_up_corrected", field: fmt.Sprintf("day %d", f.Day),
			old: old, new: result, note: note}); err != nil {
			return err
		}
		if missed(old) == missed(result) && (old == ResultSymptomatic) == (result == ResultSymptomatic) {
			return nil // nothing new set in motion
		}
		if result == ResultSymptomatic || missed(result) {
			_, err = s.applyResult(ctx, t, c, &f, result, Day(t.now))
		}
		return err
	})
}

// missed reports whether a result is a day missed: nobody reached the person.
func missed(result string) bool { return result == ResultNotReached || result == ResultNotAttempted }

// noteRaisedTickets writes on the tickets a day's symptomatic result raised (in the
// transaction that recorded it) that the result was corrected, and returns their
// references.
func (s *Store) noteRaisedTickets(ctx context.Context, t *tx, c *Case, f *FollowUp, result, reason string) ([]string, error) {
	if f.RecordedAt == nil {
		return nil, nil
	}
	var raised []Ticket
	if err := t.SelectContext(ctx, &raised, t.Rebind(`SELECT id, ref FROM tickets WHERE case_id = ? AND created_at = ? AND category = ?`),
		c.ID, *f.RecordedAt, CategorySymptomReport); err != nil {
		return nil, fmt.Errorf("tickets raised by day %d of %s: %w", f.Day, c.Ref, err)
	}
	var refs []string
	for _, tk := range raised {
		msg := fmt.Sprintf("Kết quả ngày %d của ca %s đã được sửa từ “%s” thành “%s” (%s). Phiếu này được tạo từ kết quả cũ: hãy xem lại, đóng nếu không còn cần.",
			f.Day, c.Ref, FollowUpResultLabel(ResultSymptomatic).Vi, FollowUpResultLabel(result).Vi, reason)
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET updated_at = ? WHERE id = ?`), t.now, tk.ID); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, t, ActorSystem, EntityTicket, tk.ID, change{kind: "note", note: msg}); err != nil {
			return nil, err
		}
		refs = append(refs, tk.Ref)
	}
	return refs, nil
}

// wellDaysSinceSymptoms counts a case's well days after its last symptomatic one:
// days not reached neither count nor break the run (monitoring was extended for them).
func wellDaysSinceSymptoms(ctx context.Context, t *tx, caseID int64) (int, error) {
	var results []string
	if err := t.SelectContext(ctx, &results, t.Rebind(`SELECT result FROM follow_ups
		WHERE case_id = ? AND result IS NOT NULL ORDER BY day`), caseID); err != nil {
		return 0, err
	}
	well := 0
	for _, r := range results {
		switch r {
		case ResultWell:
			well++
		case ResultSymptomatic:
			well = 0
		}
	}
	return well, nil
}

// missedRun counts the follow-up days at the end of a case's schedule, up to today, that
// were missed: not reached, or passed without a result. Today's day without a result is
// not missed yet.
func missedRun(ctx context.Context, t *tx, caseID int64, today string) (int, error) {
	var days []FollowUp
	if err := t.SelectContext(ctx, &days, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups
		WHERE case_id = ? AND due_on <= ? ORDER BY day`), caseID, today); err != nil {
		return 0, fmt.Errorf("follow-ups of case %d: %w", caseID, err)
	}
	n := 0
	for i := len(days) - 1; i >= 0; i-- {
		d := days[i]
		switch {
		case d.Result == nil && d.DueOn == today:
			continue
		case (d.Result == nil && d.DueOn < today) || (d.Result != nil && (*d.Result == ResultNotReached || *d.Result == ResultNotAttempted)):
			n++
		default:
			return n, nil
		}
	}
	return n, nil
}

// escalateMissed marks a case lost when Policy.NotReachedLimit days in a row were missed.
func (s *Store) escalateMissed(ctx context.Context, t *tx, c *Case, today string) error {
	n, err := missedRun(ctx, t, c.ID, today)
	if err != nil {
		return err
	}
	if n >= s.Policy.NotReachedLimit {
		return s.markLost(ctx, t, c)
	}
	return nil
}

// EscalateMissedFollowUps applies the missed-days rule to every case still followed up,
// for the days that passed with nobody recording a result, and returns how many cases
// it marked lost. The hotline runs it every hour.
func (s *Store) EscalateMissedFollowUps(ctx context.Context) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		today := Day(t.now)
		var ids []int64
		if err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT DISTINCT f.case_id FROM follow_ups f
			JOIN cases c ON c.id = f.case_id
			WHERE f.result IS NULL AND f.due_on < ? AND c.status IN ('monitoring', 'referred', 'tested_negative')
			ORDER BY f.case_id`), today); err != nil {
			return fmt.Errorf("cases with missed follow-ups: %w", err)
		}
		for _, id := range ids {
			c, err := getCase(ctx, t, ActorSystem, id)
			if err != nil {
				return err
			}
			if err := s.escalateMissed(ctx, t, c, today); err != nil {
				return err
			}
			if c.Status == CaseLost {
				n++
			}
		}
		return nil
	})
	return n, err
}

// extendMonitoring adds a follow-up day after a case's last one.
func (s *Store) extendMonitoring(ctx context.Context, t *tx, c *Case) error {
	var last FollowUp
	if err := t.GetContext(ctx, &last, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups
		WHERE case_id = ? ORDER BY day DESC LIMIT 1`), c.ID); err != nil {
		return fmt.Errorf("last follow-up of %s: %w", c.Ref, err)
	}
	return s.scheduleThrough(ctx, t, c, AddDays(last.DueOn, 1))
}

// scheduleThrough adds daily follow-ups after a case's last one until day (inclusive).
func (s *Store) scheduleThrough(ctx context.Context, t *tx, c *Case, day string) error {
	var last FollowUp
	err := t.GetContext(ctx, &last, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups
		WHERE case_id = ? ORDER BY day DESC LIMIT 1`), c.ID)
	if err != nil {
		return fmt.Errorf("last follow-up of %s: %w", c.Ref, err)
	}
	added := 0
	for n, due := last.Day+1, AddDays(last.DueOn, 1); due <= day; n, due = n+1, AddDays(due, 1) {
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO follow_ups (case_id, day, due_on) VALUES (?, ?, ?)`), c.ID, n, due); err != nil {
			return fmt.Errorf("extend follow-up of %s: %w", c.Ref, err)
		}
		added++
	}
	if added == 0 {
		return nil
	}
	return addEvent(ctx, t, ActorSystem, EntityCase, c.ID, change{kind: "scheduled", field: "follow_ups",
		new: fmt.Sprintf("thêm %d ngày, đến %s", added, day)})
}

// markLost marks a case lost to follow-up and gives its unit a P1 ticket to find the person.
func (s *Store) markLost(ctx context.Context, t *tx, c *Case) error {
	msg := fmt.Sprintf("%d ngày liên tiếp không liên lạc được", s.Policy.NotReachedLimit)
	if err := s.setCaseStatus(ctx, t, ActorSystem, c, CaseLost, msg); err != nil {
		return err
	}
	_, err := s.raiseUnitTicket(ctx, t, c, CategoryOther, msg,
		fmt.Sprintf("Mất dấu ca %s (%s): %s. Cần xác minh tại địa phương.", c.Ref, c.PersonName, msg))
	return err
}

// raiseUnitTicket gives a case's ward or commune a P1 ticket (assigned to it; to the
// agents when the case has no unit), noted on the case, and returns it.
func (s *Store) raiseUnitTicket(ctx context.Context, t *tx, c *Case, category, why, summary string) (*Ticket, error) {
	caseID := c.ID
	tk := &Ticket{Category: category, Priority: P1, UnitCode: c.UnitCode, AssigneeUnitCode: c.UnitCode, CaseID: &caseID,
		Summary: summary, ContactPhone: c.Phone}
	if err := s.createTicket(ctx, t, ActorSystem, tk); err != nil {
		return nil, fmt.Errorf("raise ticket for case %s: %w", c.Ref, err)
	}
	return tk, addEvent(ctx, t, ActorSystem, EntityCase, c.ID, change{kind: "escalated", field: "ticket", new: tk.Ref, note: why})
}

// DueFollowUp is a follow-up waiting for a result, with what a caller needs to make it.
type DueFollowUp struct {
	FollowUp
	CaseRef    string  `db:"case_ref"`
	PersonName string  `db:"person_name"`
	Phone      *string `db:"phone"`
	UnitCode   *string `db:"unit_code"`
}

// Overdue reports whether the follow-up was due before day.
func (d *DueFollowUp) Overdue(day string) bool { return d.DueOn < day }

// FollowUpsDue returns the follow-ups due on day or before it and still without a
// result, for cases still followed up, oldest first; unitCode narrows to one unit.
func (s *Store) FollowUpsDue(ctx context.Context, actor Actor, day string, unitCode *string, n int) ([]*DueFollowUp, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được lịch theo dõi.")
	}
	where, args := dueConditions(actor, day)
	if unitCode != nil {
		where, args = append(where, "c.unit_code = ?"), append(args, *unitCode)
	}
	var list []*DueFollowUp
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT f.id, f.case_id, f.day, f.due_on, f.result, f.method,
		f.answers, f.note, f.recorded_by, f.recorded_at, c.ref AS case_ref, c.person_name, c.phone, c.unit_code
		FROM follow_ups f JOIN cases c ON c.id = f.case_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY f.due_on, c.id LIMIT ?`), append(args, limit(n))...)
	if err != nil {
		return nil, fmt.Errorf("follow-ups due: %w", err)
	}
	return list, nil
}

// dueConditions selects follow-ups still waiting for a result on day or before, of cases
// still followed up, as the actor may see them.
func dueConditions(actor Actor, day string) ([]string, []any) {
	where := []string{"f.result IS NULL", "f.due_on <= ?", "c.status IN ('monitoring', 'referred', 'tested_negative')"}
	args := []any{day}
	if actor.scoped() {
		where, args = append(where, "c.unit_code = ?"), append(args, actor.UnitCode)
	}
	return where, args
}

// UnitFollowUps counts one unit's follow-ups due on a day and overdue from before it.
type UnitFollowUps struct {
	UnitCode *string `db:"unit_code"`
	DueToday int     `db:"due_today"`
	Overdue  int     `db:"overdue"`
}

// FollowUpsDueByUnit counts follow-ups due on day and overdue, per unit.
func (s *Store) FollowUpsDueByUnit(ctx context.Context, actor Actor, day string) ([]*UnitFollowUps, error) {
	if !actor.seesHealthData() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được lịch theo dõi.")
	}
	where, args := dueConditions(actor, day)
	args = append([]any{day, day}, args...) // the two day parameters of the SELECT come first
	var list []*UnitFollowUps
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT c.unit_code,
		SUM(CASE WHEN f.due_on = ? THEN 1 ELSE 0 END) AS due_today,
		SUM(CASE WHEN f.due_on < ? THEN 1 ELSE 0 END) AS overdue
		FROM follow_ups f JOIN cases c ON c.id = f.case_id
		WHERE `+strings.Join(where, " AND ")+` GROUP BY c.unit_code ORDER BY c.unit_code`), args...)
	if err != nil {
		return nil, fmt.Errorf("follow-ups due by unit: %w", err)
	}
	return list, nil
}
