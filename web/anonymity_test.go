package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// The console's side of the anonymity rule (issue 22, items 1 to 4): what a ward or
// commune officer's pages show of a community report's reporter, and what the forms offer.

const reporter = "0913444555" // a neighbour who reports

// reporterShown returns the forms of a number that a page shows: in full, masked, as digits.
func reporterShown(body, e164 string) []string {
	n := strings.TrimPrefix(e164, "+84")
	var out []string
	for _, form := range []string{n, tickets.FormatPhone(e164), tickets.MaskPhone(e164)} {
		if strings.Contains(body, form) {
			out = append(out, form)
		}
	}
	return out
}

var optionValue = regexp.MustCompile(`<option value="([^"]*)"`)

// editCategories returns the categories the edit form of a ticket's page offers.
func editCategories(body string) []string {
	form := body[max(0, strings.Index(body, `data-testid="edit-form"`)):]
	i := strings.Index(form, `<select name="category"`)
	if i < 0 {
		return nil
	}
	sel := form[i:]
	sel = sel[:strings.Index(sel, "</select>")]
	var out []string
	for _, m := range optionValue.FindAllStringSubmatch(sel, -1) {
		out = append(out, m[1])
	}
	return out
}

// section returns a page from the element with a data-testid up to the first end after it.
func section(body, testid, end string) string {
	i := strings.Index(body, `data-testid="`+testid+`"`)
	if i < 0 {
		return ""
	}
	s := body[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

var casePhone = regexp.MustCompile(`<input name="phone" value="([^"]*)"`)

// Item 1: an officer's edit form offers no category to or from community report, the
// store refuses it when posted anyway, and an agent's re-categorisation unmasks nothing.
func TestOfficerCannotUnmaskByRecategorising(t *testing.T) {
	c := newConsole(t)
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	symptoms := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	officer, agent := c.client("hoa"), c.client("lan")

	_, page := get(t, officer, c.srv.URL+"/tickets/"+report.Ref)
	if got, want := editCategories(page), []string{tickets.CategoryCommunityReport}; !slices.Equal(got, want) {
		t.Errorf("the officer's edit form of community report %s offers %v, want %v", report.Ref, got, want)
	}
	_, page = get(t, officer, c.srv.URL+"/tickets/"+symptoms.Ref)
	if got := editCategories(page); len(got) < 2 || slices.Contains(got, tickets.CategoryCommunityReport) {
		t.Errorf("the officer's edit form of %s offers %v, want every category but community report", symptoms.Ref, got)
	}
	code, body := post(t, officer, c.srv.URL+"/tickets/"+report.Ref+"/edit", url.Values{"category": {tickets.CategoryOther}})
	if code != http.StatusForbidden || !strings.Contains(excerpt(body, "problem"), "Phản ánh cộng đồng") {
		t.Errorf("officer re-categorises %s: %d %q, want 403 with why", report.Ref, code, excerpt(body, "problem"))
	}
	_, page = get(t, officer, c.srv.URL+"/tickets/"+report.Ref)
	if got := reporterShown(page, "+84"+reporter[1:]); len(got) > 0 {
		t.Errorf("after the officer's re-categorisation, their page of %s shows the reporter: %v", report.Ref, got)
	}
	if code, _ := post(t, agent, c.srv.URL+"/tickets/"+report.Ref+"/edit", url.Values{"category": {tickets.CategoryOther}}); code != http.StatusSeeOther {
		t.Fatalf("agent re-categorises %s: %d", report.Ref, code)
	}
	_, page = get(t, officer, c.srv.URL+"/tickets/"+report.Ref)
	if got := reporterShown(page, "+84"+reporter[1:]); len(got) > 0 || !strings.Contains(page, "Ẩn danh") {
		t.Errorf("after the agent's re-categorisation, the officer's page of %s shows the reporter: %v", report.Ref, got)
	}
}

// Item 2: on the reporter's own ticket, the officer's caller panel does not list the
// community report they made; a supervisor is not offered (and is refused) a merge of
// the two.
func TestOfficerCallerPanelLeavesOutHiddenReports(t *testing.T) {
	c := newConsole(t)
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	own := c.ticket(tickets.CategorySymptomReport, reporter, ptr(phuXuan), nil)

	_, page := get(t, c.client("hoa"), c.srv.URL+"/tickets/"+own.Ref)
	if strings.Contains(page, report.Ref) {
		t.Errorf("the officer's page of %s names the community report %s: %s", own.Ref, report.Ref, excerpt(page, "caller-tickets"))
	}
	sup := c.client("minh")
	_, page = get(t, sup, c.srv.URL+"/tickets/"+own.Ref)
	if !strings.Contains(section(page, "caller-tickets", "</table>"), report.Ref) {
		t.Errorf("the supervisor's page of %s does not list %s", own.Ref, report.Ref)
	}
	_, page = get(t, sup, c.srv.URL+"/tickets/"+report.Ref)
	if i := strings.Index(page, `<datalist id="merge-candidates">`); i < 0 || strings.Contains(page[i:i+strings.Index(page[i:], "</datalist>")], own.Ref) {
		t.Errorf("the merge form of community report %s offers %s", report.Ref, own.Ref)
	}
	code, body := post(t, sup, c.srv.URL+"/tickets/"+report.Ref+"/merge", url.Values{"into": {own.Ref}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-merge"), "ẩn danh") {
		t.Errorf("merge %s into %s: %d %q, want 422 with why", report.Ref, own.Ref, code, excerpt(body, "error-merge"))
	}
}

// Item 3: the officer's search by the reporter's number or name lists their own ticket,
// never the community report.
func TestOfficerSearchFindsNoHiddenReport(t *testing.T) {
	c := newConsole(t)
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	own := c.ticket(tickets.CategorySymptomReport, reporter, ptr(phuXuan), nil)
	if err := c.store.SetCallerName(context.Background(), tickets.ActorIVR, reporter, "Nguyễn Văn Tố"); err != nil {
		t.Fatal(err)
	}
	officer := c.client("hoa")
	for _, q := range []string{reporter, "0913 444 555", "nguyen van to"} {
		_, list := get(t, officer, c.srv.URL+"/tickets?view=all&q="+url.QueryEscape(q))
		if strings.Contains(list, report.Ref) || !strings.Contains(list, own.Ref) {
			t.Errorf("the officer's search %q: community report %s listed %v, own ticket %s listed %v",
				q, report.Ref, strings.Contains(list, report.Ref), own.Ref, strings.Contains(list, own.Ref))
		}
	}
	if _, list := get(t, c.client("lan"), c.srv.URL+"/tickets?view=all&q="+reporter); !strings.Contains(list, report.Ref) {
		t.Errorf("the agent's search %s misses %s", reporter, report.Ref)
	}
}

// Item 4: an officer's page of a community report shows no number of the reporter (the
// number an agent linked a withheld call to, in the trail; the number keyed in the IVR,
// "Số gọi lại"); the new-case form of a community report starts without the reporter's
// number, and the case opened from it has none.
func TestHiddenReporterNumberNotShown(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	withheld := c.ticket(tickets.CategoryCommunityReport, "", ptr(phuXuan), nil)
	keyed := &tickets.Ticket{Category: tickets.CategoryCommunityReport, Priority: tickets.P2, UnitCode: ptr(phuXuan),
		ContactPhone: ptr("0914000111"), IVRAnswers: tickets.Answers{"callback": "+84914000111", "unit": phuXuan}}
	if err := c.store.CreateTicket(ctx, tickets.ActorIVR, keyed); err != nil {
		t.Fatal(err)
	}
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	symptoms := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	agent, officer := c.client("lan"), c.client("hoa")
	if code, body := post(t, agent, c.srv.URL+"/tickets/"+withheld.Ref+"/caller", url.Values{"phone": {reporter}}); code != http.StatusSeeOther {
		t.Fatalf("agent links %s to %s: %d %s", withheld.Ref, reporter, code, excerpt(body, "error-caller"))
	}

	for _, tc := range []struct {
		tk    *tickets.Ticket
		phone string
	}{{withheld, "+84913444555"}, {keyed, "+84914000111"}, {report, "+84913444555"}} {
		_, page := get(t, officer, c.srv.URL+"/tickets/"+tc.tk.Ref)
		if got := reporterShown(page, tc.phone); len(got) > 0 {
			t.Errorf("the officer's page of %s shows the reporter's number %v: %s", tc.tk.Ref, got, excerpt(page, "answers"))
		}
		_, page = get(t, agent, c.srv.URL+"/tickets/"+tc.tk.Ref)
		if m := casePhone.FindStringSubmatch(page); m == nil || m[1] != "" {
			t.Errorf("the agent's new-case form of community report %s starts with the phone %v", tc.tk.Ref, m)
		}
	}
	_, page := get(t, agent, c.srv.URL+"/tickets/"+symptoms.Ref)
	if m := casePhone.FindStringSubmatch(page); m == nil || m[1] != "0905 123 456" {
		t.Errorf("the new-case form of %s starts with %v, want the caller's number", symptoms.Ref, m)
	}
	_, page = get(t, agent, c.srv.URL+"/tickets/"+keyed.Ref)
	if !strings.Contains(page, "Số gọi lại: 0914 000 111") {
		t.Errorf("the agent's page of %s does not show the number to call back: %s", keyed.Ref, excerpt(page, "answers"))
	}
	// A case that is the reporter's: linked to, or opened with the reporter's number, is
	// refused beside the field; opened without a phone, it is made.
	theirs := &tickets.Case{PersonName: "Ngô Văn Tám", Phone: ptr(reporter), UnitCode: ptr(phuXuan)}
	if err := c.store.CreateCase(ctx, c.actor("lan"), theirs, nil); err != nil {
		t.Fatal(err)
	}
	code, body := post(t, agent, c.srv.URL+"/tickets/"+report.Ref+"/case", url.Values{"case_ref": {theirs.Ref}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-case.case_ref"), "ẩn danh") {
		t.Errorf("link community report %s to the reporter's case %s: %d %q, want 422 with why beside the reference", report.Ref, theirs.Ref, code, excerpt(body, "error-case.case_ref"))
	}
	for _, phone := range []string{reporter, "0913 444 555"} {
		form := url.Values{"person_name": {"Phan Văn Bình"}, "phone": {phone}, "case_area": {phuXuan}}
		code, body := post(t, agent, c.srv.URL+"/tickets/"+report.Ref+"/case", form)
		if code != http.StatusUnprocessableEntity || !strings.Contains(excerpt(body, "error-case.phone"), "ẩn danh") {
			t.Errorf("a case from community report %s with the reporter's number %s: %d %q, want 422 with why beside the phone", report.Ref, phone, code, excerpt(body, "error-case.phone"))
		}
		if !strings.Contains(body, `value="Phan Văn Bình"`) {
			t.Errorf("the refused case form of %s lost the name typed", report.Ref)
		}
	}
	if code, _ := post(t, agent, c.srv.URL+"/tickets/"+report.Ref+"/case", url.Values{"person_name": {"Phan Văn Bình"}, "case_area": {phuXuan}}); code != http.StatusSeeOther {
		t.Fatalf("a case from %s: %d", report.Ref, code)
	}
	tk, err := c.store.GetTicket(ctx, tickets.ActorSystem, report.ID)
	if err != nil || tk.CaseID == nil {
		t.Fatalf("the case of %s: %v", report.Ref, err)
	}
	if cs, err := c.store.GetCase(ctx, tickets.ActorSystem, *tk.CaseID); err != nil || cs.Phone != nil {
		t.Errorf("the case opened from community report %s has the phone %v (%v)", report.Ref, cs.Phone, err)
	}
}

// Review of issue 22, H2: a ticket an agent makes a community report (a caller who pressed
// 0 and reported a neighbour) no longer shows the officer who called.
func TestAgentsCommunityReportHidesReporter(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategoryOther, reporter, ptr(phuXuan), nil)
	officer := c.client("hoa")
	if _, page := get(t, officer, c.srv.URL+"/tickets/"+tk.Ref); len(reporterShown(page, "+84"+reporter[1:])) == 0 {
		t.Fatalf("the officer's page of %s (other) does not show the caller", tk.Ref)
	}
	if code, body := post(t, c.client("lan"), c.srv.URL+"/tickets/"+tk.Ref+"/edit", url.Values{"category": {tickets.CategoryCommunityReport}}); code != http.StatusSeeOther {
		t.Fatalf("agent makes %s a community report: %d %q", tk.Ref, code, excerpt(body, "error-edit"))
	}
	_, page := get(t, officer, c.srv.URL+"/tickets/"+tk.Ref)
	if got := reporterShown(page, "+84"+reporter[1:]); len(got) > 0 || !strings.Contains(page, "Ẩn danh") {
		t.Errorf("the officer's page of %s, made a community report, shows the reporter: %v", tk.Ref, got)
	}
	if _, list := get(t, officer, c.srv.URL+"/tickets?view=all&q="+reporter); strings.Contains(list, tk.Ref) {
		t.Errorf("the officer's search %s lists %s, made a community report", reporter, tk.Ref)
	}
}

// Review of issue 22, M2: an agent's note naming another ticket in lower case reaches the
// officer's page masked, as in upper case.
func TestLowerCaseRefMaskedOnOfficersPage(t *testing.T) {
	c := newConsole(t)
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	own := c.ticket(tickets.CategorySymptomReport, reporter, ptr(phuXuan), nil)
	note := "cùng người gọi với " + strings.ToLower(own.Ref)
	if code, _ := post(t, c.client("lan"), c.srv.URL+"/tickets/"+report.Ref+"/notes", url.Values{"note": {note}}); code != http.StatusSeeOther {
		t.Fatalf("agent's note on %s: %d", report.Ref, code)
	}
	_, page := get(t, c.client("hoa"), c.srv.URL+"/tickets/"+report.Ref)
	shown := "(no note)"
	if i := strings.Index(page, "cùng người gọi với"); i >= 0 {
		shown = page[i:min(len(page), i+len("cùng người gọi với (phiếu khác)"))]
	}
	if strings.Contains(strings.ToUpper(page), own.Ref) || shown != "cùng người gọi với (phiếu khác)" {
		t.Errorf("the officer's page of community report %s: the note reads %q, want %s masked", report.Ref, shown, strings.ToLower(own.Ref))
	}
}

// Review of issue 22, M6: an officer's play of a voice message on a community report is
// logged with the reporter's number (from the ticket, in the store), so a supervisor who
// looks up the reporter's number finds it; the officer is not shown the number.
func TestOfficersPlayOfHiddenMessageLoggedWithNumber(t *testing.T) {
	c := newConsole(t)
	report := c.ticket(tickets.CategoryCommunityReport, reporter, ptr(phuXuan), nil)
	rec := c.voiceMessage(report)
	code, _ := fetch(t, c.client("hoa"), fmt.Sprintf("%s/recordings/%d", c.srv.URL, rec), map[string]string{"Sec-Fetch-Site": "same-origin"})
	if code != http.StatusOK {
		t.Fatalf("the officer plays the voice message of %s: %d", report.Ref, code)
	}
	list := c.accessOf("hoa")
	if len(list) != 1 || list[0].Action != tickets.AccessRecording || list[0].Subject != report.Ref || deref(list[0].Phone) != "+84913444555" {
		var got []string
		for _, a := range list {
			got = append(got, fmt.Sprintf("%s %s %q", a.Action, a.Subject, deref(a.Phone)))
		}
		t.Errorf("the officer's entries %v, want one %s %s with the reporter's number", got, tickets.AccessRecording, report.Ref)
	}
	_, page := get(t, c.client("minh"), c.srv.URL+"/access?phone="+reporter)
	if !strings.Contains(section(page, "access-log", "</table>"), c.users["hoa"].DisplayName) { // people by their names (issue 29)
		t.Errorf("the supervisor's access log of %s does not list the officer's play: %s", reporter, excerpt(page, "access-log"))
	}
}

// Item 11: an officer who posts an assignment to another unit is refused, and the ticket
// stays as it was.
func TestOfficerAssignsOnlyWithinTheirUnit(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	officer := c.client("hoa")
	code, body := post(t, officer, c.srv.URL+"/tickets/"+tk.Ref+"/assign", url.Values{"assignee": {"unit:" + kimLong}})
	if code != http.StatusForbidden {
		t.Errorf("officer assigns %s to another unit: %d %q, want 403", tk.Ref, code, excerpt(body, "problem"))
	}
	got, err := c.store.GetTicket(context.Background(), tickets.ActorSystem, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AssigneeUnitCode != nil || got.AssigneeUserID != nil {
		t.Errorf("after the refused assignment: assigned to unit %q, user %v", deref(got.AssigneeUnitCode), got.AssigneeUserID)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
