package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Whether the hotline calls a case by itself each day, and if not, why.
const (
	AutoCallsOn        = "on"
	AutoCallsPaused    = "paused"     // an agent or officer paused them
	AutoCallsOptedOut  = "opted_out"  // the citizen pressed 9 to stop them
	AutoCallsBadNumber = "bad_number" // the network said the number does not exist
)

// AutoCallStates names the automated-call states of a case.
var AutoCallStates = []Label{
	{AutoCallsOn, "Đang gọi tự động", "Automated calls on"},
	{AutoCallsPaused, "Tạm dừng gọi tự động", "Automated calls paused"},
	{AutoCallsOptedOut, "Người dân từ chối cuộc gọi tự động", "Opted out of automated calls"},
	{AutoCallsBadNumber, "Số điện thoại không gọi được", "Number does not exist"},
}

// AutoCallStateLabel returns the label of a case's automated-call state.
func AutoCallStateLabel(code string) Label { l, _ := findLabel(AutoCallStates, code); return l }

// Results of one automated follow-up call attempt.
const (
	AttemptWell          = "well"           // all answers no: the day's follow-up is well
	AttemptSymptomatic   = "symptomatic"    // a yes: the day's follow-up is symptomatic
	AttemptAgent         = "agent"          // the citizen asked for an agent (0), who records the day
	AttemptOptedOut      = "opted_out"      // the citizen pressed 9 to stop the calls
	AttemptPartial       = "partial"        // answered, hung up in the middle of the questions
	AttemptNoResponse    = "no_response"    // answered, nobody pressed 1 (voicemail, an announcement)
	AttemptBusy          = "busy"           // cause 17
	AttemptNoAnswer      = "no_answer"      // rang out
	AttemptRejected      = "rejected"       // cause 21: not tried again that day
	AttemptInvalidNumber = "invalid_number" // causes 1, 22, 28: calls stop until the number is fixed
	AttemptNetwork       = "network"        // causes 34, 38, 41, 42: tried again soon, not counted
	AttemptInterrupted   = "interrupted"    // the hotline stopped during the call: tried again, not counted
	AttemptFailed        = "failed"         // the hotline or Asterisk could not place the call
)

// AttemptResults names the results of automated call attempts.
var AttemptResults = []Label{
	{AttemptWell, "Trả lời đủ, không có dấu hiệu", "Answered, no signs"},
	{AttemptSymptomatic, "Có dấu hiệu", "With signs"},
	{AttemptAgent, "Chuyển tổng đài viên", "Put through to an agent"},
	{AttemptOptedOut, "Từ chối cuộc gọi tự động", "Opted out"},
	{AttemptPartial, "Gác máy giữa chừng", "Hung up midway"},
	{AttemptNoResponse, "Nghe máy, không bấm phím", "Answered, no key"},
	{AttemptBusy, "Máy bận", "Busy"},
	{AttemptNoAnswer, "Không nghe máy", "No answer"},
	{AttemptRejected, "Từ chối cuộc gọi", "Rejected"},
	{AttemptInvalidNumber, "Số không tồn tại", "Invalid number"},
	{AttemptNetwork, "Lỗi mạng", "Network failure"},
	{AttemptInterrupted, "Gián đoạn do sự cố", "Interrupted"},
	{AttemptFailed, "Không gọi được", "Could not be placed"},
}

// AttemptResultLabel returns the label of an attempt's result.
func AttemptResultLabel(code string) Label { l, _ := findLabel(AttemptResults, code); return l }

// AttemptResultForCause says what an attempt that was never answered means, from
// Asterisk's hang-up cause (Q.850).
func AttemptResultForCause(cause int) string {
	switch cause {
	case 17:
		return AttemptBusy
	case 21:
		return AttemptRejected
	case 1, 22, 28:
		return AttemptInvalidNumber
	case 34, 38, 41, 42:
		return AttemptNetwork
	}
	return AttemptNoAnswer
}

