package tickets

import (
	"context"
	"fmt"
	"time"
)

// Entities that have an audit trail.
const (
	EntityTicket = "ticket"
	EntityCase   = "case"
	EntityUser   = "user"
)

// Event is one entry of an audit trail: who did what, when, from what to what.
type Event struct {
	ID       int64     `db:"id"`
	Entity   string    `db:"entity"`
	EntityID int64     `db:"entity_id"`
	At       time.Time `db:"at"`
	ActorID  *int64    `db:"actor_id"`
	Actor    string    `db:"actor"`
	Kind     string    `db:"kind"`
	Field    string    `db:"field"`
	OldValue string    `db:"old_value"`
	NewValue string    `db:"new_value"`
	Note     string    `db:"note"`
}

// change is what an event records.
type change struct {
	kind, field, old, new, note string
}

// addEvent appends an event to an entity's audit trail.
func addEvent(ctx context.Context, t *tx, actor Actor, entity string, id int64, c change) error {
	_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO events (entity, entity_id, at, actor_id, actor, kind, field, old_value, new_value, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), entity, id, t.now, actor.UserID, actor.Name, c.kind, c.field, c.old, c.new, c.note)
	if err != nil {
		return fmt.Errorf("audit %s %d: %w", entity, id, err)
	}
	return nil
}

const eventColumns = `id, entity, entity_id, at, actor_id, actor, kind, field, old_value, new_value, note`

// events returns an entity's audit trail, oldest first.
func (s *Store) events(ctx context.Context, entity string, id int64) ([]*Event, error) {
	var list []*Event
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+eventColumns+` FROM events
		WHERE entity = ? AND entity_id = ? ORDER BY at, id`), entity, id)
	if err != nil {
		return nil, fmt.Errorf("events of %s %d: %w", entity, id, err)
	}
	return list, nil
}
