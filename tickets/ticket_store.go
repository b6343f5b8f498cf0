package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

const ticketColumns = `t.id, t.ref, t.category, t.priority, t.status, t.unit_code, t.assignee_user_id,
	t.assignee_unit_code, t.caller_id, c.phone AS caller_number, t.contact_phone, t.call_id, t.case_id,
	t.repeat_of_id, t.merged_into_id, t.reporter_hidden, t.summary, t.details, t.ivr_keys, t.ivr_answers,
	t.first_response_due, t.resolution_due, t.first_response_at, t.resolved_at, t.closed_at,
	t.created_at, t.created_day, t.updated_at`

const ticketFrom = ` FROM tickets t LEFT JOIN callers c ON c.id = t.caller_id`

// RepeatWindow is how far back a new ticket looks for an open ticket of the same caller
// and category to link to as a repeat.
const RepeatWindow = 7 * 24 * time.Hour

// CreateTicket validates and stores a new ticket in one transaction: its reference, its
// caller, its SLA due times, its link to an open ticket it repeats, and its audit events.
func (s *Store) CreateTicket(ctx context.Context, actor Actor, tk *Ticket) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền tạo phiếu.")
	}
	if err := tk.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		return s.createTicket(ctx, t, actor, tk)
	})
}

func (s *Store) createTicket(ctx context.Context, t *tx, actor Actor, tk *Ticket) error {
	ref, err := nextRef(ctx, t, "ticket_counters", TicketRef)
	if err != nil {
		return err
	}
	tk.Ref = ref
	if tk.Status == "" {
		tk.Status = StatusNew
		if tk.AssigneeUserID != nil || tk.AssigneeUnitCode != nil {
			tk.Status = StatusAssigned // routed on creation (the IVR to a ward, an escalation)
		}
	}
	// A ticket imported from a report made earlier (the IVR's spool, an outage) keeps
	// the time the citizen reported it; any other is created now.
	if tk.CreatedAt.IsZero() || tk.CreatedAt.After(t.now) {
		tk.CreatedAt = t.now
	}
	tk.CreatedAt = tk.CreatedAt.UTC()
	tk.UpdatedAt, tk.CreatedDay = t.now, Day(tk.CreatedAt)
	// Whoever files it (the IVR, an agent), a community report keeps its reporter from
	// the officers for good: decided now, from the category the caller chose.
	tk.ReporterHidden = tk.Category == CategoryCommunityReport
	tk.FirstResponseDue, tk.ResolutionDue = s.SLA.Due(tk.Priority, tk.CreatedAt)
	if tk.CallerNumber != nil {
		id, err := callerID(ctx, t, *tk.CallerNumber)
		if err != nil {
			return err
		}
		tk.CallerID = &id
		if err := s.findRepeat(ctx, t, tk); err != nil {
			return err
		}
	}
	err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO tickets (ref, category, priority, status, unit_code,
		assignee_user_id, assignee_unit_code, caller_id, contact_phone, call_id, case_id, repeat_of_id,
		reporter_hidden, summary, details, ivr_keys, ivr_answers, first_response_due, resolution_due,
		created_at, created_day, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		tk.Ref, tk.Category, tk.Priority, tk.Status, tk.UnitCode, tk.AssigneeUserID, tk.AssigneeUnitCode,
		tk.CallerID, tk.ContactPhone, tk.CallID, tk.CaseID, tk.RepeatOfID, tk.ReporterHidden, tk.Summary, tk.Details,
		tk.IVRKeys, tk.IVRAnswers, tk.FirstResponseDue, tk.ResolutionDue, tk.CreatedAt, tk.CreatedDay,
		tk.UpdatedAt).Scan(&tk.ID)
	if err != nil {
		return fmt.Errorf("create ticket: %w", mapConstraint(err))
	}
	if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "created", field: "status", new: tk.Status}); err != nil {
		return err
	}
	if a := assigneeText(tk.AssigneeUserID, tk.AssigneeUnitCode); a != "" {
		if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "assigned", field: "assignee", new: a}); err != nil {
			return err
		}
	}
	if err := attachCallRecordings(ctx, t, tk); err != nil {
		return err
	}
	if tk.RepeatOfID != nil {
		var ref string
		if err := t.GetContext(ctx, &ref, t.Rebind(`SELECT ref FROM tickets WHERE id = ?`), *tk.RepeatOfID); err != nil {
			return fmt.Errorf("repeat of: %w", err)
		}
		if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "repeat", field: "repeat_of", new: ref}); err != nil {
			return err
		}
		if err := addEvent(ctx, t, actor, EntityTicket, *tk.RepeatOfID, change{kind: "repeated", field: "repeated_by", new: tk.Ref}); err != nil {
			return err
		}
	}
	return nil
}