// CallPolicy is the rules of automated follow-up calls.
type CallPolicy struct {
	MaxAttempts int           // attempts a day that count
	Spacing     time.Duration // between two counted attempts
	RetrySoon   time.Duration // after a network failure or an interruption
}

// DefaultCallPolicy is 3 attempts a day, 45 min apart, and 2 min after a network failure.
func DefaultCallPolicy() CallPolicy {
	return CallPolicy{MaxAttempts: 3, Spacing: 45 * time.Minute, RetrySoon: 2 * time.Minute}
}

// Attempt states.
const (
	AttemptRequested = "requested" // an agent or officer asked for a call now
	AttemptDialing   = "dialing"   // claimed and being dialled
	AttemptAnswered  = "answered"  // the citizen answered
	AttemptEnded     = "ended"
)

// FollowUpCall is one attempt of an automated follow-up call.
type FollowUpCall struct {
	ID          int64      `db:"id"`
	CaseID      int64      `db:"case_id"`
	FollowUpID  int64      `db:"follow_up_id"`
	Day         string     `db:"day"`
	Attempt     int        `db:"attempt"`
	Counted     bool       `db:"counted"`
	State       string     `db:"state"`
	CallID      *string    `db:"call_id"`
	RequestedBy *int64     `db:"requested_by"`
	CreatedAt   time.Time  `db:"created_at"`
	StartedAt   *time.Time `db:"started_at"`
	AnsweredAt  *time.Time `db:"answered_at"`
	EndedAt     *time.Time `db:"ended_at"`
	Cause       *int       `db:"cause"`
	Result      *string    `db:"result"`
	Answers     Answers    `db:"answers"`
}

const followUpCallColumns = `id, case_id, follow_up_id, day, attempt, counted, state, call_id, requested_by, created_at,
	started_at, answered_at, ended_at, cause, result, answers`

// FollowUpCallTarget is a case to call: its day's follow-up, number and language.
type FollowUpCallTarget struct {
	CaseID     int64  `db:"case_id"`
	CaseRef    string `db:"case_ref"`
	FollowUpID int64  `db:"follow_up_id"`
	Phone      string `db:"phone"`
	Language   string `db:"language"`
	// RequestID is the attempt an agent or officer asked for, if it is one.
	RequestID *int64 `db:"request_id"`
}

// dayDone lists the attempt results after which a case is not called again that day.
const dayDone = `('well', 'symptomatic', 'agent', 'opted_out', 'rejected', 'invalid_number')`

