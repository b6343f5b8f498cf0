package ivr

import (
	"fmt"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Effects is what the machine asks the call to do next, in this order: create the
// ticket, play the prompts (one playback, interrupted by a key when a key is awaited),
// then hang up, wait for a key, record a voice message or queue for an agent.
type Effects struct {
	Ticket  *TicketRequest
	Play    []PromptRef
	WaitKey time.Duration // > 0: wait this long for a key after the prompts
	Record  time.Duration // > 0: record a voice message of at most this long (Machine.Recorded)
	Queue   *QueueSpec    // queue the caller for an agent (Machine.QueueResult)
	Hangup  bool
	// Action is what the call does before the prompts (Node.Action).
	Action string
	// Lead is what plays while the Ticket or Action is written, not waited for
	// (Node.Lead, with whatever the nodes passed on the way there asked to play); Play
	// follows once it is written.
	Lead []PromptRef
	// Consent is the caller's answer to a consent asked, given by the key just pressed:
	// the call keeps it with the version of the prompt heard.
	Consent *ConsentAnswer
}

// ConsentAnswer is a caller's answer to a consent the flow asked (Node.Consent).
type ConsentAnswer struct {
	Prompt string // the prompt that asked it, kept as evidence
	Lang   string
	Key    string
	Answer string // tickets.ConsentGiven or ConsentRefused
	At     time.Time
}

// Empty reports whether the effects ask the call for nothing more: no key, message, queue
// or hang-up. A machine never returns such effects; a call that got them would have
// nothing to wait for.
func (e Effects) Empty() bool {
	return !e.Hangup && e.WaitKey <= 0 && e.Record <= 0 && e.Queue == nil
}

// PromptRef is a prompt resolved to the language it is played in.
type PromptRef struct {
	Lang string
	ID   string
	// Optional is played only while a supervisor has a version of it live (the urgent
	// message); otherwise it is left out.
	Optional bool
	// Evidence is kept on the call's record when it plays (Prompt.Evidence).
	Evidence bool
}

// TicketRequest is the ticket a caller's choice asks for.
type TicketRequest struct {
	Category     string
	Priority     string
	Keys         string
	Summary      string
	Answers      tickets.Answers // what the caller answered, by question
	UnitCode     string          // the unit the caller chose; "" when unknown
	AssignToUnit bool            // route the ticket to that unit
	ContactPhone string          // E.164 number to call back, if not the caller's; ""
}

// Machine walks one call through a Flow. It holds no Asterisk state and never blocks.
type Machine struct {
	flow     *Flow
	node     *Node
	failures int
	ended    bool
	outcome  string
	// Lang is the caller's language.
	Lang string
	// Path records every node entered and key pressed.
	Path tickets.Path
	// Answers holds what the caller answered, by question (fever, unit, ...).
	Answers tickets.Answers
	digits  string // a number being keyed in at a Collect node
	// Messages counts the voice messages the caller has left.
	Messages int
	// Withheld says the caller's number is not known, so it cannot be offered as the
	// number to call back.
	Withheld bool
	ticket   bool // a ticket was asked for
	// askedAgent says the caller asked for an agent (and the queue let them go on).
	askedAgent bool
	once       map[string]bool // node/lang whose Once prompts have played
}

// NewMachine returns a machine at the start of flow, speaking Vietnamese.
func NewMachine(flow *Flow) *Machine {
	return &Machine{flow: flow, Lang: "vi", Answers: tickets.Answers{}}
}

// Start enters the flow's first node.
func (m *Machine) Start(now time.Time) Effects {
	var e Effects
	m.enter(now, m.flow.Start, &e)
	return e
}

// Resume puts the machine where a call's record says the call was (its language, path
// and answers), for a call taken over after a fault: at the last node it entered, with
// the voice messages it left. It plays nothing.
func (m *Machine) Resume(lang string, path tickets.Path, answers tickets.Answers) {
	if lang != "" {
		m.Lang = lang
	}
	m.Path = append(tickets.Path(nil), path...)
	m.Answers = tickets.Answers{}
	for k, v := range answers {
		m.Answers[k] = v
	}
	for i := len(path) - 1; i >= 0; i-- {
		if n, ok := m.flow.Nodes[path[i].Node]; ok {
			m.node = n
			break
		}
	}
	for _, s := range path {
		if s.Note == "message" {
			m.Messages++
		}
	}
}

// Key feeds a key the caller pressed.
func (m *Machine) Key(now time.Time, key string) Effects {
	var e Effects
	if m.ended {
		return e
	}
	if !m.takesKeys() {
		return m.lost(now, "key "+key)
	}
	m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.node.ID, Key: key})
	if m.node.Collect != "" {
		m.collect(now, key, &e)
		return e
	}
	next, ok := m.node.Keys[key]
	if !ok {
		m.fail(now, m.flow.Invalid, &e)
		return e
	}
	if m.node.Records != "" {
		if v, ok := m.node.Values[key]; ok {
			m.Answers[m.node.Records] = v
		}
	}
	if answer, ok := m.node.Consent[key]; ok {
		e.Consent = &ConsentAnswer{Prompt: evidencePrompt(m.node), Lang: m.Lang, Key: key, Answer: answer, At: now.UTC()}
	}
	m.enter(now, next, &e)
	return e
}