// findRepeat links a new ticket to the open ticket of the same caller and category from
// the last RepeatWindow that it repeats, so that agents see one matter, not two.
func (s *Store) findRepeat(ctx context.Context, t *tx, tk *Ticket) error {
	var ids []int64
	// A repeat never crosses the anonymity rule: a report whose reporter is hidden from
	// officers is not tied to a ticket where the same caller is known, nor the reverse.
	err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT id FROM tickets
		WHERE caller_id = ? AND category = ? AND created_at >= ? AND reporter_hidden = ?
		AND status NOT IN ('resolved', 'closed', 'cancelled')
		ORDER BY created_at, id LIMIT 1`), *tk.CallerID, tk.Category, t.now.Add(-RepeatWindow), tk.ReporterHidden)
	if err != nil {
		return fmt.Errorf("find repeated ticket: %w", err)
	}
	if len(ids) == 1 {
		tk.RepeatOfID = &ids[0]
	}
	return nil
}

// nextRef takes the next reference of the current local year from a counter table.
func nextRef(ctx context.Context, t *tx, table string, format func(year, n int) string) (string, error) {
	year := t.now.In(Local).Year()
	var n []int
	if err := t.SelectContext(ctx, &n, t.Rebind(`UPDATE `+table+` SET last = last + 1 WHERE year = ? RETURNING last`), year); err != nil {
		return "", fmt.Errorf("next reference: %w", err)
	}
	if len(n) == 0 { // the year's first
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO `+table+` (year, last) VALUES (?, 1)`), year); err != nil {
			return "", fmt.Errorf("next reference: %w", err)
		}
		n = []int{1}
	}
	return format(year, n[0]), nil
}

// getTicket reads a ticket inside a transaction, as the actor may see it.
func getTicket(ctx context.Context, q sqlxQueryer, actor Actor, id int64) (*Ticket, error) {
	var tk Ticket
	err := q.GetContext(ctx, &tk, q.Rebind(`SELECT `+ticketColumns+ticketFrom+` WHERE t.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.canSeeTicket(&tk)) {
		// Another unit's ticket does not exist for an officer.
		return nil, Errorf(ENOTFOUND, "Không tìm thấy phiếu.")
	}
	if err != nil {
		return nil, fmt.Errorf("get ticket %d: %w", id, err)
	}
	return &tk, nil
}

// canSeeTicket: an officer sees the tickets of their unit and those assigned to it.
func (a Actor) canSeeTicket(tk *Ticket) bool {
	return a.canSee(tk.UnitCode) || a.canSee(tk.AssigneeUnitCode)
}

// SeesTicket reports whether the actor may see a ticket (an officer: their unit's, and
// those assigned to it), for what shows a ticket outside the store's reads: who else has
// it open, live.
func (a Actor) SeesTicket(tk *Ticket) bool { return a.canSeeTicket(tk) }

// FindTicketsByRef returns the tickets of these references the actor may see, by
// reference, as they may see them (see GetTicket); the others are left out.
func (s *Store) FindTicketsByRef(ctx context.Context, actor Actor, refs []string) (map[string]*Ticket, error) {
	out := map[string]*Ticket{}
	if len(refs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT `+ticketColumns+ticketFrom+` WHERE t.ref IN (?)`, refs)
	if err != nil {
		return nil, fmt.Errorf("find tickets by reference: %w", err)
	}
	var list []*Ticket
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("find tickets by reference: %w", err)
	}
	var seen []*Ticket
	for _, tk := range list {
		if actor.canSeeTicket(tk) {
			seen = append(seen, tk)
		}
	}
	if err := hideReporters(ctx, s.db, actor, seen...); err != nil {
		return nil, err
	}
	for _, tk := range seen {
		out[tk.Ref] = tk
	}
	return out, nil
}

