package ivr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

func TestHotlineFlowValid(t *testing.T) {
	if err := ivr.HotlineFlow().Validate(sounds.Languages, sounds.Has); err != nil {
		t.Fatal(err)
	}
}

func TestFlowValidateRejects(t *testing.T) {
	tests := map[string]func(f *ivr.Flow){
		"missing key target": func(f *ivr.Flow) { f.Nodes["main"].Keys["7"] = "nowhere" },
		"missing prompt":     func(f *ivr.Flow) { f.Nodes["goodbye"].Prompts = []ivr.Prompt{{ID: "no_such_prompt"}} },
		"dead end":           func(f *ivr.Flow) { f.Nodes["goodbye"].Hangup = false },
		"missing start":      func(f *ivr.Flow) { f.Start = "nowhere" },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			f := ivr.HotlineFlow()
			spoil(f)
			if err := f.Validate(sounds.Languages, sounds.Has); err == nil {
				t.Error("Validate accepted a broken flow")
			}
		})
	}
}

// input is one thing a caller does: a key, or "." for silence.
type script struct {
	name        string
	inputs      []string
	wantPrompts string // every prompt played, lang/id, space-separated
	wantTicket  string // category of the ticket created, "" for none
	wantKeys    string // keys recorded on the ticket
	wantEnded   bool
	wantOutcome string
	wantLang    string
}

func TestMachine(t *testing.T) {
	const menu = "vi/main_menu en/for_english"
	tests := []script{
		{name: "symptom report", inputs: []string{"2"},
			wantPrompts: "vi/welcome " + menu + " vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "2", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "english community report", inputs: []string{"9", "3"},
			wantPrompts: "vi/welcome " + menu + " en/main_menu en/ticket_created en/goodbye",
			wantTicket:  tickets.CategoryCommunityReport, wantKeys: "93", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "en"},
		{name: "support request", inputs: []string{"4"},
			wantPrompts: "vi/welcome " + menu + " vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySupportRequest, wantKeys: "4", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "operator becomes callback", inputs: []string{"0"},
			wantPrompts: "vi/welcome " + menu + " vi/callback_created vi/goodbye",
			wantTicket:  tickets.CategoryCallback, wantKeys: "0", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "rules then silence", inputs: []string{"1", "."},
			wantPrompts: "vi/welcome " + menu + " vi/rules_info vi/goodbye",
			wantEnded:   true, wantOutcome: tickets.OutcomeInformation, wantLang: "vi"},
		{name: "rules then back to menu then report", inputs: []string{"1", "*", "3"},
			wantPrompts: "vi/welcome " + menu + " vi/rules_info " + menu + " vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategoryCommunityReport, wantKeys: "1*3", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "quarantine info then operator", inputs: []string{"5", "0"},
			wantPrompts: "vi/welcome " + menu + " vi/quarantine_info vi/callback_created vi/goodbye",
			wantTicket:  tickets.CategoryCallback, wantKeys: "50", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "star repeats the menu", inputs: []string{"*"},
			wantPrompts: "vi/welcome " + menu + " " + menu,
			wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "invalid key then valid", inputs: []string{"7", "2"},
			wantPrompts: "vi/welcome " + menu + " vi/invalid " + menu + " vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "72", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "three invalid keys", inputs: []string{"7", "8", "#"},
			wantPrompts: "vi/welcome " + menu + " vi/invalid " + menu + " vi/invalid " + menu + " vi/too_many_errors vi/goodbye",
			wantEnded:   true, wantOutcome: tickets.OutcomeNoChoice, wantLang: "vi"},
		{name: "silence three times", inputs: []string{".", ".", "."},
			wantPrompts: "vi/welcome " + menu + " vi/no_input " + menu + " vi/no_input " + menu + " vi/too_many_errors vi/goodbye",
			wantEnded:   true, wantOutcome: tickets.OutcomeNoChoice, wantLang: "vi"},
		{name: "failures count per menu", inputs: []string{"7", "8", "9", "7", "8", "2"},
			wantPrompts: "vi/welcome " + menu + " vi/invalid " + menu + " vi/invalid " + menu +
				" en/main_menu en/invalid en/main_menu en/invalid en/main_menu en/ticket_created en/goodbye",
			wantTicket: tickets.CategorySymptomReport, wantKeys: "789782", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "en"},
		{name: "hung up in the menu", inputs: nil,
			wantPrompts: "vi/welcome " + menu, wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ivr.NewMachine(ivr.HotlineFlow())
			now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
			var prompts []string
			var ticket *ivr.TicketRequest
			collect := func(e ivr.Effects) {
				for _, p := range e.Play {
					prompts = append(prompts, p.Lang+"/"+p.ID)
				}
				if e.Ticket != nil {
					if ticket != nil {
						t.Fatalf("second ticket %+v after %+v", e.Ticket, ticket)
					}
					ticket = e.Ticket
				}
				if !e.Hangup && e.WaitKey <= 0 {
					t.Fatalf("effects neither wait nor hang up: %+v", e)
				}
			}
			collect(m.Start(now))
			for _, in := range tt.inputs {
				now = now.Add(time.Second)
				if in == "." {
					collect(m.Timeout(now))
				} else {
					collect(m.Key(now, in))
				}
			}
			if got := strings.Join(prompts, " "); got != tt.wantPrompts {
				t.Errorf("prompts:\n got %s\nwant %s", got, tt.wantPrompts)
			}
			switch {
			case tt.wantTicket == "" && ticket != nil:
				t.Errorf("ticket %+v, want none", ticket)
			case tt.wantTicket != "" && ticket == nil:
				t.Errorf("no ticket, want %s", tt.wantTicket)
			case ticket != nil && (ticket.Category != tt.wantTicket || ticket.Keys != tt.wantKeys):
				t.Errorf("ticket %+v, want category %s keys %s", ticket, tt.wantTicket, tt.wantKeys)
			}
			if m.Ended() != tt.wantEnded {
				t.Errorf("Ended() = %v, want %v", m.Ended(), tt.wantEnded)
			}
			if m.Outcome() != tt.wantOutcome {
				t.Errorf("Outcome() = %q, want %q", m.Outcome(), tt.wantOutcome)
			}
			if m.Lang != tt.wantLang {
				t.Errorf("Lang = %q, want %q", m.Lang, tt.wantLang)
			}
		})
	}
}

func TestMachineIgnoresInputAfterEnd(t *testing.T) {
	m := ivr.NewMachine(ivr.HotlineFlow())
	now := time.Now()
	m.Start(now)
	m.Key(now, "2")
	if e := m.Key(now, "3"); len(e.Play) > 0 || e.Ticket != nil || e.WaitKey > 0 {
		t.Errorf("key after the end gave effects %+v", e)
	}
	if e := m.Timeout(now); len(e.Play) > 0 || e.Ticket != nil {
		t.Errorf("timeout after the end gave effects %+v", e)
	}
	if got := m.Path.Keys(); got != "2" {
		t.Errorf("path keys = %q, want 2", got)
	}
}
