package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Agent states, as the console shows them and reports count them.
const (
	AgentOffline = "offline"
	AgentReady   = "ready"
	AgentPaused  = "paused"
	AgentRinging = "ringing" // a queued caller or a callback rings the agent's phone
	AgentOnCall  = "on_call" // talking: a queued caller or a callback
	AgentWrapUp  = "wrap_up" // after a call: notes and the disposition
	AgentOffered = "offered" // a callback is offered on the console, waiting for the agent
)

// AgentStates names the agent states.
var AgentStates = []Label{
	{AgentOffline, "Không trực", "Offline"},
	{AgentReady, "Sẵn sàng", "Ready"},
	{AgentPaused, "Tạm nghỉ", "Paused"},
	{AgentRinging, "Đang đổ chuông", "Ringing"},
	{AgentOnCall, "Đang nghe máy", "On a call"},
	{AgentWrapUp, "Hoàn tất cuộc gọi", "Wrap-up"},
	{AgentOffered, "Được mời gọi lại", "Offered a callback"},
}

// AgentStateLabel returns the label of an agent state.
func AgentStateLabel(code string) Label { l, _ := findLabel(AgentStates, code); return l }

// PauseReasons are why an agent pauses.
var PauseReasons = []Label{
	{"break", "Nghỉ giải lao", "Break"},
	{"meeting", "Họp", "Meeting"},
	{"training", "Tập huấn", "Training"},
	{"other", "Khác", "Other"},
}

// Dispositions are what an agent made of a call, one key each in the wrap-up.
var Dispositions = []Label{
	{"information", "Đã cung cấp thông tin", "Information given"},
	{"ticket_updated", "Đã cập nhật phiếu", "Ticket updated"},
	{"case_created", "Đã tạo ca nghi nhiễm", "Case created"},
	{"referred_115", "Đã chuyển cấp cứu 115", "Referred to 115"},
	{"wrong_number", "Gọi nhầm số", "Wrong number"},
	{"silent_abusive", "Im lặng / quấy rối", "Silent or abusive"},
}

// AgentSession is an agent's shift: signed in to the console with a phone.
type AgentSession struct {
	ID        int64      `db:"id"`
	UserID    int64      `db:"user_id"`
	Phone     string     `db:"phone"`
	StartedAt time.Time  `db:"started_at"`
	EndedAt   *time.Time `db:"ended_at"`
	EndedWhy  string     `db:"ended_why"`
	// The user's names and role, for the console and the audit trail.
	Username    string `db:"username"`
	DisplayName string `db:"display_name"`
	Role        string `db:"role"`
	// The state the shift is in now (its last interval), for a hotline restarting.
	State  string `db:"state"`
	Reason string `db:"reason"`
}

// StartAgentSession opens a shift for a user on a phone, closing any the user left open.
func (s *Store) StartAgentSession(ctx context.Context, userID int64, phone string) (*AgentSession, error) {
	a := &AgentSession{UserID: userID, Phone: phone, State: AgentReady}
	err := s.inTx(ctx, func(t *tx) error {
		if err := closeSessions(ctx, t, userID, "signed in again"); err != nil {
			return err
		}
		a.StartedAt = t.now
		err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO agent_sessions (user_id, phone, started_at) VALUES (?, ?, ?) RETURNING id`),
			userID, phone, t.now).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("start agent session: %w", mapConstraint(err))
		}
		return openState(ctx, t, a.ID, userID, AgentReady, "")
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// EndAgentSession closes a shift (signed out, the console's session over, the phone lost).
func (s *Store) EndAgentSession(ctx context.Context, userID int64, why string) error {
	return s.inTx(ctx, func(t *tx) error { return closeSessions(ctx, t, userID, why) })
}

func closeSessions(ctx context.Context, t *tx, userID int64, why string) error {
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE agent_states SET ended_at = ? WHERE ended_at IS NULL
		AND session_id IN (SELECT id FROM agent_sessions WHERE user_id = ? AND ended_at IS NULL)`), t.now, userID); err != nil {
		return fmt.Errorf("close agent states: %w", err)
	}
	if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE agent_sessions SET ended_at = ?, ended_why = ? WHERE user_id = ? AND ended_at IS NULL`),
		t.now, why, userID); err != nil {
		return fmt.Errorf("close agent sessions: %w", err)
	}
	return nil
}

func openState(ctx context.Context, t *tx, sessionID, userID int64, state, reason string) error {
	_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO agent_states (session_id, user_id, state, reason, started_at, started_day)
		VALUES (?, ?, ?, ?, ?, ?)`), sessionID, userID, state, reason, t.now, Day(t.now))
	if err != nil {
		return fmt.Errorf("agent state: %w", err)
	}
	return nil
}

