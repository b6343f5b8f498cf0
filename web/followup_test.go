package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// monitoredCase opens a case of Phú Xuân in monitoring and returns it with its days.
func (c *console) monitoredCase(name, phone string) (*tickets.Case, []*tickets.FollowUp) {
	c.t.Helper()
	ctx := context.Background()
	cs := &tickets.Case{PersonName: name, Phone: ptr(phone), UnitCode: ptr(phuXuan), Address: "12 Lê Lợi, tổ 3"}
	if err := c.store.CreateCase(ctx, c.actor("lan"), cs, nil); err != nil {
		c.t.Fatal(err)
	}
	if err := c.store.SetCaseStatus(ctx, c.actor("lan"), cs.ID, tickets.CaseMonitoring, ""); err != nil {
		c.t.Fatal(err)
	}
	fus, err := c.store.FollowUps(ctx, tickets.ActorSystem, cs.ID)
	if err != nil {
		c.t.Fatal(err)
	}
	return cs, fus
}

// An officer's case page starts with the person: who, where, a number to tap; then what
// is due; the calendar's fourteen days are folded.
func TestOfficerCasePagePersonFirst(t *testing.T) {
	c := newConsole(t)
	cs, _ := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	code, body := get(t, c.client("hoa"), c.srv.URL+"/cases/"+cs.Ref)
	if code != http.StatusOK {
		t.Fatalf("case page: %d", code)
	}
	person, due, calendar := strings.Index(body, `data-testid="case-person"`), strings.Index(body, `data-testid="due-days"`),
		strings.Index(body, `data-testid="calendar"`)
	if person < 0 || due < 0 || calendar < 0 || !(person < due && due < calendar) {
		t.Errorf("the person at %d, what is due at %d, the calendar at %d: want the person first, then what is due", person, due, calendar)
	}
	if p := section(body, "case-person", "</section>"); !strings.Contains(p, `href="tel:+84905777999"`) || !strings.Contains(p, "12 Lê Lợi, tổ 3") {
		t.Errorf("the person's section has no tel: link or no address:\n%s", p)
	}
	if d := section(body, "due-days", "</section>"); strings.Count(d, `data-testid="due-day"`) != 1 {
		t.Errorf("due today: want one day:\n%s", d)
	}
	if i := strings.LastIndex(body[:max(calendar, 0)], "<details"); i < 0 || strings.Contains(body[i:calendar], " open") {
		t.Errorf("the calendar is not folded")
	}
}

// On the board an officer sees her unit's numbers in full, to tap; each one shown is in
// the access log. The call centre's board masks them, as before.
func TestBoardNumbersForTheOfficer(t *testing.T) {
	c := newConsole(t)
	cs, _ := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	_, body := get(t, c.client("hoa"), c.srv.URL+"/board")
	row := section(body, "due-today", "</table>")
	if !strings.Contains(row, `href="tel:+84905777999"`) || !strings.Contains(row, "0905 777 999") {
		t.Errorf("the officer's board: no full number to tap:\n%s", row)
	}
	logged := false
	for _, a := range c.accessOf("hoa") {
		logged = logged || (a.Action == tickets.AccessBoardNumber && a.Subject == cs.Ref && a.Phone != nil && *a.Phone == "+84905777999")
	}
	if !logged {
		t.Errorf("the number shown on the board is not in the access log: %+v", c.accessOf("hoa"))
	}
	_, body = get(t, c.client("lan"), c.srv.URL+"/board?unit="+phuXuan)
	if row := section(body, "due-today", "</table>"); strings.Contains(row, "tel:") || !strings.Contains(row, "0905 *** 999") {
		t.Errorf("the call centre's board: want the number masked:\n%s", row)
	}
}

// boardPost records a result from the board as htmx would.
func boardPost(t *testing.T, cl *http.Client, c *console, id int64, form url.Values) (int, string) {
	t.Helper()
	form.Set("unit", phuXuan)
	return postHTMX(t, cl, fmt.Sprintf("%s/board/followups/%d", c.srv.URL, id), form)
}

