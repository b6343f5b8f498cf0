// Package ivr is the caller's call: the hotline's Stasis application (app.go) gives
// each caller a goroutine that walks them through the menus and turns their choices into
// call records and tickets.
//
// The call flow (which prompt, which keys, what next) is plain data in this file and a
// machine in machine.go that can be tested without Asterisk; the call (converse.go and
// the steps below it) only carries out what the machine says. The call uses the
// agents' desk (ivr/desk) and the store through small interfaces (env.go), and Asterisk
// through ivr/asterisk; the automated follow-up calls (ivr/followup) hand it a citizen
// who asks for an agent (App.Serve).
package ivr

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Prompt is a recorded prompt to play. Lang fixes the language it is played in ("" means
// the caller's language); When plays it only to callers in that language.
type Prompt struct {
	ID   string
	Lang string
	When string
	// Optional plays only while it is live (the urgent message a supervisor switches on):
	// it has no embedded version.
	Optional bool
	// Evidence keeps on the call's record that the prompt was played, which version and
	// how much of it the caller heard (the notice at collection, a consent asked): the
	// controller must be able to show what a caller was told (Decree 356/2025 Art. 6).
	Evidence bool
}

// Node is one point of the call flow.
type Node struct {
	ID      string
	Prompts []Prompt
	// Keys maps each key the node accepts to the node it leads to. A node with keys waits
	// for one after its prompts; a node without keys goes on to Next, or hangs up.
	Keys      map[string]string
	Next      string
	OnTimeout string // where silence leads instead of a re-prompt ("" re-prompts)
	Hangup    bool   // end the call after the prompts
	Language  string // switch the call to this language on entering
	Ticket    string // category of the ticket created on entering
	Priority  string // priority of that ticket
	Outcome   string // what entering this node means for the call's outcome
	// Records names the answer a key at this node gives, with Values mapping each key to
	// the answer's value ("fever": 1 → yes), kept on the ticket.
	Records string
	Values  map[string]string
	// Branch, on a node without prompts or keys, picks the next node from the answers so
	// far; Branches lists every node it may pick, for Validate.
	Branch   func(tickets.Answers) string
	Branches []string
	// AssignToUnit routes the ticket to the unit the caller chose.
	AssignToUnit bool
	// Collect makes the node take a phone number digit by digit, ended by # (or by
	// silence once digits were given), stored normalised as the answer Collect; Next
	// follows a valid number, a bad one is asked again. OnSkip, if set, is where # with
	// no digits leads.
	Collect string
	OnSkip  string
	// IfWithheld sends a caller whose number is withheld to another node on entering
	// this one (the number to call back cannot be their own).
	IfWithheld string
	// ReadBack appends to the prompts the digits of the answer it names.
	ReadBack string
	// Record, after the prompts, records a voice message of at most this long, ended by #
	// or silence; Next follows a message, and an empty one is asked for again.
	Record time.Duration
	// Queue, after the prompts, puts the caller in the agent queue.
	Queue *QueueSpec
	// OnHangup names the ticket node whose ticket is created when the caller hangs up
	// here after giving something to act on (an answer, a voice message).
	OnHangup string
	// Summary is the summary of the ticket created on entering.
	Summary string
	// OnFailures overrides the flow's OnFailures for this node.
	OnFailures string
	// Action names what the call does on entering, before the prompts play (an automated
	// follow-up call records its result, or the citizen's opt-out, before confirming it).
	Action string
	// Lead, on a node with a ticket or an Action, starts playing as the node is entered,
	// while what it writes goes to the disk, so that the caller hears the key answered
	// at once; the node's Prompts, which may say the report is recorded, follow once it
	// is written. Lead must not say that anything is recorded.
	Lead []Prompt
	// Once plays before Prompts the first time the call enters the node in the caller's
	// language, not when the menu is heard again (a re-prompt, *, back from a menu): the
	// notice at collection before the main menu. The node's keys cut it short like its
	// prompts.
	Once []Prompt
	// Consent makes the node ask the caller's agreement: it maps each key that answers
	// to tickets.ConsentGiven or ConsentRefused, kept with the version of the node's
	// Evidence prompt the caller heard (Effects.Consent). Its Keys say where each leads.
	Consent map[string]string
}

// Actions a node may ask of an automated follow-up call.
const (
	ActionFollowUpResult = "follow_up_result" // record the answers as the day's follow-up
	ActionFollowUpOptOut = "follow_up_opt_out"
	ActionFollowUpAgent  = "follow_up_agent" // the citizen asked for an agent
)

// QueueSpec says how a node queues its caller for an agent, and where the call goes when
// the caller asks to be called back or no agent can take the call.
type QueueSpec struct {
	Category    string // the ticket an agent gets when the call has none yet
	Front       bool   // ahead of callers who were not put at the front
	Callback    string // node after the caller pressed 1 to be called back instead
	Message     string // node when no agent can answer: a voice message
	AgentFailed string // node when an agent answered but could not be connected
}

// Queue results, reported by the call to Machine.QueueResult.
const (
	QueueAnswered = "answered" // an agent answered and the conversation ended
	QueueCallback = "callback" // the caller asked to be called back
	QueueNoAgent  = "no_agent" // nobody on duty, or the longest wait passed
	// QueueAgentFailed: an agent answered, but the caller could not be put through.
	QueueAgentFailed = "agent_failed"
)

// SystemPrompts are the prompts the call plays outside the flow's nodes (errors,
// recovery, the queue's announcements, callbacks); Validate checks each exists in every
// language.
var SystemPrompts = []string{
	"system_busy", "system_recovered", "queue_enter", "queue_position", "queue_position_many",
	"queue_callback_offer", "callback_dialing", "callback_intro",
	"digit_0", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5", "digit_6", "digit_7", "digit_8", "digit_9",
}

// Flow is a whole call flow: its nodes, where calls start, and how bad input is handled.
type Flow struct {
	Start       string
	Nodes       map[string]*Node
	KeyTimeout  time.Duration // silence after the prompts before a re-prompt
	MaxFailures int           // invalid keys or silences in one menu before giving up
	OnFailures  string        // node reached after MaxFailures
	Invalid     Prompt        // played for a key the menu does not take
	NoInput     Prompt        // played after silence
	HangupNote  string        // summary of a ticket made when the caller hung up midway
}

// HotlineFlow is the flow of 1900 1075, with the keypad area selection built from
// groups (tickets.Store.AreaGroups): the units are data, not code.
func HotlineFlow(groups []tickets.AreaGroup) *Flow {
	p := prompts
	yesNo := map[string]string{"1": "yes", "2": "no"}
	question := func(id, records, prompt, next string) *Node {
		return &Node{ID: id, Prompts: p(prompt), Keys: map[string]string{"1": next, "2": next}, Records: records, Values: yesNo}
	}
	const message = 2 * time.Minute // the longest voice message
	queue := queueSpec
	nodes := []*Node{
		// A supervisor's urgent message, while it is live, right after the welcome: in
		// Vietnamese, then in English.
		{ID: "welcome", Prompts: append(p("welcome"), Prompt{ID: tickets.UrgentPrompt, Optional: true},
			Prompt{ID: tickets.UrgentPrompt, Lang: "en", When: "vi", Optional: true}), Next: "main"},
		// The notice at collection (the right to know, Law 91/2025 Art. 4: who, what for,
		// that health data is sensitive, 0 to ask about one's rights), once in each
		// language the caller hears the menu in; any menu key cuts it short.
		{ID: "main",
			Once:    []Prompt{{ID: "privacy_notice", Evidence: true}},
			Prompts: append(p("main_menu"), Prompt{ID: "for_english", Lang: "en", When: "vi"}),
			Keys: map[string]string{
				"1": "rules", "2": "symptoms", "3": "com_area", "4": "sup_consent",
				"5": "quarantine", "0": "operator", "9": "english", "*": "main",
			}},
		{ID: "english", Language: "en", Next: "main"},
		{ID: "rules", Prompts: p("rules_info", "info_options"), Outcome: tickets.OutcomeInformation,
			Keys: map[string]string{"*": "main", "0": "info_agent"}, OnTimeout: "goodbye"},
		{ID: "quarantine", Prompts: p("quarantine_info", "info_options"), Outcome: tickets.OutcomeInformation,
			Keys: map[string]string{"*": "main", "0": "info_agent"}, OnTimeout: "goodbye"},

		// 2: self-reported symptoms, five yes/no questions, the area, then a priority
		// from the risk the answers show. A caller who hangs up after answering leaves
		// a ticket with what they said.
		{ID: "symptoms", Prompts: p("symptoms_intro", "q_fever"), Keys: map[string]string{"1": "sym_cough", "2": "sym_cough"}, Records: "fever", Values: yesNo},
		question("sym_cough", "cough", "q_cough", "sym_breath"),
		question("sym_breath", "breath", "q_breath", "sym_travel"),
		question("sym_travel", "travel", "q_travel", "sym_contact"),
		question("sym_contact", "contact", "q_contact", "sym_area"),
		// The number to call back: the caller's own, or another read back for confirmation.
		{ID: "sym_cb", Prompts: p("cb_choice"), Keys: map[string]string{"1": "sym_risk", "2": "sym_cb_enter"}, Records: "callback", Values: map[string]string{"1": ""},
			IfWithheld: "sym_cb_hidden"},
		{ID: "sym_cb_hidden", Prompts: p("cb_enter_hidden"), Collect: "callback", Next: "sym_cb_check", OnSkip: "sym_risk"},
		{ID: "sym_cb_enter", Prompts: p("cb_enter"), Collect: "callback", Next: "sym_cb_check"},
		{ID: "sym_cb_check", Prompts: p("cb_readback"), ReadBack: "callback", Keys: map[string]string{"1": "sym_risk", "2": "sym_cb_enter"}},
		{ID: "sym_risk", Branch: symptomRisk, Branches: []string{"sym_urgent", "sym_p2", "sym_p3", "sym_p4"}},
		// Short of breath: call 115 in an emergency, and straight to an agent, first in line.
		{ID: "sym_urgent", Ticket: tickets.CategorySymptomReport, Priority: tickets.P1, Lead: p("symptoms_115"), Prompts: p("symptoms_urgent"),
			Queue: queue(tickets.CategorySymptomReport, true)},
		{ID: "sym_p2", Ticket: tickets.CategorySymptomReport, Priority: tickets.P2, Lead: p("thanks"), Prompts: p("ticket_created"), Next: "goodbye"},
		{ID: "sym_p3", Ticket: tickets.CategorySymptomReport, Priority: tickets.P3, Lead: p("thanks"), Prompts: p("ticket_created"), Next: "goodbye"},
		{ID: "sym_p4", Ticket: tickets.CategorySymptomReport, Priority: tickets.P4, Lead: p("thanks"), Prompts: p("ticket_created"), Next: "goodbye"},

		// 3: a report about someone else: the area it concerns, then a voice message.
		{ID: "com_message", Prompts: p("message_community"), Record: message, Next: "community", OnHangup: "community"},
		{ID: "community", Ticket: tickets.CategoryCommunityReport, Priority: tickets.P3,
			Lead: p("thanks"), Prompts: p("ticket_created"), Next: "goodbye"},
		// 4: support for a citizen outside the province: the family's unit, the number to
		// call back, then who and where they are in a voice message. Routed to the unit.
		// A service the caller asks for, not the epidemic response itself: their name,
		// whereabouts and number are kept with their consent (Law 91/2025 Art. 9), asked
		// first; who refuses goes back to the menu (0: an agent) and nothing is kept.
		{ID: "sup_consent", Prompts: []Prompt{{ID: "consent_support", Evidence: true}},
			Keys:    map[string]string{"1": "sup_area", "2": "sup_refused"},
			Consent: map[string]string{"1": tickets.ConsentGiven, "2": tickets.ConsentRefused}},
		{ID: "sup_refused", Prompts: p("consent_refused"), Next: "main"},
		{ID: "sup_cb", Prompts: p("cb_choice"), Keys: map[string]string{"1": "sup_message", "2": "sup_cb_enter"}, Records: "callback", Values: map[string]string{"1": ""},
			IfWithheld: "sup_cb_hidden"},
		{ID: "sup_cb_hidden", Prompts: p("cb_enter_hidden"), Collect: "callback", Next: "sup_cb_check", OnSkip: "sup_message"},
		{ID: "sup_cb_enter", Prompts: p("cb_enter"), Collect: "callback", Next: "sup_cb_check"},
		{ID: "sup_cb_check", Prompts: p("cb_readback"), ReadBack: "callback", Keys: map[string]string{"1": "sup_message", "2": "sup_cb_enter"}},
		{ID: "sup_message", Prompts: p("message_support"), Record: message, Next: "support", OnHangup: "support"},
		{ID: "support", Ticket: tickets.CategorySupportRequest, Priority: tickets.P3, AssignToUnit: true,
			Lead: p("thanks"), Prompts: p("ticket_created"), Next: "goodbye"},

		// 0, and 0 after information: the agent queue.
		// (The call says "please hold" once the caller is in line: not when nobody is on duty.)
		{ID: "operator", Queue: queue(tickets.CategoryOther, false)},
		{ID: "info_agent", Queue: queue(tickets.CategoryInformation, false)},
		// Three bad keys or silences in one menu: to an agent (or a voice message).
		{ID: "too_many", Prompts: p("too_many_errors"), Outcome: tickets.OutcomeNoChoice, Queue: queue(tickets.CategoryOther, false)},
	}
	nodes = append(nodes, queueExits(p)...)
	for _, n := range nodes {
		if strings.HasPrefix(n.ID, "sym") && n.Ticket == "" && n.Branch == nil {
			n.OnHangup = "sym_risk" // every step of the self-report
		}
	}
	nodes = append(nodes, areaNodes("sym", groups, "sym_cb", "sym_risk")...)
	nodes = append(nodes, areaNodes("com", groups, "com_message", "")...)
	nodes = append(nodes, areaNodes("sup", groups, "sup_cb", "")...)
	f := newFlow("welcome", "too_many", nodes)
	f.HangupNote = "Người gọi gác máy trước khi hoàn tất; cần gọi lại để hỏi thêm."
	return f
}

// queueExits are the nodes a queued caller goes to without an agent: a callback that
// keeps their place, a voice message, or an apology when the agent could not be put
// through; both flows share them.
func queueExits(p func(...string) []Prompt) []*Node {
	const message = 2 * time.Minute // the longest voice message
	return []*Node{
		{ID: "q_callback", Ticket: tickets.CategoryCallback, Priority: tickets.P2, Outcome: tickets.OutcomeCallback,
			Summary: "Người gọi chờ tổng đài viên và chọn được gọi lại.", Lead: p("thanks"), Prompts: p("callback_created"), Next: "goodbye"},
		{ID: "q_message", Prompts: p("queue_message"), Record: message, Next: "q_message_saved", OnHangup: "q_message_saved",
			OnFailures: "no_message"}, // not back to an agent: the queue sent the caller here
		// No message either: a missed call for the agents to return (a note on the ticket
		// when the call already has one).
		{ID: "no_message", Prompts: p("message_none"), Outcome: tickets.OutcomeNoChoice, Hangup: true,
			Ticket: tickets.CategoryMissedCall, Priority: tickets.P2,
			Summary: "Người gọi cần gặp tổng đài viên nhưng không có ai trực, và không để lại lời nhắn; cần gọi lại."},
		{ID: "q_message_saved", Ticket: tickets.CategoryCallback, Priority: tickets.P2,
			Summary: "Lời nhắn thoại khi không có tổng đài viên.", Lead: p("thanks"), Prompts: p("message_saved"), Next: "goodbye"},
		// An agent answered but the two could not be put together: an apology, a
		// missed call for the agents to return, and a voice message on it.
		{ID: "q_agent_failed", Ticket: tickets.CategoryMissedCall, Priority: tickets.P2, Outcome: tickets.OutcomeAgentFailed,
			Summary: "Không kết nối được người gọi với tổng đài viên; cần gọi lại.", Prompts: p("agent_failed"),
			Record: message, Next: "q_failed_saved", OnFailures: "no_message"},
		{ID: "q_failed_saved", Prompts: p("message_saved"), Next: "goodbye"},
		{ID: "goodbye", Prompts: p("goodbye"), Hangup: true},
	}
}

// evidencePrompt is the prompt of a node kept as evidence: what a consent answers.
func evidencePrompt(n *Node) string {
	for _, p := range n.Prompts {
		if p.Evidence {
			return p.ID
		}
	}
	return ""
}

func prompts(ids ...string) []Prompt {
	ps := make([]Prompt, len(ids))
	for i, id := range ids {
		ps[i] = Prompt{ID: id}
	}
	return ps
}

func queueSpec(category string, front bool) *QueueSpec {
	return &QueueSpec{Category: category, Front: front, Callback: "q_callback", Message: "q_message", AgentFailed: "q_agent_failed"}
}

// FollowUpFlow is what a person in monitoring hears on the hotline's automated daily
// call: press 1 to begin (so that voicemail and carrier announcements never count as an
// answer), then four yes/no questions; 0 at any point puts them through to an agent, 9
// stops the calls. Their answers are the day's follow-up: all no is well; any yes is
// with signs, and short of breath hears "call 115" and goes to the front of the agent
// queue.
func FollowUpFlow() *Flow {
	p := prompts
	yesNo := map[string]string{"1": "yes", "2": "no"}
	question := func(id, records string, prompts []Prompt, next string) *Node {
		return &Node{ID: id, Prompts: prompts, Records: records, Values: yesNo,
			Keys: map[string]string{"1": next, "2": next, "0": "fu_agent", "9": "fu_opt_out"}}
	}
	nodes := []*Node{
		{ID: "fu_intro", Prompts: p("fu_intro"), Keys: map[string]string{"1": "fu_fever", "0": "fu_agent", "9": "fu_opt_out"}},
		question("fu_fever", "fever", p("fu_how", "q_fever"), "fu_cough"),
		question("fu_cough", "cough", p("q_cough"), "fu_breath"),
		question("fu_breath", "breath", p("q_breath"), "fu_new"),
		question("fu_new", "new", p("fu_q_new"), "fu_result"),
		{ID: "fu_result", Branch: followUpResult, Branches: []string{"fu_well", "fu_signs", "fu_urgent"}},
		{ID: "fu_well", Action: ActionFollowUpResult, Lead: p("thanks"), Prompts: p("fu_well"), Outcome: tickets.OutcomeFollowUp, Hangup: true},
		{ID: "fu_signs", Action: ActionFollowUpResult, Lead: p("thanks"), Prompts: p("fu_signs"), Outcome: tickets.OutcomeFollowUp, Hangup: true},
		{ID: "fu_urgent", Action: ActionFollowUpResult, Lead: p("symptoms_115"), Prompts: p("fu_urgent"), Outcome: tickets.OutcomeFollowUp,
			Queue: queueSpec(tickets.CategorySymptomReport, true)},
		{ID: "fu_agent", Action: ActionFollowUpAgent, Queue: queueSpec(tickets.CategoryOther, false)},
		{ID: "fu_opt_out", Action: ActionFollowUpOptOut, Lead: p("thanks"), Prompts: p("fu_optout_done"), Outcome: tickets.OutcomeOptedOut, Hangup: true},
		{ID: "fu_no_input", Prompts: p("fu_no_input"), Outcome: tickets.OutcomeNoChoice, Hangup: true},
	}
	return newFlow("fu_intro", "fu_no_input", append(nodes, queueExits(p)...))
}

// newFlow makes a flow of nodes with the hotline's way with bad input: 8 s of silence
// or a bad key is asked again, three times, then onFailures.
func newFlow(start, onFailures string, nodes []*Node) *Flow {
	f := &Flow{
		Start:       start,
		Nodes:       map[string]*Node{},
		KeyTimeout:  8 * time.Second,
		MaxFailures: 3,
		OnFailures:  onFailures,
		Invalid:     Prompt{ID: "invalid"},
		NoInput:     Prompt{ID: "no_input"},
	}
	for _, n := range nodes {
		f.Nodes[n.ID] = n
	}
	return f
}

// followUpResult picks the end of an automated follow-up call from its answers.
func followUpResult(a tickets.Answers) string {
	switch {
	case a["breath"] == "yes":
		return "fu_urgent"
	case a["fever"] == "yes" || a["cough"] == "yes" || a["new"] == "yes":
		return "fu_signs"
	}
	return "fu_well"
}

// areaNodes builds the two keypad steps of choosing a unit: a former district (keys 1-9),
// then one of its units (keys 1-9); 0 at either step records the area as unknown for an
// agent to fill in. Both lead to next.
func areaNodes(prefix string, groups []tickets.AreaGroup, next, onHangup string) []*Node {
	top := &Node{ID: prefix + "_area", Prompts: []Prompt{{ID: "area_intro"}}, OnHangup: onHangup,
		Keys: map[string]string{"0": next}, Records: "unit", Values: map[string]string{"0": ""}}
	nodes := []*Node{top}
	for i, g := range groups {
		k := strconv.Itoa(i + 1)
		id := prefix + "_area_" + g.DistrictCode
		top.Prompts = append(top.Prompts, Prompt{ID: "district_" + g.DistrictCode}, Prompt{ID: "press_" + k})
		top.Keys[k] = id
		n := &Node{ID: id, Keys: map[string]string{"0": next}, Records: "unit", Values: map[string]string{"0": ""}, OnHangup: onHangup}
		for j, u := range g.Units {
			uk := strconv.Itoa(j + 1)
			n.Prompts = append(n.Prompts, Prompt{ID: "unit_" + u.Code}, Prompt{ID: "press_" + uk})
			n.Keys[uk], n.Values[uk] = next, u.Code
		}
		n.Prompts = append(n.Prompts, Prompt{ID: "area_unknown"})
		nodes = append(nodes, n)
	}
	top.Prompts = append(top.Prompts, Prompt{ID: "area_unknown"})
	return nodes
}

// symptomRisk sets a self-report's priority: shortness of breath is urgent (P1); fever
// or cough with travel from an epidemic area or contact with a case is P2; any other
// symptom or exposure P3; none P4.
func symptomRisk(a tickets.Answers) string {
	yes := func(k string) bool { return a[k] == "yes" }
	switch {
	case yes("breath"):
		return "sym_urgent"
	case (yes("fever") || yes("cough")) && (yes("travel") || yes("contact")):
		return "sym_p2"
	case yes("fever") || yes("cough") || yes("travel") || yes("contact"):
		return "sym_p3"
	}
	return "sym_p4"
}

// Validate checks that every node a flow can reach exists, that nodes without keys lead
// somewhere or hang up, and that every prompt exists in every language it can be played
// in, as reported by has.
func (f *Flow) Validate(languages []string, has func(lang, id string) bool) error {
	exists := func(id string) bool { _, ok := f.Nodes[id]; return ok }
	for _, id := range []string{f.Start, f.OnFailures} {
		if !exists(id) {
			return fmt.Errorf("flow: node %q does not exist", id)
		}
	}
	prompts := []Prompt{f.Invalid, f.NoInput}
	for _, id := range SystemPrompts {
		prompts = append(prompts, Prompt{ID: id})
	}
	for id, n := range f.Nodes {
		if n.ID != id {
			return fmt.Errorf("flow: node %q is filed as %q", n.ID, id)
		}
		for k, next := range n.Keys {
			if !exists(next) {
				return fmt.Errorf("flow: node %q key %s leads to missing node %q", id, k, next)
			}
		}
		leads := append([]string{n.Next, n.OnTimeout, n.OnHangup, n.OnFailures, n.OnSkip, n.IfWithheld}, n.Branches...)
		if n.Queue != nil {
			leads = append(leads, n.Queue.Callback, n.Queue.Message, n.Queue.AgentFailed)
			if n.Queue.Callback == "" || n.Queue.Message == "" {
				return fmt.Errorf("flow: node %q queues callers with nowhere to go without an agent", id)
			}
		}
		if n.Record > 0 && n.Next == "" {
			return fmt.Errorf("flow: node %q records a message but leads nowhere", id)
		}
		waits := 0
		for _, w := range []bool{n.Keys != nil, n.Collect != "", n.Record > 0, n.Queue != nil} {
			if w {
				waits++
			}
		}
		if waits > 1 {
			return fmt.Errorf("flow: node %q waits for more than one of keys, a number, a message and an agent", id)
		}
		if n.Queue != nil && n.Queue.AgentFailed == "" {
			return fmt.Errorf("flow: node %q queues callers with nowhere to go when an agent cannot be reached", id)
		}
		for _, next := range leads {
			if next != "" && !exists(next) {
				return fmt.Errorf("flow: node %q leads to missing node %q", id, next)
			}
		}
		if (n.Branch == nil) != (len(n.Branches) == 0) {
			return fmt.Errorf("flow: node %q needs both Branch and Branches, or neither", id)
		}
		if n.Collect != "" && n.Next == "" {
			return fmt.Errorf("flow: node %q collects a number but leads nowhere", id)
		}
		if n.ReadBack != "" {
			for _, lang := range languages {
				for d := 0; d <= 9; d++ {
					if !has(lang, fmt.Sprintf("digit_%d", d)) {
						return fmt.Errorf("flow: prompt %s/digit_%d does not exist", lang, d)
					}
				}
				if !has(lang, "cb_confirm") {
					return fmt.Errorf("flow: prompt %s/cb_confirm does not exist", lang)
				}
			}
		}
		if n.Keys == nil && n.Next == "" && !n.Hangup && n.Branch == nil && n.Queue == nil {
			return fmt.Errorf("flow: node %q takes no keys, has no next node and does not hang up", id)
		}
		if n.Consent != nil {
			if evidencePrompt(n) == "" {
				return fmt.Errorf("flow: node %q asks for consent without a prompt kept as evidence", id)
			}
			for k, answer := range n.Consent {
				if _, ok := n.Keys[k]; !ok {
					return fmt.Errorf("flow: node %q takes consent by key %s, which it does not take", id, k)
				}
				if answer != tickets.ConsentGiven && answer != tickets.ConsentRefused {
					return fmt.Errorf("flow: node %q: key %s answers %q, not a consent", id, k, answer)
				}
			}
		}
		if len(n.Once) > 0 && n.Keys == nil {
			return fmt.Errorf("flow: node %q plays a prompt once but takes no keys to cut it short", id)
		}
		if len(n.Lead) > 0 && (n.Ticket == "" && n.Action == "" || len(n.Prompts) == 0) {
			return fmt.Errorf("flow: node %q has a lead but nothing written under it or nothing after it", id)
		}
		prompts = append(prompts, n.Prompts...)
		prompts = append(prompts, n.Lead...)
		prompts = append(prompts, n.Once...)
	}
	for _, p := range prompts {
		if p.Optional {
			continue // it has no embedded version: it plays only while live
		}
		for _, lang := range languages {
			if p.When != "" && p.When != lang {
				continue
			}
			l := lang
			if p.Lang != "" {
				l = p.Lang
			}
			if !has(l, p.ID) {
				return fmt.Errorf("flow: prompt %s/%s does not exist", l, p.ID)
			}
		}
	}
	return nil
}
