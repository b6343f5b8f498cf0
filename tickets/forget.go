package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// The anonymisation of a call, a ticket and a case, each in a function of its own that
// takes the transaction: the nightly purge (Purge) runs them on what is past its time, and
// a person's deletion on request (Law 91/2025/QH15 Art. 14) runs them on that person's
// calls, tickets and cases. They are irreversible: the number, the names, the address and
// the free text are overwritten, not hidden, and nothing kept maps back to them. What the
// daily reports count stays (a call's day, times, direction, language, outcome, menu path
// and disposition; a ticket's category, priority, statuses, area, assignee and times; a
// case's area, status and follow-up results), so a report computed after is the same, and
// a frozen day (report_snapshots) is never touched. Each stamps anonymised_at, and does
// nothing to a row already stamped, so running one twice is harmless.

// eventFieldsKept are the fields of a ticket's or a case's audit trail whose values are
// no one's personal data (statuses, priorities, areas, links between records): an
// anonymised record keeps them, and loses every other value and every note.
var eventFieldsKept = map[string]bool{
	"status": true, "assignee": true, "priority": true, "category": true, "unit_code": true,
	"repeat_of": true, "repeated_by": true, "merged_from": true, "merged_into": true,
	"case": true, "ticket": true, "follow_ups": true, "disposition": true, "auto_calls": true,
	"call_now": true, "reporter_hidden": true, "recording": true, "result": true,
}

// numberAnswers are the IVR's answers that hold a number the caller typed (Collect).
var numberAnswers = map[string]bool{"callback": true}