// Timeout tells the machine the caller pressed nothing while a key was awaited.
func (m *Machine) Timeout(now time.Time) Effects {
	var e Effects
	if m.ended {
		return e
	}
	if !m.takesKeys() {
		return m.lost(now, "timeout")
	}
	m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.node.ID, Note: "timeout"})
	if m.node.Collect != "" && m.digits != "" {
		m.collect(now, "#", &e) // silence after digits ends the number, as # does
		return e
	}
	if m.node.OnTimeout != "" {
		m.enter(now, m.node.OnTimeout, &e)
		return e
	}
	m.fail(now, m.flow.NoInput, &e)
	return e
}

// takesKeys reports whether the node the call is at waits for keys.
func (m *Machine) takesKeys() bool {
	return m.node != nil && (m.node.Keys != nil || m.node.Collect != "")
}

// lost ends a call asked for a key at a node that takes none (a fault of the call's
// glue, not of the caller): the call hangs up instead of spinning on nothing to wait for.
func (m *Machine) lost(now time.Time, what string) Effects {
	m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.Node(), Note: what + " where no key is awaited"})
	m.ended = true
	return Effects{Hangup: true}
}

// Ended reports whether the flow has asked to hang up.
func (m *Machine) Ended() bool { return m.ended }

// Node returns the ID of the node the call is at.
func (m *Machine) Node() string {
	if m.node == nil {
		return ""
	}
	return m.node.ID
}

// Outcome is what the call has achieved so far: a ticket beats information, which beats
// giving up after bad input; a call with none of these was hung up on.
func (m *Machine) Outcome() string {
	if m.outcome == "" {
		return tickets.OutcomeHungUp
	}
	return m.outcome
}

var outcomeRank = map[string]int{
	tickets.OutcomeNoChoice:     1,
	tickets.OutcomeInformation:  2,
	tickets.OutcomeTicket:       3,
	tickets.OutcomeFollowUp:     3,
	tickets.OutcomeOptedOut:     3,
	tickets.OutcomeAbandoned:    4,
	tickets.OutcomeCallback:     5,
	tickets.OutcomeVoiceMessage: 6,
	tickets.OutcomeAgent:        7,
	tickets.OutcomeAgentFailed:  8,
}

// Recorded tells the machine how the voice message asked for ended: with a message, or
// empty (silence, or nothing usable), which is asked for again like a menu after silence.
func (m *Machine) Recorded(now time.Time, got bool) Effects {
	var e Effects
	if m.ended || m.node == nil || m.node.Record == 0 {
		return e
	}
	if !got {
		m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.node.ID, Note: "empty message"})
		m.fail(now, m.flow.NoInput, &e)
		return e
	}
	m.Messages++
	m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.node.ID, Note: "message"})
	m.setOutcome(tickets.OutcomeVoiceMessage)
	m.enter(now, m.node.Next, &e)
	return e
}

