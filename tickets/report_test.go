package tickets_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Erlang C against the trade's worked example: 100 calls in 30 minutes, 3 minutes each
// (10 erlangs), 80 % within 20 s needs 14 agents (13 give 79.6 %, 14 give 88.8 %).
func TestErlangC(t *testing.T) {
	if got := tickets.AgentsNeeded(200, 180); got != 14 {
		t.Errorf("agents for 200 calls an hour of 180 s: %d, want 14", got)
	}
	for n, want := range map[int]float64{13: 0.7956, 14: 0.8884, 15: 0.9415} {
		if got := tickets.ServiceLevelWith(n, 200, 180, 20); math.Abs(got-want) > 0.0001 {
			t.Errorf("service level with %d agents: %.4f, want %.4f", n, got, want)
		}
	}
	if got := tickets.ErlangC(11, 10); math.Abs(got-0.6821) > 0.0001 {
		t.Errorf("ErlangC(11, 10) = %.4f, want 0.6821", got)
	}
	if got := tickets.AgentsNeeded(0, 180); got != 0 {
		t.Errorf("agents for no calls: %d", got)
	}
}

// A day built by hand, in Huế time, with every figure known: calls that cross local
// midnight (counted on the day they started), abandons at 4 s and 40 s, a callback
// request, answers at 19 s and 21 s, an agent's pause and wrap-ups, a state that runs
// past midnight.
func TestDailyReportOfAHandBuiltDay(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 12, 0, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	local := func(day, clock string) time.Time {
		at, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	const day, before, after = "2021-08-10", "2021-08-09", "2021-08-11"
	type callSpec struct {
		id, number, lang, outcome, key string
		start, end                     time.Time
	}
	calls := []callSpec{
		{"c1", "+84905000001", "vi", tickets.OutcomeInformation, "1", local(before, "23:59:30"), local(day, "00:01:00")},
		{"c2", "+84905000002", "vi", tickets.OutcomeAgent, "0", local(day, "23:59:00"), local(after, "00:02:00")},
		{"c3", "+84905000003", "vi", tickets.OutcomeAbandoned, "0", local(day, "09:00:00"), local(day, "09:00:10")},
		{"c4", "+84905000004", "vi", tickets.OutcomeAbandoned, "0", local(day, "09:10:00"), local(day, "09:10:45")},
		{"c5", "+84905000005", "vi", tickets.OutcomeCallback, "0", local(day, "09:20:00"), local(day, "09:21:00")},
		{"c6", "+84905000006", "vi", tickets.OutcomeAgent, "0", local(day, "10:00:00"), local(day, "10:06:00")},
		{"c7", "+84905000007", "vi", tickets.OutcomeAgent, "0", local(day, "10:05:00"), local(day, "10:09:30")},
		{"c8", "+84905000007", "en", tickets.OutcomeTicket, "2", local(day, "11:00:00"), local(day, "11:03:00")},
		{"c9", "", "vi", tickets.OutcomeInformation, "1", local(day, "11:30:00"), local(day, "11:31:00")},
	}
	for _, c := range calls {
		rec := &tickets.Call{ID: c.id, ChannelID: c.id, CallerRaw: c.number, Dialed: "19001075", Language: c.lang,
			StartedAt: c.start, AnsweredAt: &c.start, EndedAt: &c.end, Outcome: c.outcome, EndedBy: tickets.EndedByCaller,
			Path: tickets.Path{{At: c.start, Node: "main"}, {At: c.start, Node: "main", Key: c.key}}}
		if c.number != "" {
			rec.CallerNumber = &c.number
		}
		if err := s.SaveCall(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	cbStart, cbEnd := local(day, "12:00:00"), local(day, "12:02:00")
	if err := s.SaveCall(ctx, &tickets.Call{ID: "cb1", ChannelID: "cb1", Direction: "outbound", CallerNumber: ptr("+84905000005"),
		StartedAt: cbStart, EndedAt: &cbEnd, Outcome: "callback_answered"}); err != nil {
		t.Fatal(err)
	}
	q := func(at time.Time, call, agent, event string, data ...string) *tickets.QueueEntry {
		e := &tickets.QueueEntry{At: at, CallID: call, Agent: agent, Event: event}
		d := append(data, "", "", "", "", "")
		e.Data1, e.Data2, e.Data3, e.Data4, e.Data5 = d[0], d[1], d[2], d[3], d[4]
		return e
	}
	log := []*tickets.QueueEntry{
		q(local(before, "23:59:40"), "c1", "", tickets.QueueEnter, "", "", "1"), // the day before
		q(local(day, "00:00:10"), "c1", "", tickets.QueueAbandon, "1", "1", "30"),
		q(local(day, "23:59:10"), "c2", "", tickets.QueueEnter, "", "", "1"),
		q(local(after, "00:00:29"), "c2", "mai", tickets.QueueConnect, "19", "PJSIP/agent102-1", "1"),
		q(local(after, "00:02:00"), "c2", "mai", tickets.QueueDoneCaller, "19", "91", "1"),
		q(local(day, "09:00:05"), "c3", "", tickets.QueueEnter, "", "", "1"),
		q(local(day, "09:00:09"), "c3", "", tickets.QueueAbandon, "1", "1", "4"),
		q(local(day, "09:10:04"), "c4", "", tickets.QueueEnter, "", "", "1"),
		q(local(day, "09:10:44"), "c4", "", tickets.QueueAbandon, "1", "1", "40"),
		q(local(day, "09:20:05"), "c5", "", tickets.QueueEnter, "", "", "1"),
		q(local(day, "09:20:35"), "c5", "", tickets.QueueKey, "1", "1", "1", "30"),
		q(local(day, "10:00:10"), "c6", "", tickets.QueueEnter, "", "", "1"),
		q(local(day, "10:00:31"), "c6", "lan", tickets.QueueConnect, "21", "PJSIP/agent101-1", "2"),
		q(local(day, "10:05:31"), "c6", "lan", tickets.QueueDoneAgent, "21", "300", "1"),
		q(local(day, "10:05:10"), "c7", "", tickets.QueueEnter, "", "", "1"),
		q(local(day, "10:05:29"), "c7", "", tickets.QueueRingNoAns, "15000"),
		q(local(day, "10:06:01"), "c7", "lan", tickets.QueueConnect, "19", "PJSIP/agent101-2", "2"),
		q(local(day, "10:09:21"), "c7", "lan", tickets.QueueDoneCaller, "19", "200", "1"),
	}
	if err := s.LogQueue(ctx, log); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) VALUES
		(1, 'lan', 'Nguyễn Thị Lan', 'agent', 'x', ?, ?), (2, 'mai', 'Trần Mai', 'agent', 'x', ?, ?)`, now, now, now, now)
	exec(`INSERT INTO agent_sessions (id, user_id, phone, started_at, ended_at) VALUES (1, 1, 'PJSIP/agent101', ?, ?), (2, 2, 'PJSIP/agent102', ?, ?)`,
		local(day, "08:00:00").UTC(), local(day, "12:00:00").UTC(), local(day, "23:00:00").UTC(), local(after, "01:00:00").UTC())
	state := func(session, user int, st, reason string, from, to time.Time) {
		exec(`INSERT INTO agent_states (session_id, user_id, state, reason, started_at, started_day, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			session, user, st, reason, from.UTC(), tickets.Day(from), to.UTC())
	}
	state(1, 1, tickets.AgentReady, "", local(day, "08:00:00"), local(day, "09:00:00"))
	state(1, 1, tickets.AgentPaused, "break", local(day, "09:00:00"), local(day, "09:30:00"))
	state(1, 1, tickets.AgentReady, "", local(day, "09:30:00"), local(day, "10:00:29"))
	state(1, 1, tickets.AgentRinging, "", local(day, "10:00:29"), local(day, "10:00:31"))
	state(1, 1, tickets.AgentOnCall, "", local(day, "10:00:31"), local(day, "10:05:31"))
	state(1, 1, tickets.AgentWrapUp, "", local(day, "10:05:31"), local(day, "10:06:01"))
	state(1, 1, tickets.AgentOnCall, "", local(day, "10:06:01"), local(day, "10:09:21"))
	state(1, 1, tickets.AgentWrapUp, "", local(day, "10:09:21"), local(day, "10:09:51"))
	state(1, 1, tickets.AgentReady, "", local(day, "10:09:51"), local(day, "12:00:00"))
	state(2, 2, tickets.AgentReady, "", local(day, "23:00:00"), local(after, "00:00:27"))
	state(2, 2, tickets.AgentRinging, "", local(after, "00:00:27"), local(after, "00:00:29"))
	state(2, 2, tickets.AgentOnCall, "", local(after, "00:00:29"), local(after, "00:02:00"))
	state(2, 2, tickets.AgentReady, "", local(after, "00:02:00"), local(after, "01:00:00"))

	if _, err := s.DailyReport(ctx, tickets.Actor{Name: "hoa", Role: tickets.RoleOfficer, UnitCode: "19753"}, day); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an officer's call-centre report: %v", err)
	}
	if _, err := s.DailyReport(ctx, tickets.ActorSystem, "10/08/2021"); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("a day not in YYYY-MM-DD: %v", err)
	}
	r, err := s.DailyReport(ctx, tickets.ActorSystem, day)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	// Calls: c1 started the day before (counted there), c2 before midnight (counted here).
	c := r.Calls
	eq("received", c.Received, 8)
	eq("at 23:00", c.ByHour[23], 1)
	eq("at 09:00", c.ByHour[9], 3)
	eq("at 10:00", c.ByHour[10], 2)
	eq("at 11:00", c.ByHour[11], 2)
	eq("at 00:00", c.ByHour[0], 0)
	eq("Vietnamese", c.ByLanguage["vi"], 7)
	eq("English", c.ByLanguage["en"], 1)
	eq("chose 0", c.ByChoice["0"], 6)
	eq("chose 1", c.ByChoice["1"], 1)
	eq("chose 2", c.ByChoice["2"], 1)
	eq("talked to an agent", c.Outcomes[tickets.OutcomeAgent], 3)
	eq("abandoned", c.Outcomes[tickets.OutcomeAbandoned], 2)
	eq("callback requested", c.Outcomes[tickets.OutcomeCallback], 1)
	eq("ticket", c.Outcomes[tickets.OutcomeTicket], 1)
	eq("information only", c.Outcomes[tickets.OutcomeInformation], 1)
	eq("unique callers", c.UniqueCallers, 6)
	eq("withheld", c.Withheld, 1)
	eq("repeat callers", c.RepeatCallers, 1)
	eq("longest call", c.LongestSec, 360)
	eq("longest call's id", c.LongestCallID, "c6")
	eq("callbacks placed", c.Callbacks, 1)

	// The queue: six calls entered it on the day (c2's answer falls on the next day).
	f := r.Queue
	eq("offered", f.Offered, 6)
	eq("answered", f.Answered, 3)
	eq("answered within 20 s", f.AnsweredIn20s, 2)
	eq("abandoned", f.Abandoned, 2)
	eq("short abandons", f.ShortAbandons, 1)
	eq("callbacks requested", f.CallbackRequested, 1)
	eq("talk", f.TalkSec, 91+300+200)
	eq("longest wait", f.LongestWaitSec, 40)
	sl, ok := f.ServiceLevel()
	eq("service level", sl, 0.5) // 2 ÷ (3 answered + 1 abandoned after 5 s)
	eq("service level shown", ok, true)
	ar, _ := f.AbandonRate()
	eq("abandon rate", ar, 0.25) // 1 ÷ (6 − 1 short − 1 callback)
	asa, _ := f.AverageSpeedOfAnswer()
	eq("average speed of answer", asa, 59*time.Second/3)
	eq("wrap-up", r.WrapUpSec, 60)
	aht, _ := r.AverageHandleTime()
	eq("average handle time", aht, time.Duration(591+60)*time.Second/3)
	// Per 30 minutes, by the time the call entered the queue.
	eq("09:00–09:30 offered", r.Intervals[18].Offered, 3)
	sl18, ok18 := r.Intervals[18].ServiceLevel()
	eq("09:00–09:30 service level", sl18, 0.0) // one abandon after 5 s, nobody answered
	eq("09:00–09:30 shown", ok18, true)
	eq("10:00–10:30 offered", r.Intervals[20].Offered, 2)
	sl20, _ := r.Intervals[20].ServiceLevel()
	eq("10:00–10:30 service level", sl20, 0.5)
	eq("23:30–24:00 answered within 20 s", r.Intervals[47].AnsweredIn20s, 1)
	if _, ok := r.Intervals[0].ServiceLevel(); ok {
		t.Error("an interval without calls shows a service level; want –")
	}

	// Agents: lan's morning; mai's evening cut at midnight.
	if len(r.Agents) != 2 {
		t.Fatalf("agents %+v", r.Agents)
	}
	lan, mai := r.Agents[0], r.Agents[1]
	eq("lan answered", lan.Answered, 2)
	eq("lan signed in", lan.SignedSec, 4*3600)
	eq("lan paused for a break", lan.PausedSec["break"], 1800)
	eq("lan talk", lan.TalkSec, 500)
	eq("lan wrap-up", lan.WrapUpSec, 60)
	occ, _ := lan.Occupancy()
	eq("lan occupancy", math.Round(occ*1e6)/1e6, math.Round(562.0/12600*1e6)/1e6) // ring 2 + talk 500 + wrap-up 60
	eq("mai answered (a call that entered the queue on the day)", mai.Answered, 1)
	eq("mai signed in before midnight", mai.SignedSec, 3600)
	eq("mai talk on the day", mai.TalkSec, 0)

	// Staffing: Erlang C from each hour's offered calls and the day's handle time.
	eq("09:00 offered", r.Staffing[9].Offered, 3)
	eq("09:00 agents needed", r.Staffing[9].Needed, tickets.AgentsNeeded(3, aht.Seconds()))
	eq("09:00 needs one agent", r.Staffing[9].Needed, 1)
	eq("08:00 on duty", r.Staffing[8].OnDuty, 1.0)
	eq("09:00 on duty (half an hour paused)", r.Staffing[9].OnDuty, 0.5)
	eq("12:00 on duty", r.Staffing[12].OnDuty, 0.0)
	eq("23:00 on duty", r.Staffing[23].OnDuty, 1.0)
	eq("03:00 needs nobody", r.Staffing[3].Needed, 0)
}