// GetTicket returns one ticket, if the actor may see it, as they may see it: to an
// officer, nothing of it says who reported it when that is hidden from them.
func (s *Store) GetTicket(ctx context.Context, actor Actor, id int64) (*Ticket, error) {
	tk, err := getTicket(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	if err := hideReporters(ctx, s.db, actor, tk); err != nil {
		return nil, err
	}
	return tk, nil
}

// FindTicketByRef returns a ticket by its reference (HL-260001), if the actor may see it.
func (s *Store) FindTicketByRef(ctx context.Context, actor Actor, ref string) (*Ticket, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT id FROM tickets WHERE ref = ?`), strings.ToUpper(strings.TrimSpace(ref)))
	if err != nil {
		return nil, fmt.Errorf("find ticket %s: %w", ref, notFound(err, "phiếu "+ref))
	}
	return s.GetTicket(ctx, actor, id)
}

// TicketEvents returns a ticket's audit trail, oldest first, with the trails of the
// tickets merged into it (each event keeps the ticket it was written on: the trail is
// append-only, never rewritten by a merge).
//
// To an officer, the trail ties the ticket to no other across the anonymity rule: the
// trails merged in are those of tickets on the same side of it (see hideTrailLinks).
func (s *Store) TicketEvents(ctx context.Context, actor Actor, id int64) ([]*Event, error) {
	tk, err := s.GetTicket(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	sameSide, args := ``, []any{id}
	if actor.scoped() {
		sameSide, args = ` WHERE t.reporter_hidden = ?`, append(args, tk.ReporterHidden)
	}
	var list []*Event
	err = s.db.SelectContext(ctx, &list, s.db.Rebind(`WITH RECURSIVE merged (id) AS (
			SELECT CAST(? AS INTEGER)
			UNION SELECT t.id FROM tickets t JOIN merged m ON t.merged_into_id = m.id`+sameSide+`)
		SELECT `+eventColumns+` FROM events
		WHERE entity = 'ticket' AND entity_id IN (SELECT id FROM merged) ORDER BY at, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", id, err)
	}
	return hideTrailLinks(ctx, s.db, actor, tk, list)
}

// unmodifiedKey is the context key of IfUnmodifiedSince.
type unmodifiedKey struct{}

// IfUnmodifiedSince makes the ticket changes made with ctx succeed only if the ticket
// was last changed at the given time (as the page the user acted on showed it): a user
// never changes a ticket someone else changed since they looked.
func IfUnmodifiedSince(ctx context.Context, updatedAt time.Time) context.Context {
	return context.WithValue(ctx, unmodifiedKey{}, updatedAt)
}

// ErrStale is the code-ECONFLICT error of a change refused because the ticket changed.
var ErrStale = Errorf(ECONFLICT, "Phiếu vừa được người khác thay đổi; trang đã hiện trạng thái mới, hãy xem lại rồi làm lại.")

// IsStale reports whether err refused a change because the ticket had changed.
func IsStale(err error) bool { return errors.Is(err, ErrStale) }

