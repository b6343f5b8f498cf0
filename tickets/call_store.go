package tickets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

const callColumns = `id, channel_id, caller_id, caller_number, caller_raw, dialed, direction,
	language, started_at, started_day, answered_at, queued_at, agent_answered_at, ended_at,
	agent_id, agent_endpoint, queue_wait_ms, talk_ms, ivr_path, ivr_answers, outcome, ended_by, disposition`

// NewCallID returns a fresh call identifier, independent of Asterisk's channel ids so
// that records stay unique across Asterisk servers and restarts.
func NewCallID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b[:])
}

// StartCall writes the record of a call that has just reached the hotline. The row
// exists from the first moment, so a call cut short by anything still leaves a record.
func (s *Store) StartCall(ctx context.Context, c *Call) error {
	return s.SaveCall(ctx, c)
}

// SaveCall writes a call record as it stands: the first time it inserts the row, later
// it updates what changes during a call (answer and end times, queue and agent, path,
// answers, outcome). A call whose first write failed is inserted by the next one, so a
// moment of database trouble at the start of a call loses nothing.
func (s *Store) SaveCall(ctx context.Context, c *Call) error {
	return s.inTx(ctx, func(t *tx) error { return saveCall(ctx, t, c) })
}

func saveCall(ctx context.Context, t *tx, c *Call) error {
	if c.ID == "" {
		c.ID = NewCallID()
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = t.now
	}
	c.StartedAt = c.StartedAt.UTC()
	if c.Outcome == "" {
		c.Outcome = OutcomeInProgress
	}
	if c.Language == "" {
		c.Language = "vi"
	}
	if c.Direction == "" {
		c.Direction = "inbound"
	}
	c.CallerRaw = cleanCallerRaw(c.CallerRaw)
	c.StartedDay = Day(c.StartedAt)
	if c.CallerNumber != nil && c.CallerID == nil {
		id, err := callerID(ctx, t, *c.CallerNumber)
		if err != nil {
			return fmt.Errorf("save call %s: %w", c.ID, err)
		}
		c.CallerID = &id
	}
	_, err := t.NamedExecContext(ctx, `INSERT INTO calls (`+callColumns+`) VALUES (
		:id, :channel_id, :caller_id, :caller_number, :caller_raw, :dialed, :direction,
		:language, :started_at, :started_day, :answered_at, :queued_at, :agent_answered_at, :ended_at,
		:agent_id, :agent_endpoint, :queue_wait_ms, :talk_ms, :ivr_path, :ivr_answers, :outcome, :ended_by, :disposition)
		ON CONFLICT (id) DO UPDATE SET
		answered_at = excluded.answered_at, queued_at = excluded.queued_at,
		agent_answered_at = excluded.agent_answered_at, ended_at = excluded.ended_at,
		agent_id = excluded.agent_id, agent_endpoint = excluded.agent_endpoint,
		queue_wait_ms = excluded.queue_wait_ms, talk_ms = excluded.talk_ms, language = excluded.language,
		ivr_path = excluded.ivr_path, ivr_answers = excluded.ivr_answers, outcome = excluded.outcome,
		ended_by = excluded.ended_by`, c)
	if err != nil {
		return fmt.Errorf("save call %s: %w", c.ID, mapConstraint(err))
	}
	return saveCallPrompts(ctx, t, c)
}

// SaveCallsProgress writes the progress of calls in progress in one transaction (one
// sync to disk for all of them): what changes while a call lasts (answer, queue, agent,
// language, path, answers, outcome so far). A record already ended is never touched, so a
// late progress write cannot undo a call's final record; a record not there yet is
// inserted.
func (s *Store) SaveCallsProgress(ctx context.Context, calls []*Call) error {
	return s.inTx(ctx, func(t *tx) error {
		for _, c := range calls {
			res, err := t.NamedExecContext(ctx, `UPDATE calls SET
				answered_at = :answered_at, queued_at = :queued_at, agent_answered_at = :agent_answered_at,
				agent_id = :agent_id, agent_endpoint = :agent_endpoint, queue_wait_ms = :queue_wait_ms, talk_ms = :talk_ms,
				language = :language, ivr_path = :ivr_path, ivr_answers = :ivr_answers, outcome = :outcome
				WHERE id = :id AND ended_at IS NULL`, c)
			if err != nil {
				return fmt.Errorf("save progress of call %s: %w", c.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := saveCallPrompts(ctx, t, c); err != nil {
					return err
				}
				continue
			}
			var exists int
			if err := t.GetContext(ctx, &exists, t.Rebind(`SELECT COUNT(*) FROM calls WHERE id = ?`), c.ID); err != nil {
				return fmt.Errorf("save progress of call %s: %w", c.ID, err)
			}
			if exists == 0 {
				if err := saveCall(ctx, t, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// CloseOpenCalls ends every call record still open, with the given outcome. The hotline
// calls it at start-up for calls that were in progress when it last stopped.
func (s *Store) CloseOpenCalls(ctx context.Context, outcome string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, t.Rebind(`UPDATE calls SET ended_at = ?, outcome = ?, ended_by = ?
			WHERE ended_at IS NULL`), t.now, outcome, EndedBySystem)
		if err != nil {
			return fmt.Errorf("close open calls: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// FindCall returns one call record.
func (s *Store) FindCall(ctx context.Context, id string) (*Call, error) {
	var c Call
	err := s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT `+callColumns+` FROM calls WHERE id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("find call %s: %w", id, notFound(err, "cuộc gọi"))
	}
	return &c, nil
}

// CallFilter selects calls; nil fields do not filter.
type CallFilter struct {
	ChannelID *string
	Limit     int
}

// ListCalls returns calls newest first, to the call centre only: a ward officer sees
// their unit's tickets, not who called the hotline.
func (s *Store) ListCalls(ctx context.Context, actor Actor, f CallFilter) ([]*Call, error) {
	if !actor.SeesCallCentre() {
		return nil, Errorf(EFORBIDDEN, "Bạn không xem được danh sách cuộc gọi.")
	}
	where, args := "1 = 1", []any{}
	if f.ChannelID != nil {
		where += " AND channel_id = ?"
		args = append(args, *f.ChannelID)
	}
	args = append(args, limit(f.Limit))
	var calls []*Call
	err := s.db.SelectContext(ctx, &calls, s.db.Rebind(`SELECT `+callColumns+` FROM calls WHERE `+where+`
		ORDER BY started_at DESC, id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	return calls, nil
}

// limit bounds a page size to something a page can show.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}
