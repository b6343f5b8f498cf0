package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// "Mark all handled" on the missed calls resolves missed calls only, whatever filter the
// request carries: a category of the request does not widen it to symptom reports, and
// marking one ticket handled refuses a ticket that is not a missed call.
func TestMarkHandledOnlyMissedCalls(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	missed := c.ticket(tickets.CategoryMissedCall, "0905000001", ptr(phuXuan), nil)
	symptoms := c.ticket(tickets.CategorySymptomReport, "0905000002", ptr(phuXuan), nil)
	other := c.ticket(tickets.CategorySymptomReport, "0905000003", ptr(kimLong), nil)
	lan := c.client("lan")
	status := func(tk *tickets.Ticket) string {
		t.Helper()
		got, err := c.store.GetTicket(ctx, tickets.ActorSystem, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}

	t.Run("ListWithCategory", func(t *testing.T) {
		_, page := get(t, lan, c.srv.URL+"/tickets?view=missed&category="+tickets.CategorySymptomReport)
		if strings.Contains(page, symptoms.Ref) || strings.Contains(page, other.Ref) {
			t.Errorf("the missed-call view lists symptom reports")
		}
		if strings.Contains(page, `name="category"`+` value="`+tickets.CategorySymptomReport+`"`) {
			t.Errorf("the mark-all form carries the category")
		}
		if strings.Contains(page, `<select name="category"`) {
			t.Errorf("the missed-call view offers a category filter it does not apply")
		}
	})
	t.Run("OneNotMissed", func(t *testing.T) {
		code, body := post(t, lan, c.srv.URL+"/tickets/"+symptoms.Ref+"/handled", nil)
		if code != http.StatusConflict || !strings.Contains(body, "không phải cuộc gọi nhỡ") {
			t.Errorf("a symptom report marked handled: %d %q, want 409 saying it is not a missed call", code, excerpt(body, "error-message"))
		}
		if got, want := status(symptoms), tickets.StatusNew; got != want {
			t.Errorf("%s is %s, want %s", symptoms.Ref, got, want)
		}
	})
	t.Run("MarkAllWithCategory", func(t *testing.T) {
		code, _ := post(t, lan, c.srv.URL+"/missed/handled", url.Values{"category": {tickets.CategorySymptomReport}})
		if code != http.StatusSeeOther {
			t.Fatalf("mark all: %d, want 303", code)
		}
		for _, tk := range []*tickets.Ticket{symptoms, other} {
			if got, want := status(tk), tickets.StatusNew; got != want {
				t.Errorf("%s (%s) is %s, want %s", tk.Ref, tk.Category, got, want)
			}
		}
		if got, want := status(missed), tickets.StatusResolved; got != want {
			t.Errorf("the missed call %s is %s, want %s", missed.Ref, got, want)
		}
	})
}