// scrubAnswers drops the answers that hold a number: those the IVR collects as one, and
// any whose value has six digits or more.
func scrubAnswers(a Answers) Answers {
	out := Answers{}
	for k, v := range a {
		if numberAnswers[k] || digitCount(v) >= 6 {
			continue
		}
		out[k] = v
	}
	return out
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// scrubPath removes from a call's path the keys of digits typed one after another at the
// same step (a callback number, entered key by key where the IVR collects one), keeping
// the steps, their times and the menu choices: a menu takes one key and moves on.
func scrubPath(p Path) Path {
	out := make(Path, len(p))
	copy(out, p)
	for i := range out {
		if out[i].Key == "" {
			continue
		}
		prev := i > 0 && p[i-1].Key != "" && p[i-1].Node == p[i].Node
		next := i+1 < len(p) && p[i+1].Key != "" && p[i+1].Node == p[i].Node
		if prev || next {
			out[i].Key = ""
		}
	}
	for i := range out {
		out[i].Note = scrubNote(out[i].Note)
	}
	return out
}

// scrubNote keeps a path step's note unless it carries a number (a dialled one).
func scrubNote(note string) string {
	if digitCount(note) >= 6 && !strings.HasPrefix(note, "agent ") {
		return ""
	}
	return note
}

// anonymiseCall removes a call's number irreversibly: the caller's number and the raw
// caller ID, the link to the caller (whose row goes when nothing else links to it), the
// number dialled on an outbound call (a callback, a follow-up call), the digits typed
// where the IVR collects a number (from its path and answers), and the number of the
// callback requests it dialled. It keeps the call's counts for the reports and its menu
// path. A call already anonymised, or not found, is left as it is.
//
// For a person's deletion on request: call it on each of their calls (by the number, in
// calls.caller_number, calls.dialed of outbound calls, or calls.caller_id).
func anonymiseCall(ctx context.Context, t *tx, id string) error {
	var row struct {
		CallerID *int64  `db:"caller_id"`
		Path     Path    `db:"ivr_path"`
		Answers  Answers `db:"ivr_answers"`
	}
	err := t.GetContext(ctx, &row, t.Rebind(`SELECT caller_id, ivr_path, ivr_answers FROM calls
		WHERE id = ? AND anonymised_at IS NULL`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("anonymise call %s: %w", id, err)
	}
	_, err = t.ExecContext(ctx, t.Rebind(`UPDATE calls SET caller_number = NULL, caller_raw = '', caller_id = NULL,
		dialed = CASE WHEN direction = 'inbound' THEN dialed ELSE '' END, ivr_path = ?, ivr_answers = ?, anonymised_at = ?
		WHERE id = ?`), scrubPath(row.Path), scrubAnswers(row.Answers), t.now, id)
	if err != nil {
		return fmt.Errorf("anonymise call %s: %w", id, err)
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE callback_requests SET number = '' WHERE call_id = ?`), id); err != nil {
		return fmt.Errorf("anonymise call %s: callbacks: %w", id, err)
	}
	if row.CallerID != nil {
		return dropCallerIfUnused(ctx, t, *row.CallerID)
	}
	return nil
}

// dropCallerIfUnused deletes a caller (their number, name and language) once no call and
// no ticket links to them.
func dropCallerIfUnused(ctx context.Context, t *tx, id int64) error {
	_, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM callers WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM calls WHERE caller_id = ?) AND NOT EXISTS (SELECT 1 FROM tickets WHERE caller_id = ?)`), id, id, id)
	if err != nil {
		return fmt.Errorf("drop caller %d: %w", id, err)
	}
	return nil
}

// anonymiseTrail empties the values and notes of a ticket's or a case's audit trail,
// but those of eventFieldsKept.
func anonymiseTrail(ctx context.Context, t *tx, entity string, id int64) error {
	keep := make([]string, 0, len(eventFieldsKept))
	args := []any{}
	for f := range eventFieldsKept {
		keep = append(keep, "?")
		args = append(args, f)
	}
	_, err := t.ExecContext(ctx, t.Rebind(`UPDATE events SET note = '',
		old_value = CASE WHEN field IN (`+strings.Join(keep, ", ")+`) THEN old_value ELSE '' END,
		new_value = CASE WHEN field IN (`+strings.Join(keep, ", ")+`) THEN new_value ELSE '' END
		WHERE entity = ? AND entity_id = ?`), append(append(args, args...), entity, id)...)
	if err != nil {
		return fmt.Errorf("anonymise the trail of %s %d: %w", entity, id, err)
	}
	return nil
}

// anonymiseTicket anonymises a ticket irreversibly: the number to call back, the link to
// the caller (whose row goes when nothing else links to it), the summary and details, the
// digits typed where the IVR collects a number, the numbers of its callback requests
// (waiting ones end), its voice messages' rows, and the notes and personal values of its
// trail. It returns the paths (relative to the recordings folder) of the voice messages
// whose rows it deleted: the caller removes the files once the transaction is committed
// (removeRecordingFiles). It keeps the category, priority, statuses, area, assignee, times
// and links that the reports count. A ticket already anonymised is left as it is. The
// ticket's call is not anonymised here (anonymiseCall).
//
// For a person's deletion on request: call it on each ticket of their number (the
// caller's, or contact_phone).
func anonymiseTicket(ctx context.Context, t *tx, id int64) ([]string, error) {
	var row struct {
		CallerID *int64  `db:"caller_id"`
		CallID   *string `db:"call_id"`
		Answers  Answers `db:"ivr_answers"`
	}
	err := t.GetContext(ctx, &row, t.Rebind(`SELECT caller_id, call_id, ivr_answers FROM tickets WHERE id = ? AND anonymised_at IS NULL`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anonymise ticket %d: %w", id, err)
	}
	keys := ""
	if row.CallID != nil {
		var path Path
		err := t.GetContext(ctx, &path, t.Rebind(`SELECT ivr_path FROM calls WHERE id = ?`), *row.CallID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("anonymise ticket %d: its call: %w", id, err)
		}
		keys = scrubPath(path).Keys()
	}
	_, err = t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET contact_phone = NULL, caller_id = NULL, summary = '', details = '',
		ivr_keys = ?, ivr_answers = ?, anonymised_at = ? WHERE id = ?`), keys, scrubAnswers(row.Answers), t.now, id)
	if err != nil {
		return nil, fmt.Errorf("anonymise ticket %d: %w", id, err)
	}
	_, err = t.ExecContext(ctx, t.Rebind(`UPDATE callback_requests SET number = '',
		status = CASE WHEN status = 'waiting' THEN 'failed' ELSE status END WHERE ticket_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("anonymise ticket %d: callbacks: %w", id, err)
	}
	if err := anonymiseTrail(ctx, t, EntityTicket, id); err != nil {
		return nil, err
	}
	var paths []string
	if err := t.SelectContext(ctx, &paths, t.Rebind(`SELECT path FROM recordings WHERE ticket_id = ?`), id); err != nil {
		return nil, fmt.Errorf("anonymise ticket %d: recordings: %w", id, err)
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`DELETE FROM recordings WHERE ticket_id = ?`), id); err != nil {
		return nil, fmt.Errorf("anonymise ticket %d: recordings: %w", id, err)
	}
	if row.CallerID != nil {
		if err := dropCallerIfUnused(ctx, t, *row.CallerID); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// anonymiseCase anonymises a suspected case irreversibly: the person's name (and its
// search key), number, birth year, address and exposure note, the notes of its follow-ups
// and the numbers in their answers, the notes and personal values of its trail, and the
// automated follow-up calls made to the person (anonymiseCall). It keeps the area, sex,
// onset day, status, monitoring days and follow-up results that the reports count. A case
// already anonymised is left as it is.
//
// For a person's deletion on request: call it on each case of their number or name.
func anonymiseCase(ctx context.Context, t *tx, id int64) error {
	res, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET person_name = '', name_key = '', phone = NULL, birth_year = NULL,
		address = '', exposure_note = '', anonymised_at = ? WHERE id = ? AND anonymised_at IS NULL`), t.now, id)
	if err != nil {
		return fmt.Errorf("anonymise case %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	var followUps []struct {
		ID      int64   `db:"id"`
		Answers Answers `db:"answers"`
	}
	if err := t.SelectContext(ctx, &followUps, t.Rebind(`SELECT id, answers FROM follow_ups WHERE case_id = ?`), id); err != nil {
		return fmt.Errorf("anonymise case %d: follow-ups: %w", id, err)
	}
	for _, f := range followUps {
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_ups SET note = '', answers = ? WHERE id = ?`), scrubAnswers(f.Answers), f.ID); err != nil {
			return fmt.Errorf("anonymise case %d: follow-ups: %w", id, err)
		}
	}
	var calls []struct {
		ID      int64   `db:"id"`
		CallID  *string `db:"call_id"`
		Answers Answers `db:"answers"`
	}
	if err := t.SelectContext(ctx, &calls, t.Rebind(`SELECT id, call_id, answers FROM follow_up_calls WHERE case_id = ?`), id); err != nil {
		return fmt.Errorf("anonymise case %d: follow-up calls: %w", id, err)
	}
	for _, c := range calls {
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET answers = ? WHERE id = ?`), scrubAnswers(c.Answers), c.ID); err != nil {
			return fmt.Errorf("anonymise case %d: follow-up calls: %w", id, err)
		}
		if c.CallID != nil {
			if err := anonymiseCall(ctx, t, *c.CallID); err != nil {
				return err
			}
		}
	}
	return anonymiseTrail(ctx, t, EntityCase, id)
}