// updateTicket runs fn on a ticket the actor may change, then stamps updated_at.
func (s *Store) updateTicket(ctx context.Context, actor Actor, id int64, fn func(t *tx, tk *Ticket) error) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa phiếu.")
	}
	return s.inTx(ctx, func(t *tx) error {
		tk, err := getTicket(ctx, t, actor, id)
		if err != nil {
			return err
		}
		if at, ok := ctx.Value(unmodifiedKey{}).(time.Time); ok && !tk.UpdatedAt.Equal(at) {
			return ErrStale
		}
		if err := fn(t, tk); err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET updated_at = ? WHERE id = ?`), t.now, id)
		return err
	})
}

// setStatus moves a ticket to a status it may reach, stamping the times the SLA and
// reports read, with an audit event. respond says the move answers the citizen: a
// person's triage does, a merge or the hotline's own routing does not.
func setStatus(ctx context.Context, t *tx, actor Actor, tk *Ticket, to, note string, respond bool) error {
	if err := CheckTransition(tk.Status, to); err != nil {
		return err
	}
	if to == StatusAssigned && tk.AssigneeUserID == nil && tk.AssigneeUnitCode == nil {
		return Errorf(EINVALID, "Hãy chọn người hoặc đơn vị nhận phiếu trước khi chuyển sang “%s”.", StatusLabel(to).Vi)
	}
	from := tk.Status
	sets := []string{"status = ?"}
	args := []any{to}
	if respond && actor.isPerson() && from == StatusNew && tk.FirstResponseAt == nil {
		sets, args = append(sets, "first_response_at = ?"), append(args, t.now)
		tk.FirstResponseAt = &t.now
	}
	switch to {
	case StatusResolved:
		sets, args = append(sets, "resolved_at = ?"), append(args, t.now)
	case StatusClosed:
		sets, args = append(sets, "closed_at = ?"), append(args, t.now)
	case StatusInProgress:
		if from == StatusResolved || from == StatusClosed {
			sets = append(sets, "resolved_at = NULL", "closed_at = NULL")
		}
	}
	args = append(args, tk.ID)
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET `+strings.Join(sets, ", ")+` WHERE id = ?`), args...); err != nil {
		return fmt.Errorf("set status of %s: %w", tk.Ref, err)
	}
	tk.Status = to
	kind := "status"
	if to == StatusInProgress && (from == StatusResolved || from == StatusClosed) {
		kind = "reopened"
	}
	return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: kind, field: "status", old: from, new: to, note: note})
}

// TransitionTicket moves a ticket to another status of its workflow. Cancelling takes a
// reason (the note): it ends the ticket's work, and only a supervisor brings it back
// (ReopenTicket).
func (s *Store) TransitionTicket(ctx context.Context, actor Actor, id int64, to, note string) error {
	note = strings.TrimSpace(note)
	return s.updateTicket(ctx, actor, id, func(t *tx, tk *Ticket) error {
		if to == StatusCancelled && tk.Status != StatusCancelled {
			if err := CheckCancelReason(note); err != nil {
				return err
			}
		}
		return setStatus(ctx, t, actor, tk, to, note, true)
	})
}

// CheckCancelReason says whether a reason to cancel a ticket (or to reopen a cancelled
// one) was given: a cancelled ticket leaves every list of work, so the trail says why.
func CheckCancelReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return Errorf(EINVALID, "Hãy ghi lý do huỷ phiếu (ví dụ: gọi nhầm, trùng với phiếu khác).")
	}
	return nil
}