// SetAgentState ends a shift's current state interval and starts the next, at at (the
// moment it changed, which may be a moment before it is written).
func (s *Store) SetAgentState(ctx context.Context, sessionID, userID int64, state, reason string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		t.now = at.UTC()
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE agent_states SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL`), t.now, sessionID); err != nil {
			return fmt.Errorf("agent state: %w", err)
		}
		return openState(ctx, t, sessionID, userID, state, reason)
	})
}

// OpenAgentSessions returns the shifts still open, with the state each was last in: the
// agents a restarting hotline finds at their desks.
func (s *Store) OpenAgentSessions(ctx context.Context) ([]*AgentSession, error) {
	var list []*AgentSession
	err := s.db.SelectContext(ctx, &list, `SELECT a.id, a.user_id, a.phone, a.started_at, a.ended_at, a.ended_why,
		u.username, u.display_name, u.role,
		COALESCE((SELECT st.state FROM agent_states st WHERE st.session_id = a.id ORDER BY st.id DESC LIMIT 1), 'ready') AS state,
		COALESCE((SELECT st.reason FROM agent_states st WHERE st.session_id = a.id ORDER BY st.id DESC LIMIT 1), '') AS reason
		FROM agent_sessions a JOIN users u ON u.id = a.user_id WHERE a.ended_at IS NULL ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("open agent sessions: %w", err)
	}
	return list, nil
}

// QueueEntry is one line of the queue log, in Asterisk's queue_log vocabulary.
type QueueEntry struct {
	ID     int64     `db:"id"`
	At     time.Time `db:"at"`
	Day    string    `db:"day"`
	CallID string    `db:"call_id"`
	Queue  string    `db:"queue"`
	Agent  string    `db:"agent"`
	Event  string    `db:"event"`
	Data1  string    `db:"data1"`
	Data2  string    `db:"data2"`
	Data3  string    `db:"data3"`
	Data4  string    `db:"data4"`
	Data5  string    `db:"data5"`
}

// Queue log events.
const (
	QueueEnter      = "ENTERQUEUE"      // data: url, callerid, position
	QueueRingNoAns  = "RINGNOANSWER"    // data: ring time (ms)
	QueueConnect    = "CONNECT"         // data: hold time (s), bridged channel, ring time (s)
	QueueAbandon    = "ABANDON"         // data: position, original position, wait time (s)
	QueueTimeout    = "EXITWITHTIMEOUT" // data: position, original position, wait time (s)
	QueueKey        = "EXITWITHKEY"     // data: key, position, original position, wait time (s)
	QueueDoneAgent  = "COMPLETEAGENT"   // data: hold time, talk time, original position (s)
	QueueDoneCaller = "COMPLETECALLER"  // data: hold time, talk time, original position (s)
	QueueLogin      = "AGENTLOGIN"      // data: channel
	QueueLogoff     = "AGENTLOGOFF"     // data: channel, login time (s)
	QueuePause      = "PAUSE"           // data: reason
	QueueUnpause    = "UNPAUSE"         // data: reason
	QueueEmpty      = "EXITEMPTY"       // data: position, original position, wait time (s)
)

// LogQueue writes queue log lines in one transaction.
func (s *Store) LogQueue(ctx context.Context, entries []*QueueEntry) error {
	return s.inTx(ctx, func(t *tx) error {
		for _, e := range entries {
			if e.At.IsZero() {
				e.At = t.now
			}
			e.At, e.Day = e.At.UTC(), Day(e.At)
			if e.Queue == "" {
				e.Queue = "hotline"
			}
			if e.Agent == "" {
				e.Agent = "NONE"
			}
			if e.CallID == "" {
				e.CallID = "NONE"
			}
			_, err := t.NamedExecContext(ctx, `INSERT INTO queue_log (at, day, call_id, queue, agent, event, data1, data2, data3, data4, data5)
				VALUES (:at, :day, :call_id, :queue, :agent, :event, :data1, :data2, :data3, :data4, :data5)`, e)
			if err != nil {
				return fmt.Errorf("queue log: %w", err)
			}
		}
		return nil
	})
}

