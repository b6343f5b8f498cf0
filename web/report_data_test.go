package web_test

import (
	"context"
	"fmt"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// busyDay is the day the report tests read: 2021-08-10 in Huế, with calls through the
// day, a queue that answered some in 20 s, some later and lost some, two agents on duty
// who paused for different reasons (so the agents' table has a column one of them never
// used), tickets in two units, and two cases under monitoring, one seen.
const busyDay = "2021-08-10"

// fillBusyDay writes busyDay into the console's database.
func (c *console) fillBusyDay() {
	c.t.Helper()
	t, s, ctx := c.t, c.store, context.Background()
	at := func(clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", busyDay+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s.Now = func() time.Time { return at("09:00:00") }
	defer func() { s.Now = time.Now }()
	// Calls: the hour each started, the key chosen, how long, and what the queue made of
	// those that asked for an agent (wait in seconds; "" not queued).
	type spec struct {
		clock, key   string
		secs         int
		queue        string // answered, late (answered after 20 s), abandoned, short, callback
		wait, talk   int
		agent, phone string
	}
	calls := []spec{
		{"08:05:00", "1", 60, "", 0, 0, "", "+84905000001"},
		{"08:40:00", "0", 200, "answered", 8, 150, "lan", "+84905000002"},
		{"09:10:00", "0", 300, "answered", 15, 240, "mai", "+84905000003"},
		{"09:20:00", "0", 90, "late", 35, 40, "lan", "+84905000004"},
		{"09:35:00", "0", 30, "abandoned", 25, 0, "", "+84905000005"},
		{"09:50:00", "0", 10, "short", 3, 0, "", "+84905000006"},
		{"10:00:00", "2", 120, "", 0, 0, "", "+84905000007"},
		{"10:15:00", "0", 209, "answered", 12, 180, "mai", "+84905000002"},
		{"14:30:00", "0", 60, "callback", 30, 0, "", "+84905000008"},
		{"20:00:00", "3", 45, "", 0, 0, "", ""},
	}
	var log []*tickets.QueueEntry
	for i, x := range calls {
		id := fmt.Sprintf("busy%02d", i)
		start := at(x.clock)
		end := start.Add(time.Duration(x.secs) * time.Second)
		call := &tickets.Call{ID: id, ChannelID: id, StartedAt: start, EndedAt: &end, Outcome: tickets.OutcomeInformation,
			Path: tickets.Path{{At: start, Node: "main", Key: x.key}}}
		if x.phone != "" {
			call.CallerNumber = &x.phone
		}
		if x.queue != "" {
			call.Outcome = tickets.OutcomeAgent
		}
		if err := s.SaveCall(ctx, call); err != nil {
			t.Fatal(err)
		}
		if x.queue == "" {
			continue
		}
		enter := start.Add(20 * time.Second)
		w := enter.Add(time.Duration(x.wait) * time.Second)
		log = append(log, &tickets.QueueEntry{At: enter, CallID: id, Event: tickets.QueueEnter, Data3: "1"})
		switch x.queue {
		case "answered", "late":
			log = append(log,
				&tickets.QueueEntry{At: w, CallID: id, Agent: x.agent, Event: tickets.QueueConnect, Data1: fmt.Sprint(x.wait)},
				&tickets.QueueEntry{At: w.Add(time.Duration(x.talk) * time.Second), CallID: id, Agent: x.agent,
					Event: tickets.QueueDoneCaller, Data1: fmt.Sprint(x.wait), Data2: fmt.Sprint(x.talk)})
		case "abandoned", "short":
			log = append(log, &tickets.QueueEntry{At: w, CallID: id, Event: tickets.QueueAbandon, Data1: "1", Data2: "1", Data3: fmt.Sprint(x.wait)})
		case "callback":
			log = append(log, &tickets.QueueEntry{At: w, CallID: id, Event: tickets.QueueKey, Data1: "1", Data2: "1", Data3: "1", Data4: fmt.Sprint(x.wait)})
		}
	}
	if err := s.LogQueue(ctx, log); err != nil {
		t.Fatal(err)
	}

	// Two agents on duty: lan paused for a break, mai for a meeting.
	mai := &tickets.User{Username: "mai", DisplayName: "Trần Mai", Role: tickets.RoleAgent, Phone: "PJSIP/agent102"}
	if err := s.CreateUser(ctx, tickets.ActorSystem, mai, c.password); err != nil {
		t.Fatal(err)
	}
	c.users["mai"] = mai
	db := s.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	lan := c.users["lan"]
	exec(`INSERT INTO agent_sessions (id, user_id, phone, started_at, ended_at) VALUES (1, ?, 'PJSIP/agent101', ?, ?), (2, ?, 'PJSIP/agent102', ?, ?)`,
		lan.ID, at("08:00:00").UTC(), at("12:00:00").UTC(), mai.ID, at("08:00:00").UTC(), at("11:00:00").UTC())
	state := func(session int, user int64, st, reason, from, to string) {
		exec(`INSERT INTO agent_states (session_id, user_id, state, reason, started_at, started_day, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			session, user, st, reason, at(from).UTC(), busyDay, at(to).UTC())
	}
	state(1, lan.ID, tickets.AgentReady, "", "08:00:00", "09:00:00")
	state(1, lan.ID, tickets.AgentPaused, "break", "09:00:00", "09:30:00")
	state(1, lan.ID, tickets.AgentOnCall, "", "09:30:00", "09:31:00")
	state(1, lan.ID, tickets.AgentReady, "", "09:31:00", "12:00:00")
	state(2, mai.ID, tickets.AgentReady, "", "08:00:00", "10:00:00")
	state(2, mai.ID, tickets.AgentPaused, "meeting", "10:00:00", "10:15:00")
	state(2, mai.ID, tickets.AgentOnCall, "", "10:15:00", "10:19:00")
	state(2, mai.ID, tickets.AgentWrapUp, "", "10:19:00", "10:20:00")
	state(2, mai.ID, tickets.AgentReady, "", "10:20:00", "11:00:00")

	// Tickets in two units, and one without a unit.
	c.ticket(tickets.CategorySymptomReport, "0905000002", ptr(phuXuan), nil)
	c.ticket(tickets.CategorySymptomReport, "0905000003", ptr(phuXuan), nil)
	c.ticket(tickets.CategoryCommunityReport, "0905000004", ptr(kimLong), nil)
	c.ticket(tickets.CategorySymptomReport, "0905000007", nil, nil)

	// Two suspected cases under monitoring in Phú Xuân, one seen on the day.
	for _, name := range []string{"Nguyễn Văn An", "Lê Thị Bình"} {
		k := &tickets.Case{PersonName: name, UnitCode: ptr(phuXuan), Language: "vi"}
		if err := s.CreateCase(ctx, c.actor("lan"), k, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCaseStatus(ctx, c.actor("lan"), k.ID, tickets.CaseMonitoring, ""); err != nil {
			t.Fatal(err)
		}
		if name == "Nguyễn Văn An" {
			exec(`UPDATE follow_ups SET result = ?, method = 'home_visit', recorded_at = ? WHERE case_id = ? AND due_on = ?`,
				tickets.ResultWell, at("11:00:00").UTC(), k.ID, busyDay)
		}
	}
}
