package tickets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Erased counts what ErasePerson erased or anonymised.
type Erased struct {
	Calls, Tickets, Cases, Recordings, Callbacks, AccessEntries int
}

// ErasePerson carries out a verified deletion request: it erases, or irreversibly
// anonymises, what the hotline holds about the request's number. Calls keep their rows
// (their counts, times and menu paths feed the reports) without the number or the
// answers given; tickets and cases keep their category, status and days without the
// caller, the contact number, the names, addresses, texts, answers and trail (one entry
// says it was erased, and for which request); follow-ups lose their notes and answers;
// voice messages and call recordings lose their rows, and their files under the store's
// Recordings folder; callback requests and the caller go; the access log keeps who saw
// what, when, without the number; the queue log loses the caller's id. The requests of
// the number keep it masked (0905 *** 456) as the record of what was asked and done; a
// withdrawal mark of the number goes with it. Frozen daily reports are not touched: their
// totals stay. The request records what was done.
func (s *Store) ErasePerson(ctx context.Context, actor Actor, requestID int64) (*Erased, error) {
	var files []string
	e := &Erased{}
	err := s.changeRequest(ctx, actor, requestID, func(t *tx, r *DataRequest) error {
		if r.Kind != RequestDeletion {
			return Errorf(ECONFLICT, "Chỉ yêu cầu xoá dữ liệu mới xoá dữ liệu.")
		}
		if !r.Verified() {
			return Errorf(ECONFLICT, "Hãy xác minh danh tính người yêu cầu trước khi xoá dữ liệu của số này.")
		}
		var err error
		if files, err = erasePerson(ctx, t, actor, r, e); err != nil {
			return err
		}
		outcome := fmt.Sprintf("Đã xoá dữ liệu của số này: %d cuộc gọi (giữ để đếm, bỏ số), %d phiếu và %d ca (ẩn danh), %d bản ghi âm, %d yêu cầu gọi lại; bỏ số khỏi %d mục nhật ký truy cập.",
			e.Calls, e.Tickets, e.Cases, e.Recordings, e.Callbacks, e.AccessEntries)
		if err := addEvent(ctx, t, actor, EntityDataRequest, r.ID, change{kind: "erased", note: outcome}); err != nil {
			return err
		}
		return completeRequest(ctx, t, actor, r, outcome, "")
	})
	if err != nil {
		return nil, err
	}
	// The files go once the rows are gone for good: a failed transaction leaves both.
	for _, rel := range files {
		if err := s.removeRecording(rel); err != nil {
			return e, err
		}
	}
	return e, nil
}

// removeRecording deletes a recording's file under the store's Recordings folder,
// never outside it.
func (s *Store) removeRecording(rel string) error {
	if s.Recordings == "" || rel == "" {
		return nil
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return fmt.Errorf("erase recording %q: not under the recordings folder", rel)
	}
	if err := os.Remove(filepath.Join(s.Recordings, clean)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("erase recording %s: %w", rel, err)
	}
	return nil
}

// idList reads a list of ids.
func idList[T any](ctx context.Context, t *tx, q string, args ...any) ([]T, error) {
	var ids []T
	err := t.SelectContext(ctx, &ids, t.Rebind(q), args...)
	return ids, err
}

