package tickets

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// The supervisors' daily report: the exact figures of one Huế local day. Every figure is
// computed from counters (how many, how long in total), and rates from counters, so that
// a week or a month is the sum of its days, never an average of averages. The glossary
// of the figures is in the README.

// DayReport is the report of a local day.
type DayReport struct {
	Day      string
	Computed time.Time
	Calls    CallFigures
	Queue    QueueFigures
	// Intervals are the day's 48 half-hours from 00:00 Huế time; a call is counted in
	// the interval it entered the queue.
	Intervals [48]QueueFigures
	// WrapUpSec is the agents' total wrap-up time, for the average handle time.
	WrapUpSec int
	Agents    []AgentFigures
	Staffing  [24]StaffingHour
	Tickets   TicketFigures
	Cases     CaseFigures
}

// CallFigures are the calls the hotline received on a day (inbound; started that day).
type CallFigures struct {
	Received      int
	ByHour        [24]int
	ByLanguage    map[string]int
	ByChoice      map[string]int // the first key pressed in the main menu ("" for none)
	Outcomes      map[string]int
	UniqueCallers int // distinct numbers; withheld numbers are not counted here
	Withheld      int // calls without a number
	RepeatCallers int // numbers that called more than once that day
	LongestSec    int
	LongestCallID string
	Callbacks     int // calls the hotline placed to citizens (callbacks)
}

// QueueFigures are counters of the agent queue (Asterisk queue_log terms): calls that
// entered the queue (offered) and what became of them.
type QueueFigures struct {
	Offered           int
	Answered          int
	AnsweredIn20s     int // waited 20 s or less
	Abandoned         int // hung up while waiting
	ShortAbandons     int // hung up within 5 s: left out of service level and abandon rate
	CallbackRequested int // pressed 1 to be called back, keeping their place
	TimedOut          int // waited the longest wait, then left a voice message
	OtherExits        int // the queue closed under them (the hotline stopped)
	WaitAnsweredSec   int // total wait of the answered calls
	TalkSec           int // total talk time of the answered calls
	LongestWaitSec    int // the longest wait of any call, however it ended
}

// Add sums another period's counters into f.
func (f *QueueFigures) Add(o QueueFigures) {
	f.Offered += o.Offered
	f.Answered += o.Answered
	f.AnsweredIn20s += o.AnsweredIn20s
	f.Abandoned += o.Abandoned
	f.ShortAbandons += o.ShortAbandons
	f.CallbackRequested += o.CallbackRequested
	f.TimedOut += o.TimedOut
	f.OtherExits += o.OtherExits
	f.WaitAnsweredSec += o.WaitAnsweredSec
	f.TalkSec += o.TalkSec
	f.LongestWaitSec = max(f.LongestWaitSec, o.LongestWaitSec)
}

// ServiceLevel is answered within 20 s ÷ (answered + abandoned after 5 s), as a share
// from 0 to 1; ok is false when there were no such calls (shown "–", never 100 %).
func (f QueueFigures) ServiceLevel() (share float64, ok bool) {
	d := f.Answered + f.Abandoned - f.ShortAbandons
	if d == 0 {
		return 0, false
	}
	return float64(f.AnsweredIn20s) / float64(d), true
}

// AbandonRate is abandoned after 5 s ÷ (offered − short abandons − callback requests).
func (f QueueFigures) AbandonRate() (share float64, ok bool) {
	d := f.Offered - f.ShortAbandons - f.CallbackRequested
	if d <= 0 {
		return 0, false
	}
	return float64(f.Abandoned-f.ShortAbandons) / float64(d), true
}

// AverageSpeedOfAnswer is the total wait of answered calls ÷ answered.
func (f QueueFigures) AverageSpeedOfAnswer() (time.Duration, bool) {
	if f.Answered == 0 {
		return 0, false
	}
	return time.Duration(f.WaitAnsweredSec) * time.Second / time.Duration(f.Answered), true
}

// AverageHandleTime is (talk + wrap-up) ÷ answered.
func (r *DayReport) AverageHandleTime() (time.Duration, bool) {
	if r.Queue.Answered == 0 {
		return 0, false
	}
	return time.Duration(r.Queue.TalkSec+r.WrapUpSec) * time.Second / time.Duration(r.Queue.Answered), true
}

