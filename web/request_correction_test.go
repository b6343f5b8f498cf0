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