// ReopenTicket brings a cancelled ticket back to the status it was cancelled from
// (supervisors only, with the reason), audited as a reopening. A ticket cancelled by a
// merge stays merged: its recordings and repeats are the survivor's now.
func (s *Store) ReopenTicket(ctx context.Context, actor Actor, id int64, reason string) error {
	if !actor.IsSupervisor() {
		return Errorf(EFORBIDDEN, "Chỉ giám sát viên mở lại được phiếu đã huỷ.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Errorf(EINVALID, "Hãy ghi lý do mở lại phiếu.")
	}
	return s.updateTicket(ctx, actor, id, func(t *tx, tk *Ticket) error {
		if tk.Status != StatusCancelled {
			return Errorf(ECONFLICT, "Phiếu %s đang “%s”, không phải phiếu đã huỷ.", tk.Ref, StatusLabel(tk.Status).Vi)
		}
		if tk.MergedIntoID != nil {
			return Errorf(ECONFLICT, "Phiếu %s đã được gộp vào phiếu khác; hãy làm việc trên phiếu giữ lại.", tk.Ref)
		}
		var before []string
		if err := t.SelectContext(ctx, &before, t.Rebind(`SELECT old_value FROM events
			WHERE entity = 'ticket' AND entity_id = ? AND field = 'status' AND new_value = ?
			ORDER BY at DESC, id DESC LIMIT 1`), tk.ID, StatusCancelled); err != nil {
			return fmt.Errorf("status of %s before it was cancelled: %w", tk.Ref, err)
		}
		to := StatusNew
		if len(before) == 1 && IsOpen(before[0]) {
			to = before[0]
		}
		assigned := tk.AssigneeUserID != nil || tk.AssigneeUnitCode != nil
		switch {
		case to == StatusAssigned && !assigned:
			to = StatusTriaged // "assigned" always has an assignee
		case to == StatusNew && assigned:
			to = StatusAssigned
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET status = ? WHERE id = ?`), to, tk.ID); err != nil {
			return fmt.Errorf("reopen %s: %w", tk.Ref, err)
		}
		tk.Status = to
		return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "reopened", field: "status", old: StatusCancelled, new: to, note: reason})
	})
}

// AssignTicket gives a ticket to an agent or to a ward/commune unit. A new ticket is
// triaged on the way; an assigned one is reassigned without changing status (by a
// supervisor). An officer gives tickets only to their unit or to its people.
func (s *Store) AssignTicket(ctx context.Context, actor Actor, id int64, userID *int64, unitCode *string, note string) error {
	if (userID == nil) == (unitCode == nil) {
		return Errorf(EINVALID, "Hãy giao phiếu cho một người hoặc một đơn vị.")
	}
	return s.updateTicket(ctx, actor, id, func(t *tx, tk *Ticket) error {
		if actor.scoped() {
			if err := checkOfficerAssignee(ctx, t, actor, userID, unitCode); err != nil {
				return err
			}
		}
		if (tk.AssigneeUserID != nil || tk.AssigneeUnitCode != nil) && !actor.IsSupervisor() && actor.Role != RoleSystem {
			return Errorf(EFORBIDDEN, "Phiếu %s đã được giao; chỉ giám sát viên được giao lại.", tk.Ref)
		}
		if tk.Status == StatusNew {
			if err := setStatus(ctx, t, actor, tk, StatusTriaged, "", true); err != nil {
				return err
			}
		}
		old := assigneeText(tk.AssigneeUserID, tk.AssigneeUnitCode)
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET assignee_user_id = ?, assignee_unit_code = ? WHERE id = ?`),
			userID, unitCode, tk.ID); err != nil {
			return fmt.Errorf("assign %s: %w", tk.Ref, mapConstraint(err))
		}
		tk.AssigneeUserID, tk.AssigneeUnitCode = userID, unitCode
		if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "assigned", field: "assignee",
			old: old, new: assigneeText(userID, unitCode), note: note}); err != nil {
			return err
		}
		if tk.Status == StatusTriaged {
			return setStatus(ctx, t, actor, tk, StatusAssigned, "", true)
		}
		if !IsOpen(tk.Status) {
			return Errorf(ECONFLICT, "Phiếu đã %s, không giao được nữa.", strings.ToLower(StatusLabel(tk.Status).Vi))
		}
		return nil
	})
}

// checkOfficerAssignee refuses an officer who gives a ticket to another unit, or to a
// user who is not of their unit: a ward's work stays in the ward, and what goes elsewhere
// goes through the call centre.
func checkOfficerAssignee(ctx context.Context, t *tx, actor Actor, userID *int64, unitCode *string) error {
	refused := Errorf(EFORBIDDEN, "Cán bộ phường/xã chỉ giao phiếu cho đơn vị mình hoặc cho người của đơn vị mình.")
	if unitCode != nil {
		if *unitCode != actor.UnitCode {
			return refused
		}
		return nil
	}
	var n int
	if err := t.GetContext(ctx, &n, t.Rebind(`SELECT COUNT(*) FROM users WHERE id = ? AND unit_code = ?`), *userID, actor.UnitCode); err != nil {
		return fmt.Errorf("assignee's unit: %w", err)
	}
	if n == 0 {
		return refused
	}
	return nil
}

func assigneeText(userID *int64, unitCode *string) string {
	switch {
	case userID != nil:
		return fmt.Sprintf("user:%d", *userID)
	case unitCode != nil:
		return "unit:" + *unitCode
	}
	return ""
}

// TicketEdit is what an agent corrects on a ticket; nil fields are left as they are.
// UnitCode points to nil to clear the area.
type TicketEdit struct {
	Category *string
	Priority *string
	UnitCode **string
	Summary  *string
	// ContactPhone is the number to call the citizen back on ("" clears it): a withheld
	// or unknown caller linked to the number they are known by.
	ContactPhone *string
	// RequestID is the citizen's correction request the edit is made under (a
	// data-subject request, opened from its page): it must be an open, verified
	// correction request for this ticket's number. Each field changed is recorded on the
	// ticket's trail with the request, and on the request's trail (CorrectionsOf).
	RequestID *int64
}