// QueueLog returns a local day's queue log, in order.
func (s *Store) QueueLog(ctx context.Context, day string) ([]*QueueEntry, error) {
	var list []*QueueEntry
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT id, at, day, call_id, queue, agent, event, data1, data2, data3, data4, data5
		FROM queue_log WHERE day = ? ORDER BY at, id`), day)
	if err != nil {
		return nil, fmt.Errorf("queue log of %s: %w", day, err)
	}
	return list, nil
}

// CallbackRequest is a caller's request to be called back instead of waiting, keeping
// their place in the queue.
type CallbackRequest struct {
	ID         int64      `db:"id"`
	TicketID   int64      `db:"ticket_id"`
	CallID     *string    `db:"call_id"`
	Number     string     `db:"number"`
	Lang       string     `db:"lang"`
	QueuedAt   time.Time  `db:"queued_at"`
	Front      bool       `db:"front"`
	Status     string     `db:"status"`
	Attempts   int        `db:"attempts"`
	NextAt     *time.Time `db:"next_at"`
	LastResult string     `db:"last_result"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	TicketRef  string     `db:"ticket_ref"`
}

// Callback request statuses.
const (
	CallbackWaiting = "waiting"
	CallbackCalling = "calling"
	CallbackDone    = "done"
	CallbackFailed  = "failed"
)

const callbackColumns = `r.id, r.ticket_id, r.call_id, r.number, r.lang, r.queued_at, r.front, r.status, r.attempts,
	r.next_at, r.last_result, r.created_at, r.updated_at, t.ref AS ticket_ref`

// AddCallbackRequest puts a callback request in the queue, at the place its caller had.
func (s *Store) AddCallbackRequest(ctx context.Context, r *CallbackRequest) error {
	if _, err := NormalizePhone(r.Number); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		r.Status, r.CreatedAt, r.UpdatedAt = CallbackWaiting, t.now, t.now
		if r.Lang == "" {
			r.Lang = "vi"
		}
		err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO callback_requests (ticket_id, call_id, number, lang, queued_at, front, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.TicketID, r.CallID, r.Number, r.Lang, r.QueuedAt.UTC(), r.Front, r.Status, t.now, t.now).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("add callback request: %w", mapConstraint(err))
		}
		return t.GetContext(ctx, &r.TicketRef, t.Rebind(`SELECT ref FROM tickets WHERE id = ?`), r.TicketID)
	})
}

// WaitingCallbacks returns the callback requests still waiting (and those a crash left
// calling), in queue order.
func (s *Store) WaitingCallbacks(ctx context.Context) ([]*CallbackRequest, error) {
	var list []*CallbackRequest
	err := s.db.SelectContext(ctx, &list, `SELECT `+callbackColumns+` FROM callback_requests r JOIN tickets t ON t.id = r.ticket_id
		WHERE r.status IN ('waiting', 'calling') ORDER BY r.front DESC, r.queued_at, r.id`)
	if err != nil {
		return nil, fmt.Errorf("waiting callbacks: %w", err)
	}
	return list, nil
}

// SaveCallbackRequest writes a request's status, attempts and next try.
func (s *Store) SaveCallbackRequest(ctx context.Context, r *CallbackRequest) error {
	return s.inTx(ctx, func(t *tx) error {
		r.UpdatedAt = t.now
		_, err := t.ExecContext(ctx, t.Rebind(`UPDATE callback_requests SET status = ?, attempts = ?, next_at = ?, last_result = ?,
			updated_at = ? WHERE id = ?`), r.Status, r.Attempts, r.NextAt, r.LastResult, t.now, r.ID)
		if err != nil {
			return fmt.Errorf("save callback request %d: %w", r.ID, err)
		}
		return nil
	})
}

