package ivr

import (
	"time"

	"github.com/huehotline/hotline/tickets"
)

// What the call told the caller about their personal data, kept on the call's record
// (tickets.CallPrompt): each playing of a prompt the flow marks as evidence (the notice
// at collection, a consent asked) with the version of the call's set that played and how
// much of it the caller heard before a key or a hang-up cut it; and a consent's answer,
// with its key and time, on the playing it answers.

// noteEvidence notes the evidence prompts of a playback begun at started. It returns
// what to call with how long the playback lasted once it is over, or nil when it has
// none.
func (c *call) noteEvidence(prompts []PromptRef, started time.Time) func(lasted time.Duration) {
	type played struct {
		row            int
		offset, length time.Duration
	}
	var noted []played
	var offset time.Duration
	known := true // the lengths of the prompts before are known
	for _, p := range prompts {
		length := c.prompts.Length(p)
		if p.Evidence {
			id, number := c.prompts.Version(p)
			at := started.UTC()
			if known {
				at = at.Add(offset)
			}
			c.rec.Prompts = append(c.rec.Prompts, tickets.CallPrompt{Seq: len(c.rec.Prompts) + 1, Prompt: p.ID, Lang: p.Lang,
				VersionID: id, Number: number, PlayedAt: at})
			if known && length > 0 {
				noted = append(noted, played{row: len(c.rec.Prompts) - 1, offset: offset, length: length})
			}
		}
		if length == 0 {
			known = false
		}
		offset += length
	}
	if len(noted) == 0 {
		return nil
	}
	return func(lasted time.Duration) {
		for _, n := range noted {
			heard := min(max(lasted-n.offset, 0), n.length).Milliseconds()
			c.rec.Prompts[n.row].HeardMS = &heard
		}
	}
}

// answerConsent keeps a consent's answer on the last playing of the prompt that asked
// it, or on a row of its own if none was noted (its playback could not be started).
func (c *call) answerConsent(a *ConsentAnswer) {
	at := a.At.UTC()
	for i := len(c.rec.Prompts) - 1; i >= 0; i-- {
		p := &c.rec.Prompts[i]
		if p.Prompt == a.Prompt && p.Lang == a.Lang && p.Answer == "" {
			p.Key, p.Answer, p.AnsweredAt = a.Key, a.Answer, &at
			c.log.Info("consent answered", "prompt", a.Prompt, "answer", a.Answer, "version", p.Number)
			return
		}
	}
	id, number := c.prompts.Version(PromptRef{Lang: a.Lang, ID: a.Prompt})
	c.rec.Prompts = append(c.rec.Prompts, tickets.CallPrompt{Seq: len(c.rec.Prompts) + 1, Prompt: a.Prompt, Lang: a.Lang,
		VersionID: id, Number: number, PlayedAt: at, Key: a.Key, Answer: a.Answer, AnsweredAt: &at})
	c.log.Warn("consent answered without its prompt noted as played", "prompt", a.Prompt, "answer", a.Answer)
}
