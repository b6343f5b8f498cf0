package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Access flags: the access log's unusual patterns, raised on the incident register for a
// supervisor to review (dismiss with a reason, or open an incident from). The rule: one
// user opening more distinct citizens (their numbers, voice messages, cases; a citizen
// counted once however often they are opened) within one clock hour than the threshold.
// A flag holds the user, the hour and the count, never a citizen's number; the register
// links to the access log filtered to that user and hour.

// FlagManyCitizens is the kind of flag of one user opening many citizens in an hour.
const FlagManyCitizens = "many_citizens"

// Statuses of an access flag.
const (
	FlagOpen      = "open"
	FlagDismissed = "dismissed"
	FlagIncident  = "incident" // an incident was opened from it
)

// DefaultFlagThreshold is how many distinct citizens one user may open in an hour before
// it is flagged: more than 30 (an agent answers far fewer calls in an hour).
const DefaultFlagThreshold = 30

// flagFirstScan is how far back the first scan of the access log reads.
const flagFirstScan = 30 * 24 * time.Hour

// AccessFlag is one unusual pattern of the access log.
type AccessFlag struct {
	ID           int64      `db:"id"`
	Kind         string     `db:"kind"`
	UserID       *int64     `db:"user_id"`
	Username     string     `db:"username"`
	Hour         time.Time  `db:"hour"` // the hour's start
	Count        int        `db:"count"`
	Threshold    int        `db:"threshold"`
	RaisedAt     time.Time  `db:"raised_at"`
	Status       string     `db:"status"`
	ReviewedByID *int64     `db:"reviewed_by_id"`
	ReviewedBy   *string    `db:"reviewed_by"`
	ReviewedAt   *time.Time `db:"reviewed_at"`
	Reason       string     `db:"reason"`
	IncidentID   *int64     `db:"incident_id"`
}

const accessFlagColumns = `id, kind, user_id, username, hour, count, threshold, raised_at, status,
	reviewed_by_id, reviewed_by, reviewed_at, reason, incident_id`

// flagThreshold is the store's threshold, its default when unset.
func (s *Store) flagThreshold() int {
	if s.FlagThreshold > 0 {
		return s.FlagThreshold
	}
	return DefaultFlagThreshold
}