// QueueResult tells the machine how the caller's wait for an agent ended.
func (m *Machine) QueueResult(now time.Time, result string) Effects {
	var e Effects
	if m.ended || m.node == nil || m.node.Queue == nil {
		return e
	}
	m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: m.node.ID, Note: result})
	m.askedAgent = true
	switch result {
	case QueueAnswered:
		m.setOutcome(tickets.OutcomeAgent)
		e.Hangup, m.ended = true, true
	case QueueCallback:
		m.enter(now, m.node.Queue.Callback, &e)
	case QueueAgentFailed:
		m.enter(now, m.node.Queue.AgentFailed, &e)
	default:
		m.enter(now, m.node.Queue.Message, &e)
	}
	return e
}

// HungUp tells the machine the caller hung up. It returns the ticket to create for what
// the caller had already given, or nil: the answers to the self-report questions, a voice
// message, or a wait in the agent queue (a missed call, for the call centre to return).
// recorded says that a voice message being recorded when the caller hung up was kept.
func (m *Machine) HungUp(now time.Time, recorded bool) *TicketRequest {
	if m.ended || m.node == nil {
		return nil
	}
	m.ended = true
	n := m.node
	if recorded && n.Record > 0 {
		m.Messages++
		m.setOutcome(tickets.OutcomeVoiceMessage)
	}
	if n.Queue != nil {
		m.setOutcome(tickets.OutcomeAbandoned)
		return &TicketRequest{Category: tickets.CategoryMissedCall, Priority: tickets.P2, Keys: m.Path.Keys(),
			Summary: "Người gọi gác máy khi đang chờ tổng đài viên; cần gọi lại.", Answers: m.CopyAnswers(),
			UnitCode: m.Answers["unit"], ContactPhone: m.Answers["callback"]}
	}
	// A caller who asked for an agent and got none, and left no message, is a missed
	// call for the agents to return.
	if m.askedAgent && !m.ticket && m.Messages == 0 {
		m.ticket = true
		return &TicketRequest{Category: tickets.CategoryMissedCall, Priority: tickets.P2, Keys: m.Path.Keys(),
			Summary: "Người gọi cần gặp tổng đài viên nhưng không có ai trực; gác máy, không để lời nhắn.", Answers: m.CopyAnswers(),
			UnitCode: m.Answers["unit"], ContactPhone: m.Answers["callback"]}
	}
	// Something to act on: at a message, the message; elsewhere, any answer given.
	given := len(m.Answers) > 0 || m.Messages > 0
	if n.Record > 0 {
		given = m.Messages > 0
	}
	if n.OnHangup == "" || m.ticket || !given {
		return nil
	}
	id := n.OnHangup
	for hops := 0; hops <= len(m.flow.Nodes); hops++ {
		t := m.flow.Nodes[id]
		if t.Branch != nil {
			id = t.Branch(m.Answers)
			continue
		}
		m.setOutcome(tickets.OutcomeTicket)
		r := m.ticketRequest(t)
		r.Summary = m.flow.HangupNote
		return r
	}
	return nil
}

// CopyAnswers returns a copy of what the caller answered.
func (m *Machine) CopyAnswers() tickets.Answers {
	a := tickets.Answers{}
	for k, v := range m.Answers {
		a[k] = v
	}
	return a
}

func (m *Machine) ticketRequest(n *Node) *TicketRequest {
	m.ticket = true
	return &TicketRequest{Category: n.Ticket, Priority: n.Priority, Keys: m.Path.Keys(), Summary: n.Summary,
		Answers: m.CopyAnswers(), UnitCode: m.Answers["unit"], AssignToUnit: n.AssignToUnit,
		ContactPhone: m.Answers["callback"]}
}

func (m *Machine) setOutcome(o string) {
	if outcomeRank[o] > outcomeRank[m.outcome] {
		m.outcome = o
	}
}

