package tickets

import (
	"context"
	"fmt"
	"time"
)

// A call keeps, as evidence, what it told the caller about their personal data: the
// notice at collection before the main menu, and the consent asked before data whose
// legal basis is consent is collected (the support registration). The controller carries
// the burden of proof (Decree 356/2025/ND-CP Art. 6), so each is kept with the version of
// the prompt that played (the supervisors change prompts: PromptLive), how much of it the
// caller heard, and for a consent the key and the time.

// A caller's answer to a consent asked.
const (
	ConsentGiven   = "given"
	ConsentRefused = "refused"
)

// CallPrompt is one playing of a prompt kept as evidence on a call.
type CallPrompt struct {
	CallID string `db:"call_id" json:"-"`
	Seq    int    `db:"seq"`
	Prompt string `db:"prompt"`
	Lang   string `db:"lang"`
	// VersionID is the supervisors' version that played (PromptVersion), nil for the
	// embedded WAV; Number is its number, 1 for the embedded WAV.
	VersionID *int64    `db:"version_id" json:",omitempty"`
	Number    int       `db:"version_number"`
	PlayedAt  time.Time `db:"played_at"`
	// HeardMS is how much of it played before a key or the caller leaving cut it short;
	// nil when not known.
	HeardMS *int64 `db:"heard_ms" json:",omitempty"`
	// Key, Answer and AnsweredAt are a consent's answer: the key pressed, ConsentGiven or
	// ConsentRefused, and when.
	Key        string     `db:"key_pressed" json:",omitempty"`
	Answer     string     `db:"answer" json:",omitempty"`
	AnsweredAt *time.Time `db:"answered_at" json:",omitempty"`
}

// saveCallPrompts writes a call's evidence as it stands: a row each, once; a later write
// adds what was learnt since (how much was heard, a consent's answer). A write without
// them removes nothing.
func saveCallPrompts(ctx context.Context, t *tx, c *Call) error {
	for i := range c.Prompts {
		p := c.Prompts[i]
		p.CallID = c.ID
		p.PlayedAt = p.PlayedAt.UTC()
		if p.AnsweredAt != nil {
			at := p.AnsweredAt.UTC()
			p.AnsweredAt = &at
		}
		if p.Lang == "" || p.Prompt == "" || p.Seq <= 0 {
			return Errorf(EINVALID, "Bằng chứng lời nhắn %d của cuộc gọi %s thiếu lời nhắn hoặc ngôn ngữ.", p.Seq, c.ID)
		}
		_, err := t.NamedExecContext(ctx, `INSERT INTO call_prompts (call_id, seq, prompt, lang, version_id, version_number,
			played_at, heard_ms, key_pressed, answer, answered_at)
			VALUES (:call_id, :seq, :prompt, :lang, :version_id, :version_number, :played_at, :heard_ms, :key_pressed, :answer, :answered_at)
			ON CONFLICT (call_id, seq) DO UPDATE SET heard_ms = COALESCE(excluded.heard_ms, call_prompts.heard_ms),
			key_pressed = CASE WHEN excluded.answer <> '' THEN excluded.key_pressed ELSE call_prompts.key_pressed END,
			answer = CASE WHEN excluded.answer <> '' THEN excluded.answer ELSE call_prompts.answer END,
			answered_at = COALESCE(excluded.answered_at, call_prompts.answered_at)`, &p)
		if err != nil {
			return fmt.Errorf("save prompt %d of call %s: %w", p.Seq, c.ID, mapConstraint(err))
		}
	}
	return nil
}

const callPromptColumns = `call_id, seq, prompt, lang, version_id, version_number, played_at, heard_ms, key_pressed, answer, answered_at`

// TicketCallPrompts returns what the call a ticket came from told the caller (the
// notice, a consent asked and answered), in the order it played, to those who see who
// called: the call centre, and an officer for a ticket whose reporter is not kept from
// them. A ticket without a call has none.
func (s *Store) TicketCallPrompts(ctx context.Context, actor Actor, ticketID int64) ([]*CallPrompt, error) {
	tk, err := getTicket(ctx, s.db, actor, ticketID)
	if err != nil {
		return nil, err
	}
	if !actor.SeesReporterOf(tk) {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được cuộc gọi của phiếu này.")
	}
	if tk.CallID == nil {
		return nil, nil
	}
	return callPrompts(ctx, s, *tk.CallID)
}

// CallPrompts returns what a call told the caller, in order, to the call centre.
func (s *Store) CallPrompts(ctx context.Context, actor Actor, callID string) ([]*CallPrompt, error) {
	if !actor.SeesCallCentre() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được cuộc gọi.")
	}
	return callPrompts(ctx, s, callID)
}

func callPrompts(ctx context.Context, s *Store, callID string) ([]*CallPrompt, error) {
	var list []*CallPrompt
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+callPromptColumns+` FROM call_prompts WHERE call_id = ? ORDER BY seq`), callID)
	if err != nil {
		return nil, fmt.Errorf("prompts of call %s: %w", callID, err)
	}
	return list, nil
}