// The day's tickets and cases, built by hand: tickets created, answered in and out of
// time, resolved on the day or the next, one merged, one long overdue; cases opened,
// lost and cleared, follow-ups seen, with signs, not reached two days running, not yet
// recorded. An officer's part is their unit's.
func TestDailyReportTicketsAndCases(t *testing.T) {
	ctx := context.Background()
	var now time.Time
	s := openStore(t, &now)
	local := func(day, clock string) time.Time {
		at, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return at.UTC()
	}
	const d, d1, d2, next = "2021-08-10", "2021-08-09", "2021-08-08", "2021-08-11"
	units, err := s.ListUnits(ctx, false)
	if err != nil || len(units) < 2 {
		t.Fatalf("units: %v", err)
	}
	a, b := units[0].Code, units[1].Code
	db := s.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	create := func(at time.Time, category, priority, unit string) *tickets.Ticket {
		t.Helper()
		now = at
		tk := &tickets.Ticket{Category: category, Priority: priority, UnitCode: &unit}
		if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	t1 := create(local(d, "09:00"), tickets.CategorySymptomReport, tickets.P1, a)
	exec(`UPDATE tickets SET status = 'resolved', first_response_at = ?, resolved_at = ? WHERE id = ?`, local(d, "09:10"), local(d, "12:00"), t1.ID)
	t2 := create(local(d, "10:00"), tickets.CategoryCommunityReport, tickets.P2, a)
	exec(`UPDATE tickets SET status = 'in_progress', first_response_at = ? WHERE id = ?`, local(d, "11:30"), t2.ID)
	create(local(d2, "08:00"), tickets.CategorySupportRequest, tickets.P2, b) // open, overdue since the day before
	t4 := create(local(d, "15:00"), tickets.CategoryMissedCall, tickets.P2, b)
	exec(`UPDATE tickets SET status = 'resolved', resolved_at = ? WHERE id = ?`, local(next, "09:00"), t4.ID)
	t5 := create(local(d, "16:00"), tickets.CategoryOther, tickets.P3, a)
	now = local(d, "16:30")
	if err := s.MergeTickets(ctx, tickets.Actor{Name: "minh", Role: tickets.RoleSupervisor}, t5.ID, t1.ID, "the same report"); err != nil {
		t.Fatal(err)
	}
	t6 := create(local(d1, "08:00"), tickets.CategoryOther, tickets.P3, b)
	exec(`UPDATE tickets SET status = 'resolved', resolved_at = ? WHERE id = ?`, local(d1, "09:00"), t6.ID)
	t7 := create(local(d2, "10:00"), tickets.CategorySupportRequest, tickets.P2, b)
	exec(`UPDATE tickets SET status = 'closed', resolved_at = ?, closed_at = ? WHERE id = ?`, local(d, "09:00"), local(d, "18:00"), t7.ID)

	kase := func(id int64, unit, status string, created time.Time) {
		exec(`INSERT INTO cases (id, ref, person_name, name_key, unit_code, status, created_at, updated_at) VALUES (?, ?, 'X', 'x', ?, ?, ?, ?)`,
			id, fmt.Sprintf("CA-21%04d", id), unit, status, created, created)
	}
	move := func(id int64, to string, at time.Time) {
		exec(`INSERT INTO events (entity, entity_id, at, actor, kind, field, new_value) VALUES ('case', ?, ?, 'lan', 'status', 'status', ?)`, id, at, to)
	}
	followUp := func(id int64, day int, due string, result any) {
		exec(`INSERT INTO follow_ups (case_id, day, due_on, result) VALUES (?, ?, ?, ?)`, id, day, due, result)
	}
	kase(1, a, tickets.CaseMonitoring, local(d, "08:00"))
	move(1, tickets.CaseMonitoring, local(d, "08:30"))
	followUp(1, 1, d, tickets.ResultWell)
	kase(2, a, tickets.CaseLost, local(d2, "08:00"))
	followUp(2, 1, d1, tickets.ResultNotReached)
	followUp(2, 2, d, tickets.ResultNotReached)
	move(2, tickets.CaseLost, local(d, "20:00"))
	kase(3, b, tickets.CaseCleared, local(d2, "08:00"))
	followUp(3, 2, d, tickets.ResultSymptomatic)
	move(3, tickets.CaseCleared, local(d, "11:00"))
	kase(4, b, tickets.CaseMonitoring, local(d2, "08:00"))
	followUp(4, 1, d1, tickets.ResultWell)
	followUp(4, 2, d, nil)

	now = local(next, "12:00")
	r, err := s.DailyReport(ctx, tickets.ActorSystem, d)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	k := r.Tickets
	eq("created", k.Created, 4)
	eq("symptom reports", k.ByCategory[tickets.CategorySymptomReport], 1)
	eq("missed calls", k.ByCategory[tickets.CategoryMissedCall], 1)
	eq("P1", k.ByPriority[tickets.P1], 1)
	eq("P2", k.ByPriority[tickets.P2], 2)
	eq("P3", k.ByPriority[tickets.P3], 1)
	eq("resolved", k.Resolved, 2)
	eq("resolved in time", k.ResolvedOK, 1)
	eq("closed", k.Closed, 1)
	eq("merged", k.Merged, 1)
	eq("first responses", k.FirstResponses, 2)
	eq("first responses in time", k.FirstResponseOK, 1)
	eq("backlog at the day's end", k.Backlog, 3) // t2, t3, and t4 resolved the next day
	eq("overdue at the day's end", k.Overdue, 1)
	eq("unit A created", k.ByUnit[a].Created, 3)
	eq("unit A resolved", k.ByUnit[a].Resolved, 1)
	eq("unit A backlog", k.ByUnit[a].Backlog, 1)
	eq("unit B backlog", k.ByUnit[b].Backlog, 2)
	eq("unit B overdue", k.ByUnit[b].Overdue, 1)

	c := r.Cases
	eq("new cases", c.New, 1)
	eq("to monitoring", c.Moves[tickets.CaseMonitoring], 1)
	eq("lost", c.Moves[tickets.CaseLost], 1)
	eq("cleared", c.Moves[tickets.CaseCleared], 1)
	eq("in monitoring (a follow-up due)", c.Monitoring, 4)
	eq("seen, no signs", c.FollowUps[tickets.ResultWell], 1)
	eq("seen, with signs", c.FollowUps[tickets.ResultSymptomatic], 1)
	eq("not reached", c.FollowUps[tickets.ResultNotReached], 1)
	eq("not recorded yet", c.FollowUps[""], 1)
	eq("not seen for two days", c.NotSeen2, 1)
	eq("unit A not seen for two days", c.ByUnit[a].NotSeen2, 1)
	eq("unit B with signs", c.ByUnit[b].WithSigns, 1)

	// The officer of unit A sees A's part only, whatever unit they ask for.
	officer := tickets.Actor{Name: "hoa", Role: tickets.RoleOfficer, UnitCode: a}
	u, err := s.UnitDailyReport(ctx, officer, d, b)
	if err != nil {
		t.Fatal(err)
	}
	eq("officer's unit", u.Unit, a)
	eq("officer's created", u.Tickets.Created, 3)
	eq("officer's backlog", u.Tickets.Backlog, 1)
	eq("officer's merged", u.Tickets.Merged, 1)
	eq("officer's monitoring", u.Cases.Monitoring, 2)
	eq("officer's not seen for two days", u.Cases.NotSeen2, 1)
	if _, ok := u.Tickets.ByUnit[b]; ok {
		t.Error("the officer's report has another unit's tickets")
	}
	if _, err := s.UnitDailyReport(ctx, tickets.Actor{Name: "lan", Role: tickets.RoleAgent}, d, a); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an agent's unit report: %v", err)
	}
}