// AgentFigures are one agent's day, from their presence records.
type AgentFigures struct {
	UserID     int64
	Username   string
	Name       string
	Answered   int // queued callers they talked with
	TalkSec    int // on a call (queued callers and callbacks)
	RingSec    int
	WrapUpSec  int
	ReadySec   int
	PausedSec  map[string]int // by reason
	SignedSec  int            // every state but offline
	TotalPause int
}

// Occupancy is handling time (ringing, talking, wrap-up) ÷ (signed-in time less pauses).
func (a AgentFigures) Occupancy() (float64, bool) {
	avail := a.SignedSec - a.TotalPause
	if avail <= 0 {
		return 0, false
	}
	return float64(a.RingSec+a.TalkSec+a.WrapUpSec) / float64(avail), true
}

// StaffingHour is an hour's staffing: the agents Erlang C says reach 80/20 with that
// hour's offered calls and the day's average handle time, beside those on duty.
type StaffingHour struct {
	Offered int
	Needed  int
	// OnDuty is the agents available on average in the hour: their signed-in seconds
	// less pauses within it ÷ 3600.
	OnDuty float64
}

// DayBounds returns the UTC instants a local day starts and ends.
func DayBounds(day string) (start, end time.Time, err error) {
	t, err := time.ParseInLocation(DayFormat, day, Local)
	if err != nil {
		return time.Time{}, time.Time{}, Errorf(EINVALID, "Ngày “%s” không hợp lệ: hãy viết ngày/tháng/năm, ví dụ 10/08/2021.", day)
	}
	return t.UTC(), t.AddDate(0, 0, 1).UTC(), nil
}

