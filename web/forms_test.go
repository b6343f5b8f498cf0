package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/huehotline/hotline/tickets"
)

// hxGet fetches a part of a page as htmx would.
func hxGet(t *testing.T, cl *http.Client, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("HX-Request", "true")
	return send(t, cl, req)
}

// besideField reports whether the message with a data-testid comes after a form
// control named name and before the next control named next.
func besideField(body, testid, name, next string) bool {
	field := strings.Index(body, `name="`+name+`"`)
	msg := strings.Index(body, `data-testid="`+testid+`"`)
	after := strings.Index(body[max(field, 0):], `name="`+next+`"`)
	return field >= 0 && msg > field && after >= 0 && msg < field+after
}

// Dates are shown and taken as dd/mm/yyyy on every page, whatever the browser's
// language (no <input type=date>, which an English Chromium writes mm/dd/yyyy); a bad
// date shows the page again with the message beside its field; a day with no data says
// so.
func TestDatesDayFirst(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategoryInformation, "0905123456", ptr(phuXuan), nil)
	today := time.Now().In(tickets.Local).Format("02/01/2006")
	lan, minh, hoa := c.client("lan"), c.client("minh"), c.client("hoa")

	t.Run("TicketsFrom", func(t *testing.T) {
		code, body := get(t, lan, c.srv.URL+"/tickets?view=all&from="+url.QueryEscape(today))
		if code != http.StatusOK || !strings.Contains(section(body, "tickets", "</table>"), tk.Ref) {
			t.Errorf("from %s: %d, want %s listed: %s", today, code, tk.Ref, excerpt(body, "ticket-list"))
		}
		if !strings.Contains(body, `name="from" value="`+today+`"`) {
			t.Errorf("the from field does not show %s: %s", today, excerpt(body, "filters"))
		}
		if strings.Contains(body, `type="date"`) {
			t.Errorf("the list has a date input the browser writes in its own language")
		}
	})
	t.Run("TicketsBadFrom", func(t *testing.T) {
		code, body := get(t, lan, c.srv.URL+"/tickets?view=all&from=31/02/2021")
		if code != http.StatusUnprocessableEntity || !besideField(body, "error-from", "from", "to") ||
			!strings.Contains(section(body, "error-from", "</span>"), "ngày/tháng/năm") {
			t.Errorf("a bad from: %d, want 422 and the message beside the field: %s", code, excerpt(body, "filters"))
		}
		if strings.Contains(body, `data-testid="no-tickets"`) {
			t.Errorf("a bad from says there are no tickets")
		}
		// htmx replaces the list only: the message reaches the field out of band.
		code, body = hxGet(t, lan, c.srv.URL+"/tickets?view=all&from=31/02/2021")
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error-from"`) || !strings.Contains(body, `hx-swap-oob`) {
			t.Errorf("a bad from, by htmx: %d, want the field's message out of band:\n%.800s", code, body)
		}
	})
	t.Run("Board", func(t *testing.T) {
		code, body := get(t, hoa, c.srv.URL+"/board?day=10/08/2021")
		if code != http.StatusOK || !strings.Contains(body, "Phường Phú Xuân · 10/08/2021") || !strings.Contains(body, `name="day" value="10/08/2021"`) {
			t.Errorf("the board of 10/08/2021: %d %s", code, excerpt(body, "board"))
		}
		code, body = get(t, hoa, c.srv.URL+"/board?day=2021-13-45")
		if code != http.StatusUnprocessableEntity || !strings.Contains(section(body, "board-filters", "</form>"), `data-testid="error-day"`) {
			t.Errorf("a bad day on the board: %d, want 422 and the message beside the field: %s", code, excerpt(body, "board-filters"))
		}
		if _, body = get(t, hoa, c.srv.URL+"/board?day=01/01/2030"); !strings.Contains(section(body, "board", "</section>"), "chưa đến") {
			t.Errorf("the board of a day to come does not say so: %s", excerpt(body, "board"))
		}
	})
	t.Run("Report", func(t *testing.T) {
		code, body := get(t, minh, c.srv.URL+"/reports/daily?day=10/08/2021")
		if code != http.StatusOK || !strings.Contains(body, "Báo cáo ngày 10/08/2021") || !strings.Contains(body, `value="10/08/2021"`) {
			t.Errorf("the report of 10/08/2021: %d", code)
		}
		code, body = get(t, minh, c.srv.URL+"/reports/daily?day=2021-13-45")
		form := section(body, "report-day", "</form>")
		if code != http.StatusUnprocessableEntity || !strings.Contains(form, `data-testid="error-day"`) || strings.Contains(body, "YYYY") {
			t.Errorf("a bad day: %d, want 422, the day's field with the message beside it:\n%s", code, excerpt(body, "error-message"))
		}
		for day, want := range map[string]string{"01/01/2030": "chưa đến", "01/01/1999": "Không có số liệu"} {
			for who, cl := range map[string]*http.Client{"supervisor": minh, "officer": hoa} {
				_, body := get(t, cl, c.srv.URL+"/reports/daily?day="+day)
				if got := section(body, "report-no-data", "</p>"); !strings.Contains(got, want) {
					t.Errorf("the %s's report of %s: want %q, got %q", who, day, want, got)
				}
			}
		}
	})
}