// erasePerson erases a number's data in a transaction and returns the recordings' files
// to delete.
func erasePerson(ctx context.Context, t *tx, actor Actor, r *DataRequest, e *Erased) ([]string, error) {
	phone := r.Phone
	digits := "%" + strings.TrimPrefix(phone, "+84") + "%" // the number however written: 0905..., +84905..., 84905...
	callIDs, err := idList[string](ctx, t, `SELECT id FROM calls WHERE caller_number = ? OR caller_id IN (SELECT id FROM callers WHERE phone = ?)
		OR caller_raw LIKE ?`, phone, phone, digits)
	if err != nil {
		return nil, fmt.Errorf("erase: calls: %w", err)
	}
	ticketIDs, err := idList[int64](ctx, t, `SELECT t.id FROM tickets t WHERE `+personTickets, phone, phone, phone)
	if err != nil {
		return nil, fmt.Errorf("erase: tickets: %w", err)
	}
	caseIDs, err := idList[int64](ctx, t, `SELECT id FROM cases WHERE phone = ? OR id IN (SELECT t.case_id FROM tickets t
		WHERE t.case_id IS NOT NULL AND `+personTickets+`)`, phone, phone, phone, phone)
	if err != nil {
		return nil, fmt.Errorf("erase: cases: %w", err)
	}
	e.Calls, e.Tickets, e.Cases = len(callIDs), len(ticketIDs), len(caseIDs)
	exec := func(what, q string, args ...any) (int, error) {
		res, err := t.ExecContext(ctx, t.Rebind(q), args...)
		if err != nil {
			return 0, fmt.Errorf("erase: %s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		return int(n), nil
	}
	var files []string
	for _, id := range callIDs {
		paths, err := idList[string](ctx, t, `SELECT path FROM recordings WHERE call_id = ?`, id)
		if err != nil {
			return nil, fmt.Errorf("erase: recordings: %w", err)
		}
		files = append(files, paths...)
		steps := []struct {
			what, q string
			args    []any
		}{
			{"recordings of a call", `DELETE FROM recordings WHERE call_id = ?`, []any{id}},
			{"a call", `UPDATE calls SET caller_number = NULL, caller_id = NULL, caller_raw = '', ivr_answers = '{}' WHERE id = ?`, []any{id}},
			{"the queue log", `UPDATE queue_log SET
				data1 = CASE WHEN data1 LIKE ? THEN '' ELSE data1 END, data2 = CASE WHEN data2 LIKE ? THEN '' ELSE data2 END,
				data3 = CASE WHEN data3 LIKE ? THEN '' ELSE data3 END, data4 = CASE WHEN data4 LIKE ? THEN '' ELSE data4 END,
				data5 = CASE WHEN data5 LIKE ? THEN '' ELSE data5 END WHERE call_id = ?`, []any{digits, digits, digits, digits, digits, id}},
		}
		for _, st := range steps {
			n, err := exec(st.what, st.q, st.args...)
			if err != nil {
				return nil, err
			}
			if st.what == "recordings of a call" {
				e.Recordings += n
			}
		}
	}
	n, err := exec("callback requests", `DELETE FROM callback_requests WHERE number = ?`, phone)
	if err != nil {
		return nil, err
	}
	e.Callbacks += n
	note := fmt.Sprintf("dữ liệu cá nhân đã xoá theo yêu cầu YC-%d", r.ID)
	for _, id := range ticketIDs {
		paths, err := idList[string](ctx, t, `SELECT path FROM recordings WHERE ticket_id = ?`, id)
		if err != nil {
			return nil, fmt.Errorf("erase: recordings: %w", err)
		}
		files = append(files, paths...)
		n, err := exec("recordings of a ticket", `DELETE FROM recordings WHERE ticket_id = ?`, id)
		if err != nil {
			return nil, err
		}
		e.Recordings += n
		if n, err = exec("callbacks of a ticket", `DELETE FROM callback_requests WHERE ticket_id = ?`, id); err != nil {
			return nil, err
		}
		e.Callbacks += n
		if _, err := exec("a ticket", `UPDATE tickets SET caller_id = NULL, contact_phone = NULL, summary = '', details = '',
			ivr_answers = '{}', updated_at = ? WHERE id = ?`, t.now, id); err != nil {
			return nil, err
		}
		if _, err := exec("a ticket's trail", `DELETE FROM events WHERE entity = 'ticket' AND entity_id = ?`, id); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, t, actor, EntityTicket, id, change{kind: "erased", note: note}); err != nil {
			return nil, err
		}
	}
	for _, id := range caseIDs {
		for _, st := range []struct{ what, q string }{
			{"a case", `UPDATE cases SET person_name = '', name_key = '', phone = NULL, birth_year = NULL, sex = '', address = '',
				exposure_note = '', auto_calls = 'opted_out' WHERE id = ?`},
			{"a case's follow-ups", `UPDATE follow_ups SET note = '', answers = '{}' WHERE case_id = ?`},
			{"a case's follow-up calls", `UPDATE follow_up_calls SET answers = '{}' WHERE case_id = ?`},
			{"a case's trail", `DELETE FROM events WHERE entity = 'case' AND entity_id = ?`},
		} {
			if _, err := exec(st.what, st.q, id); err != nil {
				return nil, err
			}
		}
		if err := addEvent(ctx, t, actor, EntityCase, id, change{kind: "erased", note: note}); err != nil {
			return nil, err
		}
	}
	if _, err := exec("the caller", `DELETE FROM callers WHERE phone = ?`, phone); err != nil {
		return nil, err
	}
	if e.AccessEntries, err = exec("the access log", `UPDATE access_log SET phone = NULL WHERE phone = ?`, phone); err != nil {
		return nil, err
	}
	if _, err := exec("the withdrawal mark", `DELETE FROM consent_withdrawals WHERE phone = ?`, phone); err != nil {
		return nil, err
	}
	if _, err := exec("the requests", `UPDATE data_requests SET phone = ?, requester = '', details = '' WHERE phone = ?`, MaskPhone(phone), phone); err != nil {
		return nil, err
	}
	r.Phone = MaskPhone(phone)
	return files, nil
}