// DailyReport computes a day's report as the data stand now. Supervisors (and the
// hotline itself, which freezes it); an officer's part is UnitDailyReport.
func (s *Store) DailyReport(ctx context.Context, actor Actor, day string) (*DayReport, error) {
	if actor.Role != RoleSupervisor && actor.Role != RoleSystem {
		return nil, Errorf(EFORBIDDEN, "Chỉ giám sát viên xem được báo cáo của tổng đài.")
	}
	start, end, err := DayBounds(day)
	if err != nil {
		return nil, err
	}
	r := &DayReport{Day: day, Computed: s.Now().UTC()}
	// The sections read apart, each on its own connection (SQLite's readers do not wait
	// for one another), and write apart into the report.
	var g errgroup.Group
	g.SetLimit(2) // the machine's cores, and the connections the pool keeps open
	// The two longest first (the tickets open at the day's end, the day's calls).
	g.Go(func() (err error) { r.Tickets, err = s.reportTickets(ctx, day, "", start, end); return err })
	g.Go(func() error { return s.reportCalls(ctx, r) })
	g.Go(func() error { return s.reportQueue(ctx, r) })
	g.Go(func() (err error) { r.Cases, err = s.reportCases(ctx, day, "", start, end); return err })
	g.Go(func() error { return s.reportAgents(ctx, r, start, end) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	aht, _ := r.AverageHandleTime()
	for h := range r.Staffing {
		st := &r.Staffing[h]
		st.Offered = r.Intervals[2*h].Offered + r.Intervals[2*h+1].Offered
		st.Needed = AgentsNeeded(float64(st.Offered), aht.Seconds())
	}
	return r, nil
}

func (s *Store) reportCalls(ctx context.Context, r *DayReport) error {
	c := &r.Calls
	c.ByLanguage, c.ByChoice, c.Outcomes = map[string]int{}, map[string]int{}, map[string]int{}
	// Counts the database makes; then what only a look at each call gives (its hour in
	// Huế, its first choice, its number, its length).
	var groups []struct {
		Direction string `db:"direction"`
		Language  string `db:"language"`
		Outcome   string `db:"outcome"`
		N         int    `db:"n"`
	}
	err := s.db.SelectContext(ctx, &groups, s.db.Rebind(`SELECT direction, language, outcome, COUNT(*) AS n
		FROM calls WHERE started_day = ? GROUP BY direction, language, outcome`), r.Day)
	if err != nil {
		return fmt.Errorf("the day's calls: %w", err)
	}
	for _, g := range groups {
		if g.Direction == "outbound" {
			c.Callbacks += g.N
		}
		if g.Direction != "inbound" {
			continue // callbacks, and automated follow-up calls (Cases.AutoCalls)
		}
		c.Received += g.N
		c.ByLanguage[g.Language] += g.N
		c.Outcomes[g.Outcome] += g.N
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT caller_number, started_at, ended_at, ivr_path
		FROM calls WHERE started_day = ? AND direction = 'inbound'`), r.Day)
	if err != nil {
		return fmt.Errorf("the day's calls: %w", err)
	}
	defer rows.Close()
	perNumber := map[string]int{}
	var longestStart time.Time
	for rows.Next() {
		var number sql.NullString
		var started time.Time
		var ended sql.NullTime
		var path []byte
		if err := rows.Scan(&number, &started, &ended, &path); err != nil {
			return fmt.Errorf("the day's calls: %w", err)
		}
		c.ByHour[started.In(Local).Hour()]++
		c.ByChoice[firstChoice(path)]++
		if number.String == "" {
			c.Withheld++
		} else {
			perNumber[number.String]++
		}
		if ended.Valid {
			if d := int(ended.Time.Sub(started) / time.Second); d > c.LongestSec || longestStart.IsZero() {
				c.LongestSec, longestStart = d, started
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("the day's calls: %w", err)
	}
	c.UniqueCallers = len(perNumber)
	for _, n := range perNumber {
		if n > 1 {
			c.RepeatCallers++
		}
	}
	if !longestStart.IsZero() { // which call it was, for whoever looks it up
		err := s.db.GetContext(ctx, &c.LongestCallID, s.db.Rebind(`SELECT id FROM calls WHERE started_day = ? AND started_at = ?
			AND direction = 'inbound' ORDER BY id LIMIT 1`), r.Day, longestStart)
		if err != nil {
			return fmt.Errorf("the day's longest call: %w", err)
		}
	}
	return nil
}

// firstChoice is the first key the caller pressed in the main menu, read from the call's
// path as the hotline writes it (a step's node comes before its key, as in PathStep):
// found in the bytes, without decoding the whole path for each of a day's calls.
func firstChoice(path []byte) string {
	const marker = `"node":"main","key":"`
	i := bytes.Index(path, []byte(marker))
	if i < 0 {
		return ""
	}
	rest := path[i+len(marker):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// reportQueue reads the queue log of the calls that entered the queue on the day (their
// later events may fall on the next day).
func (s *Store) reportQueue(ctx context.Context, r *DayReport) error {
	var entries []*QueueEntry
	err := s.db.SelectContext(ctx, &entries, s.db.Rebind(`SELECT id, at, day, call_id, queue, agent, event, data1, data2, data3, data4, data5 FROM queue_log
		WHERE call_id IN (SELECT call_id FROM queue_log WHERE day = ? AND event = 'ENTERQUEUE' AND call_id <> 'NONE')
		AND day >= ? AND day <= ? ORDER BY at, id`), r.Day, r.Day, AddDays(r.Day, 1))
	if err != nil {
		return fmt.Errorf("the day's queue log: %w", err)
	}
	interval := map[string]int{}
	for _, e := range entries {
		if e.Event == QueueEnter && e.Day == r.Day {
			if _, seen := interval[e.CallID]; !seen {
				t := e.At.In(Local)
				interval[e.CallID] = t.Hour()*2 + t.Minute()/30
			}
		}
	}
	for _, e := range entries {
		i, ok := interval[e.CallID]
		if !ok {
			continue
		}
		f := &r.Intervals[i]
		switch e.Event {
		case QueueEnter:
			f.Offered++
		case QueueConnect:
			wait := atoi(e.Data1)
			f.Answered++
			f.WaitAnsweredSec += wait
			if wait <= TargetAnswerTime {
				f.AnsweredIn20s++
			}
			f.LongestWaitSec = max(f.LongestWaitSec, wait)
		case QueueAbandon:
			wait := atoi(e.Data3)
			f.Abandoned++
			if wait <= 5 {
				f.ShortAbandons++
			}
			f.LongestWaitSec = max(f.LongestWaitSec, wait)
		case QueueKey:
			f.CallbackRequested++
			f.LongestWaitSec = max(f.LongestWaitSec, atoi(e.Data4))
		case QueueTimeout:
			f.TimedOut++
			f.LongestWaitSec = max(f.LongestWaitSec, atoi(e.Data3))
		case QueueEmpty: // the queue closed under the caller
			f.OtherExits++
			f.LongestWaitSec = max(f.LongestWaitSec, atoi(e.Data3))
		case QueueDoneAgent, QueueDoneCaller:
			f.TalkSec += atoi(e.Data2)
		}
	}
	for _, f := range r.Intervals {
		r.Queue.Add(f)
	}
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// reportAgents reads the agents' state intervals that overlap the day, cut to it.
func (s *Store) reportAgents(ctx context.Context, r *DayReport, start, end time.Time) error {
	var rows []struct {
		UserID    int64      `db:"user_id"`
		Username  string     `db:"username"`
		Name      string     `db:"display_name"`
		State     string     `db:"state"`
		Reason    string     `db:"reason"`
		StartedAt time.Time  `db:"started_at"`
		EndedAt   *time.Time `db:"ended_at"`
	}
	// A state that started the day before and went on past midnight counts from 00:00.
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT st.user_id, u.username, u.display_name, st.state, st.reason, st.started_at, st.ended_at
		FROM agent_states st JOIN users u ON u.id = st.user_id
		WHERE st.started_day >= ? AND st.started_day <= ? AND st.started_at < ? AND (st.ended_at IS NULL OR st.ended_at > ?)
		ORDER BY st.user_id, st.started_at`), AddDays(r.Day, -1), r.Day, end, start)
	if err != nil {
		return fmt.Errorf("the agents' states: %w", err)
	}
	now := s.Now().UTC()
	byUser := map[int64]*AgentFigures{}
	for _, x := range rows {
		a := byUser[x.UserID]
		if a == nil {
			a = &AgentFigures{UserID: x.UserID, Username: x.Username, Name: x.Name, PausedSec: map[string]int{}}
			byUser[x.UserID] = a
		}
		from, to := x.StartedAt, now
		if x.EndedAt != nil {
			to = *x.EndedAt
		}
		from, to = later(from, start), earlier(to, end)
		if !to.After(from) {
			continue
		}
		secs := int(to.Sub(from) / time.Second)
		a.SignedSec += secs
		switch x.State {
		case AgentReady:
			a.ReadySec += secs
		case AgentRinging:
			a.RingSec += secs
		case AgentOnCall:
			a.TalkSec += secs
		case AgentWrapUp:
			a.WrapUpSec += secs
			r.WrapUpSec += secs
		case AgentPaused:
			a.PausedSec[x.Reason] += secs
			a.TotalPause += secs
		}
		if x.State != AgentPaused {
			// Available time by hour, for staffing.
			for t := from; t.Before(to); {
				h := t.In(Local).Hour()
				next := earlier(t.In(Local).Truncate(time.Hour).Add(time.Hour), to)
				if next.Sub(t) <= 0 { // the zone has whole hours; this guards against a loop
					break
				}
				r.Staffing[h].OnDuty += next.Sub(t).Seconds() / 3600
				t = next
			}
		}
	}
	// Queued callers answered, by the agent named in the queue log.
	answered := map[string]int{}
	var counts []struct {
		Agent string `db:"agent"`
		N     int    `db:"n"`
	}
	err = s.db.SelectContext(ctx, &counts, s.db.Rebind(`SELECT agent, COUNT(*) AS n FROM queue_log
		WHERE day >= ? AND day <= ? AND event = 'CONNECT'
		AND call_id IN (SELECT call_id FROM queue_log WHERE day = ? AND event = 'ENTERQUEUE')
		GROUP BY agent`), r.Day, AddDays(r.Day, 1), r.Day)
	if err != nil {
		return fmt.Errorf("answered by agent: %w", err)
	}
	for _, c := range counts {
		answered[c.Agent] = c.N
	}
	for _, a := range byUser {
		a.Answered = answered[a.Username]
		r.Agents = append(r.Agents, *a)
	}
	slices.SortFunc(r.Agents, func(x, y AgentFigures) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		return int(x.UserID - y.UserID)
	})
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TicketFigures are a day's tickets, overall and by unit (the unit a ticket is assigned
// to, else the area it concerns).
type TicketFigures struct {
	Created         int
	ByCategory      map[string]int
	ByPriority      map[string]int
	Resolved        int // resolved on the day
	Closed          int // closed on the day
	Merged          int // merged into another on the day
	Backlog         int // open at the day's end
	Overdue         int // open at the day's end past their resolution time
	FirstResponses  int // first responses given on the day
	FirstResponseOK int // … within their due time
	ResolvedOK      int // resolutions on the day within their due time
	ByUnit          map[string]*UnitTickets
}

// UnitTickets are one unit's tickets of the day.
type UnitTickets struct {
	Created, Resolved, Backlog, Overdue int
}

func (f *TicketFigures) unit(code string) *UnitTickets {
	u := f.ByUnit[code]
	if u == nil {
		u = &UnitTickets{}
		f.ByUnit[code] = u
	}
	return u
}

// Share is a count over a total as a share from 0 to 1; ok is false without a total.
func Share(n, of int) (float64, bool) {
	if of == 0 {
		return 0, false
	}
	return float64(n) / float64(of), true
}

// CaseFigures are a day's suspected cases and follow-ups (WHO Go.Data's terms).
type CaseFigures struct {
	New        int            // cases opened on the day
	Moves      map[string]int // cases moved on the day to monitoring, referred, lost, cleared
	Monitoring int            // cases with a follow-up due on the day
	FollowUps  map[string]int // the day's follow-ups by result ("" not recorded yet)
	NotSeen2   int            // cases not seen (with or without signs) on the day nor the day before
	ByUnit     map[string]*UnitCases
	// AutoCalls are the day's automated follow-up calls.
	AutoCalls FollowUpCallTotals
}

// UnitCases are one unit's cases of the day.
type UnitCases struct {
	New, Monitoring, Seen, WithSigns, NotReached, NotSeen2 int
}

func (f *CaseFigures) unit(code string) *UnitCases {
	u := f.ByUnit[code]
	if u == nil {
		u = &UnitCases{}
		f.ByUnit[code] = u
	}
	return u
}

// UnitReport is what an officer sees of a day: their unit's tickets and cases.
type UnitReport struct {
	Day     string
	Unit    string
	Tickets TicketFigures
	Cases   CaseFigures
}

// ticketUnit is the unit a ticket counts for: the one it is assigned to, else its area.
const ticketUnit = `COALESCE(assignee_unit_code, unit_code, '')`

func (s *Store) reportTickets(ctx context.Context, day, unit string, start, end time.Time) (TicketFigures, error) {
	f := TicketFigures{ByCategory: map[string]int{}, ByPriority: map[string]int{}, ByUnit: map[string]*UnitTickets{}}
	scope, args := "", []any{}
	if unit != "" {
		scope, args = ` AND `+ticketUnit+` = ?`, []any{unit}
	}
	var created []struct {
		Category string `db:"category"`
		Priority string `db:"priority"`
		Unit     string `db:"unit"`
		N        int    `db:"n"`
	}
	err := s.db.SelectContext(ctx, &created, s.db.Rebind(`SELECT category, priority, `+ticketUnit+` AS unit, COUNT(*) AS n
		FROM tickets WHERE created_day = ?`+scope+` GROUP BY category, priority, `+ticketUnit), append([]any{day}, args...)...)
	if err != nil {
		return f, fmt.Errorf("tickets created: %w", err)
	}
	for _, c := range created {
		f.Created += c.N
		f.ByCategory[c.Category] += c.N
		f.ByPriority[c.Priority] += c.N
		f.unit(c.Unit).Created += c.N
	}
	// Resolutions, closings and first responses of the day, counted through the indexes
	// (each condition matches one: closed tickets are indexed apart by whether they were
	// resolved first).
	var resolved []struct {
		Unit string `db:"unit"`
		N    int    `db:"n"`
		OK   int    `db:"ok"`
	}
	err = s.db.SelectContext(ctx, &resolved, s.db.Rebind(`SELECT `+ticketUnit+` AS unit, COUNT(*) AS n,
		SUM(CASE WHEN resolved_at <= resolution_due THEN 1 ELSE 0 END) AS ok FROM tickets
		WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND resolved_at < ? AND status <> 'cancelled'`+scope+` GROUP BY `+ticketUnit),
		append([]any{start, end}, args...)...)
	if err != nil {
		return f, fmt.Errorf("tickets resolved: %w", err)
	}
	for _, r := range resolved {
		f.Resolved += r.N
		f.ResolvedOK += r.OK
		f.unit(r.Unit).Resolved += r.N
	}
	for _, cond := range []string{`resolved_at IS NOT NULL AND closed_at IS NOT NULL`, `resolved_at IS NULL AND closed_at IS NOT NULL`} {
		var n int
		err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM tickets WHERE `+cond+` AND closed_at >= ? AND closed_at < ?
			AND status <> 'cancelled'`+scope), append([]any{start, end}, args...)...)
		if err != nil {
			return f, fmt.Errorf("tickets closed: %w", err)
		}
		f.Closed += n
	}
	var responses struct {
		N  int           `db:"n"`
		OK sql.NullInt64 `db:"ok"`
	}
	err = s.db.GetContext(ctx, &responses, s.db.Rebind(`SELECT COUNT(*) AS n,
		SUM(CASE WHEN first_response_at <= first_response_due THEN 1 ELSE 0 END) AS ok FROM tickets
		WHERE first_response_at IS NOT NULL AND first_response_at >= ? AND first_response_at < ? AND status <> 'cancelled'`+scope),
		append([]any{start, end}, args...)...)
	if err != nil {
		return f, fmt.Errorf("first responses: %w", err)
	}
	f.FirstResponses, f.FirstResponseOK = responses.N, int(responses.OK.Int64)
	// Tickets open at the day's end: those open now that were created before it, and
	// those created before it and done after it (counted by unit through the covering
	// indexes of done tickets). A cancelled ticket (merged or withdrawn) has no time of its
	// own and is left out.
	var open []struct {
		Unit    string `db:"unit"`
		N       int    `db:"n"`
		Overdue int    `db:"overdue"`
	}
	agg := `SELECT ` + ticketUnit + ` AS unit, COUNT(*) AS n, SUM(CASE WHEN resolution_due < ? THEN 1 ELSE 0 END) AS overdue FROM tickets WHERE `
	q := agg + `status NOT IN ('resolved', 'closed', 'cancelled') AND created_at < ?` + scope + ` GROUP BY ` + ticketUnit +
		` UNION ALL ` + agg + `resolved_at IS NOT NULL AND resolved_at >= ? AND created_at < ? AND status <> 'cancelled'` + scope + ` GROUP BY ` + ticketUnit +
		` UNION ALL ` + agg + `resolved_at IS NULL AND closed_at IS NOT NULL AND closed_at >= ? AND created_at < ? AND status <> 'cancelled'` + scope + ` GROUP BY ` + ticketUnit
	qargs := append([]any{end, end}, args...)
	qargs = append(append(qargs, end, end, end), args...)
	qargs = append(append(qargs, end, end, end), args...)
	if err := s.db.SelectContext(ctx, &open, s.db.Rebind(q), qargs...); err != nil {
		return f, fmt.Errorf("tickets open at the day's end: %w", err)
	}
	for _, o := range open {
		u := f.unit(o.Unit)
		f.Backlog += o.N
		u.Backlog += o.N
		f.Overdue += o.Overdue
		u.Overdue += o.Overdue
	}
	var merged int
	mq := `SELECT COUNT(*) FROM events WHERE entity = 'ticket' AND kind = 'merged' AND field = 'merged_into' AND at >= ? AND at < ?`
	margs := []any{start, end}
	if unit != "" {
		mq += ` AND entity_id IN (SELECT id FROM tickets WHERE ` + ticketUnit + ` = ?)`
		margs = append(margs, unit)
	}
	if err := s.db.GetContext(ctx, &merged, s.db.Rebind(mq), margs...); err != nil {
		return f, fmt.Errorf("tickets merged: %w", err)
	}
	f.Merged = merged
	return f, nil
}

func (s *Store) reportCases(ctx context.Context, day, unit string, start, end time.Time) (CaseFigures, error) {
	f := CaseFigures{Moves: map[string]int{}, FollowUps: map[string]int{}, ByUnit: map[string]*UnitCases{}}
	scope, args := "", []any{}
	if unit != "" {
		scope, args = ` AND c.unit_code = ?`, []any{unit}
	}
	var created []struct {
		Unit string `db:"unit"`
		N    int    `db:"n"`
	}
	err := s.db.SelectContext(ctx, &created, s.db.Rebind(`SELECT COALESCE(c.unit_code, '') AS unit, COUNT(*) AS n FROM cases c
		WHERE c.created_at >= ? AND c.created_at < ?`+scope+` GROUP BY c.unit_code`), append([]any{start, end}, args...)...)
	if err != nil {
		return f, fmt.Errorf("cases opened: %w", err)
	}
	for _, c := range created {
		f.New += c.N
		f.unit(c.Unit).New += c.N
	}
	var moves []struct {
		To string `db:"new_value"`
		N  int    `db:"n"`
	}
	err = s.db.SelectContext(ctx, &moves, s.db.Rebind(`SELECT e.new_value, COUNT(*) AS n FROM events e JOIN cases c ON c.id = e.entity_id
		WHERE e.entity = 'case' AND e.kind = 'status' AND e.at >= ? AND e.at < ?`+scope+` GROUP BY e.new_value`), append([]any{start, end}, args...)...)
	if err != nil {
		return f, fmt.Errorf("case moves: %w", err)
	}
	for _, m := range moves {
		f.Moves[m.To] += m.N
	}
	// The day's follow-ups and the day before's: a case seen on neither is not seen for
	// two days.
	var fus []struct {
		CaseID int64   `db:"case_id"`
		Unit   string  `db:"unit"`
		Due    string  `db:"due_on"`
		Result *string `db:"result"`
	}
	err = s.db.SelectContext(ctx, &fus, s.db.Rebind(`SELECT f.case_id, COALESCE(c.unit_code, '') AS unit, f.due_on, f.result
		FROM follow_ups f JOIN cases c ON c.id = f.case_id WHERE f.due_on IN (?, ?)`+scope), append([]any{AddDays(day, -1), day}, args...)...)
	if err != nil {
		return f, fmt.Errorf("follow-ups: %w", err)
	}
	seen := func(r *string) bool { return r != nil && (*r == ResultWell || *r == ResultSymptomatic) }
	seenBefore := map[int64]bool{}
	dueBefore := map[int64]bool{}
	for _, x := range fus {
		if x.Due != day {
			dueBefore[x.CaseID], seenBefore[x.CaseID] = true, seen(x.Result)
		}
	}
	for _, x := range fus {
		if x.Due != day {
			continue
		}
		u := f.unit(x.Unit)
		f.Monitoring++
		u.Monitoring++
		result := ""
		if x.Result != nil {
			result = *x.Result
		}
		f.FollowUps[result]++
		switch result {
		case ResultWell:
			u.Seen++
		case ResultSymptomatic:
			u.Seen++
			u.WithSigns++
		case ResultNotReached:
			u.NotReached++
		}
		if !seen(x.Result) && dueBefore[x.CaseID] && !seenBefore[x.CaseID] {
			f.NotSeen2++
			u.NotSeen2++
		}
	}
	f.AutoCalls, err = s.followUpCallTotals(ctx, day, unit)
	return f, err
}

// UnitDailyReport is an officer's part of a day's report: their unit's tickets and cases.
// Supervisors may ask for any unit.
func (s *Store) UnitDailyReport(ctx context.Context, actor Actor, day, unit string) (*UnitReport, error) {
	switch {
	case actor.scoped():
		unit = actor.UnitCode
	case !actor.seesHealthData() || actor.Role == RoleAgent:
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được báo cáo ngày.")
	}
	start, end, err := DayBounds(day)
	if err != nil {
		return nil, err
	}
	r := &UnitReport{Day: day, Unit: unit}
	if r.Tickets, err = s.reportTickets(ctx, day, unit, start, end); err != nil {
		return nil, err
	}
	if r.Cases, err = s.reportCases(ctx, day, unit, start, end); err != nil {
		return nil, err
	}
	return r, nil
}