// A day is frozen once it has ended (and its grace period passed); a hotline that was
// down freezes the days it missed; a frozen day keeps its figures, and a change made
// later shows beside them.
func TestFrozenReports(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 8, 3, 0, 0, 0, time.UTC) // 10:00 in Huế
	s := openStore(t, &now)
	if days, err := s.DaysToFreeze(ctx, now, 15*time.Minute, 10); err != nil || len(days) != 0 {
		t.Fatalf("days to freeze on an empty database: %v %v", days, err)
	}
	if err := s.SaveCall(ctx, &tickets.Call{ID: "c1", ChannelID: "c1", StartedAt: now, Outcome: tickets.OutcomeInformation}); err != nil {
		t.Fatal(err)
	}
	unit := "19753"
	tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, UnitCode: &unit}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	// 00:10 on the 9th in Huế: the 8th is not frozen before 00:15.
	at := time.Date(2021, 8, 8, 17, 10, 0, 0, time.UTC)
	if days, _ := s.DaysToFreeze(ctx, at, 15*time.Minute, 10); len(days) != 0 {
		t.Errorf("frozen within the grace period: %v", days)
	}
	// Down until the 11th at 08:00: three days to catch up, oldest first.
	at = time.Date(2021, 8, 11, 1, 0, 0, 0, time.UTC)
	days, err := s.DaysToFreeze(ctx, at, 15*time.Minute, 10)
	if err != nil || fmt.Sprint(days) != "[2021-08-08 2021-08-09 2021-08-10]" {
		t.Fatalf("days to catch up: %v %v", days, err)
	}
	now = at
	for _, d := range days {
		if _, err := s.FreezeDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if days, _ := s.DaysToFreeze(ctx, at, 15*time.Minute, 10); len(days) != 0 {
		t.Errorf("days left after catching up: %v", days)
	}
	// The ticket is resolved late, on the 11th: the 8th's frozen backlog stays 1; its
	// figures now say 0.
	if _, err := s.DB().Exec(`UPDATE tickets SET status = 'resolved', resolved_at = ? WHERE id = ?`, at, tk.ID); err != nil {
		t.Fatal(err)
	}
	snap, err := s.FreezeDay(ctx, "2021-08-08") // again: the same snapshot
	if err != nil || !snap.FrozenAt.Equal(at) || snap.Report.Calls.Received != 1 {
		t.Fatalf("frozen day: %+v %v", snap, err)
	}
	now = at.Add(time.Hour)
	current, err := s.DailyReport(ctx, tickets.ActorSystem, "2021-08-08")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Report.Tickets.Backlog != 1 || current.Tickets.Backlog != 1 {
		// The backlog at the 8th's end counts the ticket either way: it was resolved later.
		t.Errorf("backlog frozen %d, now %d; want 1 and 1", snap.Report.Tickets.Backlog, current.Tickets.Backlog)
	}
	// A ticket of the 8th merged away afterwards changes the 8th's figures.
	if _, err := s.DB().Exec(`UPDATE tickets SET status = 'cancelled', resolved_at = NULL WHERE id = ?`, tk.ID); err != nil {
		t.Fatal(err)
	}
	current, _ = s.DailyReport(ctx, tickets.ActorSystem, "2021-08-08")
	changes := tickets.Changes(snap.Report.Figures(nil), current.Figures(nil))
	if changes["tickets.backlog"].Value != "0" || len(changes) != 2 || changes["tickets.unit.19753.backlog"].Value != "0" {
		t.Errorf("changes since frozen: %v, want the backlog (and the unit's) now 0", changes)
	}
	// A period sums the frozen days (the 8th's frozen backlog, not the one now) and
	// computes the others.
	p, err := s.PeriodReport(ctx, tickets.ActorSystem, "2021-08-08", "2021-08-11")
	if err != nil || p.Calls.Received != 1 || p.Tickets.Created != 1 || p.Day != "2021-08-08 – 2021-08-11" {
		t.Errorf("period report: %+v %v", p, err)
	}
	if _, err := s.PeriodReport(ctx, tickets.ActorSystem, "2021-08-08", "2021-12-31"); tickets.ErrorCode(err) != tickets.EINVALID {
		t.Errorf("a period of five months: %v", err)
	}
	if _, err := s.PeriodReport(ctx, tickets.Actor{Name: "hoa", Role: tickets.RoleOfficer, UnitCode: "19753"}, "2021-08-08", "2021-08-09"); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("an officer's period report: %v", err)
	}
	if _, err := s.FrozenDay(ctx, "2021-08-12"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("a day not frozen: %v", err)
	}
}