// collect takes one key of a number: digits add up, * starts again, # ends it; other
// keys (A to D on some phones) are ignored. # alone goes to the node's OnSkip, where it
// has one.
func (m *Machine) collect(now time.Time, key string, e *Effects) {
	switch {
	case key >= "0" && key <= "9":
		m.digits += key
		e.WaitKey = m.flow.KeyTimeout
	case key == "*":
		m.digits = ""
		e.WaitKey = m.flow.KeyTimeout
	case key != "#":
		e.WaitKey = m.flow.KeyTimeout
	case m.digits == "" && m.node.OnSkip != "":
		m.enter(now, m.node.OnSkip, e)
	default:
		p, err := tickets.NormalizePhone(m.digits)
		m.digits = ""
		if err != nil {
			m.fail(now, m.flow.Invalid, e)
			return
		}
		m.Answers[m.node.Collect] = p
		m.enter(now, m.node.Next, e)
	}
}

// fail handles an invalid key or silence: a re-prompt, or the flow's way out after too
// many failures in one menu.
func (m *Machine) fail(now time.Time, why Prompt, e *Effects) {
	m.failures++
	if m.failures >= m.flow.MaxFailures {
		to := m.flow.OnFailures
		if m.node.OnFailures != "" {
			to = m.node.OnFailures
		}
		m.enter(now, to, e)
		return
	}
	m.play(why, e)
	for _, p := range m.node.Prompts {
		m.play(p, e)
	}
	if m.node.Record > 0 {
		e.Record = m.node.Record
		return
	}
	e.WaitKey = m.flow.KeyTimeout
}

// enter moves to a node and follows nodes without keys until one waits or hangs up.
func (m *Machine) enter(now time.Time, id string, e *Effects) {
	for hops := 0; ; hops++ {
		n, ok := m.flow.Nodes[id]
		if !ok || hops > len(m.flow.Nodes) {
			panic(fmt.Sprintf("ivr: flow has no node %q or loops without keys", id))
		}
		if n.IfWithheld != "" && m.Withheld {
			id = n.IfWithheld
			continue
		}
		m.node, m.failures, m.digits = n, 0, ""
		m.Path = append(m.Path, tickets.PathStep{At: now.UTC(), Node: n.ID})
		if n.Language != "" {
			m.Lang = n.Language
			m.Answers["lang"] = n.Language // for whoever calls back
		}
		if n.Branch != nil {
			id = n.Branch(m.Answers)
			continue
		}
		if n.Action != "" {
			e.Action = n.Action
		}
		if n.Ticket != "" {
			e.Ticket = m.ticketRequest(n)
			m.setOutcome(tickets.OutcomeTicket)
		}
		m.setOutcome(n.Outcome)
		if len(n.Lead) > 0 {
			for _, p := range n.Lead {
				m.play(p, e)
			}
			e.Lead, e.Play = append(e.Lead, e.Play...), nil
		}
		if once := n.ID + "/" + m.Lang; len(n.Once) > 0 && !m.once[once] {
			if m.once == nil {
				m.once = map[string]bool{}
			}
			m.once[once] = true
			for _, p := range n.Once {
				m.play(p, e)
			}
		}
		for _, p := range n.Prompts {
			m.play(p, e)
		}
		if n.ReadBack != "" {
			for _, d := range tickets.NationalDigits(m.Answers[n.ReadBack]) {
				m.play(Prompt{ID: "digit_" + string(d)}, e)
			}
			m.play(Prompt{ID: "cb_confirm"}, e)
		}
		switch {
		case n.Collect != "":
			e.WaitKey = m.flow.KeyTimeout
			return
		case n.Keys != nil:
			e.WaitKey = m.flow.KeyTimeout
			return
		case n.Record > 0:
			e.Record = n.Record
			return
		case n.Queue != nil:
			e.Queue = n.Queue
			return
		case n.Hangup || n.Next == "":
			e.Hangup, m.ended = true, true
			return
		}
		id = n.Next
	}
}

func (m *Machine) play(p Prompt, e *Effects) {
	if p.When != "" && p.When != m.Lang {
		return
	}
	lang := p.Lang
	if lang == "" {
		lang = m.Lang
	}
	e.Play = append(e.Play, PromptRef{Lang: lang, ID: p.ID, Optional: p.Optional, Evidence: p.Evidence})
}