// FollowUpCallsDue returns up to n cases to call at now: first the calls agents and
// officers asked for, then the cases in monitoring with a follow-up due today (Huế day)
// and no result yet, automated calls on, a number, no attempt in progress, fewer than
// MaxAttempts counted attempts today, none of them final, the last counted one at least
// Spacing ago and the last uncounted one at least RetrySoon ago. A number whose holder
// withdrew consent or objected (ConsentWithdrawn) is never called, asked for or not.
func (s *Store) FollowUpCallsDue(ctx context.Context, now time.Time, n int) ([]*FollowUpCallTarget, error) {
	day := Day(now)
	var list []*FollowUpCallTarget
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT c.id AS case_id, c.ref AS case_ref, a.follow_up_id,
		c.phone, c.language, a.id AS request_id
		FROM follow_up_calls a JOIN cases c ON c.id = a.case_id
		WHERE a.state = 'requested' AND c.phone IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w WHERE w.phone = c.phone)
		ORDER BY a.id LIMIT ?`), n)
	if err != nil {
		return nil, fmt.Errorf("follow-up calls asked for: %w", err)
	}
	if len(list) >= n {
		return list, nil
	}
	var due []*FollowUpCallTarget
	spaced, soon := now.Add(-s.CallPolicy.Spacing).UTC(), now.Add(-s.CallPolicy.RetrySoon).UTC()
	err = s.db.SelectContext(ctx, &due, s.db.Rebind(`SELECT c.id AS case_id, c.ref AS case_ref, f.id AS follow_up_id,
		c.phone, c.language
		FROM follow_ups f JOIN cases c ON c.id = f.case_id
		WHERE f.due_on = ? AND f.result IS NULL AND c.status IN ('monitoring', 'referred', 'tested_negative')
			AND c.auto_calls = 'on' AND c.phone IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w WHERE w.phone = c.phone)
			AND NOT EXISTS (SELECT 1 FROM follow_up_calls a WHERE a.case_id = c.id AND a.day = ?
				AND (a.state <> 'ended' OR a.result IN `+dayDone+`
					OR (a.counted = 1 AND a.ended_at > ?) OR (a.counted = 0 AND a.ended_at > ?)))
			AND (SELECT COUNT(*) FROM follow_up_calls a WHERE a.case_id = c.id AND a.day = ? AND a.counted = 1) < ?
		ORDER BY f.id LIMIT ?`), day, day, spaced, soon, day, s.CallPolicy.MaxAttempts, n-len(list))
	if err != nil {
		return nil, fmt.Errorf("follow-up calls due: %w", err)
	}
	return append(list, due...), nil
}

// ClaimFollowUpCall claims an attempt for a target before it is dialled, so that no
// attempt is ever dialled twice, and writes the record of the call about to be placed
// (call, if not nil) in the same transaction. It fails with ECONFLICT when the case has
// an attempt in progress or the request was claimed already.
func (s *Store) ClaimFollowUpCall(ctx context.Context, target *FollowUpCallTarget, now time.Time, call *Call) (*FollowUpCall, error) {
	var a FollowUpCall
	err := s.inTx(ctx, func(t *tx) error {
		var callID *string
		if call != nil {
			if err := saveCall(ctx, t, call); err != nil {
				return err
			}
			callID = &call.ID
		}
		return claimFollowUpCall(ctx, t, target, now, callID, &a)
	})
	if err != nil {
		return nil, fmt.Errorf("claim follow-up call of %s: %w", target.CaseRef, err)
	}
	return &a, nil
}

func claimFollowUpCall(ctx context.Context, t *tx, target *FollowUpCallTarget, now time.Time, callID *string, a *FollowUpCall) error {
	day := Day(now)
	// The dialer keeps its list of cases due while it paces its calls: a withdrawal, an
	// erasure or a new number committed meanwhile is seen here, in the claim's own
	// transaction, so the number is never dialled after it.
	var still int
	if err := t.GetContext(ctx, &still, t.Rebind(`SELECT COUNT(*) FROM cases c WHERE c.id = ? AND c.phone = ?
		AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w WHERE w.phone = c.phone)`), target.CaseID, target.Phone); err != nil {
		return err
	}
	if still == 0 {
		return Errorf(ECONFLICT, "Ca %s không còn gọi số này: số đã đổi hoặc đã xoá, hoặc người dân đã rút lại sự đồng ý.", target.CaseRef)
	}
	var open int
	if err := t.GetContext(ctx, &open, t.Rebind(`SELECT COUNT(*) FROM follow_up_calls
		WHERE case_id = ? AND state IN ('dialing', 'answered')`), target.CaseID); err != nil {
		return err
	}
	if open > 0 {
		return Errorf(ECONFLICT, "Ca %s đang có cuộc gọi theo dõi.", target.CaseRef)
	}
	counted, err := countedAttempts(ctx, t, target.CaseID, day)
	if err != nil {
		return err
	}
	at := now.UTC()
	if target.RequestID != nil {
		r, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET state = 'dialing', day = ?, attempt = ?,
			started_at = ?, call_id = ? WHERE id = ? AND state = 'requested'`), day, counted+1, at, callID, *target.RequestID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return Errorf(ECONFLICT, "Yêu cầu gọi ca %s đã được thực hiện.", target.CaseRef)
		}
		return t.GetContext(ctx, a, t.Rebind(`SELECT `+followUpCallColumns+` FROM follow_up_calls WHERE id = ?`), *target.RequestID)
	}
	return t.GetContext(ctx, a, t.Rebind(`INSERT INTO follow_up_calls (case_id, follow_up_id, day, attempt, state,
		created_at, started_at, call_id) VALUES (?, ?, ?, ?, 'dialing', ?, ?, ?) RETURNING `+followUpCallColumns),
		target.CaseID, target.FollowUpID, day, counted+1, at, at, callID)
}