// A week is the sum of its days: its service level comes from the summed counters, not
// from the days' service levels averaged.
func TestSumReports(t *testing.T) {
	d1 := &tickets.DayReport{Day: "2021-08-09"}
	d1.Queue = tickets.QueueFigures{Offered: 10, Answered: 10, AnsweredIn20s: 10, WaitAnsweredSec: 50}
	d1.Staffing[9].Offered = 10
	d1.Tickets.Backlog = 7
	d2 := &tickets.DayReport{Day: "2021-08-10"}
	d2.Queue = tickets.QueueFigures{Offered: 100, Answered: 90, AnsweredIn20s: 45, Abandoned: 10, WaitAnsweredSec: 2700, LongestWaitSec: 90}
	d2.Staffing[9].Offered = 30
	d2.Tickets.Backlog = 4
	w := tickets.SumReports([]*tickets.DayReport{d1, d2})
	sl, _ := w.Queue.ServiceLevel()
	if sl != 0.5 { // (10 + 45) ÷ (100 + 10); the days' own levels are 100 % and 45 %
		t.Errorf("the period's service level %.3f, want 0.5", sl)
	}
	if asa, _ := w.Queue.AverageSpeedOfAnswer(); asa.Seconds() != 2750.0/100 {
		t.Errorf("the period's average speed of answer %s", asa)
	}
	if w.Queue.LongestWaitSec != 90 || w.Tickets.Backlog != 4 || w.Staffing[9].Offered != 40 || w.Day != "2021-08-09 – 2021-08-10" {
		t.Errorf("period: longest %d, backlog %d (the last day's), 09:00 offered %d, %s",
			w.Queue.LongestWaitSec, w.Tickets.Backlog, w.Staffing[9].Offered, w.Day)
	}
}

// The main menu's first key is read from the path as the hotline stores it.
func TestFirstChoiceFromStoredPath(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	for i, path := range []tickets.Path{
		{{At: now, Node: "main"}, {At: now, Node: "main", Key: "4", Note: "x"}, {At: now, Node: "support", Key: "1"}},
		{{At: now, Node: "welcome"}, {At: now, Node: "lang", Key: "9"}, {At: now, Node: "main", Key: "2"}},
		{{At: now, Node: "main"}, {At: now, Node: "main", Note: "timeout"}},
	} {
		id := fmt.Sprint("p", i)
		if err := s.SaveCall(ctx, &tickets.Call{ID: id, ChannelID: id, StartedAt: now, Path: path, Outcome: tickets.OutcomeHungUp}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.DailyReport(ctx, tickets.ActorSystem, "2021-08-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Calls.ByChoice); got != "map[:1 2:1 4:1]" {
		t.Errorf("first choices %s, want 4, 2 and none", got)
	}
}
