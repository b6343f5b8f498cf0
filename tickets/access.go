package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Access log actions: what a user saw of a citizen's personal data.
const (
	AccessTicketPhone = "ticket_phone" // a ticket's page with the caller's full number
	AccessRecording   = "recording"    // a voice message played or downloaded
	AccessCase        = "case"         // a suspected case's page
	AccessCaller      = "caller"       // a caller's history
	AccessDeskNumber  = "desk_number"  // the number of the call in an agent's hands, on their desk bar
	AccessOfferNumber = "offer_number" // the number of a callback offered to an agent, on their desk bar
	AccessBoardNumber = "board_number" // a case's number in full on an officer's board
)

// AccessLabels names the access log's actions.
var AccessLabels = []Label{
	{AccessTicketPhone, "Xem số điện thoại trên phiếu", "Phone number on a ticket"},
	{AccessRecording, "Nghe lời nhắn thoại", "Voice message"},
	{AccessCase, "Xem ca nghi nhiễm", "Suspected case"},
	{AccessCaller, "Xem lịch sử người gọi", "Caller's history"},
	{AccessDeskNumber, "Xem số người gọi trên thanh trực", "Caller's number on the desk bar"},
	{AccessOfferNumber, "Xem số trong lời mời gọi lại", "Number of a callback offered"},
	{AccessBoardNumber, "Xem số trên bảng theo dõi hằng ngày", "Number on the follow-up board"},
	{AccessDataExport, "Xuất dữ liệu cho người yêu cầu", "Export for a data-subject request"},
}

// Access is one entry of the access log: who saw what of whom, when, from where.
type Access struct {
	ID         int64     `db:"id"`
	At         time.Time `db:"at"`
	UserID     *int64    `db:"user_id"`
	Username   string    `db:"username"`
	Action     string    `db:"action"`
	Subject    string    `db:"subject"` // HL-260001, CA-260001 (a voice message: its ticket's)
	Phone      *string   `db:"phone"`   // the citizen's number it concerns, E.164
	RemoteAddr string    `db:"remote_addr"`
}

// LogAccess writes an entry of the access log.
func (s *Store) LogAccess(ctx context.Context, actor Actor, a *Access) error {
	return s.inTx(ctx, func(t *tx) error { return logAccess(ctx, t, actor, a) })
}

// logAccess writes an entry of the access log in a transaction.
func logAccess(ctx context.Context, t *tx, actor Actor, a *Access) error {
	a.At, a.UserID, a.Username = t.now, actor.UserID, actor.Name
	err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO access_log (at, user_id, username, action, subject, phone, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.At, a.UserID, a.Username, a.Action, a.Subject, a.Phone, a.RemoteAddr).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("log access: %w", err)
	}
	return nil
}

// LogRecordingPlay writes to the access log a play of a voice message by the actor, who
// must be allowed to hear it (GetRecording), and returns the entry. The subject and the
// citizen's number are read here, from the message's ticket itself: its reference, and its
// caller's number (or the number a withheld call was linked to). A reporter hidden from an
// officer is logged so too, never shown to them, so that a supervisor who looks up that
// number finds everyone who listened to them. A message on no ticket yet goes by its own
// number ("recording 3").
func (s *Store) LogRecordingPlay(ctx context.Context, actor Actor, recordingID int64, remoteAddr string) (*Access, error) {
	a := &Access{Action: AccessRecording, Subject: fmt.Sprintf("recording %d", recordingID), RemoteAddr: remoteAddr}
	err := s.inTx(ctx, func(t *tx) error {
		var ticketID *int64
		err := t.GetContext(ctx, &ticketID, t.Rebind(`SELECT ticket_id FROM recordings WHERE id = ?`), recordingID)
		if err != nil {
			return fmt.Errorf("log a play of recording %d: %w", recordingID, notFound(err, "ghi âm"))
		}
		switch {
		case ticketID != nil:
			tk, err := getTicket(ctx, t, actor, *ticketID) // as stored: the numbers are not hidden here
			if err != nil {
				return err
			}
			a.Subject, a.Phone = tk.Ref, tk.CallerNumber
			if a.Phone == nil {
				a.Phone = tk.ContactPhone
			}
		case !actor.SeesCallCentre():
			return Errorf(ENOTFOUND, "Không tìm thấy ghi âm.")
		}
		return logAccess(ctx, t, actor, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// LogAccesses writes several entries of the access log at once, in one transaction: a
// page that shows many citizens' numbers (an officer's board) logs each one.
func (s *Store) LogAccesses(ctx context.Context, actor Actor, list []*Access) error {
	if len(list) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		for _, a := range list {
			a.At, a.UserID, a.Username = t.now, actor.UserID, actor.Name
			err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO access_log (at, user_id, username, action, subject, phone, remote_addr)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.At, a.UserID, a.Username, a.Action, a.Subject, a.Phone, a.RemoteAddr).Scan(&a.ID)
			if err != nil {
				return fmt.Errorf("log access: %w", err)
			}
		}
		return nil
	})
}

// AccessFilter selects access log entries: by user, by the citizen's number, by subject.
type AccessFilter struct {
	Username string
	Phone    string     // in any shape people type it, or its last six digits
	Subject  string     // a ticket's or a case's reference in any case, or a subject as logged
	From, To *time.Time // entries at or after From, before To (a flagged hour)
	Before   int64      // entries older than this id (paging)
	Limit    int
}

// subjectCondition selects the entries about a subject: a ticket's or a case's reference
// in any case (HL-260001, ca-260001), or a subject as it was logged ("recording 3"). A
// ticket's reference also finds the plays of its voice messages logged before they were
// logged under the ticket, as "recording N".
func subjectCondition(subject string) (string, []any) {
	q := strings.TrimSpace(subject)
	switch {
	case q == "":
		return "", nil
	case !IsTicketRef(q) && !isCaseRef(q):
		return "subject = ?", []any{q}
	}
	q = strings.ToUpper(q)
	if isCaseRef(q) {
		return "subject = ?", []any{q}
	}
	return `(subject = ? OR subject IN (SELECT 'recording ' || r.id FROM recordings r JOIN tickets t ON t.id = r.ticket_id
		WHERE t.ref = ?))`, []any{q, q}
}

// ListAccess returns access log entries newest first. Only supervisors read it.
func (s *Store) ListAccess(ctx context.Context, actor Actor, f AccessFilter) ([]*Access, error) {
	if !actor.IsSupervisor() && actor.Role != RoleSystem {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được nhật ký truy cập.")
	}
	var where []string
	var args []any
	if f.Username != "" {
		where, args = append(where, "username = ?"), append(args, FoldUsername(f.Username))
	}
	if f.Phone != "" {
		cond, a, err := phoneCondition("phone", f.Phone)
		if err != nil {
			return nil, err
		}
		where, args = append(where, cond), append(args, a...)
	}
	if cond, a := subjectCondition(f.Subject); cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	if f.From != nil {
		where, args = append(where, "at >= ?"), append(args, f.From.UTC())
	}
	if f.To != nil {
		where, args = append(where, "at < ?"), append(args, f.To.UTC())
	}
	if f.Before > 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	q := `SELECT id, at, user_id, username, action, subject, phone, remote_addr FROM access_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	var list []*Access
	if err := s.db.SelectContext(ctx, &list, s.db.Rebind(q+` ORDER BY id DESC LIMIT ?`), append(args, limit(f.Limit))...); err != nil {
		return nil, fmt.Errorf("list access: %w", err)
	}
	return list, nil
}
