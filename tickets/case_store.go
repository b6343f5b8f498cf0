package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const caseColumns = `id, ref, person_name, name_key, phone, birth_year, sex, address, unit_code, onset_date,
	exposure_travel, exposure_contact, exposure_note, status, monitoring_from, created_at, updated_at`

const followUpColumns = `id, case_id, day, due_on, result, method, answers, note, recorded_by, recorded_at`

// CreateCase opens a suspected case, from a ticket when fromTicketID is set (the ticket
// is linked to it, audited on both).
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
		ref, err := nextRef(ctx, t, "case_counters", CaseRef)
		if err != nil {
			return err
		}
		c.Ref, c.Status, c.CreatedAt, c.UpdatedAt = ref, CaseSuspected, t.now, t.now
		err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO cases (ref, person_name, name_key, phone, birth_year, sex,
			address, unit_code, onset_date, exposure_travel, exposure_contact, exposure_note, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			c.Ref, c.PersonName, c.NameKey, c.Phone, c.BirthYear, c.Sex, c.Address, c.UnitCode, c.OnsetDate,
			c.ExposureTravel, c.ExposureContact, c.ExposureNote, c.Status, c.CreatedAt, c.UpdatedAt).Scan(&c.ID)
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
// from several people. The link is audited on both.
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
	Phone    string
	Name     string
	UnitCode *string
	Status   *string
	Limit    int
}

// FindCases returns the cases matching a filter, newest first, so an agent can link a
// new report to a case that already exists.
func (s *Store) FindCases(ctx context.Context, actor Actor, f CaseFilter) ([]*Case, error) {
	var where []string
	var args []any
	if actor.scoped() {
		where, args = append(where, "unit_code = ?"), append(args, actor.UnitCode)
	}
	if f.Phone != "" {
		p, err := NormalizePhone(f.Phone)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "phone = ?"), append(args, p)
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
		var well int
		if err := t.GetContext(ctx, &well, t.Rebind(`SELECT COUNT(*) FROM follow_ups WHERE case_id = ? AND result = ?`), c.ID, ResultWell); err != nil {
			return fmt.Errorf("count well days of %s: %w", c.Ref, err)
		}
		if well < s.Policy.MonitoringDays {
			return Errorf(ECONFLICT, "Ca %s mới có %d ngày khoẻ; cần %d ngày để kết thúc theo dõi.", c.Ref, well, s.Policy.MonitoringDays)
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

// RecordFollowUp records the result of one day's follow-up and applies the rules: a
// symptomatic person is referred for testing; Policy.NotReachedLimit not-reached results
// in a row mark the case lost and raise a P1 ticket for its ward or commune.
func (s *Store) RecordFollowUp(ctx context.Context, actor Actor, followUpID int64, result, method string, answers Answers, note string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền ghi kết quả theo dõi.")
	}
	if err := checkFollowUp(result, method); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		var f FollowUp
		err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups WHERE id = ?`), followUpID)
		if err != nil {
			return fmt.Errorf("record follow-up: %w", notFound(err, "lượt theo dõi"))
		}
		c, err := getCase(ctx, t, actor, f.CaseID)
		if err != nil {
			return err
		}
		if !followsUp(c.Status) {
			l, _ := findLabel(CaseStatuses, c.Status)
			return Errorf(ECONFLICT, "Ca %s đang ở trạng thái “%s”, không ghi kết quả theo dõi được.", c.Ref, l.Vi)
		}
		if f.Result != nil {
			return Errorf(ECONFLICT, "Ngày %d của ca %s đã có kết quả.", f.Day, c.Ref)
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE follow_ups SET result = ?, method = ?, answers = ?, note = ?,
			recorded_by = ?, recorded_at = ? WHERE id = ?`), result, method, answers, note, actor.UserID, t.now, f.ID)
		if err != nil {
			return fmt.Errorf("record follow-up: %w", err)
		}
		if err := addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "follow_up", field: fmt.Sprintf("day %d", f.Day),
			new: result, note: note}); err != nil {
			return err
		}
		switch result {
		case ResultSymptomatic:
			if c.Status != CaseReferred {
				return s.setCaseStatus(ctx, t, ActorSystem, c, CaseReferred, "có triệu chứng khi theo dõi")
			}
		case ResultNotReached:
			var results []string
			if err := t.SelectContext(ctx, &results, t.Rebind(`SELECT result FROM follow_ups
				WHERE case_id = ? AND result IS NOT NULL ORDER BY day`), c.ID); err != nil {
				return fmt.Errorf("follow-up results of %s: %w", c.Ref, err)
			}
			if notReachedRun(results) >= s.Policy.NotReachedLimit {
				return s.markLost(ctx, t, c)
			}
		}
		return nil
	})
}

// markLost marks a case lost to follow-up and gives its unit a P1 ticket to find the person.
func (s *Store) markLost(ctx context.Context, t *tx, c *Case) error {
	msg := fmt.Sprintf("%d lần liên tiếp không liên lạc được", s.Policy.NotReachedLimit)
	if err := s.setCaseStatus(ctx, t, ActorSystem, c, CaseLost, msg); err != nil {
		return err
	}
	caseID := c.ID
	tk := &Ticket{
		Category: CategoryOther, Priority: P1, UnitCode: c.UnitCode, AssigneeUnitCode: c.UnitCode, CaseID: &caseID,
		Summary: fmt.Sprintf("Mất dấu ca %s (%s): %s. Cần xác minh tại địa phương.", c.Ref, c.PersonName, msg),
	}
	if c.Phone != nil {
		tk.ContactPhone = c.Phone
	}
	if err := s.createTicket(ctx, t, ActorSystem, tk); err != nil {
		return fmt.Errorf("raise ticket for lost case %s: %w", c.Ref, err)
	}
	if c.UnitCode != nil {
		if err := setStatus(ctx, t, ActorSystem, tk, StatusTriaged, ""); err != nil {
			return err
		}
		if err := setStatus(ctx, t, ActorSystem, tk, StatusAssigned, ""); err != nil {
			return err
		}
	}
	return addEvent(ctx, t, ActorSystem, EntityCase, c.ID, change{kind: "escalated", field: "ticket", new: tk.Ref, note: msg})
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
