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

// A case's person is corrected under a correction request for the case's number: each
// field changed is on the case's trail with the request and on the request's; another
// number's request, an unverified one, a bad birth year and nothing changed are refused.
func TestCaseCorrectedUnderTheRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := f.newCase(t, nil) // 0905 777 888, Nguyễn Văn An, 1958, 12 Lê Lợi
	fix := tickets.CaseCorrection{PersonName: ptr("Nguyễn Văn Anh"), BirthYear: ptr("1959"), Address: ptr("12 Lê Lợi, Phú Hội")}

	t.Run("ErrAnotherNumber", func(t *testing.T) {
		r := f.verifiedCorrection(t, "0905111222")
		if err := f.s.CorrectCase(ctx, f.sup, r.ID, c.ID, fix, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("another number's request: %v, want a conflict", err)
		}
	})
	t.Run("ErrNotVerified", func(t *testing.T) {
		r := f.register(t, tickets.RequestCorrection, "0905777888", "2026-06-01 09:00")
		if err := f.s.CorrectCase(ctx, f.sup, r.ID, c.ID, fix, ""); tickets.ErrorCode(err) != tickets.ECONFLICT {
			t.Errorf("a request not verified: %v, want a conflict", err)
		}
	})
	r := f.verifiedCorrection(t, "0905777888")
	t.Run("ErrNotTheDesk", func(t *testing.T) {
		if err := f.s.CorrectCase(ctx, f.agent, r.ID, c.ID, fix, ""); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("an agent: %v, want forbidden", err)
		}
	})
	t.Run("ErrBadYear", func(t *testing.T) {
		if err := f.s.CorrectCase(ctx, f.sup, r.ID, c.ID, tickets.CaseCorrection{BirthYear: ptr("19x9")}, ""); tickets.ErrorField(err) != "birth_year" {
			t.Errorf("a bad birth year: %v, want its field", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := f.s.CorrectCase(ctx, f.sup, r.ID, c.ID, fix, "người dân gửi giấy tờ"); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetCase(ctx, f.sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PersonName != "Nguyễn Văn Anh" || got.BirthYear == nil || *got.BirthYear != 1959 || got.Address != "12 Lê Lợi, Phú Hội" {
			t.Errorf("the case after the correction: %+v", got)
		}
		found, err := f.s.FindCases(ctx, f.sup, tickets.CaseFilter{Name: "nguyen van anh", Limit: 5})
		if err != nil || len(found) != 1 || found[0].ID != c.ID {
			t.Errorf("the corrected name is not found without accents: %v %v", found, err)
		}
		evs, err := f.s.CaseEvents(ctx, f.sup, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]*tickets.Event{}
		for _, e := range evs {
			if e.Kind == "corrected" {
				fields[e.Field] = e
			}
		}
		if e := fields["person_name"]; e == nil || e.OldValue != "Nguyễn Văn An" || !strings.Contains(e.Note, "YC-"+strconv.FormatInt(r.ID, 10)) {
			t.Errorf("the case's trail for the name: %+v", e)
		}
		if len(fields) != 3 {
			t.Errorf("the case's trail has %d corrected fields, want 3", len(fields))
		}
		corr := f.request(t, r.ID).Corrections()
		if len(corr) != 3 || corr[0].Note != c.Ref {
			t.Errorf("the request's corrections: %d, want 3 naming %s", len(corr), c.Ref)
		}
	})
	t.Run("ErrNothingChanged", func(t *testing.T) {
		if err := f.s.CorrectCase(ctx, f.sup, r.ID, c.ID, fix, ""); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("nothing changed: %v, want invalid", err)
		}
	})
}