// Recording a result asks how the person was followed up (no silent home visit), and
// the day's cards remember the answer.
func TestFollowUpAsksTheMethod(t *testing.T) {
	c := newConsole(t)
	cs, fus := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	other, ofus := c.monitoredCase("Lê Thị Cúc", "0905 777 111")
	hoa := c.client("hoa")
	code, body := boardPost(t, hoa, c, fus[0].ID, url.Values{"result": {tickets.ResultWell}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(section(body, "method-"+itoa(fus[0].ID), "</fieldset>"), "Hãy chọn cách theo dõi") {
		t.Errorf("a result without a method: %d, want 422 and the message beside the method:\n%s", code, excerpt(body, "board"))
	}
	if got, _ := c.store.FollowUps(context.Background(), tickets.ActorSystem, cs.ID); got[0].Result != nil {
		t.Fatalf("a result without a method was recorded: %s by %v", *got[0].Result, *got[0].Method)
	}
	code, body = boardPost(t, hoa, c, fus[0].ID, url.Values{"result": {tickets.ResultWell}, "method": {tickets.MethodPhoneCall}})
	if code != http.StatusOK {
		t.Fatalf("a result with its method: %d", code)
	}
	if got, _ := c.store.FollowUps(context.Background(), tickets.ActorSystem, cs.ID); got[0].Method == nil || *got[0].Method != tickets.MethodPhoneCall {
		t.Errorf("day 1's method: %v, want %s", got[0].Method, tickets.MethodPhoneCall)
	}
	// The next card offers the same method, chosen.
	card := section(body, "method-"+itoa(ofus[0].ID), "</fieldset>")
	if !strings.Contains(card, `value="phone_call" checked`) {
		t.Errorf("the next card (%s) does not remember the method:\n%s", other.Ref, card)
	}
}

// "Seen, with signs" refers the case and raises a P1 ticket: it asks to confirm first.
func TestSymptomaticAsksToConfirm(t *testing.T) {
	c := newConsole(t)
	cs, fus := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	hoa := c.client("hoa")
	form := url.Values{"result": {tickets.ResultSymptomatic}, "method": {tickets.MethodHomeVisit}}
	code, body := boardPost(t, hoa, c, fus[0].ID, form)
	if code != http.StatusOK || !strings.Contains(body, `data-testid="confirm-symptomatic"`) {
		t.Errorf("'seen, with signs': %d, want a confirmation:\n%s", code, excerpt(body, "board"))
	}
	if got, _ := c.store.FollowUps(context.Background(), tickets.ActorSystem, cs.ID); got[0].Result != nil {
		t.Fatalf("recorded before it was confirmed: %s", *got[0].Result)
	}
	form.Set("confirm", "1")
	if code, _ := boardPost(t, hoa, c, fus[0].ID, form); code != http.StatusOK {
		t.Fatalf("confirmed: %d", code)
	}
	got, _ := c.store.GetCase(context.Background(), tickets.ActorSystem, cs.ID)
	if got.Status != tickets.CaseReferred {
		t.Errorf("after the confirmation the case is %s, want referred", got.Status)
	}
}

// A result recorded by mistake is corrected from the case's page, with a reason; the
// trail shows the correction.
func TestCorrectFollowUpOnCasePage(t *testing.T) {
	c := newConsole(t)
	cs, fus := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	ctx := context.Background()
	if err := c.store.RecordFollowUp(ctx, c.actor("hoa"), fus[0].ID, tickets.ResultNotReached, tickets.MethodPhoneCall, nil, ""); err != nil {
		t.Fatal(err)
	}
	hoa := c.client("hoa")
	_, page := get(t, hoa, c.srv.URL+"/cases/"+cs.Ref)
	if !strings.Contains(page, `data-testid="correct-`+itoa(fus[0].ID)+`"`) {
		t.Errorf("the case page offers no correction of day 1")
	}
	u := fmt.Sprintf("%s/cases/%s/followups/%d/correct", c.srv.URL, cs.Ref, fus[0].ID)
	if code, body := post(t, hoa, u, url.Values{"result": {tickets.ResultWell}, "method": {tickets.MethodPhoneCall}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(section(body, "correct-"+itoa(fus[0].ID), "</form>"), "lý do") {
		t.Errorf("a correction without a reason: %d, want 422 and the message in its form", code)
	}
	if code, _ := post(t, hoa, u, url.Values{"result": {tickets.ResultWell}, "method": {tickets.MethodPhoneCall}, "reason": {"ghi nhầm ca"}}); code != http.StatusSeeOther {
		t.Fatalf("the correction: %d", code)
	}
	got, _ := c.store.FollowUps(ctx, tickets.ActorSystem, cs.ID)
	if *got[0].Result != tickets.ResultWell {
		t.Errorf("day 1 is %s after the correction", *got[0].Result)
	}
	_, page = get(t, hoa, c.srv.URL+"/cases/"+cs.Ref)
	trail := section(page, "timeline", "</ol>")
	if !strings.Contains(trail, "Sửa kết quả theo dõi (ngày 1)") || !strings.Contains(trail, "Không liên lạc được → Đã gặp, không có dấu hiệu") ||
		!strings.Contains(trail, "ghi nhầm ca") {
		t.Errorf("the trail does not show the correction:\n%s", trail)
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

// A case's trail says what happened to the case in words, with dates as the console
// writes them (dd/mm/yyyy), never ISO.
func TestCaseTrailInWords(t *testing.T) {
	c := newConsole(t)
	cs, fus := c.monitoredCase("Nguyễn Văn An", "0905 777 999")
	if err := c.store.RecordFollowUp(context.Background(), c.actor("hoa"), fus[0].ID, tickets.ResultNotReached, tickets.MethodPhoneCall, nil, ""); err != nil {
		t.Fatal(err)
	}
	_, page := get(t, c.client("hoa"), c.srv.URL+"/cases/"+cs.Ref)
	trail := section(page, "timeline", "</ol>")
	if strings.Contains(trail, "Tạo phiếu") || !strings.Contains(trail, "Mở ca") {
		t.Errorf("opening the case is not called so:\n%s", trail)
	}
	if iso := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).FindAllString(trail, -1); len(iso) > 0 {
		t.Errorf("dates in ISO on the trail: %v\n%s", iso, trail)
	}
	first := fus[0].DueOn
	if want := "14 ngày từ " + first[8:10] + "/" + first[5:7] + "/" + first[:4]; !strings.Contains(trail, want) {
		t.Errorf("the schedule's line: want %q in\n%s", want, trail)
	}
}
