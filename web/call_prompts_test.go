package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// A ticket's page shows what its call told the caller about their data, with the version
// heard and a consent's answer, to those who see who called: the agent, the supervisor
// (with a link to the prompt in Thông báo), and the officer of a support request; not
// the officer of a community report, whose reporter stays hidden.
func TestTicketShowsCallPrompts(t *testing.T) {
	ctx := context.Background()
	c := newConsole(t)
	played := time.Date(2021, 8, 10, 2, 0, 5, 0, time.UTC) // 09:00:05 in Huế
	answered := played.Add(20 * time.Second)
	heard := int64(2600)
	evidence := func(tk *tickets.Ticket) {
		t.Helper()
		call, err := c.store.FindCall(ctx, *tk.CallID)
		if err != nil {
			t.Fatal(err)
		}
		call.Prompts = []tickets.CallPrompt{
			{Seq: 1, Prompt: "privacy_notice", Lang: "vi", Number: 1, PlayedAt: played, HeardMS: &heard},
			{Seq: 2, Prompt: "consent_support", Lang: "vi", Number: 1, PlayedAt: played.Add(10 * time.Second),
				Key: "1", Answer: tickets.ConsentGiven, AnsweredAt: &answered},
		}
		if err := c.store.SaveCall(ctx, call); err != nil {
			t.Fatal(err)
		}
	}
	support := c.ticket(tickets.CategorySupportRequest, "0905123456", ptr(phuXuan), nil)
	evidence(support)
	community := c.ticket(tickets.CategoryCommunityReport, "0905123457", ptr(phuXuan), nil)
	evidence(community)

	for _, who := range []string{"lan", "minh", "hoa"} {
		t.Run(who, func(t *testing.T) {
			code, body := get(t, c.client(who), c.srv.URL+"/tickets/"+support.Ref)
			if code != http.StatusOK {
				t.Fatalf("ticket page: %d", code)
			}
			got := callPromptList(body)
			for _, want := range []string{"10/08/2021 09:00:05", "Thông báo về dữ liệu cá nhân", "Tiếng Việt", "phiên bản 1 (bản gốc)",
				"nghe 2,6 giây", "Hỏi đồng ý khi đăng ký hỗ trợ", "bấm 1: đồng ý lúc 10/08/2021 09:00:25"} {
				if !strings.Contains(got, want) {
					t.Errorf("the call's prompts %q lack %q", got, want)
				}
			}
			link := strings.Contains(got, `href="/announcements/privacy_notice"`)
			if link != (who == "minh") {
				t.Errorf("link to the notice in Thông báo: %v for %s", link, who)
			}
		})
	}
	t.Run("hidden reporter", func(t *testing.T) {
		_, body := get(t, c.client("hoa"), c.srv.URL+"/tickets/"+community.Ref)
		if strings.Contains(body, `data-testid="call-prompts"`) {
			t.Errorf("the officer sees the call of a community report: %q", excerpt(body, "call-prompts"))
		}
		_, body = get(t, c.client("lan"), c.srv.URL+"/tickets/"+community.Ref)
		if !strings.Contains(body, `data-testid="call-prompts"`) {
			t.Error("the agent does not see the call's prompts of a community report")
		}
	})
}

// callPromptList is the list of a call's prompts on a ticket's page.
func callPromptList(body string) string {
	_, list, ok := strings.Cut(body, `data-testid="call-prompts"`)
	if !ok {
		return "(no call-prompts)"
	}
	list, _, _ = strings.Cut(list, "</ul>")
	return list
}
