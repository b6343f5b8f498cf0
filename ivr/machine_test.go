package ivr_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/internal/ivrtest"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// areaPrompts are the prompts of the area steps in a language: the districts, then the
// units of group gi (1-based).
func areaPrompts(groups []tickets.AreaGroup, lang string, gi int) string {
	top := []string{lang + "/area_intro"}
	for i, g := range groups {
		top = append(top, lang+"/district_"+g.DistrictCode, lang+"/press_"+strconv.Itoa(i+1))
	}
	top = append(top, lang+"/area_unknown")
	if gi == 0 {
		return strings.Join(top, " ")
	}
	var units []string
	for j, u := range groups[gi-1].Units {
		units = append(units, lang+"/unit_"+u.Code, lang+"/press_"+strconv.Itoa(j+1))
	}
	units = append(units, lang+"/area_unknown")
	return strings.Join(top, " ") + " " + strings.Join(units, " ")
}

func TestHotlineFlowValid(t *testing.T) {
	if err := ivrtest.HotlineFlow(t).Validate(sounds.Languages, sounds.Has); err != nil {
		t.Fatal(err)
	}
}

func TestFlowValidateRejects(t *testing.T) {
	tests := map[string]func(f *ivr.Flow){
		"missing key target":         func(f *ivr.Flow) { f.Nodes["main"].Keys["7"] = "nowhere" },
		"missing prompt":             func(f *ivr.Flow) { f.Nodes["goodbye"].Prompts = []ivr.Prompt{{ID: "no_such_prompt"}} },
		"dead end":                   func(f *ivr.Flow) { f.Nodes["goodbye"].Hangup = false },
		"missing start":              func(f *ivr.Flow) { f.Start = "nowhere" },
		"missing notice":             func(f *ivr.Flow) { f.Nodes["main"].Once = []ivr.Prompt{{ID: "no_such_notice"}} },
		"consent by a key not taken": func(f *ivr.Flow) { f.Nodes["sup_consent"].Consent["3"] = tickets.ConsentGiven },
		"consent not a consent":      func(f *ivr.Flow) { f.Nodes["sup_consent"].Consent["1"] = "maybe" },
		"consent without evidence":   func(f *ivr.Flow) { f.Nodes["sup_consent"].Prompts = []ivr.Prompt{{ID: "consent_support"}} },
		"once without keys":          func(f *ivr.Flow) { f.Nodes["goodbye"].Once = []ivr.Prompt{{ID: "privacy_notice"}} },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			f := ivrtest.HotlineFlow(t)
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
	wantAnswers map[string]string
	wantQueue   string // "front" or "back" when the caller was queued for an agent
	// wantHangupTicket is the category of the ticket HungUp returned, "" for none.
	wantHangupTicket string
}

func TestMachine(t *testing.T) {
	groups := ivrtest.AreaGroups(t)
	const menu = "vi/main_menu en/for_english"
	sym := "vi/symptoms_intro vi/q_fever vi/q_cough vi/q_breath vi/q_travel vi/q_contact "
	hue := groups[0].Units // Thành phố Huế, key 1
	tests := []script{
		{name: "symptom report, fever only", inputs: []string{"2", "1", "2", "2", "2", "2", "1", "3", "1"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + sym + areaPrompts(groups, "vi", 1) + " vi/cb_choice vi/thanks vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "212222131", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi",
			wantAnswers: map[string]string{"fever": "yes", "cough": "no", "breath": "no", "travel": "no", "contact": "no", "unit": hue[2].Code, "priority": tickets.P3}},
		{name: "short of breath is urgent", inputs: []string{"2", "2", "2", "1", "2", "2", "0", "1"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + sym + areaPrompts(groups, "vi", 0) + " vi/cb_choice vi/symptoms_115 vi/symptoms_urgent",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "22212201", wantQueue: "front", wantEnded: false,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi",
			wantAnswers: map[string]string{"breath": "yes", "unit": "", "priority": tickets.P1}},
		{name: "cough after travel is P2", inputs: []string{"2", "2", "1", "2", "1", "2", "2", "0", "1"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + sym + areaPrompts(groups, "vi", 2) + " vi/cb_choice vi/thanks vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "221212201", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi",
			wantAnswers: map[string]string{"cough": "yes", "travel": "yes", "unit": "", "priority": tickets.P2}},
		{name: "no symptom is P4", inputs: []string{"2", "2", "2", "2", "2", "2", "0", "1"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + sym + areaPrompts(groups, "vi", 0) + " vi/cb_choice vi/thanks vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "22222201", wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi", wantAnswers: map[string]string{"priority": tickets.P4}},
		{name: "english community report", inputs: []string{"9", "3", "1", "1", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " en/privacy_notice en/main_menu " + areaPrompts(groups, "en", 1) + " en/message_community en/thanks en/ticket_created en/goodbye",
			wantTicket:  tickets.CategoryCommunityReport, wantKeys: "9311", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "en", wantAnswers: map[string]string{"unit": hue[0].Code}},
		{name: "support request", inputs: []string{"4", "1", "1", "2", "1", "empty", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/consent_support " + areaPrompts(groups, "vi", 1) + " vi/cb_choice vi/message_support vi/no_input vi/message_support vi/thanks vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategorySupportRequest, wantKeys: "41121", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi", wantAnswers: map[string]string{"unit": hue[1].Code, "callback": ""}},
		{name: "support with another number, read back", inputs: []string{"4", "1", "0", "2", "#", "0", "9", "1", "1", "2", "2", "2", "3", "3", "3", "#", "1", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/consent_support " + areaPrompts(groups, "vi", 0) + " vi/cb_choice vi/cb_enter vi/invalid vi/cb_enter" +
				" vi/cb_readback vi/digit_0 vi/digit_9 vi/digit_1 vi/digit_1 vi/digit_2 vi/digit_2 vi/digit_2 vi/digit_3 vi/digit_3 vi/digit_3 vi/cb_confirm" +
				" vi/message_support vi/thanks vi/ticket_created vi/goodbye",
			wantTicket: tickets.CategorySupportRequest, wantKeys: "4102#0911222333#1", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi", wantAnswers: map[string]string{"unit": "", "callback": "+84911222333"}},
		{name: "a number ended by silence, entered again", inputs: []string{"4", "1", "0", "2", "0", "9", "0", "5", "1", "2", "3", "4", "5", "6", ".", "2", "*", "0", "9", "1", "1", "2", "2", "2", "3", "3", "3", "#", "1", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/consent_support " + areaPrompts(groups, "vi", 0) + " vi/cb_choice vi/cb_enter" +
				" vi/cb_readback vi/digit_0 vi/digit_9 vi/digit_0 vi/digit_5 vi/digit_1 vi/digit_2 vi/digit_3 vi/digit_4 vi/digit_5 vi/digit_6 vi/cb_confirm vi/cb_enter" +
				" vi/cb_readback vi/digit_0 vi/digit_9 vi/digit_1 vi/digit_1 vi/digit_2 vi/digit_2 vi/digit_2 vi/digit_3 vi/digit_3 vi/digit_3 vi/cb_confirm" +
				" vi/message_support vi/thanks vi/ticket_created vi/goodbye",
			wantTicket: tickets.CategorySupportRequest, wantKeys: "410209051234562*0911222333#1", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi", wantAnswers: map[string]string{"callback": "+84911222333"}},
		{name: "support refused: back to the menu, nothing kept", inputs: []string{"4", "2", "0", "q=answered"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/consent_support vi/consent_refused " + menu,
			wantQueue:   "back", wantEnded: true, wantOutcome: tickets.OutcomeAgent, wantLang: "vi"},
		{name: "consent asked again after a bad key", inputs: []string{"4", "7", "1", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/consent_support vi/invalid vi/consent_support " + areaPrompts(groups, "vi", 0),
			wantEnded:   true, wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "operator, then a callback instead of waiting", inputs: []string{"0", "q=callback"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/thanks vi/callback_created vi/goodbye",
			wantTicket:  tickets.CategoryCallback, wantKeys: "0", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeCallback, wantLang: "vi"},
		{name: "rules then silence", inputs: []string{"1", "."},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/rules_info vi/info_options vi/goodbye",
			wantEnded:   true, wantOutcome: tickets.OutcomeInformation, wantLang: "vi"},
		{name: "rules then back to menu then report", inputs: []string{"1", "*", "3", "0", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/rules_info vi/info_options " + menu + " " + areaPrompts(groups, "vi", 0) + " vi/message_community vi/thanks vi/ticket_created vi/goodbye",
			wantTicket:  tickets.CategoryCommunityReport, wantKeys: "1*30", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi"},
		{name: "quarantine info, agent, nobody on duty, message", inputs: []string{"5", "0", "q=no_agent", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/quarantine_info vi/info_options vi/queue_message vi/thanks vi/message_saved vi/goodbye",
			wantTicket:  tickets.CategoryCallback, wantKeys: "50", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi"},
		{name: "operator answers", inputs: []string{"0", "q=answered"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + "", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeAgent, wantLang: "vi"},
		{name: "urgent caller hangs up in the queue", inputs: []string{"2", "2", "2", "1", "2", "2", "0", "1", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + sym + areaPrompts(groups, "vi", 0) + " vi/cb_choice vi/symptoms_115 vi/symptoms_urgent",
			wantTicket:  tickets.CategorySymptomReport, wantKeys: "22212201", wantQueue: "front", wantEnded: true,
			wantHangupTicket: tickets.CategoryMissedCall, wantOutcome: tickets.OutcomeAbandoned, wantLang: "vi"},
		{name: "hung up after two answers", inputs: []string{"2", "1", "2", "hup"},
			wantPrompts:      "vi/welcome vi/privacy_notice " + menu + " vi/symptoms_intro vi/q_fever vi/q_cough vi/q_breath",
			wantHangupTicket: tickets.CategorySymptomReport, wantEnded: true,
			wantOutcome: tickets.OutcomeTicket, wantLang: "vi", wantAnswers: map[string]string{"fever": "yes", "cough": "no"}},
		{name: "hung up before any answer", inputs: []string{"2", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/symptoms_intro vi/q_fever", wantEnded: true,
			wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "hung up while leaving a message", inputs: []string{"3", "0", "hup+rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + areaPrompts(groups, "vi", 0) + " vi/message_community", wantEnded: true,
			wantHangupTicket: tickets.CategoryCommunityReport, wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi"},
		{name: "hung up at the beep", inputs: []string{"3", "0", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + areaPrompts(groups, "vi", 0) + " vi/message_community", wantEnded: true,
			wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "star repeats the menu", inputs: []string{"*"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " " + menu,
			wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "invalid key then valid", inputs: []string{"7", "0", "q=answered"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/invalid " + menu + "", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeAgent, wantLang: "vi"},
		{name: "a bad answer is asked again", inputs: []string{"2", "5", "1"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/symptoms_intro vi/q_fever vi/invalid vi/symptoms_intro vi/q_fever vi/q_cough",
			wantOutcome: tickets.OutcomeHungUp, wantLang: "vi", wantAnswers: map[string]string{"fever": "yes"}},
		{name: "three invalid keys, then a message", inputs: []string{"7", "8", "#", "q=no_agent", "empty", "rec"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/invalid " + menu + " vi/invalid " + menu + " vi/too_many_errors" +
				" vi/queue_message vi/no_input vi/queue_message vi/thanks vi/message_saved vi/goodbye",
			wantTicket: tickets.CategoryCallback, wantKeys: "78#", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeVoiceMessage, wantLang: "vi"},
		{name: "no agent, and no message either", inputs: []string{"0", "q=no_agent", "empty", "empty", "empty"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/queue_message vi/no_input vi/queue_message vi/no_input vi/queue_message vi/message_none",
			wantTicket:  tickets.CategoryMissedCall, wantKeys: "0",
			wantQueue: "back", wantEnded: true, wantOutcome: tickets.OutcomeTicket, wantLang: "vi"},
		{name: "no agent, hung up before the message", inputs: []string{"0", "q=no_agent", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/queue_message",
			wantQueue:   "back", wantHangupTicket: tickets.CategoryMissedCall, wantEnded: true, wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
		{name: "silence three times, then hung up waiting", inputs: []string{".", ".", ".", "hup"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/no_input " + menu + " vi/no_input " + menu + " vi/too_many_errors",
			wantQueue:   "back", wantHangupTicket: tickets.CategoryMissedCall,
			wantEnded: true, wantOutcome: tickets.OutcomeAbandoned, wantLang: "vi"},
		{name: "failures count per menu", inputs: []string{"7", "8", "9", "7", "8", "0", "q=callback"},
			wantPrompts: "vi/welcome vi/privacy_notice " + menu + " vi/invalid " + menu + " vi/invalid " + menu +
				" en/privacy_notice en/main_menu en/invalid en/main_menu en/invalid en/main_menu en/thanks en/callback_created en/goodbye",
			wantTicket: tickets.CategoryCallback, wantKeys: "789780", wantQueue: "back", wantEnded: true,
			wantOutcome: tickets.OutcomeCallback, wantLang: "en"},
		{name: "hung up in the menu", inputs: nil,
			wantPrompts: "vi/welcome vi/privacy_notice " + menu, wantOutcome: tickets.OutcomeHungUp, wantLang: "vi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ivr.NewMachine(ivr.HotlineFlow(groups))
			now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
			var prompts []string
			var ticket, hangupTicket *ivr.TicketRequest
			queued := ""
			collect := func(e ivr.Effects) {
				if e.Queue != nil {
					queued = map[bool]string{true: "front", false: "back"}[e.Queue.Front]
				}
				for _, p := range append(e.Lead, e.Play...) {
					if p.Optional {
						continue // the urgent message: heard only while a supervisor has it live
					}
					prompts = append(prompts, p.Lang+"/"+p.ID)
				}
				if e.Ticket != nil {
					if ticket != nil {
						t.Fatalf("second ticket %+v after %+v", e.Ticket, ticket)
					}
					ticket = e.Ticket
				}
				if !e.Hangup && e.WaitKey <= 0 && e.Record <= 0 && e.Queue == nil {
					t.Fatalf("effects neither wait nor hang up: %+v", e)
				}
			}
			collect(m.Start(now))
			for _, in := range tt.inputs {
				now = now.Add(time.Second)
				switch {
				case in == ".":
					collect(m.Timeout(now))
				case in == "rec" || in == "empty":
					collect(m.Recorded(now, in == "rec"))
				case strings.HasPrefix(in, "q="):
					collect(m.QueueResult(now, in[2:]))
				case strings.HasPrefix(in, "hup"):
					hangupTicket = m.HungUp(now, in == "hup+rec")
				default:
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
			if queued != tt.wantQueue {
				t.Errorf("queued %q, want %q", queued, tt.wantQueue)
			}
			switch {
			case tt.wantHangupTicket == "" && hangupTicket != nil:
				t.Errorf("ticket on hang-up %+v, want none", hangupTicket)
			case tt.wantHangupTicket != "" && (hangupTicket == nil || hangupTicket.Category != tt.wantHangupTicket):
				t.Errorf("ticket on hang-up %+v, want %s", hangupTicket, tt.wantHangupTicket)
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
			for k, want := range tt.wantAnswers {
				got, ok := m.Answers[k]
				if k == "priority" && ticket != nil {
					got, ok = ticket.Priority, true
				}
				if !ok || got != want {
					t.Errorf("answer %s = %q, want %q (answers %v)", k, got, want, m.Answers)
				}
			}
			if ticket != nil && (ticket.UnitCode != m.Answers["unit"] || ticket.ContactPhone != m.Answers["callback"]) {
				t.Errorf("ticket unit %q contact %q, answers %v", ticket.UnitCode, ticket.ContactPhone, m.Answers)
			}
		})
	}
}

func TestMachineIgnoresInputAfterEnd(t *testing.T) {
	m := ivr.NewMachine(ivrtest.HotlineFlow(t))
	now := time.Now()
	m.Start(now)
	m.Key(now, "0")
	if e := m.Key(now, "3"); len(e.Play) > 0 || e.Ticket != nil || e.WaitKey > 0 {
		t.Errorf("key after the end gave effects %+v", e)
	}
	if e := m.Timeout(now); len(e.Play) > 0 || e.Ticket != nil {
		t.Errorf("timeout after the end gave effects %+v", e)
	}
	if got := m.Path.Keys(); got != "0" {
		t.Errorf("path keys = %q, want 0", got)
	}
}

// The urgent message follows the welcome on every call, in Vietnamese then in English,
// marked optional: the call plays it only while a supervisor has it live.
func TestUrgentMessageAfterWelcome(t *testing.T) {
	e := ivr.NewMachine(ivrtest.HotlineFlow(t)).Start(time.Now())
	want := []ivr.PromptRef{{Lang: "vi", ID: "welcome"}, {Lang: "vi", ID: tickets.UrgentPrompt, Optional: true},
		{Lang: "en", ID: tickets.UrgentPrompt, Optional: true}}
	if len(e.Play) < 3 || e.Play[0] != want[0] || e.Play[1] != want[1] || e.Play[2] != want[2] {
		t.Errorf("first prompts %v, want %v", e.Play, want)
	}
	for _, p := range e.Play[3:] {
		if p.Optional {
			t.Errorf("%v is optional", p)
		}
	}
}

// Small faults of the call flow, each fixed with its own case.
func TestMachineSmallFaults(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	prompts := func(e ivr.Effects) string {
		var ids []string
		for _, p := range e.Play {
			ids = append(ids, p.Lang+"/"+p.ID)
		}
		return strings.Join(ids, " ")
	}
	t.Run("a withheld number is not offered as the number to call back", func(t *testing.T) {
		m := ivr.NewMachine(ivrtest.HotlineFlow(t))
		m.Withheld = true
		m.Start(now)
		var e ivr.Effects
		for _, k := range []string{"2", "2", "2", "2", "2", "2", "0"} {
			e = m.Key(now, k)
		}
		if got := prompts(e); strings.Contains(got, "cb_choice") || !strings.Contains(got, "cb_enter_hidden") {
			t.Errorf("after the area a withheld caller hears %q, want to be asked for a number", got)
		}
		// # without digits goes on without a number.
		e = m.Key(now, "#")
		if e.Ticket == nil || e.Ticket.ContactPhone != "" || !strings.Contains(prompts(e), "ticket_created") {
			t.Errorf("skipping the number: %+v", e)
		}
	})
	t.Run("an English caller's ticket says so, for the callback", func(t *testing.T) {
		m := ivr.NewMachine(ivrtest.HotlineFlow(t))
		m.Start(now)
		m.Key(now, "9")
		var e ivr.Effects
		for _, k := range []string{"2", "2", "2", "2", "2", "2", "0", "1"} {
			e = m.Key(now, k)
		}
		if e.Ticket == nil || e.Ticket.Answers["lang"] != "en" {
			t.Errorf("English caller's ticket answers %v, want lang en", e.Ticket)
		}
	})
	t.Run("A to D do not end a keyed-in number", func(t *testing.T) {
		m := ivr.NewMachine(ivrtest.HotlineFlow(t))
		m.Start(now)
		for _, k := range []string{"4", "1", "0", "2", "0", "9", "1", "1", "A", "2", "2", "2", "D", "3", "3", "3"} {
			m.Key(now, k)
		}
		e := m.Key(now, "#")
		if !strings.Contains(prompts(e), "cb_readback") || m.Answers["callback"] != "+84911222333" {
			t.Errorf("number with A and D keyed in: answers %v, prompts %q", m.Answers, prompts(e))
		}
	})
	t.Run("a key or a silence where no key is awaited ends the call", func(t *testing.T) {
		for _, input := range []string{"5", "."} {
			m := ivr.NewMachine(ivrtest.HotlineFlow(t))
			m.Start(now)
			m.Key(now, "3")
			m.Key(now, "0") // at the voice message: no keys here
			var e ivr.Effects
			if input == "." {
				e = m.Timeout(now)
			} else {
				e = m.Key(now, input)
			}
			if e.Empty() {
				t.Errorf("effects %+v after %q ask for nothing: a call loop would spin", e, input)
			}
		}
	})
	t.Run("a failed bridge to the agent: apology, message, missed-call ticket", func(t *testing.T) {
		m := ivr.NewMachine(ivrtest.HotlineFlow(t))
		m.Start(now)
		m.Key(now, "0")
		e := m.QueueResult(now, ivr.QueueAgentFailed)
		if e.Ticket == nil || e.Ticket.Category != tickets.CategoryMissedCall || e.Record == 0 || !strings.Contains(prompts(e), "agent_failed") {
			t.Fatalf("after a failed bridge: %+v", e)
		}
		e = m.Recorded(now, true)
		if m.Outcome() != tickets.OutcomeAgentFailed || !e.Hangup || e.Ticket != nil {
			t.Errorf("after the message: outcome %s, effects %+v; want agent_bridge_failed, no second ticket, goodbye", m.Outcome(), e)
		}
	})
}

func TestFlowValidateContradictions(t *testing.T) {
	tests := map[string]func(f *ivr.Flow){
		"keys with a message":                     func(f *ivr.Flow) { f.Nodes["com_message"].Keys = map[string]string{"1": "goodbye"} },
		"keys with the queue":                     func(f *ivr.Flow) { f.Nodes["operator"].Keys = map[string]string{"1": "goodbye"} },
		"a system prompt missing in one language": func(f *ivr.Flow) {},
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			f := ivrtest.HotlineFlow(t)
			spoil(f)
			has := sounds.Has
			if name == "a system prompt missing in one language" {
				has = func(lang, id string) bool { return !(lang == "en" && id == "system_recovered") && sounds.Has(lang, id) }
			}
			if err := f.Validate(sounds.Languages, has); err == nil {
				t.Error("Validate accepted it")
			}
		})
	}
}

// The automated follow-up call: 1 begins; the answers pick the end; 0 and 9 work at
// every question; the result and the opt-out are actions taken before their prompts
// play; silence ends the call without a result.
func TestFollowUpFlow(t *testing.T) {
	f := ivr.FollowUpFlow()
	if err := f.Validate(sounds.Languages, sounds.Has); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	walk := func(lang string, keys ...string) (*ivr.Machine, ivr.Effects) {
		m := ivr.NewMachine(f)
		m.Lang = lang
		e := m.Start(now)
		for _, k := range keys {
			e = m.Key(now, k)
		}
		return m, e
	}
	for _, tc := range []struct {
		keys   []string
		end    string
		action string
		queue  bool
	}{
		{[]string{"1", "2", "2", "2", "2"}, "fu_well", ivr.ActionFollowUpResult, false},
		{[]string{"1", "1", "2", "2", "2"}, "fu_signs", ivr.ActionFollowUpResult, false},
		{[]string{"1", "2", "2", "2", "1"}, "fu_signs", ivr.ActionFollowUpResult, false},
		{[]string{"1", "2", "2", "1", "2"}, "fu_urgent", ivr.ActionFollowUpResult, true},
		{[]string{"1", "2", "0"}, "fu_agent", ivr.ActionFollowUpAgent, true},
		{[]string{"9"}, "fu_opt_out", ivr.ActionFollowUpOptOut, false},
		{[]string{"1", "2", "2", "9"}, "fu_opt_out", ivr.ActionFollowUpOptOut, false},
	} {
		m, e := walk("en", tc.keys...)
		if m.Node() != tc.end || e.Action != tc.action || (e.Queue != nil) != tc.queue {
			t.Errorf("keys %v: at %s, action %q, queue %v; want %s, %q, %v", tc.keys, m.Node(), e.Action, e.Queue != nil, tc.end, tc.action, tc.queue)
		}
		if tc.end == "fu_urgent" && (!e.Queue.Front || e.Lead[0] != (ivr.PromptRef{Lang: "en", ID: "symptoms_115"}) ||
			e.Play[0] != (ivr.PromptRef{Lang: "en", ID: "fu_urgent"})) {
			t.Errorf("short of breath: %+v, want call 115 while the result is written, fu_urgent, then the front of the queue", e)
		}
	}
	m, _ := walk("vi", "1", "1", "2")
	if m.Answers["fever"] != "yes" || m.Answers["cough"] != "no" || len(m.Answers) != 2 {
		t.Errorf("answers so far %v", m.Answers)
	}
	m, e := walk("vi")
	for i := 0; i < 3; i++ {
		e = m.Timeout(now)
	}
	if m.Node() != "fu_no_input" || !e.Hangup || e.Action != "" {
		t.Errorf("three silences: at %s %+v", m.Node(), e)
	}
	m, e = walk("vi", "5")
	if m.Node() != "fu_intro" || e.Play[0].ID != "invalid" {
		t.Errorf("a bad key at the intro: at %s %+v, want a re-prompt", m.Node(), e)
	}
}

// The notice at collection plays before the main menu once in each language the caller
// hears it in, kept as evidence; the menu's keys take it (one playback with the menu).
func TestNoticeBeforeMenu(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	m := ivr.NewMachine(ivrtest.HotlineFlow(t))
	e := m.Start(now)
	var evidence []string
	for _, p := range e.Play {
		if p.Evidence {
			evidence = append(evidence, p.Lang+"/"+p.ID)
		}
	}
	if got, want := strings.Join(evidence, " "), "vi/privacy_notice"; got != want {
		t.Errorf("evidence in the first playback %q, want %q", got, want)
	}
	if e.WaitKey <= 0 {
		t.Fatalf("the welcome, the notice and the menu do not wait for a key: %+v", e)
	}
	// A menu key during the notice (the same playback) is the menu's.
	if e := m.Key(now, "2"); m.Node() != "symptoms" || len(e.Play) == 0 || e.Play[0].ID != "symptoms_intro" {
		t.Errorf("2 during the notice: at %s playing %v, want the symptoms", m.Node(), e.Play)
	}
	m = ivr.NewMachine(ivrtest.HotlineFlow(t))
	m.Start(now)
	e = m.Key(now, "9")
	if len(e.Play) < 2 || e.Play[0] != (ivr.PromptRef{Lang: "en", ID: "privacy_notice", Evidence: true}) || e.Play[1].ID != "main_menu" {
		t.Errorf("after 9: %v, want the English notice, then the menu", e.Play)
	}
	if e := m.Key(now, "*"); len(e.Play) == 0 || e.Play[0].ID != "main_menu" {
		t.Errorf("* again: %v, want the menu without the notice", e.Play)
	}
}

// A consent answered by a key is given back with the prompt that asked it; a key it
// does not take answers nothing and asks again.
func TestMachineConsent(t *testing.T) {
	now := time.Date(2021, 8, 10, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		keys       []string
		wantNode   string
		wantAnswer string // of the last key; "" none
	}{
		{"given", []string{"4", "1"}, "sup_area", tickets.ConsentGiven},
		{"refused", []string{"4", "2"}, "main", tickets.ConsentRefused},
		{"bad key", []string{"4", "5"}, "sup_consent", ""},
		{"not a consent", []string{"2"}, "symptoms", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ivr.NewMachine(ivrtest.HotlineFlow(t))
			m.Start(now)
			var e ivr.Effects
			for _, k := range tt.keys {
				e = m.Key(now, k)
			}
			if m.Node() != tt.wantNode {
				t.Errorf("at %s, want %s", m.Node(), tt.wantNode)
			}
			switch {
			case tt.wantAnswer == "" && e.Consent != nil:
				t.Errorf("consent %+v, want none", e.Consent)
			case tt.wantAnswer != "" && e.Consent == nil:
				t.Errorf("no consent, want %s", tt.wantAnswer)
			case e.Consent != nil:
				want := ivr.ConsentAnswer{Prompt: "consent_support", Lang: "vi", Key: tt.keys[len(tt.keys)-1], Answer: tt.wantAnswer, At: now}
				if *e.Consent != want {
					t.Errorf("consent %+v, want %+v", *e.Consent, want)
				}
			}
			if tt.name == "bad key" && (len(e.Play) < 2 || e.Play[1] != (ivr.PromptRef{Lang: "vi", ID: "consent_support", Evidence: true})) {
				t.Errorf("after a bad key %v, want the consent asked again", e.Play)
			}
		})
	}
}
