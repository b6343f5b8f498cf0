package tickets_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// verifiedCorrection registers a correction request for a number and verifies it.
func (f *fixture) verifiedCorrection(tb testing.TB, phone string) *tickets.DataRequest {
	tb.Helper()
	r := f.register(tb, tickets.RequestCorrection, phone, "2026-06-01 09:00")
	if err := f.s.VerifyDataRequest(context.Background(), f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestCorrectionLinkedToTheRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tk := f.ticket(t, tickets.CategorySymptomReport, "0905 111 222", ptr(phuXuan))
	if err := f.s.EditTicket(ctx, f.sup, tk.ID, tickets.TicketEdit{Summary: ptr("Sốt, ho ở Phú Hậu")}, ""); err != nil {
		t.Fatal(err)
	}
	other := f.ticket(t, tickets.CategorySymptomReport, "0905 333 444", ptr(phuXuan))

	t.Run("OK", func(t *testing.T) {
		r := f.verifiedCorrection(t, "0905111222")
		tks, _, err := f.s.RequestRecords(ctx, f.sup, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tks) != 1 || tks[0].Ref != tk.Ref {
			t.Fatalf("records of the number = %+v, want only %s", tks, tk.Ref)
		}
		e := tickets.TicketEdit{Summary: ptr("Sốt, ho ở Phú Hội"), RequestID: &r.ID}
		if err := f.s.EditTicket(ctx, f.sup, tk.ID, e, "người dân báo sai phường"); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, tk.ID).Summary; got != "Sốt, ho ở Phú Hội" {
			t.Errorf("summary = %q", got)
		}
		evs, err := f.s.TicketEvents(ctx, f.sup, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Field != "summary" || !strings.Contains(last.Note, "YC-"+strconv.FormatInt(r.ID, 10)) || !strings.Contains(last.Note, "người dân báo sai phường") {
			t.Errorf("ticket's trail event = %+v, want the summary with YC-%d and the note", last, r.ID)
		}
		got := f.request(t, r.ID).Corrections()
		if len(got) != 1 {
			t.Fatalf("corrections = %d, want 1", len(got))
		}
		c := got[0]
		if c.Field != "summary" || c.OldValue != "Sốt, ho ở Phú Hậu" || c.NewValue != "Sốt, ho ở Phú Hội" || c.Note != tk.Ref || c.Actor != f.sup.Name {
			t.Errorf("correction = %+v", c)
		}
		if err := f.s.CompleteDataRequest(ctx, f.sup, r.ID, "Đã sửa tóm tắt phiếu", ""); err != nil {
			t.Fatal(err)
		}
		if got := f.request(t, r.ID).Corrections(); len(got) != 1 {
			t.Errorf("after done, corrections = %d, want 1", len(got))
		}
		// Done: no more edits under it.
		e = tickets.TicketEdit{Summary: ptr("lại sửa"), RequestID: &r.ID}
		if err := f.s.EditTicket(ctx, f.sup, tk.ID, e, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("edit under a closed request: %v, want conflict", err)
		}
	})
	t.Run("ErrAnotherNumber", func(t *testing.T) {
		r := f.verifiedCorrection(t, "0905111222")
		e := tickets.TicketEdit{Summary: ptr("không được sửa"), RequestID: &r.ID}
		err := f.s.EditTicket(ctx, f.sup, other.ID, e, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT || !strings.Contains(tickets.ErrorMessage(err), "số điện thoại khác") {
			t.Errorf("edit of another number's ticket: %v, want conflict", err)
		}
		if got := f.get(t, other.ID).Summary; got == "không được sửa" {
			t.Error("the other number's ticket was changed")
		}
		if len(f.request(t, r.ID).Corrections()) != 0 {
			t.Error("a refused edit is listed as a correction")
		}
	})
	t.Run("ErrNotVerified", func(t *testing.T) {
		r := f.register(t, tickets.RequestCorrection, "0905111222", "2026-06-01 09:00")
		e := tickets.TicketEdit{Summary: ptr("chưa xác minh"), RequestID: &r.ID}
		err := f.s.EditTicket(ctx, f.sup, tk.ID, e, "")
		if tickets.ErrorCode(err) != tickets.ECONFLICT || !strings.Contains(tickets.ErrorMessage(err), "chưa xác minh") {
			t.Errorf("edit under an unverified request: %v, want conflict", err)
		}
		if got := f.get(t, tk.ID).Summary; got == "chưa xác minh" {
			t.Error("the ticket was changed under an unverified request")
		}
	})
	t.Run("ErrNotACorrection", func(t *testing.T) {
		r := f.register(t, tickets.RequestAccess, "0905111222", "2026-06-01 09:00")
		if err := f.s.VerifyDataRequest(ctx, f.sup, r.ID, tickets.VerifyCallback, ""); err != nil {
			t.Fatal(err)
		}
		e := tickets.TicketEdit{Summary: ptr("xem thôi"), RequestID: &r.ID}
		if err := f.s.EditTicket(ctx, f.sup, tk.ID, e, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("edit under an access request: %v, want conflict", err)
		}
	})
	t.Run("ErrNotTheDesk", func(t *testing.T) {
		r := f.verifiedCorrection(t, "0905111222")
		e := tickets.TicketEdit{Summary: ptr("tổng đài viên"), RequestID: &r.ID}
		if err := f.s.EditTicket(ctx, f.agent, tk.ID, e, ""); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an agent editing under a request: %v, want forbidden", err)
		}
	})
	t.Run("EveryTicketOfTheNumber", func(t *testing.T) {
		f.ticket(t, tickets.CategorySymptomReport, "0905 111 222", ptr(kimLong))
		r := f.verifiedCorrection(t, "0905111222")
		tks, _, err := f.s.RequestRecords(ctx, f.sup, r.ID)
		if err != nil || len(tks) != 2 {
			t.Fatalf("supervisor sees %d tickets (%v), want 2", len(tks), err)
		}
	})
}