// countedAttempts counts a case's attempts of a day that ended and count.
func countedAttempts(ctx context.Context, t *tx, caseID int64, day string) (int, error) {
	var n int
	err := t.GetContext(ctx, &n, t.Rebind(`SELECT COUNT(*) FROM follow_up_calls
		WHERE case_id = ? AND day = ? AND counted = 1 AND state = 'ended'`), caseID, day)
	return n, err
}

// FollowUpCallAnswered notes that the citizen answered an attempt.
func (s *Store) FollowUpCallAnswered(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE follow_up_calls SET state = 'answered', answered_at = ?
		WHERE id = ? AND state = 'dialing'`), at.UTC(), id)
	return err
}

// RecordFollowUpCallResult records what the citizen answered on an automated call as
// the day's follow-up, as soon as the questions are done: all no is well; any yes is
// symptomatic, which refers the case and raises a P1 ticket for its unit (returned, for
// the agent who may take the call). A day that already has a result keeps it.
func (s *Store) RecordFollowUpCallResult(ctx context.Context, id int64, answers Answers) (*Ticket, error) {
	var tk *Ticket
	err := s.inTx(ctx, func(t *tx) error {
		a, err := getFollowUpCall(ctx, t, id)
		if err != nil {
			return err
		}
		result := AttemptWell
		if ShowsSigns(answers) {
			result = AttemptSymptomatic
		}
		tk, err = s.recordCallResult(ctx, t, a, result, answers)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET result = ?, answers = ? WHERE id = ?`), result, answers, a.ID)
		return err
	})
	return tk, err
}

// recordCallResult records an automated call's result as the day's follow-up, if the day
// has none yet and the case is still followed up.
func (s *Store) recordCallResult(ctx context.Context, t *tx, a *FollowUpCall, result string, answers Answers) (*Ticket, error) {
	var f FollowUp
	if err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+followUpColumns+` FROM follow_ups WHERE id = ?`), a.FollowUpID); err != nil {
		return nil, fmt.Errorf("follow-up of call attempt %d: %w", a.ID, err)
	}
	c, err := getCase(ctx, t, ActorIVR, a.CaseID)
	if err != nil {
		return nil, err
	}
	if f.Result != nil || !followsUp(c.Status) {
		return nil, nil
	}
	fu := map[string]string{AttemptWell: ResultWell, AttemptSymptomatic: ResultSymptomatic}[result]
	if fu == "" {
		fu = ResultNotReached
	}
	note := fmt.Sprintf("cuộc gọi tự động lần %d: %s", a.Attempt, AttemptResultLabel(result).Vi)
	return s.recordFollowUp(ctx, t, ActorIVR, f.ID, fu, MethodAutomatedCall, answers, note)
}

// ShowsSigns reports whether answers to the follow-up questions hold a yes.
func ShowsSigns(a Answers) bool {
	for _, v := range a {
		if v == "yes" {
			return true
		}
	}
	return false
}

func getFollowUpCall(ctx context.Context, q sqlxQueryer, id int64) (*FollowUpCall, error) {
	var a FollowUpCall
	err := q.GetContext(ctx, &a, q.Rebind(`SELECT `+followUpCallColumns+` FROM follow_up_calls WHERE id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("follow-up call %d: %w", id, notFound(err, "cuộc gọi theo dõi"))
	}
	return &a, nil
}

// OptOutOfFollowUpCalls stops automated calls for the case of an attempt, because the
// citizen pressed 9 on it; the case's trail shows it. The citizen hears it confirmed only
// after this returns.
func (s *Store) OptOutOfFollowUpCalls(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		a, err := getFollowUpCall(ctx, t, id)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET result = ? WHERE id = ?`), AttemptOptedOut, a.ID); err != nil {
			return err
		}
		return setAutoCalls(ctx, t, ActorIVR, a.CaseID, AutoCallsOptedOut, "người dân bấm phím 9 trong cuộc gọi tự động")
	})
}