// SetCallDisposition records what the agent made of a call they answered. Only the
// call's own agent gives it: the call was answered on the phone of one of the actor's
// shifts, while that shift lasted (a desk phone passes from one agent to the next, so the
// phone alone does not say whose call it was). A supervisor does not give it for an
// agent either: it is the handler's own account of the call.
func (s *Store) SetCallDisposition(ctx context.Context, actor Actor, callID, disposition string) error {
	if !actor.SeesCallCentre() || actor.UserID == nil {
		return Errorf(EFORBIDDEN, "Bạn không ghi được kết quả cuộc gọi.")
	}
	if _, ok := findLabel(Dispositions, disposition); !ok {
		return Errorf(EINVALID, "Kết quả cuộc gọi %q không tồn tại.", disposition)
	}
	return s.inTx(ctx, func(t *tx) error {
		var exists int
		if err := t.GetContext(ctx, &exists, t.Rebind(`SELECT COUNT(*) FROM calls WHERE id = ?`), callID); err != nil {
			return fmt.Errorf("disposition of call %s: %w", callID, err)
		}
		if exists == 0 {
			return Errorf(ENOTFOUND, "Không tìm thấy cuộc gọi.")
		}
		var theirs int
		err := t.GetContext(ctx, &theirs, t.Rebind(`SELECT COUNT(*) FROM calls c JOIN agent_sessions a ON a.phone = c.agent_endpoint
			WHERE c.id = ? AND a.user_id = ? AND a.started_at <= COALESCE(c.agent_answered_at, c.started_at)
			AND (a.ended_at IS NULL OR a.ended_at >= COALESCE(c.agent_answered_at, c.started_at))`), callID, *actor.UserID)
		if err != nil {
			return fmt.Errorf("disposition of call %s: %w", callID, err)
		}
		if theirs == 0 {
			return Errorf(EFORBIDDEN, "Bạn chỉ ghi được kết quả của cuộc gọi chính bạn đã nghe; cuộc gọi này không do bạn nhận.")
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE calls SET disposition = ? WHERE id = ?`), disposition, callID); err != nil {
			return fmt.Errorf("disposition of call %s: %w", callID, err)
		}
		var ticketID sql.NullInt64
		err = t.GetContext(ctx, &ticketID, t.Rebind(`SELECT id FROM tickets WHERE call_id = ? ORDER BY id LIMIT 1`), callID)
		if errors.Is(err, sql.ErrNoRows) || !ticketID.Valid {
			return nil
		}
		if err != nil {
			return err
		}
		l, _ := findLabel(Dispositions, disposition)
		return addEvent(ctx, t, actor, EntityTicket, ticketID.Int64, change{kind: "disposition", field: "disposition", new: disposition, note: l.Vi})
	})
}

// ResolveMissedCalls marks missed calls handled in one go (the missed-call worklist's
// "mark handled" and "mark all handled"): each open missed-call ticket moves through the
// workflow to resolved, taken by the actor if nobody had it, with the note. Only
// missed-call tickets are resolved, whatever ids it is given: any other ticket (a symptom
// report a filter let in) is skipped, as are tickets no longer open and those another
// has in hand that the actor may not take over. It returns how many it resolved.
func (s *Store) ResolveMissedCalls(ctx context.Context, actor Actor, ids []int64, note string) (int, error) {
	if !actor.SeesCallCentre() || actor.UserID == nil {
		return 0, Errorf(EFORBIDDEN, "Bạn không đánh dấu được phiếu đã xử lý.")
	}
	note = strings.TrimSpace(note)
	if note == "" {
		note = "Đã xử lý từ danh sách cuộc gọi nhỡ."
	}
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		for _, id := range ids {
			tk, err := getTicket(ctx, t, actor, id)
			if ErrorCode(err) == ENOTFOUND || (err == nil && !IsOpen(tk.Status)) {
				continue
			}
			if err != nil {
				return err
			}
			if tk.Category != CategoryMissedCall {
				continue // not on the missed-call worklist: resolved from its own page
			}
			if !actor.MayMarkHandled(tk) {
				continue // another agent's: theirs to close
			}
			if err := resolveTicket(ctx, t, actor, tk, note); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// MayMarkHandled reports whether the actor may mark a missed call handled from the
// worklist (ResolveMissedCalls): the call centre's, a ticket no agent has or one they
// have themselves; a supervisor's, any agent's too.
func (a Actor) MayMarkHandled(t *Ticket) bool {
	if !a.SeesCallCentre() || a.UserID == nil || t.Category != CategoryMissedCall || !IsOpen(t.Status) {
		return false
	}
	return t.AssigneeUserID == nil || *t.AssigneeUserID == *a.UserID || a.IsSupervisor()
}

// resolveTicket walks an open ticket through the workflow to resolved, taking it for the
// actor first if nobody has it.
func resolveTicket(ctx context.Context, t *tx, actor Actor, tk *Ticket, note string) error {
	if tk.Status == StatusNew {
		if err := setStatus(ctx, t, actor, tk, StatusTriaged, "", true); err != nil {
			return err
		}
	}
	if tk.Status == StatusTriaged {
		if tk.AssigneeUserID == nil && tk.AssigneeUnitCode == nil {
			if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET assignee_user_id = ? WHERE id = ?`), *actor.UserID, tk.ID); err != nil {
				return fmt.Errorf("take %s: %w", tk.Ref, err)
			}
			tk.AssigneeUserID = actor.UserID
			if err := addEvent(ctx, t, actor, EntityTicket, tk.ID, change{kind: "assigned", field: "assignee",
				new: assigneeText(actor.UserID, nil)}); err != nil {
				return err
			}
		}
		if err := setStatus(ctx, t, actor, tk, StatusAssigned, "", true); err != nil {
			return err
		}
	}
	if tk.Status == StatusAssigned {
		if err := setStatus(ctx, t, actor, tk, StatusInProgress, "", true); err != nil {
			return err
		}
	}
	if err := setStatus(ctx, t, actor, tk, StatusResolved, note, true); err != nil {
		return err
	}
	_, err := t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET updated_at = ? WHERE id = ?`), t.now, tk.ID)
	return err
}

// FailCallbackRequest ends a callback request that could not reach the caller after its
// attempts: the request is failed, and its ticket becomes a missed call, on the
// missed-call worklist, with why.
func (s *Store) FailCallbackRequest(ctx context.Context, r *CallbackRequest, why string) error {
	return s.inTx(ctx, func(t *tx) error {
		r.Status, r.UpdatedAt = CallbackFailed, t.now
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE callback_requests SET status = ?, attempts = ?, next_at = NULL,
			last_result = ?, updated_at = ? WHERE id = ?`), r.Status, r.Attempts, r.LastResult, t.now, r.ID); err != nil {
			return fmt.Errorf("fail callback request %d: %w", r.ID, err)
		}
		tk, err := getTicket(ctx, t, ActorSystem, r.TicketID)
		if err != nil {
			return err
		}
		if !IsOpen(tk.Status) {
			return nil
		}
		if tk.Category != CategoryMissedCall {
			if err := setTicketField(ctx, t, ActorIVR, tk, "category", "category", tk.Category, CategoryMissedCall, why); err != nil {
				return err
			}
		} else if err := addEvent(ctx, t, ActorIVR, EntityTicket, tk.ID, change{kind: "note", note: why}); err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE tickets SET updated_at = ? WHERE id = ?`), t.now, tk.ID)
		return err
	})
}

// DeskView is the call centre at a moment, as the queue holds it: who waits, who is on
// duty in what state. The console's strip, the agents' desks and the wallboard show it.
type DeskView struct {
	At        time.Time
	Waiting   []time.Time // when each caller waiting joined the queue, in queue order
	Callbacks int         // callback requests keeping a place in the queue
	Agents    []AgentView
}

// AgentView is one agent on duty.
type AgentView struct {
	UserID   int64 // 0 for a phone on duty by configuration (HOTLINE_AGENTS)
	Name     string
	Endpoint string
	State    string
	Reason   string // why paused
	Since    time.Time
	// The call in the agent's hands (ringing, talking, or in its wrap-up).
	CallID      string
	TicketRef   string
	Number      string // the citizen's, E.164 ("" when withheld)
	Inbound     bool   // a queued caller, not a callback
	Talking     bool   // the caller and the agent are connected (the ticket and number are known)
	Disposition string // entered for the call, in the wrap-up
	// Offer is a callback offered to the agent, waiting for "Call back now".
	Offer *CallbackOffer
}

// CallbackOffer is a callback request offered to an agent until Until.
type CallbackOffer struct {
	RequestID int64
	TicketRef string
	Number    string
	Attempts  int
	Until     time.Time
}

// Count returns how many agents are in a state.
func (d DeskView) Count(state string) int {
	n := 0
	for _, a := range d.Agents {
		if a.State == state {
			n++
		}
	}
	return n
}

// Agent returns a user's view on duty, or nil.
func (d DeskView) Agent(userID int64) *AgentView {
	for i := range d.Agents {
		if d.Agents[i].UserID == userID && userID != 0 {
			return &d.Agents[i]
		}
	}
	return nil
}

// QueueStats are a day's queue figures, from the queue log.
type QueueStats struct {
	Day               string
	Offered           int // callers who entered the queue
	Answered          int
	AnsweredIn20s     int
	Abandoned         int // hung up while waiting
	AbandonedAfter5s  int
	CallbackRequested int // pressed 1 to be called back, keeping their place
	TimedOut          int // waited the longest wait, then a voice message
	WaitAnsweredSec   int // total wait of the answered callers
	TalkSec           int // total talk time of completed calls
	Completed         int
}

// ServiceLevel is the share of callers answered within 20 s among those answered and
// those who hung up after 5 s, in percent; -1 when there were none.
func (q *QueueStats) ServiceLevel() float64 {
	d := q.Answered + q.AbandonedAfter5s
	if d == 0 {
		return -1
	}
	return 100 * float64(q.AnsweredIn20s) / float64(d)
}

// AverageWait is the answered callers' mean wait.
func (q *QueueStats) AverageWait() time.Duration {
	if q.Answered == 0 {
		return 0
	}
	return time.Duration(q.WaitAnsweredSec) * time.Second / time.Duration(q.Answered)
}

// QueueStats returns a local day's queue figures.
func (s *Store) QueueStats(ctx context.Context, day string) (*QueueStats, error) {
	st := &QueueStats{Day: day}
	var row struct {
		Offered, Answered, In20, Abandoned, After5, Key, Timeout, Wait, Talk, Completed sql.NullInt64
	}
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT
		SUM(CASE WHEN event = 'ENTERQUEUE' THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'CONNECT' THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'CONNECT' AND CAST(data1 AS INTEGER) <= 20 THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'ABANDON' THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'ABANDON' AND CAST(data3 AS INTEGER) > 5 THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'EXITWITHKEY' THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'EXITWITHTIMEOUT' THEN 1 ELSE 0 END),
		SUM(CASE WHEN event = 'CONNECT' THEN CAST(data1 AS INTEGER) ELSE 0 END),
		SUM(CASE WHEN event IN ('COMPLETEAGENT', 'COMPLETECALLER') THEN CAST(data2 AS INTEGER) ELSE 0 END),
		SUM(CASE WHEN event IN ('COMPLETEAGENT', 'COMPLETECALLER') THEN 1 ELSE 0 END)
		FROM queue_log WHERE day = ? AND call_id <> 'NONE'`), day).Scan(&row.Offered, &row.Answered, &row.In20, &row.Abandoned,
		&row.After5, &row.Key, &row.Timeout, &row.Wait, &row.Talk, &row.Completed)
	if err != nil {
		return nil, fmt.Errorf("queue figures of %s: %w", day, err)
	}
	st.Offered, st.Answered, st.AnsweredIn20s = int(row.Offered.Int64), int(row.Answered.Int64), int(row.In20.Int64)
	st.Abandoned, st.AbandonedAfter5s = int(row.Abandoned.Int64), int(row.After5.Int64)
	st.CallbackRequested, st.TimedOut = int(row.Key.Int64), int(row.Timeout.Int64)
	st.WaitAnsweredSec, st.TalkSec, st.Completed = int(row.Wait.Int64), int(row.Talk.Int64), int(row.Completed.Int64)
	return st, nil
}

// PauseReasonLabel names a pause reason.
func PauseReasonLabel(code string) Label { l, _ := findLabel(PauseReasons, code); return l }

// DispositionLabel names a disposition.
func DispositionLabel(code string) Label { l, _ := findLabel(Dispositions, code); return l }
