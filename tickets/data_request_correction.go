package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// EventCorrected is the kind of a correction request's trail event for each field
// corrected under it: Field is the field, OldValue and NewValue the values before and
// after, Note the reference of the ticket or case corrected.
const EventCorrected = "corrected"

// RecordRef is a ticket or case of a request's number, as a request's page lists it.
type RecordRef struct {
	ID     int64  `db:"id"`
	Ref    string `db:"ref"`
	Title  string `db:"title"` // a ticket's summary, a case's person's name
	Status string `db:"status"`
	Entity string `db:"-"` // EntityTicket or EntityCase
}

// RequestRecords returns the tickets and cases of a request's number that the actor may
// see (the same rules as everywhere: an officer sees their unit's), for a correction
// request's page to link to their edit screens.
func (s *Store) RequestRecords(ctx context.Context, actor Actor, requestID int64) (tks, cases []*RecordRef, err error) {
	if err := mayHandleRequests(actor); err != nil {
		return nil, nil, err
	}
	err = s.inTx(ctx, func(t *tx) error {
		r, err := dataRequestInTx(ctx, t, requestID)
		if err != nil {
			return err
		}
		var ids []int64
		if err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT t.id FROM tickets t WHERE `+personTickets+` ORDER BY t.created_at, t.id`),
			r.Phone, r.Phone, r.Phone); err != nil {
			return fmt.Errorf("tickets of request %d: %w", r.ID, err)
		}
		for _, id := range ids {
			tk, err := getTicket(ctx, t, actor, id)
			if ErrorCode(err) == ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			tks = append(tks, &RecordRef{ID: tk.ID, Ref: tk.Ref, Title: tk.Summary, Status: tk.Status, Entity: EntityTicket})
		}
		ids = nil
		if err := t.SelectContext(ctx, &ids, t.Rebind(`SELECT id FROM cases WHERE `+personCases+` ORDER BY created_at, id`),
			r.Phone); err != nil {
			return fmt.Errorf("cases of request %d: %w", r.ID, err)
		}
		for _, id := range ids {
			c, err := getCase(ctx, t, actor, id)
			if ErrorCode(err) == ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			cases = append(cases, &RecordRef{ID: c.ID, Ref: c.Ref, Title: c.PersonName, Status: c.Status, Entity: EntityCase})
		}
		return nil
	})
	return tks, cases, err
}

// correctionRequestFor reads the request an edit of a ticket or case is made under and
// checks that it is an open, verified correction request for that record's number.
func correctionRequestFor(ctx context.Context, t *tx, requestID int64, entity string, id int64) (*DataRequest, error) {
	r, err := dataRequestInTx(ctx, t, requestID)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Kind != RequestCorrection:
		return nil, Errorf(ECONFLICT, "Yêu cầu YC-%d không phải yêu cầu chỉnh sửa dữ liệu.", r.ID)
	case !r.Open():
		return nil, Errorf(ECONFLICT, "Yêu cầu YC-%d đã đóng (%s): không sửa theo yêu cầu này được nữa.", r.ID, findLabelVi(RequestStatuses, r.Status))
	case !r.Verified():
		return nil, Errorf(ECONFLICT, "Yêu cầu YC-%d chưa xác minh danh tính người yêu cầu: hãy xác minh trước khi sửa dữ liệu.", r.ID)
	}
	var n int
	var q string
	args := []any{id, r.Phone, r.Phone, r.Phone}
	switch entity {
	case EntityTicket:
		q = `SELECT COUNT(*) FROM tickets t WHERE t.id = ? AND ` + personTickets
	default:
		q = `SELECT COUNT(*) FROM cases WHERE id = ? AND ` + personCases
		args = args[:2]
	}
	if err := t.GetContext(ctx, &n, t.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("check request %d's number: %w", r.ID, err)
	}
	if n == 0 {
		return nil, Errorf(ECONFLICT, "Yêu cầu YC-%d nói đến một số điện thoại khác: phiếu hoặc ca này không phải của số đó.", r.ID)
	}
	return r, nil
}

// requestNote is the note of an edit made under a request: the request, then the note.
func requestNote(r *DataRequest, note string) string {
	s := fmt.Sprintf("Theo yêu cầu chỉnh sửa YC-%d", r.ID)
	if note != "" {
		s += ": " + note
	}
	return s
}

// correctUnder runs an edit of a record under a correction request and writes each
// field it changed on the request's trail too (EventCorrected), in the same transaction.
func correctUnder(ctx context.Context, t *tx, actor Actor, r *DataRequest, entity string, id int64, ref string, edit func() error) error {
	var last int64
	if err := t.GetContext(ctx, &last, t.Rebind(`SELECT COALESCE(MAX(id), 0) FROM events`)); err != nil {
		return fmt.Errorf("correct under request %d: %w", r.ID, err)
	}
	if err := edit(); err != nil {
		return err
	}
	var made []*Event
	if err := t.SelectContext(ctx, &made, t.Rebind(`SELECT `+eventColumns+` FROM events
		WHERE entity = ? AND entity_id = ? AND id > ? AND field <> '' ORDER BY id`), entity, id, last); err != nil {
		return fmt.Errorf("correct under request %d: %w", r.ID, err)
	}
	for _, e := range made {
		if err := addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: EventCorrected, field: e.Field,
			old: e.OldValue, new: e.NewValue, note: ref}); err != nil {
			return err
		}
	}
	return nil
}

// Corrections returns the fields corrected under the request, oldest first (from its
// trail, as GetDataRequest reads it).
func (r *DataRequest) Corrections() []*Event {
	var list []*Event
	for _, e := range r.Events {
		if e.Kind == EventCorrected {
			list = append(list, e)
		}
	}
	return list
}

// CaseCorrection is what a citizen may have corrected on a suspected case of theirs
// under a correction request: who the person is and where they live (nil: unchanged).
// The phone is not among them: it is what the request is about.
type CaseCorrection struct {
	PersonName *string
	BirthYear  *string // as typed; "" clears it
	Address    *string
}

// CorrectCase corrects a case's person under a citizen's correction request (the desk:
// supervisors and the data-protection officer): the request must be an open, verified
// correction request for the case's number. Each field changed is on the case's trail
// with the request, and on the request's (EventCorrected).
func (s *Store) CorrectCase(ctx context.Context, actor Actor, requestID, caseID int64, e CaseCorrection, note string) error {
	if err := mayHandleRequests(actor); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, caseID)
		if err != nil {
			return err
		}
		r, err := correctionRequestFor(ctx, t, requestID, EntityCase, c.ID)
		if err != nil {
			return err
		}
		fixed := *c
		if e.PersonName != nil {
			fixed.PersonName = *e.PersonName
		}
		if e.Address != nil {
			fixed.Address = strings.TrimSpace(*e.Address)
		}
		if e.BirthYear != nil {
			fixed.BirthYear = nil
			if y := strings.TrimSpace(*e.BirthYear); y != "" {
				n, err := strconv.Atoi(y)
				if err != nil {
					return FieldErrorf("birth_year", "%s", BirthYearRange(y, t.now))
				}
				fixed.BirthYear = &n
			}
		}
		if err := fixed.Validate(t.now); err != nil {
			return err
		}
		return correctUnder(ctx, t, actor, r, EntityCase, c.ID, c.Ref, func() error {
			year := func(y *int) string {
				if y == nil {
					return ""
				}
				return strconv.Itoa(*y)
			}
			changes := []change{
				{field: "person_name", old: c.PersonName, new: fixed.PersonName},
				{field: "birth_year", old: year(c.BirthYear), new: year(fixed.BirthYear)},
				{field: "address", old: c.Address, new: fixed.Address},
			}
			changed := false
			for _, ch := range changes {
				if ch.old == ch.new {
					continue
				}
				changed = true
				ch.kind, ch.note = "corrected", requestNote(r, strings.TrimSpace(note))
				if err := addEvent(ctx, t, actor, EntityCase, c.ID, ch); err != nil {
					return err
				}
			}
			if !changed {
				return Errorf(EINVALID, "Không có gì thay đổi: hãy sửa họ tên, năm sinh hoặc địa chỉ.")
			}
			_, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET person_name = ?, name_key = ?, birth_year = ?, address = ?, updated_at = ?
				WHERE id = ?`), fixed.PersonName, fixed.NameKey, fixed.BirthYear, fixed.Address, t.now, c.ID)
			if err != nil {
				return fmt.Errorf("correct case %s: %w", c.Ref, err)
			}
			return nil
		})
	})
}
