// Package ivr answers the hotline's calls: it drives Asterisk through ARI, walks each
// caller through the menus and turns their choices into call records and tickets.
//
// The call flow (which prompt, which keys, what next) is plain data in this file and a
// machine in machine.go that can be tested without Asterisk; the ARI glue in call.go only
// carries out what the machine says.
package ivr

import (
	"fmt"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// Prompt is a recorded prompt to play. Lang fixes the language it is played in ("" means
// the caller's language); When plays it only to callers in that language.
type Prompt struct {
	ID   string
	Lang string
	When string
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
}

// HotlineFlow is the flow of 1900 1075. Later issues grow each branch into its full
// menu; the shape (main menu, five services, an operator) is the hotline's.
func HotlineFlow() *Flow {
	p := func(ids ...string) []Prompt {
		ps := make([]Prompt, len(ids))
		for i, id := range ids {
			ps[i] = Prompt{ID: id}
		}
		return ps
	}
	nodes := []*Node{
		{ID: "welcome", Prompts: p("welcome"), Next: "main"},
		{ID: "main",
			Prompts: append(p("main_menu"), Prompt{ID: "for_english", Lang: "en", When: "vi"}),
			Keys: map[string]string{
				"1": "rules", "2": "symptoms", "3": "community", "4": "support",
				"5": "quarantine", "0": "operator", "9": "english", "*": "main",
			}},
		{ID: "english", Language: "en", Next: "main"},
		{ID: "rules", Prompts: p("rules_info"), Outcome: tickets.OutcomeInformation,
			Keys: map[string]string{"*": "main", "0": "operator"}, OnTimeout: "goodbye"},
		{ID: "quarantine", Prompts: p("quarantine_info"), Outcome: tickets.OutcomeInformation,
			Keys: map[string]string{"*": "main", "0": "operator"}, OnTimeout: "goodbye"},
		{ID: "symptoms", Ticket: tickets.CategorySymptomReport, Priority: tickets.P2,
			Prompts: p("ticket_created"), Next: "goodbye"},
		{ID: "community", Ticket: tickets.CategoryCommunityReport, Priority: tickets.P3,
			Prompts: p("ticket_created"), Next: "goodbye"},
		{ID: "support", Ticket: tickets.CategorySupportRequest, Priority: tickets.P3,
			Prompts: p("ticket_created"), Next: "goodbye"},
		// No agent queue yet: the operator choice becomes a callback ticket.
		{ID: "operator", Ticket: tickets.CategoryCallback, Priority: tickets.P3,
			Prompts: p("callback_created"), Next: "goodbye"},
		{ID: "too_many", Prompts: p("too_many_errors"), Outcome: tickets.OutcomeNoChoice, Next: "goodbye"},
		{ID: "goodbye", Prompts: p("goodbye"), Hangup: true},
	}
	f := &Flow{
		Start:       "welcome",
		Nodes:       map[string]*Node{},
		KeyTimeout:  8 * time.Second,
		MaxFailures: 3,
		OnFailures:  "too_many",
		Invalid:     Prompt{ID: "invalid"},
		NoInput:     Prompt{ID: "no_input"},
	}
	for _, n := range nodes {
		f.Nodes[n.ID] = n
	}
	return f
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
	for id, n := range f.Nodes {
		if n.ID != id {
			return fmt.Errorf("flow: node %q is filed as %q", n.ID, id)
		}
		for k, next := range n.Keys {
			if !exists(next) {
				return fmt.Errorf("flow: node %q key %s leads to missing node %q", id, k, next)
			}
		}
		for _, next := range []string{n.Next, n.OnTimeout} {
			if next != "" && !exists(next) {
				return fmt.Errorf("flow: node %q leads to missing node %q", id, next)
			}
		}
		if n.Keys == nil && n.Next == "" && !n.Hangup {
			return fmt.Errorf("flow: node %q takes no keys, has no next node and does not hang up", id)
		}
		prompts = append(prompts, n.Prompts...)
	}
	for _, p := range prompts {
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