// EditTicket changes a ticket's category, priority, area or summary, with one audit event
// for each field that changes; a field given with the value it has is left alone (an
// edit form sends them all), and an empty summary is refused only where it would erase
// one. A new priority moves the SLA due times, counted from the ticket's creation.
func (s *Store) EditTicket(ctx context.Context, actor Actor, id int64, e TicketEdit, note string) error {
	if e.Category != nil {
		if _, ok := findLabel(Categories, *e.Category); !ok {
			return Errorf(EINVALID, "Loại phiếu %q không tồn tại.", *e.Category)
		}
	}
	if e.Priority != nil {
		if err := checkPriority(*e.Priority); err != nil {
			return err
		}
	}
	if e.Summary != nil {
		v := strings.TrimSpace(*e.Summary)
		e.Summary = &v
	}
	var contact *string
	if e.ContactPhone != nil && strings.TrimSpace(*e.ContactPhone) != "" {
		n, err := NormalizePhone(*e.ContactPhone)
		if err != nil {
			return err
		}
		contact = &n
	}
	if e.RequestID != nil {
		if err := mayHandleRequests(actor); err != nil {
			return err
		}
	}
	return s.updateTicket(ctx, actor, id, func(t *tx, tk *Ticket) error {
		if e.RequestID == nil {
			return editTicket(ctx, t, s, actor, tk, e, contact, note)
		}
		r, err := correctionRequestFor(ctx, t, *e.RequestID, EntityTicket, tk.ID)
		if err != nil {
			return err
		}
		return correctUnder(ctx, t, actor, r, EntityTicket, tk.ID, tk.Ref, func() error {
			return editTicket(ctx, t, s, actor, tk, e, contact, requestNote(r, note))
		})
	})
}

// editTicket applies a ticket edit inside the transaction.
func editTicket(ctx context.Context, t *tx, s *Store, actor Actor, tk *Ticket, e TicketEdit, contact *string, note string) error {
	if e.ContactPhone != nil && deref(contact) != deref(tk.ContactPhone) {
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET contact_phone = ? WHERE id = ?`), contact, tk.ID); err != nil {
			return fmt.Errorf("set contact of %s: %w", tk.Ref, err)
		}
		if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "contact", field: "contact_phone",
			old: deref(tk.ContactPhone), new: deref(contact), note: note}); err != nil {
			return err
		}
	}
	if e.Category != nil && *e.Category != tk.Category {
		if !actor.MayChangeCategory(tk, *e.Category) {
			return Errorf(EFORBIDDEN, "Cán bộ phường/xã không đổi được loại phiếu sang hay từ “%s”: người phản ánh được giữ ẩn danh.",
				CategoryLabel(CategoryCommunityReport).Vi)
		}
		if err := setTicketField(ctx, t, actor, tk, "category", "category", tk.Category, *e.Category, note); err != nil {
			return err
		}
		if *e.Category == CategoryCommunityReport && !tk.ReporterHidden {
			if err := hideReporter(ctx, t, actor, tk); err != nil {
				return err
			}
		}
	}
	if e.Priority != nil && *e.Priority != tk.Priority {
		if err := s.setTicketPriority(ctx, t, actor, tk, *e.Priority, note); err != nil {
			return err
		}
	}
	if e.UnitCode != nil && deref(*e.UnitCode) != deref(tk.UnitCode) {
		unit := *e.UnitCode
		if actor.scoped() && (unit == nil || *unit != actor.UnitCode) {
			return Errorf(EFORBIDDEN, "Cán bộ phường/xã chỉ gắn phiếu với đơn vị của mình.")
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET unit_code = ? WHERE id = ?`), unit, tk.ID); err != nil {
			return fmt.Errorf("set area of %s: %w", tk.Ref, mapConstraint(err))
		}
		if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "area", field: "unit_code", old: deref(tk.UnitCode), new: deref(unit), note: note}); err != nil {
			return err
		}
	}
	if e.Summary != nil && *e.Summary != tk.Summary {
		// A summary left empty is no change (a ticket made by phone has none yet);
		// one emptied on purpose is refused, and the whole edit with it.
		if *e.Summary == "" {
			return Errorf(EINVALID, "Tóm tắt không được để trống.")
		}
		return setTicketField(ctx, t, actor, tk, "summary", "summary", tk.Summary, *e.Summary, note)
	}
	return nil
}