func setAutoCalls(ctx context.Context, t *tx, actor Actor, caseID int64, state, note string) error {
	var old string
	if err := t.GetContext(ctx, &old, t.Rebind(`SELECT auto_calls FROM cases WHERE id = ?`), caseID); err != nil {
		return fmt.Errorf("automated calls of case %d: %w", caseID, err)
	}
	if old == state {
		return nil
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE cases SET auto_calls = ?, updated_at = ? WHERE id = ?`), state, t.now, caseID); err != nil {
		return err
	}
	return addEvent(ctx, t, actor, EntityCase, caseID, change{kind: "auto_calls", field: "auto_calls", old: old, new: state, note: note})
}

// FollowUpCallEnd is how an attempt ended.
type FollowUpCallEnd struct {
	Result  string // an Attempt result
	Cause   *int   // Asterisk's hang-up cause, when the call was not answered
	Answers Answers
	Call    *Call // the call's final record, written in the same transaction if set
}

// EndFollowUpCall closes an attempt and applies the rules: network failures and
// interruptions do not count as attempts; an invalid number stops the case's automated
// calls and raises a ticket for its unit to fix the number; a rejected call, or the
// last attempt of the day unanswered, makes the day "not reached" (which feeds the
// missed-days escalation); a citizen who hung up after a yes is recorded symptomatic.
// Ending an attempt twice changes nothing.
func (s *Store) EndFollowUpCall(ctx context.Context, id int64, e FollowUpCallEnd) error {
	return s.inTx(ctx, func(t *tx) error {
		if e.Call != nil {
			if err := saveCall(ctx, t, e.Call); err != nil {
				return err
			}
		}
		a, err := getFollowUpCall(ctx, t, id)
		if err != nil || a.State == AttemptEnded {
			return err
		}
		result := e.Result
		if a.Result != nil && (*a.Result == AttemptWell || *a.Result == AttemptSymptomatic || *a.Result == AttemptOptedOut) {
			result = *a.Result // recorded during the call
		}
		answers := e.Answers
		if answers == nil {
			answers = a.Answers
		}
		if (result == AttemptPartial || result == AttemptNoResponse) && ShowsSigns(answers) {
			result = AttemptSymptomatic
			if _, err := s.recordCallResult(ctx, t, a, result, answers); err != nil {
				return err
			}
		}
		counted := result != AttemptNetwork && result != AttemptInterrupted
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET state = 'ended', ended_at = ?, cause = ?,
			result = ?, answers = ?, counted = ? WHERE id = ?`), t.now, e.Cause, result, answers, counted, a.ID); err != nil {
			return fmt.Errorf("end follow-up call %d: %w", a.ID, err)
		}
		switch result {
		case AttemptInvalidNumber:
			return s.badNumber(ctx, t, a, e.Cause)
		case AttemptRejected:
			_, err := s.recordCallResult(ctx, t, a, result, nil)
			return err
		case AttemptBusy, AttemptNoAnswer, AttemptPartial, AttemptNoResponse, AttemptFailed:
			n, err := countedAttempts(ctx, t, a.CaseID, a.Day)
			if err != nil {
				return err
			}
			if n >= s.CallPolicy.MaxAttempts {
				_, err := s.recordCallResult(ctx, t, a, result, nil)
				return err
			}
		}
		return nil
	})
}

