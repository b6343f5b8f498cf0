package ivr

import (
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func TestScheduleParse(t *testing.T) {
	s, err := ParseSchedule("mon-fri 07:00-11:30,13:30-21:00; sat,sun 08:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, tickets.Local)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		when time.Time
		open bool
	}{
		{at("2021-08-09", "07:00"), true},  // Monday
		{at("2021-08-09", "06:59"), false}, // before opening
		{at("2021-08-09", "12:00"), false}, // lunch
		{at("2021-08-09", "20:59"), true},
		{at("2021-08-09", "21:00"), false}, // closing time is closed
		{at("2021-08-14", "08:30"), true},  // Saturday
		{at("2021-08-15", "17:30"), false}, // Sunday evening
		{at("2021-08-09", "07:00").UTC(), true},
	}
	for _, tt := range tests {
		if got := s.Open(tt.when); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.when.Format(time.RFC1123), got, tt.open)
		}
	}
	if !AlwaysOpen.Open(at("2021-08-15", "03:00")) {
		t.Error("AlwaysOpen closed at night")
	}
	if (Schedule{}).Open(at("2021-08-09", "09:00")) {
		t.Error("the zero Schedule is open")
	}
	wrap, err := ParseSchedule("fri-mon 00:00-24:00")
	if err != nil || !wrap.Open(at("2021-08-15", "12:00")) || wrap.Open(at("2021-08-11", "12:00")) {
		t.Errorf("a range across the week's end: %v", err)
	}
	for _, bad := range []string{"", "mon", "mon 9-17", "funday 07:00-09:00", "mon 17:00-09:00", "mon 07:00-25:00", "mon-fri 07:60-08:00"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func offered(t *testing.T, w *waiter) string {
	t.Helper()
	select {
	case ep := <-w.offer:
		return ep
	default:
		return ""
	}
}

func TestQueueOrder(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	q := NewQueue(QueueConfig{Hours: AlwaysOpen, Rest: time.Hour})
	q.now = func() time.Time { return now }
	if q.Open() {
		t.Fatal("open with nobody on duty")
	}
	q.SetAgents([]string{"PJSIP/a", "PJSIP/b"})
	// b has been idle longer than a.
	q.agents[0].idleSince = now.Add(-time.Minute)
	q.agents[1].idleSince = now.Add(-10 * time.Minute)
	if !q.Open() {
		t.Fatal("closed with agents on duty")
	}

	w1 := q.join(false)
	if got := offered(t, w1); got != "PJSIP/b" {
		t.Fatalf("first caller offered %q, want the longest idle agent PJSIP/b", got)
	}
	w2 := q.join(false)
	if got := offered(t, w2); got != "PJSIP/a" {
		t.Fatalf("second caller offered %q, want PJSIP/a", got)
	}
	w3 := q.join(false)
	urgent := q.join(true)
	if got := offered(t, w3) + offered(t, urgent); got != "" {
		t.Fatalf("offered %q with every agent busy", got)
	}
	if p := q.position(urgent); p != 1 {
		t.Errorf("urgent caller at %d, want 1: at the front", p)
	}
	if p := q.position(w3); p != 4 {
		t.Errorf("w3 at %d, want 4", p)
	}
	// b does not answer: passed over, so a's next free moment goes to the urgent caller.
	q.rung(w1, "PJSIP/b", ringFailed)
	if got := offered(t, urgent) + offered(t, w1) + offered(t, w3); got != "" {
		t.Fatalf("offered %q while b rests and a talks", got)
	}
	q.rung(w2, "PJSIP/a", ringAnswered)
	q.leave(w2)
	q.finished("PJSIP/a")
	if len(urgent.offer) != 1 || len(w1.offer) != 0 {
		t.Fatalf("a's next free moment went to %d/%d, want the urgent caller, first in line", len(urgent.offer), len(w1.offer))
	}
	// A caller who leaves with an offer unread frees the agent for the next.
	q.leave(urgent)
	if got := offered(t, w1); got != "PJSIP/a" {
		t.Fatalf("w1 offered %q after the urgent caller left, want PJSIP/a", got)
	}
	// A cancelled ring frees the agent at once.
	q.rung(w1, "PJSIP/a", ringCancelled)
	q.leave(w1)
	if got := offered(t, w3); got != "PJSIP/a" {
		t.Fatalf("w3 offered %q, want PJSIP/a", got)
	}
	// Taking agents off duty.
	q.SetAgents(nil)
	if q.Open() {
		t.Error("open after every agent left")
	}
}

// A caller an agent answered is out of the line: the next free agent goes to the next
// caller, not to the one already talking.
func TestQueueAnsweredCallerLeavesTheLine(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	q := NewQueue(QueueConfig{Hours: AlwaysOpen, Rest: time.Hour})
	q.now = func() time.Time { return now }
	q.SetAgents([]string{"PJSIP/a", "PJSIP/b"})
	q.agents[1].idleSince = now.Add(-time.Minute) // b first, then a

	first := q.join(false)
	if got := offered(t, first); got != "PJSIP/b" {
		t.Fatalf("first caller offered %q, want PJSIP/b", got)
	}
	q.rung(first, "PJSIP/b", ringAnswered) // talking now
	second := q.join(false)
	if got := offered(t, second); got != "PJSIP/a" {
		t.Errorf("second caller offered %q while agent a is free, want PJSIP/a", got)
	}
	if got := offered(t, first); got != "" {
		t.Errorf("the caller already talking was offered %q too", got)
	}
}
