package tickets

import (
	"context"
	"fmt"
	"time"
)

// AccessDataExport is the access log's action for an access request's export: everything
// held about a number, handed to the citizen.
const AccessDataExport = "data_export"

// PersonExport is everything the hotline holds about one phone number, for an access
// request (Law 91/2025/QH15): its calls, tickets with their notes and trail, cases with
// their follow-ups, voice messages (listed; the audio is not in it), callback requests.
type PersonExport struct {
	RequestID   int64             `json:"request_id"`
	Phone       string            `json:"phone"`
	GeneratedAt time.Time         `json:"generated_at"`
	GeneratedBy string            `json:"generated_by"`
	Calls       []*ExportCall     `json:"calls"`
	Tickets     []*ExportTicket   `json:"tickets"`
	Cases       []*ExportCase     `json:"cases"`
	Voice       []*ExportVoice    `json:"voice_messages"`
	Callbacks   []*ExportCallback `json:"callback_requests"`
}

// ExportCall is a call from or to the number.
type ExportCall struct {
	ID        string     `json:"id" db:"id"`
	Direction string     `json:"direction" db:"direction"`
	Language  string     `json:"language" db:"language"`
	StartedAt time.Time  `json:"started_at" db:"started_at"`
	EndedAt   *time.Time `json:"ended_at" db:"ended_at"`
	Path      Path       `json:"menu_path" db:"ivr_path"`
	Outcome   string     `json:"outcome" db:"outcome"`
}

// ExportTicket is a ticket the number reported or is the contact of, with its trail
// (notes are entries of it).
type ExportTicket struct {
	ID        int64          `json:"-" db:"id"`
	Ref       string         `json:"ref" db:"ref"`
	Category  string         `json:"category" db:"category"`
	Status    string         `json:"status" db:"status"`
	Summary   string         `json:"summary" db:"summary"`
	Details   string         `json:"details" db:"details"`
	Answers   string         `json:"ivr_answers" db:"ivr_answers"`
	CreatedAt time.Time      `json:"created_at" db:"created_at"`
	ClosedAt  *time.Time     `json:"closed_at" db:"closed_at"`
	Trail     []*ExportEvent `json:"trail" db:"-"`
}

// ExportCase is a suspected case of the number, with its follow-ups.
type ExportCase struct {
	ID        int64           `json:"-" db:"id"`
	Ref       string          `json:"ref" db:"ref"`
	Name      string          `json:"person_name" db:"person_name"`
	BirthYear *int            `json:"birth_year" db:"birth_year"`
	Sex       string          `json:"sex" db:"sex"`
	Address   string          `json:"address" db:"address"`
	Status    string          `json:"status" db:"status"`
	Onset     *string         `json:"onset_date" db:"onset_date"`
	CreatedAt time.Time       `json:"created_at" db:"created_at"`
	FollowUps []*ExportFollow `json:"follow_ups" db:"-"`
	Trail     []*ExportEvent  `json:"trail" db:"-"`
}

// ExportEvent is an entry of a ticket's or a case's trail in the export, with stable
// snake_case names for the JSON (Event has none, and its ids are the hotline's own).
type ExportEvent struct {
	At       time.Time `json:"at" db:"at"`
	Actor    string    `json:"actor" db:"actor"`
	Kind     string    `json:"kind" db:"kind"`
	Field    string    `json:"field" db:"field"`
	OldValue string    `json:"old_value" db:"old_value"`
	NewValue string    `json:"new_value" db:"new_value"`
	Note     string    `json:"note" db:"note"`
}

// exportEventColumns are the columns of an ExportEvent.
const exportEventColumns = `at, actor, kind, field, old_value, new_value, note`

// ExportFollow is a day of a case's follow-up.
type ExportFollow struct {
	Day    int     `json:"day" db:"day"`
	DueOn  string  `json:"due_on" db:"due_on"`
	Result *string `json:"result" db:"result"`
	Method *string `json:"method" db:"method"`
	Note   string  `json:"note" db:"note"`
}