// badNumber stops automated calls to a number the network says does not exist, and
// asks the case's unit to find the right one.
func (s *Store) badNumber(ctx context.Context, t *tx, a *FollowUpCall, cause *int) error {
	c, err := getCase(ctx, t, ActorSystem, a.CaseID)
	if err != nil {
		return err
	}
	why := "số điện thoại không tồn tại"
	if cause != nil {
		why = fmt.Sprintf("%s (mã %d)", why, *cause)
	}
	if err := setAutoCalls(ctx, t, ActorSystem, c.ID, AutoCallsBadNumber, why); err != nil {
		return err
	}
	_, err = s.raiseUnitTicket(ctx, t, c, CategoryOther, why,
		fmt.Sprintf("Cuộc gọi theo dõi tự động tới ca %s (%s) không thực hiện được: %s. Cần xác minh và sửa số điện thoại.", c.Ref, c.PersonName, why))
	return err
}

// InterruptFollowUpCalls closes the attempts a stopped hotline left in progress as
// interrupted: they do not count, and the case is called again later that day. It
// returns how many it closed. Call it at start, before dialling.
func (s *Store) InterruptFollowUpCalls(ctx context.Context) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		r, err := t.ExecContext(ctx, t.Rebind(`UPDATE follow_up_calls SET state = 'ended', ended_at = ?, result = ?, counted = 0
			WHERE state IN ('dialing', 'answered')`), t.now, AttemptInterrupted)
		if err != nil {
			return err
		}
		m, _ := r.RowsAffected()
		n = int(m)
		return nil
	})
	return n, err
}

// SetAutoCalls pauses (AutoCallsPaused) or resumes (AutoCallsOn) a case's automated
// calls, audited. A citizen who opted out is not called again by resuming.
func (s *Store) SetAutoCalls(ctx context.Context, actor Actor, caseID int64, state, note string) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa ca.")
	}
	if state != AutoCallsOn && state != AutoCallsPaused {
		return Errorf(EINVALID, "Trạng thái gọi tự động %q không hợp lệ.", state)
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, caseID)
		if err != nil {
			return err
		}
		if state == AutoCallsOn && c.AutoCalls == AutoCallsOptedOut {
			return Errorf(ECONFLICT, "Người dân đã bấm phím 9 để từ chối cuộc gọi tự động; không bật lại được.")
		}
		return setAutoCalls(ctx, t, actor, c.ID, state, note)
	})
}