// ScanAccessLog reads the access log written since its last scan (from the start of that
// hour, so that an hour still going on is counted whole) and raises a flag for each user
// and hour over the threshold; a flag already raised for that user and hour only has its
// count brought up. It returns how many flags it raised. It is safe to run at once from
// several hotlines: writers take turns, and a user's hour has one flag (a unique key).
func (s *Store) ScanAccessLog(ctx context.Context) (int, error) {
	threshold := s.flagThreshold()
	raised := 0
	err := s.inTx(ctx, func(t *tx) error {
		raised = 0
		var last []time.Time
		if err := t.SelectContext(ctx, &last, `SELECT scanned_to FROM access_scans WHERE id = 1`); err != nil {
			return fmt.Errorf("read the access log's last scan: %w", err)
		}
		from := t.now.Add(-flagFirstScan)
		if len(last) == 1 {
			from = last[0]
		}
		from = from.UTC().Truncate(time.Hour)
		type entry struct {
			UserID   *int64    `db:"user_id"`
			Username string    `db:"username"`
			At       time.Time `db:"at"`
			Citizen  string    `db:"citizen"`
		}
		rows, err := t.QueryxContext(ctx, t.Rebind(`SELECT user_id, username, at, COALESCE(phone, subject) AS citizen
			FROM access_log WHERE at >= ? AND at <= ?`), from, t.now)
		if err != nil {
			return fmt.Errorf("scan the access log: %w", err)
		}
		type userHour struct {
			username string
			hour     time.Time
		}
		seen := map[userHour]map[string]bool{}
		users := map[string]*int64{}
		for rows.Next() {
			var e entry
			if err := rows.StructScan(&e); err != nil {
				rows.Close()
				return fmt.Errorf("scan the access log: %w", err)
			}
			k := userHour{e.Username, e.At.UTC().Truncate(time.Hour)}
			if seen[k] == nil {
				seen[k] = map[string]bool{}
			}
			seen[k][e.Citizen] = true
			if e.UserID != nil {
				users[e.Username] = e.UserID
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("scan the access log: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan the access log: %w", err)
		}
		for k, citizens := range seen {
			n := len(citizens)
			if n <= threshold {
				continue
			}
			var id int64
			err := t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO access_flags (kind, user_id, username, hour, count, threshold, raised_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username, hour, kind) DO NOTHING RETURNING id`),
				FlagManyCitizens, users[k.username], k.username, k.hour, n, threshold, t.now).Scan(&id)
			switch {
			case err == nil:
				raised++
				err = addEvent(ctx, t, ActorSystem, EntityAccessFlag, id, change{kind: "raised", new: strconv.Itoa(n)})
				if err != nil {
					return err
				}
			case errors.Is(err, sql.ErrNoRows): // already raised: the count as it is now
				_, err = t.ExecContext(ctx, t.Rebind(`UPDATE access_flags SET count = ? WHERE username = ? AND hour = ? AND kind = ? AND count < ?`),
					n, k.username, k.hour, FlagManyCitizens, n)
				if err != nil {
					return fmt.Errorf("update the count of a flag: %w", err)
				}
			default:
				return fmt.Errorf("raise a flag: %w", err)
			}
		}
		_, err = t.ExecContext(ctx, t.Rebind(`INSERT INTO access_scans (id, scanned_to) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET scanned_to = excluded.scanned_to`), t.now)
		if err != nil {
			return fmt.Errorf("record the access log's scan: %w", err)
		}
		return nil
	})
	return raised, err
}

// AccessFlags returns the flags (supervisors): those waiting for review first, the
// latest hour first, then the reviewed ones of the last 30 days.
func (s *Store) AccessFlags(ctx context.Context, actor Actor) ([]*AccessFlag, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	var list []*AccessFlag
	err := s.db.SelectContext(ctx, &list, s.db.Rebind(`SELECT `+accessFlagColumns+` FROM access_flags
		WHERE status = 'open' OR reviewed_at >= ?
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, hour DESC, id DESC LIMIT 200`), s.Now().UTC().Add(-30*24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("list access flags: %w", err)
	}
	return list, nil
}

// reviewFlag marks an open flag reviewed in a transaction.
func reviewFlag(ctx context.Context, t *tx, actor Actor, id int64, status, reason string, incidentID *int64) (*AccessFlag, error) {
	var f AccessFlag
	if err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+accessFlagColumns+` FROM access_flags WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("review flag %d: %w", id, notFound(err, "cảnh báo"))
	}
	if f.Status != FlagOpen {
		return nil, Errorf(ECONFLICT, "Cảnh báo này đã được xem xét.")
	}
	_, err := t.ExecContext(ctx, t.Rebind(`UPDATE access_flags SET status = ?, reviewed_by_id = ?, reviewed_by = ?, reviewed_at = ?,
		reason = ?, incident_id = ? WHERE id = ?`), status, actor.UserID, actor.Name, t.now, reason, incidentID, id)
	if err != nil {
		return nil, fmt.Errorf("review flag %d: %w", id, err)
	}
	f.Status = status
	c := change{kind: status, field: "status", old: FlagOpen, new: status, note: reason}
	if incidentID != nil {
		c.note = "sự cố số " + strconv.FormatInt(*incidentID, 10)
	}
	return &f, addEvent(ctx, t, actor, EntityAccessFlag, id, c)
}

// DismissAccessFlag closes a flag as no incident, with the reason (supervisors).
func (s *Store) DismissAccessFlag(ctx context.Context, actor Actor, id int64, reason string) error {
	if !mayKeepIncidents(actor) {
		return errIncidents
	}
	reason, err := checkText("reason", "lý do bỏ qua cảnh báo", reason, true, MaxIncidentText)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := reviewFlag(ctx, t, actor, id, FlagDismissed, reason, nil)
		return err
	})
}

// IncidentFromFlag opens an incident from a flag in one step (supervisors): found when the
// flag was raised (the hotline showed it then, so the 72 hours run from then), by the
// access log's rule, about the citizens' numbers, their count as the flag has it.
func (s *Store) IncidentFromFlag(ctx context.Context, actor Actor, id int64) (*Incident, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	var inc *Incident
	err := s.inTx(ctx, func(t *tx) error {
		var f AccessFlag
		if err := t.GetContext(ctx, &f, t.Rebind(`SELECT `+accessFlagColumns+` FROM access_flags WHERE id = ?`), id); err != nil {
			return fmt.Errorf("incident from flag %d: %w", id, notFound(err, "cảnh báo"))
		}
		if f.Status != FlagOpen {
			return Errorf(ECONFLICT, "Cảnh báo này đã được xem xét.")
		}
		people := int64(f.Count)
		hour := f.Hour.In(Local)
		var err error
		inc, err = createIncident(ctx, t, actor, NewIncident{
			FoundAt: f.RaisedAt,
			FoundBy: "Cảnh báo của nhật ký truy cập, " + actor.Name + " xem xét",
			Summary: fmt.Sprintf("Người dùng %s đã mở dữ liệu của %d người dân khác nhau trong giờ %s–%s ngày %s (ngưỡng cảnh báo: %d).",
				f.Username, f.Count, hour.Format("15:04"), hour.Add(time.Hour).Format("15:04"), hour.Format("02/01/2006"), f.Threshold),
			DataKinds: []string{"phone"},
			People:    &people,
		})
		if err != nil {
			return err
		}
		if _, err := reviewFlag(ctx, t, actor, id, FlagIncident, "", &inc.ID); err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityIncident, inc.ID, change{kind: "from_flag", new: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}
