package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// A correction request's page links to the number's tickets; an edit from that link is
// made under the request, listed on its page with before and after; another number's
// ticket is refused with the reason.
func TestCorrectionRequestLinksTheEdit(t *testing.T) {
	c := newConsole(t)
	sup := c.client("minh")
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	if err := c.store.EditTicket(context.Background(), c.actor("minh"), tk.ID, tickets.TicketEdit{Summary: ptr("Sốt ở Phú Hậu")}, ""); err != nil {
		t.Fatal(err)
	}
	other := c.ticket(tickets.CategorySymptomReport, "0914555666", ptr(phuXuan), nil)
	r := c.verifiedRequest(tickets.RequestCorrection, "0905123456")
	page := c.srv.URL + "/requests/" + itoa(r.ID)

	_, body := get(t, sup, page)
	link := "/tickets/" + tk.Ref + "?request=" + itoa(r.ID)
	if !strings.Contains(body, `href="`+link+`#edit"`) || strings.Contains(body, other.Ref) || !strings.Contains(body, `data-testid="request-no-corrections"`) {
		t.Fatalf("the request's page does not link only the number's ticket %s for its edit", tk.Ref)
	}
	_, body = get(t, sup, c.srv.URL+link)
	if !strings.Contains(body, `name="request" value="`+itoa(r.ID)+`"`) || !strings.Contains(body, `data-testid="edit-request"`) {
		t.Fatal("the ticket's edit form from the link does not carry the request")
	}
	if _, body := get(t, c.client("lan"), c.srv.URL+link); strings.Contains(body, `name="request"`) {
		t.Error("an agent's edit form carries a request")
	}

	status, _ := send(t, sup, formRequest(c.srv.URL+"/tickets/"+tk.Ref+"/edit", url.Values{"summary": {"Sốt ở Phú Hội"},
		"request": {itoa(r.ID)}}, false))
	if status != http.StatusSeeOther {
		t.Fatalf("the edit under the request: %d", status)
	}
	status, body = send(t, sup, formRequest(c.srv.URL+"/tickets/"+other.Ref+"/edit", url.Values{"summary": {"không phải số này"},
		"request": {itoa(r.ID)}}, true))
	if status != http.StatusConflict || !strings.Contains(body, "số điện thoại khác") {
		t.Errorf("another number's ticket under the request: %d, want 409 with the reason", status)
	}

	_, body = get(t, sup, page)
	if strings.Count(body, `data-testid="request-correction"`) != 1 || !strings.Contains(body, "Sốt ở Phú Hậu") || !strings.Contains(body, "Sốt ở Phú Hội") {
		t.Errorf("the request's page does not list the correction, before and after")
	}
	status, _ = send(t, sup, formRequest(page+"/done", url.Values{"outcome": {"đã sửa tóm tắt"}}, false))
	if status != http.StatusSeeOther {
		t.Fatalf("done: %d", status)
	}
	_, body = get(t, sup, page)
	if strings.Count(body, `data-testid="request-correction"`) != 1 || strings.Contains(body, `data-testid="request-tickets"`) {
		t.Error("once done, the page does not show the correction, or still offers the links")
	}
	evs, err := c.store.TicketEvents(context.Background(), c.actor("minh"), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; !strings.Contains(last.Note, "YC-"+itoa(r.ID)) {
		t.Errorf("the ticket's trail event %+v does not name the request", last)
	}
}

// A case's person is corrected from its request's page: the form shows the case as it
// stands, a bad birth year comes back beside its field with what was typed, a good one is
// saved and listed among the request's corrections; an agent cannot post it.
func TestCorrectionRequestCorrectsACase(t *testing.T) {
	c := newConsole(t)
	sup := c.client("minh")
	ctx := context.Background()
	cs := &tickets.Case{PersonName: "Lê Thị Hoa", Phone: ptr("0905123456"), BirthYear: ptr(1950), Address: "3 Chi Lăng", UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		t.Fatal(err)
	}
	r := c.verifiedRequest(tickets.RequestCorrection, "0905123456")
	page := c.srv.URL + "/requests/" + itoa(r.ID)
	action := page + "/cases/" + cs.Ref + "/correct"

	_, body := get(t, sup, page)
	if !strings.Contains(body, `data-testid="case-correct-`+cs.Ref+`"`) || !strings.Contains(body, `value="Lê Thị Hoa"`) || !strings.Contains(body, `value="1950"`) || !strings.Contains(body, `value="3 Chi Lăng"`) {
		t.Fatalf("the request's page has no correction form for case %s with its person", cs.Ref)
	}
	form := url.Values{"person_name": {"Lê Thị Hoà"}, "birth_year": {"195O"}, "address": {"3 Chi Lăng, Phú Hội"}}
	status, body := send(t, sup, formRequest(action, form, false))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-case-`+cs.Ref+`.birth_year"`) || !strings.Contains(body, `value="195O"`) {
		t.Errorf("a bad birth year: %d, want 422 beside the field with what was typed", status)
	}
	if status, _ := send(t, c.client("lan"), formRequest(action, form, false)); status != http.StatusForbidden {
		t.Errorf("an agent correcting a case under a request: %d, want 403", status)
	}
	form.Set("birth_year", "1951")
	if status, _ := send(t, sup, formRequest(action, form, false)); status != http.StatusSeeOther {
		t.Fatalf("the correction: %d", status)
	}
	got, err := c.store.GetCase(ctx, c.actor("minh"), cs.ID)
	if err != nil || got.PersonName != "Lê Thị Hoà" || got.BirthYear == nil || *got.BirthYear != 1951 || got.Address != "3 Chi Lăng, Phú Hội" {
		t.Errorf("the case after the correction: %+v %v", got, err)
	}
	_, body = get(t, sup, page)
	if n := strings.Count(body, `data-testid="request-correction"`); n != 3 {
		t.Errorf("the request's page lists %d corrections, want 3 (name, birth year, address)", n)
	}
}