// A form's message stands beside the field at fault, and says what is allowed.
func TestFormMessagesBesideTheField(t *testing.T) {
	c := newConsole(t)
	tk := c.ticket(tickets.CategorySymptomReport, "0905123456", ptr(phuXuan), nil)
	lan, minh := c.client("lan"), c.client("minh")
	year := time.Now().In(tickets.Local).Year()
	for name, tc := range map[string]struct {
		form        url.Values
		field, next string
		want        string
	}{
		"BirthYearOutOfRange": {url.Values{"person_name": {"Nguyễn Văn An"}, "birth_year": {"1800"}}, "birth_year", "sex", fmt.Sprintf("1900 đến %d", year)},
		"BirthYearNotANumber": {url.Values{"person_name": {"Nguyễn Văn An"}, "birth_year": {"năm 58"}}, "birth_year", "sex", fmt.Sprintf("1900 đến %d", year)},
		"NoName":              {url.Values{"birth_year": {"1958"}}, "person_name", "phone", "họ tên"},
		"BadPhone":            {url.Values{"person_name": {"Nguyễn Văn An"}, "phone": {"12"}}, "phone", "birth_year", "0905 123 456"},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := post(t, lan, c.srv.URL+"/tickets/"+tk.Ref+"/case", tc.form)
			testid := "error-case." + tc.field
			if code != http.StatusUnprocessableEntity || !besideField(body, testid, tc.field, tc.next) ||
				!strings.Contains(section(body, testid, "</span>"), tc.want) {
				t.Errorf("%d, want 422 and %q beside %s: %s", code, tc.want, tc.field, excerpt(body, "case-form"))
			}
		})
	}
	t.Run("Assignee", func(t *testing.T) {
		code, body := post(t, minh, c.srv.URL+"/tickets/"+tk.Ref+"/assign", url.Values{"assignee": {""}})
		if code != http.StatusUnprocessableEntity || !besideField(body, "error-assign", "assignee", "note") {
			t.Errorf("no assignee: %d, want 422 and the message beside the select: %s", code, excerpt(body, "assign-form"))
		}
	})
	t.Run("UnitAdd", func(t *testing.T) {
		code, body := post(t, c.client("root"), c.srv.URL+"/admin/units", url.Values{"code": {"99999"}, "name": {""}, "kind": {"xa"}})
		kind, msg := strings.Index(body, `name="kind"`), strings.Index(body, "Đơn vị cần có mã và tên")
		if code != http.StatusUnprocessableEntity || kind < 0 || msg < kind {
			t.Errorf("a unit without a name: %d, the message at %d, want it in the form that adds one (after %d)", code, msg, kind)
		}
	})
	t.Run("AccessPhone", func(t *testing.T) {
		code, body := get(t, minh, c.srv.URL+"/access?phone=12")
		if code != http.StatusUnprocessableEntity || !besideField(body, "error-phone", "phone", "subject") {
			t.Errorf("a bad number in the access log: %d, want 422 and the message beside the field: %s", code, excerpt(body, "access-filters"))
		}
	})
}

// On a phone the ticket list's filters fold under the search box; at a desk's width they
// all show.
func TestTicketFiltersFoldOnAPhone(t *testing.T) {
	c := newConsole(t)
	c.ticket(tickets.CategoryInformation, "0905123456", ptr(phuXuan), nil)
	ctx := newTab(t)
	c.signIn(ctx, "hoa")
	for _, tc := range []struct {
		width      int64
		wantStatus bool
	}{{390, false}, {1280, true}} {
		t.Run(fmt.Sprint(tc.width), func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(tc.width, 844), chromedp.Navigate(c.srv.URL+"/tickets"),
				chromedp.WaitVisible(`[data-testid="search"]`)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.querySelector('select[name="status"]').checkVisibility() ? 1 : 0,
				document.querySelector('[data-testid="filters"]').getBoundingClientRect().height]`))
			if err != nil {
				t.Fatal(err)
			}
			if (got[0] == 1) != tc.wantStatus {
				t.Errorf("at %d px the status filter shows: %v, want %v", tc.width, got[0] == 1, tc.wantStatus)
			}
			if tc.width == 390 && got[1] > 200 {
				t.Errorf("at 390 px the filters take %.0f px of the screen", got[1])
			}
		})
	}
	// Opened, the filters show on a phone too.
	step, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.EmulateViewport(390, 844), chromedp.Navigate(c.srv.URL+"/tickets"),
		chromedp.WaitVisible(`[data-testid="more-filters"] summary`), chromedp.Click(`[data-testid="more-filters"] summary`),
		chromedp.WaitVisible(`select[name="status"]`)); err != nil {
		t.Errorf("opening the filters on a phone: %v", err)
	}
}

// An officer is offered the areas she sees (her unit), not every ward and commune.
func TestOfficerOffersOnlyTheirArea(t *testing.T) {
	c := newConsole(t)
	for _, path := range []string{"/tickets", "/cases"} {
		_, body := get(t, c.client("hoa"), c.srv.URL+path)
		sel := body[strings.Index(body, `<select name="area"`):]
		sel = sel[:strings.Index(sel, "</select>")]
		if n := strings.Count(sel, "<option"); n != 2 || !strings.Contains(sel, `value="`+phuXuan+`"`) {
			t.Errorf("%s: the officer's area filter has %d options, want all and %s:\n%s", path, n, phuXuan, sel)
		}
		_, body = get(t, c.client("lan"), c.srv.URL+path)
		sel = body[strings.Index(body, `<select name="area"`):]
		if n := strings.Count(sel[:strings.Index(sel, "</select>")], "<option"); n < 10 {
			t.Errorf("%s: the agent's area filter has %d options, want every unit", path, n)
		}
	}
}
