package tickets

import (
	"strings"
	"time"
	"unicode"
)

// Call outcomes: how a call that reached the hotline ended.
const (
	OutcomeInProgress   = "in_progress"         // the call is still going on
	OutcomeInformation  = "information_only"    // the caller listened to information
	OutcomeTicket       = "ticket_created"      // the caller's choice became a ticket
	OutcomeNoChoice     = "no_choice"           // the caller never gave a valid choice
	OutcomeHungUp       = "hung_up"             // the caller hung up before finishing
	OutcomeRejected     = "rejected"            // the hotline was shutting down or full
	OutcomeDropped      = "dropped"             // the connection to Asterisk was lost
	OutcomeInterrupted  = "interrupted"         // the hotline stopped while the call was open
	OutcomeError        = "error"               // the hotline failed; the caller was told
	OutcomeVoiceMessage = "voice_message"       // the caller left a voice message
	OutcomeAgent        = "answered_by_agent"   // an agent talked with the caller
	OutcomeCallback     = "callback_requested"  // the caller chose a callback over waiting
	OutcomeAbandoned    = "abandoned_in_queue"  // the caller hung up while waiting for an agent
	OutcomeAgentFailed  = "agent_bridge_failed" // an agent answered but the two could not be connected
	OutcomeUnavailable  = "hotline_unavailable" // Asterisk took the call alone while the hotline was down
	OutcomeFollowUp     = "follow_up_recorded"  // an automated follow-up call recorded the day's answers
	OutcomeOptedOut     = "follow_up_opted_out" // the citizen stopped the automated follow-up calls
)

// Who ended a call.
const (
	EndedByCaller  = "caller"
	EndedByHotline = "hotline"
	EndedBySystem  = "system"
	EndedByAgent   = "agent"
)

// Call is the record of one call that reached the hotline application.
type Call struct {
	ID              string     `db:"id"`
	ChannelID       string     `db:"channel_id"`
	CallerID        *int64     `db:"caller_id"`
	CallerNumber    *string    `db:"caller_number"` // E.164, nil when withheld or not a phone number
	CallerRaw       string     `db:"caller_raw"`    // what the network delivered
	Dialed          string     `db:"dialed"`
	Direction       string     `db:"direction"` // inbound; outbound for callbacks; follow_up for automated follow-up calls
	Language        string     `db:"language"`
	StartedAt       time.Time  `db:"started_at"`
	StartedDay      string     `db:"started_day"`
	AnsweredAt      *time.Time `db:"answered_at"`
	QueuedAt        *time.Time `db:"queued_at"`
	AgentAnsweredAt *time.Time `db:"agent_answered_at"`
	EndedAt         *time.Time `db:"ended_at"`
	AgentID         *int64     `db:"agent_id"`
	AgentEndpoint   string     `db:"agent_endpoint"` // the phone the agent answered on (PJSIP/agent101)
	QueueWaitMS     *int64     `db:"queue_wait_ms"`
	TalkMS          *int64     `db:"talk_ms"`
	Path            Path       `db:"ivr_path"`
	Answers         Answers    `db:"ivr_answers"` // what the caller answered so far, by question
	Outcome         string     `db:"outcome"`
	EndedBy         string     `db:"ended_by"`
	// Disposition is what the agent who answered made of the call, entered in the wrap-up.
	Disposition string `db:"disposition"`
	// Prompts is what the call told the caller, kept as evidence (call_prompt.go): written
	// with the record, read with CallPrompts.
	Prompts []CallPrompt `db:"-" json:",omitempty"`
}

// PathStep is one step of a call through the IVR: a menu reached, a key pressed, a
// time-out, an action taken.
type PathStep struct {
	At   time.Time `json:"at"`
	Node string    `json:"node"`
	Key  string    `json:"key,omitempty"`
	Note string    `json:"note,omitempty"`
}

// Keys returns the keys pressed along the path, in order.
func (p Path) Keys() string {
	var b []byte
	for _, s := range p {
		if s.Key != "" {
			b = append(b, s.Key...)
		}
	}
	return string(b)
}

// maxCallerRaw is how much of the caller ID the network delivered is kept: enough for any
// number or SIP user, never a place to store an attacker's payload.
const maxCallerRaw = 64

// cleanCallerRaw keeps the printable part of a caller ID, at most maxCallerRaw characters.
func cleanCallerRaw(raw string) string {
	var b strings.Builder
	n := 0
	for _, r := range raw {
		if n == maxCallerRaw {
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}
