package tickets_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// openStore opens a fresh store in a temporary folder with a clock the test controls.
func openStore(tb testing.TB, now *time.Time) *tickets.Store {
	tb.Helper()
	s, err := tickets.OpenStore(context.Background(), filepath.Join(tb.TempDir(), "hotline.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	s.Now = func() time.Time { return *now }
	tb.Cleanup(func() { s.Close() })
	return s
}

func ptr[T any](v T) *T { return &v }

func TestCallRecord(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)

	c := &tickets.Call{ChannelID: "1628560800.1", CallerNumber: ptr("+84905123456"), CallerRaw: "0905123456", Dialed: "19001075"}
	if err := s.StartCall(ctx, c); err != nil {
		t.Fatalf("StartCall: %v", err)
	}
	if c.ID == "" || c.Outcome != tickets.OutcomeInProgress || !c.StartedAt.Equal(now) {
		t.Fatalf("started call = %+v", c)
	}
	end := now.Add(90 * time.Second)
	c.AnsweredAt, c.EndedAt = &now, &end
	c.Path = tickets.Path{{At: now, Node: "main"}, {At: now, Node: "main", Key: "2"}}
	c.Outcome, c.EndedBy, c.Language = tickets.OutcomeTicket, tickets.EndedByHotline, "en"
	if err := s.SaveCall(ctx, c); err != nil {
		t.Fatalf("SaveCall: %v", err)
	}
	got, err := s.FindCall(ctx, c.ID)
	if err != nil {
		t.Fatalf("FindCall: %v", err)
	}
	if got.Outcome != tickets.OutcomeTicket || got.Language != "en" || got.Path.Keys() != "2" ||
		got.EndedAt == nil || !got.EndedAt.Equal(end) || *got.CallerNumber != "+84905123456" {
		t.Errorf("stored call = %+v", got)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindCall(ctx, "nope")
		if code := tickets.ErrorCode(err); code != tickets.ENOTFOUND {
			t.Errorf("FindCall(nope) code = %q, want %q", code, tickets.ENOTFOUND)
		}
	})
}

func TestCloseOpenCalls(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	open := &tickets.Call{ChannelID: "a"}
	done := &tickets.Call{ChannelID: "b"}
	for _, c := range []*tickets.Call{open, done} {
		if err := s.StartCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	done.EndedAt, done.Outcome = &now, tickets.OutcomeInformation
	if err := s.SaveCall(ctx, done); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	n, err := s.CloseOpenCalls(ctx, tickets.OutcomeInterrupted)
	if err != nil || n != 1 {
		t.Fatalf("CloseOpenCalls = %d, %v; want 1, nil", n, err)
	}
	got, _ := s.FindCall(ctx, open.ID)
	if got.Outcome != tickets.OutcomeInterrupted || got.EndedAt == nil || !got.EndedAt.Equal(now) || got.EndedBy != tickets.EndedBySystem {
		t.Errorf("closed call = %+v", got)
	}
	got, _ = s.FindCall(ctx, done.ID)
	if got.Outcome != tickets.OutcomeInformation {
		t.Errorf("finished call changed to %q", got.Outcome)
	}
}

func TestCreateTicket(t *testing.T) {
	ctx := context.Background()
	// 17:30 UTC on 31 December 2021 is already 00:30 on 1 January 2022 in Huế.
	now := time.Date(2021, 12, 31, 17, 30, 0, 0, time.UTC)
	s := openStore(t, &now)
	call := &tickets.Call{ChannelID: "c1"}
	if err := s.StartCall(ctx, call); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for i := 0; i < 3; i++ {
		tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallID: &call.ID, IVRKeys: "2"}
		if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatalf("CreateTicket: %v", err)
		}
		if tk.ID == 0 || tk.Status != tickets.StatusNew {
			t.Errorf("created ticket = %+v", tk)
		}
		refs = append(refs, tk.Ref)
		now = now.Add(time.Second)
	}
	if want := []string{"HL-220001", "HL-220002", "HL-220003"}; !equal(refs, want) {
		t.Errorf("refs = %v, want %v", refs, want)
	}
	page, err := s.ListTickets(ctx, tickets.ActorSystem, tickets.TicketFilter{CallID: &call.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range page.Tickets {
		got = append(got, tk.Ref)
	}
	if want := []string{"HL-220003", "HL-220002", "HL-220001"}; !equal(got, want) {
		t.Errorf("ListTickets newest first = %v, want %v", got, want)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tk := range []*tickets.Ticket{
			{Category: "gossip", Priority: tickets.P2},
			{Category: tickets.CategoryOther, Priority: "P9"},
		} {
			err := s.CreateTicket(ctx, tickets.ActorIVR, tk)
			if code := tickets.ErrorCode(err); code != tickets.EINVALID {
				t.Errorf("CreateTicket(%+v) code = %q, want %q", tk, code, tickets.EINVALID)
			}
		}
		missing := "no-such-call"
		err := s.CreateTicket(ctx, tickets.ActorIVR, &tickets.Ticket{Category: tickets.CategoryOther, Priority: tickets.P4, CallID: &missing})
		if code := tickets.ErrorCode(err); code != tickets.EINVALID {
			t.Errorf("CreateTicket(unknown call) code = %q, want %q", code, tickets.EINVALID)
		}
		all, _ := s.ListTickets(ctx, tickets.ActorSystem, tickets.TicketFilter{})
		if len(all.Tickets) != 3 {
			t.Errorf("%d tickets after rejected creations, want 3", len(all.Tickets))
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testNow() time.Time { return time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC) }