// hideReporter keeps a ticket's reporter from the officers from now on: the call centre
// made it a community report (a caller who pressed 0, or reached an agent after too many
// errors, and reported a neighbour), which is what the caller would have chosen in the
// menu. It is one-way: nothing clears reporter_hidden, so no later category, edit or
// merge reveals the reporter.
func hideReporter(ctx context.Context, t *tx, actor Actor, tk *Ticket) error {
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET reporter_hidden = ? WHERE id = ?`), true, tk.ID); err != nil {
		return fmt.Errorf("hide the reporter of %s: %w", tk.Ref, err)
	}
	tk.ReporterHidden = true
	return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "reporter_hidden", field: "reporter_hidden"})
}

// setTicketField writes one text column of a ticket with its audit event. column is one
// of a fixed few, never user input.
func setTicketField(ctx context.Context, t *tx, actor Actor, tk *Ticket, kind, column, old, new, note string) error {
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET `+column+` = ? WHERE id = ?`), new, tk.ID); err != nil {
		return fmt.Errorf("set %s of %s: %w", column, tk.Ref, err)
	}
	return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: kind, field: column, old: old, new: new, note: note})
}

// setTicketPriority changes a ticket's priority and moves its due times.
func (s *Store) setTicketPriority(ctx context.Context, t *tx, actor Actor, tk *Ticket, priority, note string) error {
	first, resolution := s.SLA.Due(priority, tk.CreatedAt)
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET priority = ?, first_response_due = ?, resolution_due = ? WHERE id = ?`),
		priority, first, resolution, tk.ID); err != nil {
		return fmt.Errorf("set priority of %s: %w", tk.Ref, err)
	}
	old := tk.Priority
	tk.Priority, tk.FirstResponseDue, tk.ResolutionDue = priority, first, resolution
	return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "priority", field: "priority", old: old, new: priority, note: note})
}

// SetTicketPriority changes a ticket's priority (EditTicket for one field).
func (s *Store) SetTicketPriority(ctx context.Context, actor Actor, id int64, priority, note string) error {
	return s.EditTicket(ctx, actor, id, TicketEdit{Priority: &priority}, note)
}

// SetTicketArea sets the ward or commune a ticket concerns (EditTicket for one field).
func (s *Store) SetTicketArea(ctx context.Context, actor Actor, id int64, unitCode *string, note string) error {
	return s.EditTicket(ctx, actor, id, TicketEdit{UnitCode: &unitCode}, note)
}

// AddTicketNote adds a note to a ticket's trail.
func (s *Store) AddTicketNote(ctx context.Context, actor Actor, id int64, note string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return Errorf(EINVALID, "Ghi chú không được để trống.")
	}
	return s.updateTicket(ctx, actor, id, func(t *tx, tk *Ticket) error {
		return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "note", note: note})
	})
}

// MergeTickets folds a duplicate ticket into a survivor (supervisors only, whoever asks
// the store): the duplicate is cancelled and
// points to the survivor, its recordings and the repeats linked to it move over, and the
// survivor takes the more urgent priority. The duplicate's audit trail stays where it
// was written (append-only) and shows in the survivor's through the merge link.
func (s *Store) MergeTickets(ctx context.Context, actor Actor, duplicateID, survivorID int64, note string) error {
	if duplicateID == survivorID {
		return Errorf(EINVALID, "Không thể gộp một phiếu vào chính nó.")
	}
	if !actor.IsSupervisor() {
		return Errorf(EFORBIDDEN, "Chỉ giám sát viên được gộp phiếu.")
	}
	return s.inTx(ctx, func(t *tx) error {
		dup, err := getTicket(ctx, t, actor, duplicateID)
		if err != nil {
			return err
		}
		surv, err := getTicket(ctx, t, actor, survivorID)
		if err != nil {
			return err
		}
		if surv.MergedIntoID != nil || surv.Status == StatusCancelled {
			return Errorf(ECONFLICT, "Phiếu %s đã bị huỷ hoặc gộp, không nhận gộp được.", surv.Ref)
		}
		if dup.MergedIntoID != nil || dup.Status == StatusCancelled {
			return Errorf(ECONFLICT, "Phiếu %s đã bị huỷ hoặc gộp rồi.", dup.Ref)
		}
		if dup.ReporterHidden != surv.ReporterHidden {
			// One trail, one set of voice messages: the merged ticket would show a hidden
			// reporter's report beside a caller the officers know, or the reverse.
			hidden, known := dup, surv
			if surv.ReporterHidden {
				hidden, known = surv, dup
			}
			return Errorf(EINVALID, "Không gộp được %s với %s: người phản ánh của %s được giữ ẩn danh với cán bộ phường/xã, còn người gọi của %s thì không. Hãy liên kết cả hai phiếu với cùng một ca nghi nhiễm.",
				dup.Ref, surv.Ref, hidden.Ref, known.Ref)
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE recordings SET ticket_id = ? WHERE ticket_id = ?`), surv.ID, dup.ID); err != nil {
			return fmt.Errorf("merge recordings of %s into %s: %w", dup.Ref, surv.Ref, err)
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET repeat_of_id = ? WHERE repeat_of_id = ? AND id <> ?`),
			surv.ID, dup.ID, surv.ID); err != nil {
			return fmt.Errorf("merge repeats of %s into %s: %w", dup.Ref, surv.Ref, err)
		}
		if surv.RepeatOfID != nil && *surv.RepeatOfID == dup.ID {
			// The survivor repeated the duplicate: it now repeats what the duplicate did.
			next := dup.RepeatOfID
			if next != nil && *next == surv.ID {
				next = nil
			}
			if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET repeat_of_id = ? WHERE id = ?`), next, surv.ID); err != nil {
				return fmt.Errorf("merge repeat link: %w", err)
			}
		}
		if err := setStatus(ctx, t, actor, dup, StatusCancelled, "gộp vào "+surv.Ref, false); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET merged_into_id = ?, repeat_of_id = NULL, updated_at = ? WHERE id = ?`),
			surv.ID, t.now, dup.ID); err != nil {
			return fmt.Errorf("merge %s: %w", dup.Ref, err)
		}
		if surv.CaseID == nil && dup.CaseID != nil {
			if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET case_id = ? WHERE id = ?`), dup.CaseID, surv.ID); err != nil {
				return fmt.Errorf("merge case link: %w", err)
			}
		}
		if dup.Priority < surv.Priority { // P1 < P2: the more urgent
			if err := s.setTicketPriority(ctx, t, actor, surv, dup.Priority, "gộp từ "+dup.Ref); err != nil {
				return err
			}
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET updated_at = ? WHERE id = ?`), t.now, surv.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, t, actor, EntityTicket, surv.ID, change{kind: "merged", field: "merged_from", new: dup.Ref, note: note}); err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityTicket, dup.ID, change{kind: "merged", field: "merged_into", new: surv.Ref, note: note})
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RecordCallback notes on a ticket how a call back to the citizen went (result: answered,
// no_answer, busy, agent_no_answer, agent_left, failed), with the agent's phone and the
// talk time. An answered callback is the ticket's first response if it had none.
func (s *Store) RecordCallback(ctx context.Context, actor Actor, ticketID int64, callID, result, agent string, talk time.Duration) error {
	if result == "" {
		return Errorf(EINVALID, "Thiếu kết quả cuộc gọi lại.")
	}
	return s.updateTicket(ctx, actor, ticketID, func(t *tx, tk *Ticket) error {
		note := fmt.Sprintf("Gọi lại (cuộc gọi %s) qua máy %s", callID, agent)
		if talk > 0 {
			note += fmt.Sprintf(", nói chuyện %s", talk.Round(time.Second))
		}
		if result == "answered" && tk.FirstResponseAt == nil {
			if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET first_response_at = ? WHERE id = ?`), t.now, tk.ID); err != nil {
				return fmt.Errorf("first response: %w", err)
			}
		}
		return addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "callback", field: "result", new: result, note: note})
	})
}
