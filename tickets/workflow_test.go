package tickets_test

import (
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Every pair of statuses, allowed or not: the workflow is exactly this table.
func TestCheckTransition(t *testing.T) {
	allowed := map[[2]string]bool{
		{"new", "triaged"}: true, {"triaged", "assigned"}: true, {"assigned", "in_progress"}: true,
		{"in_progress", "resolved"}: true, {"resolved", "closed"}: true,
		{"resolved", "in_progress"}: true, {"closed", "in_progress"}: true, // reopen
		{"new", "cancelled"}: true, {"triaged", "cancelled"}: true, {"assigned", "cancelled"}: true,
		{"in_progress", "cancelled"}: true,
	}
	for _, from := range tickets.Statuses {
		for _, to := range tickets.Statuses {
			name := from.Code + "→" + to.Code
			t.Run(name, func(t *testing.T) {
				err := tickets.CheckTransition(from.Code, to.Code)
				switch want := allowed[[2]string{from.Code, to.Code}]; {
				case want && err != nil:
					t.Errorf("refused: %v", err)
				case !want && err == nil:
					t.Error("allowed, want refused")
				case !want && tickets.ErrorCode(err) != tickets.ECONFLICT:
					t.Errorf("code %q, want %q", tickets.ErrorCode(err), tickets.ECONFLICT)
				case !want && tickets.ErrorMessage(err) == "":
					t.Error("no message")
				}
			})
		}
	}
	t.Run("unknown status", func(t *testing.T) {
		if code := tickets.ErrorCode(tickets.CheckTransition("new", "done")); code != tickets.EINVALID {
			t.Errorf("code %q, want invalid", code)
		}
	})
}

func TestCheckCaseTransition(t *testing.T) {
	allowed := map[[2]string]bool{
		{"suspected", "monitoring"}: true, {"suspected", "referred"}: true, {"suspected", "lost"}: true,
		{"monitoring", "referred"}: true, {"monitoring", "cleared"}: true, {"monitoring", "lost"}: true,
		{"referred", "tested_negative"}: true, {"referred", "tested_positive"}: true, {"referred", "lost"}: true,
		{"tested_negative", "monitoring"}: true, {"tested_negative", "referred"}: true, {"tested_negative", "cleared"}: true,
		{"tested_positive", "cleared"}: true, {"lost", "monitoring"}: true,
	}
	for _, from := range tickets.CaseStatuses {
		for _, to := range tickets.CaseStatuses {
			err := tickets.CheckCaseTransition(from.Code, to.Code)
			if want := allowed[[2]string{from.Code, to.Code}]; want != (err == nil) {
				t.Errorf("%s→%s: err %v, want allowed=%v", from.Code, to.Code, err, want)
			}
		}
	}
}

func TestSLAAndOverdue(t *testing.T) {
	created := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	sla := tickets.DefaultSLA()
	tests := []struct {
		priority        string
		first, resolved time.Duration
	}{
		{tickets.P1, 15 * time.Minute, 4 * time.Hour},
		{tickets.P2, time.Hour, 24 * time.Hour},
		{tickets.P3, 4 * time.Hour, 72 * time.Hour},
		{tickets.P4, 24 * time.Hour, 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		f, r := sla.Due(tt.priority, created)
		if f != created.Add(tt.first) || r != created.Add(tt.resolved) {
			t.Errorf("%s: due %v / %v", tt.priority, f, r)
		}
	}
	f, r := sla.Due(tickets.P1, created)
	tk := &tickets.Ticket{Status: tickets.StatusNew, FirstResponseDue: f, ResolutionDue: r}
	cases := []struct {
		name    string
		at      time.Duration
		respond bool
		status  string
		want    bool
	}{
		{"OK/in time", 10 * time.Minute, false, tickets.StatusNew, false},
		{"first response missed", 16 * time.Minute, false, tickets.StatusNew, true},
		{"answered in time", 16 * time.Minute, true, tickets.StatusTriaged, false},
		{"resolution missed", 5 * time.Hour, true, tickets.StatusInProgress, true},
		{"resolved is never overdue", 5 * time.Hour, true, tickets.StatusResolved, false},
		{"cancelled is never overdue", 5 * time.Hour, false, tickets.StatusCancelled, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := *tk
			x.Status = c.status
			if c.respond {
				at := created.Add(5 * time.Minute)
				x.FirstResponseAt = &at
			}
			if got := x.Overdue(created.Add(c.at)); got != c.want {
				t.Errorf("Overdue = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn  Đức":    "nguyen van duc",
		"TRẦN THỊ HƯƠNG":     "tran thi huong",
		"Phường Thuận Hóa":   "phuong thuan hoa",
		" Lê   Quý   Đôn ":   "le quy don",
		"Chân Mây – Lăng Cô": "chan may – lang co",
	} {
		if got := tickets.NameKey(in); got != want {
			t.Errorf("NameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTicketValidate(t *testing.T) {
	bad := "12345"
	tests := []struct {
		name string
		tk   tickets.Ticket
	}{
		{"unknown category", tickets.Ticket{Category: "gossip", Priority: tickets.P3}},
		{"unknown priority", tickets.Ticket{Category: tickets.CategoryOther, Priority: "P0"}},
		{"bad contact phone", tickets.Ticket{Category: tickets.CategoryOther, Priority: tickets.P3, ContactPhone: &bad}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := tickets.ErrorCode(tt.tk.Validate()); code != tickets.EINVALID {
				t.Errorf("code %q, want invalid", code)
			}
		})
	}
	good := "0905 123 456"
	tk := tickets.Ticket{Category: tickets.CategoryOther, Priority: tickets.P3, ContactPhone: &good}
	if err := tk.Validate(); err != nil || *tk.ContactPhone != "+84905123456" {
		t.Errorf("Validate = %v, contact %q", err, *tk.ContactPhone)
	}
}
