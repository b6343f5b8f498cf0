package tickets

import (
	"context"
	"fmt"
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
// caller, the contact number, the names, addresses, texts, answers and the notes and
// personal values of their trail (anonymiseTicket, anonymiseCase; one entry says it was
// erased, and for which request); follow-ups lose their notes and answers;
// voice messages and call recordings lose their rows, and their files under the store's
// Recordings folder (with recordings to delete and no folder set, nothing is erased);
// callback requests and the caller go; the access log keeps who saw what, when, without
// the number; the queue log loses the caller's id. The requests of
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
		if len(files) > 0 && s.Recordings == "" { // nothing is erased rather than the files left behind
			return fmt.Errorf("erase request %d: no recordings folder is set (HOTLINE_RECORDINGS): its recordings cannot be deleted", r.ID)
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
	if err := removeRecordingFiles(s.Recordings, files); err != nil {
		return e, fmt.Errorf("erase the recordings of request %d: %w", requestID, err)
	}
	return e, nil
}

// idList reads a list of ids.
func idList[T any](ctx context.Context, t *tx, q string, args ...any) ([]T, error) {
	var ids []T
	err := t.SelectContext(ctx, &ids, t.Rebind(q), args...)
	return ids, err
}

// erasePerson erases a number's data in a transaction, with the retention's
// anonymisation of a call, a ticket and a case (forget.go) and what only a person's
// deletion reaches (the call recordings, the callback requests, the queue log, the access
// log, the withdrawal mark, the requests), and returns the recordings' files to delete.
func erasePerson(ctx context.Context, t *tx, actor Actor, r *DataRequest, e *Erased) ([]string, error) {
	phone := r.Phone
	digits := "%" + strings.TrimPrefix(phone, "+84") + "%" // the number however written: 0905..., +84905..., 84905...
	callIDs, err := idList[string](ctx, t, `SELECT id FROM calls WHERE caller_number = ? OR caller_id IN (SELECT id FROM callers WHERE phone = ?)
		OR caller_raw LIKE ? OR (direction <> 'inbound' AND dialed LIKE ?)`, phone, phone, digits, digits)
	if err != nil {
		return nil, fmt.Errorf("erase: calls: %w", err)
	}
	ticketIDs, err := idList[int64](ctx, t, `SELECT t.id FROM tickets t WHERE `+personTickets, phone, phone, phone)
	if err != nil {
		return nil, fmt.Errorf("erase: tickets: %w", err)
	}
	caseIDs, err := idList[int64](ctx, t, `SELECT id FROM cases WHERE `+personCases, phone)
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
	// The callback requests go before the anonymisation blanks their number.
	if e.Callbacks, err = exec("callback requests", `DELETE FROM callback_requests WHERE number = ?`, phone); err != nil {
		return nil, err
	}
	var files []string
	note := fmt.Sprintf("dữ liệu cá nhân đã xoá theo yêu cầu YC-%d", r.ID)
	for _, id := range ticketIDs {
		paths, err := anonymiseTicket(ctx, t, id)
		if err != nil {
			return nil, err
		}
		files, e.Recordings = append(files, paths...), e.Recordings+len(paths)
		if err := addEvent(ctx, t, actor, EntityTicket, id, change{kind: "erased", note: note}); err != nil {
			return nil, err
		}
	}
	for _, id := range caseIDs {
		if err := anonymiseCase(ctx, t, id); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, t, actor, EntityCase, id, change{kind: "erased", note: note}); err != nil {
			return nil, err
		}
	}
	for _, id := range callIDs {
		paths, err := idList[string](ctx, t, `SELECT path FROM recordings WHERE call_id = ?`, id)
		if err != nil {
			return nil, fmt.Errorf("erase: recordings: %w", err)
		}
		files, e.Recordings = append(files, paths...), e.Recordings+len(paths)
		if _, err := exec("recordings of a call", `DELETE FROM recordings WHERE call_id = ?`, id); err != nil {
			return nil, err
		}
		if err := anonymiseCall(ctx, t, id); err != nil {
			return nil, err
		}
		if _, err := exec("the queue log", `UPDATE queue_log SET
			data1 = CASE WHEN data1 LIKE ? THEN '' ELSE data1 END, data2 = CASE WHEN data2 LIKE ? THEN '' ELSE data2 END,
			data3 = CASE WHEN data3 LIKE ? THEN '' ELSE data3 END, data4 = CASE WHEN data4 LIKE ? THEN '' ELSE data4 END,
			data5 = CASE WHEN data5 LIKE ? THEN '' ELSE data5 END WHERE call_id = ?`, digits, digits, digits, digits, digits, id); err != nil {
			return nil, err
		}
	}
	if _, err := exec("the caller", `DELETE FROM callers WHERE phone = ?
		AND NOT EXISTS (SELECT 1 FROM calls WHERE caller_id = callers.id) AND NOT EXISTS (SELECT 1 FROM tickets WHERE caller_id = callers.id)`, phone); err != nil {
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