// ExportVoice is a voice message or a recording of the number: listed, not embedded.
type ExportVoice struct {
	ID         int64     `json:"id" db:"id"`
	Kind       string    `json:"kind" db:"kind"`
	TicketRef  *string   `json:"ticket_ref" db:"ticket_ref"`
	DurationMS int       `json:"duration_ms" db:"duration_ms"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
}

// ExportCallback is a callback the number asked for while waiting.
type ExportCallback struct {
	QueuedAt time.Time `json:"queued_at" db:"queued_at"`
	Status   string    `json:"status" db:"status"`
}

// personTickets is the condition of the tickets of a number (one argument: the number,
// used three times).
const personTickets = `(t.caller_id IN (SELECT id FROM callers WHERE phone = ?) OR t.contact_phone = ?
	OR t.call_id IN (SELECT id FROM calls WHERE caller_number = ?))`

// personCases selects the suspected cases of a number (one argument: the number): those
// whose person it is, never a case one of its tickets was only linked to, which may be
// another person's (a neighbour a caller reported, a household's case).
const personCases = `phone = ?`

// ExportPerson gathers everything held about an access request's number, for the
// citizen, once the requester's identity is verified: it is written to the access log
// (AccessDataExport, with the number) and on the request's trail, in the same
// transaction, so no export leaves unlogged.
func (s *Store) ExportPerson(ctx context.Context, actor Actor, requestID int64, remoteAddr string) (*PersonExport, error) {
	if err := mayHandleRequests(actor); err != nil {
		return nil, err
	}
	var x *PersonExport
	err := s.inTx(ctx, func(t *tx) error {
		r, err := dataRequestInTx(ctx, t, requestID)
		if err != nil {
			return err
		}
		if r.Kind != RequestAccess {
			return Errorf(ECONFLICT, "Chỉ yêu cầu xem, nhận bản sao dữ liệu mới xuất dữ liệu.")
		}
		if !r.Verified() {
			return Errorf(ECONFLICT, "Hãy xác minh danh tính người yêu cầu trước khi xuất dữ liệu của số này.")
		}
		if r.Status == RequestRefused {
			return Errorf(ECONFLICT, "Yêu cầu này đã bị từ chối.")
		}
		if x, err = gatherPerson(ctx, t, r.Phone); err != nil {
			return err
		}
		x.RequestID, x.GeneratedAt, x.GeneratedBy = r.ID, t.now, actor.Name
		phone := r.Phone
		if err := logAccess(ctx, t, actor, &Access{Action: AccessDataExport, Subject: fmt.Sprintf("YC-%d", r.ID), Phone: &phone, RemoteAddr: remoteAddr}); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE data_requests SET exported_at = ? WHERE id = ?`), t.now, r.ID); err != nil {
			return fmt.Errorf("export for request %d: %w", r.ID, err)
		}
		return addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "exported",
			note: fmt.Sprintf("%d cuộc gọi, %d phiếu, %d ca, %d lời nhắn", len(x.Calls), len(x.Tickets), len(x.Cases), len(x.Voice))})
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// gatherPerson reads what is held about a number.
func gatherPerson(ctx context.Context, t *tx, phone string) (*PersonExport, error) {
	x := &PersonExport{Phone: phone, Calls: []*ExportCall{}, Tickets: []*ExportTicket{}, Cases: []*ExportCase{},
		Voice: []*ExportVoice{}, Callbacks: []*ExportCallback{}}
	if err := t.SelectContext(ctx, &x.Calls, t.Rebind(`SELECT id, direction, language, started_at, ended_at, ivr_path, outcome
		FROM calls WHERE caller_number = ? OR caller_id IN (SELECT id FROM callers WHERE phone = ?) ORDER BY started_at, id`), phone, phone); err != nil {
		return nil, fmt.Errorf("export calls: %w", err)
	}
	if err := t.SelectContext(ctx, &x.Tickets, t.Rebind(`SELECT t.id, t.ref, t.category, t.status, t.summary, t.details, t.ivr_answers,
		t.created_at, t.closed_at FROM tickets t WHERE `+personTickets+` ORDER BY t.created_at, t.id`), phone, phone, phone); err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}
	for _, tk := range x.Tickets {
		tk.Trail = []*ExportEvent{}
		if err := t.SelectContext(ctx, &tk.Trail, t.Rebind(`SELECT `+exportEventColumns+` FROM events WHERE entity = 'ticket' AND entity_id = ? ORDER BY at, id`), tk.ID); err != nil {
			return nil, fmt.Errorf("export ticket %s: %w", tk.Ref, err)
		}
	}
	if err := t.SelectContext(ctx, &x.Cases, t.Rebind(`SELECT id, ref, person_name, birth_year, sex, address, status, onset_date, created_at
		FROM cases WHERE `+personCases+` ORDER BY created_at, id`), phone); err != nil {
		return nil, fmt.Errorf("export cases: %w", err)
	}
	for _, c := range x.Cases {
		c.FollowUps = []*ExportFollow{}
		if err := t.SelectContext(ctx, &c.FollowUps, t.Rebind(`SELECT day, due_on, result, method, note FROM follow_ups WHERE case_id = ? ORDER BY day`), c.ID); err != nil {
			return nil, fmt.Errorf("export case %s: %w", c.Ref, err)
		}
		c.Trail = []*ExportEvent{}
		if err := t.SelectContext(ctx, &c.Trail, t.Rebind(`SELECT `+exportEventColumns+` FROM events WHERE entity = 'case' AND entity_id = ? ORDER BY at, id`), c.ID); err != nil {
			return nil, fmt.Errorf("export case %s: %w", c.Ref, err)
		}
	}
	if err := t.SelectContext(ctx, &x.Voice, t.Rebind(`SELECT r.id, r.kind, t.ref AS ticket_ref, r.duration_ms, r.created_at
		FROM recordings r LEFT JOIN tickets t ON t.id = r.ticket_id
		WHERE r.ticket_id IN (SELECT t.id FROM tickets t WHERE `+personTickets+`)
			OR r.call_id IN (SELECT id FROM calls WHERE caller_number = ?)
		ORDER BY r.created_at, r.id`), phone, phone, phone, phone); err != nil {
		return nil, fmt.Errorf("export recordings: %w", err)
	}
	if err := t.SelectContext(ctx, &x.Callbacks, t.Rebind(`SELECT queued_at, status FROM callback_requests WHERE number = ? ORDER BY queued_at`), phone); err != nil {
		return nil, fmt.Errorf("export callbacks: %w", err)
	}
	return x, nil
}