// RequestFollowUpCall asks for an automated call to a case now (inside the calling
// window), whatever the day's attempts so far, for its follow-up due today.
func (s *Store) RequestFollowUpCall(ctx context.Context, actor Actor, caseID int64) error {
	if !actor.canWork() {
		return Errorf(EFORBIDDEN, "Bạn không có quyền sửa ca.")
	}
	return s.inTx(ctx, func(t *tx) error {
		c, err := getCase(ctx, t, actor, caseID)
		if err != nil {
			return err
		}
		switch {
		case c.Phone == nil:
			return Errorf(EINVALID, "Ca %s chưa có số điện thoại.", c.Ref)
		case c.AutoCalls == AutoCallsOptedOut:
			return Errorf(ECONFLICT, "Người dân đã từ chối cuộc gọi tự động.")
		case c.AutoCalls == AutoCallsBadNumber:
			return Errorf(ECONFLICT, "Số điện thoại của ca %s không gọi được; hãy sửa số trước.", c.Ref)
		}
		var fid int64
		err = t.GetContext(ctx, &fid, t.Rebind(`SELECT id FROM follow_ups WHERE case_id = ? AND due_on = ? AND result IS NULL`),
			c.ID, Day(t.now))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !followsUp(c.Status)) {
			return Errorf(ECONFLICT, "Ca %s không có lượt theo dõi nào chờ kết quả hôm nay.", c.Ref)
		}
		if err != nil {
			return err
		}
		var open int
		if err := t.GetContext(ctx, &open, t.Rebind(`SELECT COUNT(*) FROM follow_up_calls WHERE case_id = ? AND state <> 'ended'`), c.ID); err != nil {
			return err
		}
		if open > 0 {
			return Errorf(ECONFLICT, "Ca %s đang có cuộc gọi theo dõi chờ thực hiện.", c.Ref)
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO follow_up_calls (case_id, follow_up_id, day, attempt, state,
			requested_by, created_at) VALUES (?, ?, ?, 0, 'requested', ?, ?)`), c.ID, fid, Day(t.now), actor.UserID, t.now); err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityCase, c.ID, change{kind: "auto_calls", field: "call_now", new: "requested"})
	})
}

// FollowUpCallsOf returns a case's automated call attempts, newest first.
func (s *Store) FollowUpCallsOf(ctx context.Context, actor Actor, caseID int64) ([]*FollowUpCall, error) {
	if _, err := s.GetCase(ctx, actor, caseID); err != nil {
		return nil, err
	}
	var list []*FollowUpCall
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+followUpCallColumns+` FROM follow_up_calls
		WHERE case_id = ? ORDER BY id DESC LIMIT 100`), caseID)
	if err != nil {
		return nil, fmt.Errorf("follow-up calls of case %d: %w", caseID, err)
	}
	return list, nil
}

// FollowUpCallTotals are one day's automated follow-up calls.
type FollowUpCallTotals struct {
	Dialled    int `db:"dialled"`     // attempts placed
	Answered   int `db:"answered"`    // attempts the citizen answered
	Completed  int `db:"completed"`   // attempts that recorded the day (well or with signs)
	WithSigns  int `db:"with_signs"`  // of those, with signs
	OptedOut   int `db:"opted_out"`   // citizens who pressed 9
	NotReached int `db:"not_reached"` // days made "not reached" by the calls
}

// Add adds another day's totals.
func (t *FollowUpCallTotals) Add(o FollowUpCallTotals) {
	t.Dialled += o.Dialled
	t.Answered += o.Answered
	t.Completed += o.Completed
	t.WithSigns += o.WithSigns
	t.OptedOut += o.OptedOut
	t.NotReached += o.NotReached
}

// FollowUpCallTotalsOn counts a Huế day's automated follow-up calls.
func (s *Store) FollowUpCallTotalsOn(ctx context.Context, day string) (*FollowUpCallTotals, error) {
	t, err := s.followUpCallTotals(ctx, day, "")
	return &t, err
}

// followUpCallTotals counts a day's automated follow-up calls, of one unit's cases when
// unit is set.
func (s *Store) followUpCallTotals(ctx context.Context, day, unit string) (FollowUpCallTotals, error) {
	var t FollowUpCallTotals
	scope, args := "", []any{day}
	if unit != "" {
		scope, args = ` AND case_id IN (SELECT id FROM cases WHERE unit_code = ?)`, append(args, unit)
	}
	err := s.db.GetContext(ctx, &t, s.db.Rebind(`SELECT
		COALESCE(SUM(CASE WHEN state <> 'requested' THEN 1 ELSE 0 END), 0) AS dialled,
		COALESCE(SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered,
		COALESCE(SUM(CASE WHEN result IN ('well', 'symptomatic') THEN 1 ELSE 0 END), 0) AS completed,
		COALESCE(SUM(CASE WHEN result = 'symptomatic' THEN 1 ELSE 0 END), 0) AS with_signs,
		COALESCE(SUM(CASE WHEN result = 'opted_out' THEN 1 ELSE 0 END), 0) AS opted_out,
		0 AS not_reached
		FROM follow_up_calls WHERE day = ?`+scope), args...)
	if err != nil {
		return t, fmt.Errorf("follow-up call totals of %s: %w", day, err)
	}
	err = s.db.GetContext(ctx, &t.NotReached, s.db.Rebind(`SELECT COUNT(*) FROM follow_ups
		WHERE due_on = ? AND result = 'not_reached' AND method = 'automated_call'`+scope), args...)
	if err != nil {
		return t, fmt.Errorf("follow-ups not reached on %s: %w", day, err)
	}
	return t, nil
}
