package tickets

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The register of personal-data incidents (breaches). Law 91/2025/QH15 Art. 23 has the
// controller notify the Ministry of Public Security's specialised agency within 72 hours
// of finding a breach; the register keeps, for each incident, when it was found and by
// whom, what happened, the kinds of data and how many people, that clock, when and how
// the agency was told (or why not), the minutes (notes appended, never edited) and what
// was done. The supervisors keep it. Every change is an event of the incident's trail.

// EntityIncident is the audit trail of an incident; EntityAccessFlag of an access flag.
const (
	EntityIncident   = "incident"
	EntityAccessFlag = "access_flag"
)

// NotifyWithin is how long after an incident is found the specialised agency must be
// notified (Law 91/2025/QH15 Art. 23).
const NotifyWithin = 72 * time.Hour

// NotifySoon is how near the deadline an incident not notified yet counts as near it: it
// goes to the top of the register with the overdue ones.
const NotifySoon = 24 * time.Hour

// Statuses of an incident.
const (
	IncidentOpen     = "open"     // found, the agency not told yet
	IncidentNotified = "notified" // the agency told
	IncidentClosed   = "closed"   // dealt with
)

// IncidentStatusLabels names the statuses.
var IncidentStatusLabels = []Label{
	{IncidentOpen, "Đang xử lý", "Open"},
	{IncidentNotified, "Đã thông báo", "Notified"},
	{IncidentClosed, "Đã đóng", "Closed"},
}

// DataKindLabels names the kinds of personal data an incident may concern.
var DataKindLabels = []Label{
	{"phone", "Số điện thoại của người dân", "Citizens' phone numbers"},
	{"health", "Thông tin sức khoẻ (dữ liệu nhạy cảm)", "Health information (sensitive data)"},
	{"recording", "Lời nhắn thoại, ghi âm", "Voice messages, recordings"},
	{"identity", "Họ tên, năm sinh, địa chỉ", "Names, birth years, addresses"},
	{"case", "Ca nghi nhiễm và kết quả theo dõi", "Suspected cases and their follow-ups"},
	{"account", "Tài khoản người dùng hệ thống", "The console's user accounts"},
	{"other", "Khác", "Other"},
}

// Limits of what an incident holds.
const (
	MaxIncidentText = 4000
	MaxIncidentLine = 300
)

// Incident is one entry of the register.
type Incident struct {
	ID                int64      `db:"id"`
	FoundAt           time.Time  `db:"found_at"`
	FoundBy           string     `db:"found_by"`
	Summary           string     `db:"summary"`
	DataKinds         string     `db:"data_kinds"` // codes, comma-separated
	People            *int64     `db:"people"`
	PeopleEstimated   bool       `db:"people_estimated"`
	Actions           string     `db:"actions"`
	Status            string     `db:"status"`
	NotifyDue         time.Time  `db:"notify_due"`
	NotifiedAt        *time.Time `db:"notified_at"`
	NotifiedHow       string     `db:"notified_how"`
	NotNotifiedReason string     `db:"not_notified_reason"`
	ClosedAt          *time.Time `db:"closed_at"`
	CreatedByID       *int64     `db:"created_by_id"`
	CreatedBy         string     `db:"created_by"`
	CreatedAt         time.Time  `db:"created_at"`
}

// Kinds returns the codes of the kinds of data the incident concerns.
func (i *Incident) Kinds() []string {
	if i.DataKinds == "" {
		return nil
	}
	return strings.Split(i.DataKinds, ",")
}

// NotifyClock is where an incident stands against its 72 hours at a time.
type NotifyClock struct {
	Due      time.Time
	Left     time.Duration // until the deadline; negative when past it
	Stopped  bool          // notified, or recorded why not: the clock no longer runs
	Overdue  bool          // past the deadline and not notified (nor a reason why not)
	Soon     bool          // running and within NotifySoon of the deadline
	Late     time.Duration // notified after the deadline: by how much
	Notified bool
}

// ClockAt returns the incident's clock at now.
func (i *Incident) ClockAt(now time.Time) NotifyClock {
	c := NotifyClock{Due: i.NotifyDue, Left: i.NotifyDue.Sub(now)}
	switch {
	case i.NotifiedAt != nil:
		c.Stopped, c.Notified = true, true
		if i.NotifiedAt.After(i.NotifyDue) {
			c.Late = i.NotifiedAt.Sub(i.NotifyDue)
		}
	case i.NotNotifiedReason != "":
		c.Stopped = true
	default:
		c.Overdue = c.Left < 0
		c.Soon = !c.Overdue && c.Left <= NotifySoon
	}
	return c
}

// NewIncident is what a supervisor records of an incident found.
type NewIncident struct {
	FoundAt         time.Time
	FoundBy         string
	Summary         string
	DataKinds       []string
	People          *int64
	PeopleEstimated bool
	Actions         string
}

var errIncidents = Errorf(EFORBIDDEN, "Chỉ giám sát viên xem và ghi sổ sự cố dữ liệu cá nhân.")

// mayKeepIncidents reports whether the actor keeps the incident register.
func mayKeepIncidents(a Actor) bool { return a.IsSupervisor() }

// checkText validates a text field: required (if so), and not longer than max.
func checkText(field, what, text string, required bool, max int) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case required && text == "":
		return "", FieldErrorf(field, "Hãy ghi %s.", what)
	case len([]rune(text)) > max:
		return "", FieldErrorf(field, "%s dài quá %d ký tự.", capitalise(what), max)
	}
	return text, nil
}

func capitalise(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// checkKinds validates the kinds of data: at least one, each known.
func checkKinds(kinds []string) (string, error) {
	var out []string
	for _, k := range DataKindLabels {
		if slices.Contains(kinds, k.Code) {
			out = append(out, k.Code)
		}
	}
	for _, k := range kinds {
		if !slices.ContainsFunc(DataKindLabels, func(l Label) bool { return l.Code == k }) {
			return "", FieldErrorf("data_kinds", "Không có loại dữ liệu %q.", k)
		}
	}
	if len(out) == 0 {
		return "", FieldErrorf("data_kinds", "Hãy chọn ít nhất một loại dữ liệu bị ảnh hưởng.")
	}
	return strings.Join(out, ","), nil
}

// checkPeople validates the number of people concerned: none yet, or from 0.
func checkPeople(n *int64) error {
	if n != nil && (*n < 0 || *n > 100_000_000) {
		return FieldErrorf("people", "Số người bị ảnh hưởng phải từ 0 trở lên.")
	}
	return nil
}

const incidentColumns = `id, found_at, found_by, summary, data_kinds, people, people_estimated, actions, status,
	notify_due, notified_at, notified_how, not_notified_reason, closed_at, created_by_id, created_by, created_at`

// CreateIncident records an incident found (supervisors). Its clock runs from the time it
// was found, which may not be in the future.
func (s *Store) CreateIncident(ctx context.Context, actor Actor, n NewIncident) (*Incident, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	var inc *Incident
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		inc, err = createIncident(ctx, t, actor, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

func createIncident(ctx context.Context, t *tx, actor Actor, n NewIncident) (*Incident, error) {
	inc := &Incident{Status: IncidentOpen, PeopleEstimated: n.PeopleEstimated, People: n.People,
		CreatedByID: actor.UserID, CreatedBy: actor.Name, CreatedAt: t.now}
	var err error
	switch {
	case n.FoundAt.IsZero():
		return nil, FieldErrorf("found_at", "Hãy ghi thời điểm phát hiện sự cố.")
	case n.FoundAt.After(t.now.Add(time.Minute)):
		return nil, FieldErrorf("found_at", "Thời điểm phát hiện không thể ở tương lai.")
	}
	inc.FoundAt = n.FoundAt.UTC()
	inc.NotifyDue = inc.FoundAt.Add(NotifyWithin)
	if inc.FoundBy, err = checkText("found_by", "người phát hiện", n.FoundBy, true, MaxIncidentLine); err != nil {
		return nil, err
	}
	if inc.Summary, err = checkText("summary", "điều đã xảy ra", n.Summary, true, MaxIncidentText); err != nil {
		return nil, err
	}
	if inc.DataKinds, err = checkKinds(n.DataKinds); err != nil {
		return nil, err
	}
	if err := checkPeople(n.People); err != nil {
		return nil, err
	}
	if inc.People == nil {
		inc.PeopleEstimated = false
	}
	if inc.Actions, err = checkText("actions", "việc đã làm", n.Actions, false, MaxIncidentText); err != nil {
		return nil, err
	}
	err = t.QueryRowxContext(ctx, t.Rebind(`INSERT INTO incidents (found_at, found_by, summary, data_kinds, people, people_estimated,
		actions, status, notify_due, created_by_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		inc.FoundAt, inc.FoundBy, inc.Summary, inc.DataKinds, inc.People, inc.PeopleEstimated, inc.Actions, inc.Status,
		inc.NotifyDue, inc.CreatedByID, inc.CreatedBy, inc.CreatedAt).Scan(&inc.ID)
	if err != nil {
		return nil, fmt.Errorf("create incident: %w", err)
	}
	return inc, addEvent(ctx, t, actor, EntityIncident, inc.ID, change{kind: "created", new: inc.Summary,
		note: "phát hiện lúc " + inc.FoundAt.In(Local).Format("02/01/2006 15:04") + " bởi " + inc.FoundBy})
}

// Incident returns an incident of the register (supervisors).
func (s *Store) Incident(ctx context.Context, actor Actor, id int64) (*Incident, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	return getIncident(ctx, s.db, id)
}

func getIncident(ctx context.Context, q sqlxQueryer, id int64) (*Incident, error) {
	var inc Incident
	if err := q.GetContext(ctx, &inc, q.Rebind(`SELECT `+incidentColumns+` FROM incidents WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, notFound(err, "sự cố"))
	}
	return &inc, nil
}

// Incidents returns the register (supervisors): the incidents whose clock runs first,
// the nearest deadline (the most overdue) first, then the others, the latest found first.
func (s *Store) Incidents(ctx context.Context, actor Actor) ([]*Incident, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	var list []*Incident
	err := s.db.SelectContext(ctx, &list, `SELECT `+incidentColumns+` FROM incidents
		ORDER BY CASE WHEN status = 'open' AND not_notified_reason = '' THEN 0 ELSE 1 END,
		CASE WHEN status = 'open' AND not_notified_reason = '' THEN notify_due END, found_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return list, nil
}

// IncidentEvents returns an incident's trail, its minutes among them, oldest first.
func (s *Store) IncidentEvents(ctx context.Context, actor Actor, id int64) ([]*Event, error) {
	if !mayKeepIncidents(actor) {
		return nil, errIncidents
	}
	return s.events(ctx, EntityIncident, id)
}

// changeIncident runs fn on an incident in one transaction, refusing a closed one.
func (s *Store) changeIncident(ctx context.Context, actor Actor, id int64, fn func(t *tx, inc *Incident) error) error {
	if !mayKeepIncidents(actor) {
		return errIncidents
	}
	return s.inTx(ctx, func(t *tx) error {
		inc, err := getIncident(ctx, t, id)
		if err != nil {
			return err
		}
		if inc.Status == IncidentClosed {
			return Errorf(ECONFLICT, "Sự cố này đã đóng.")
		}
		return fn(t, inc)
	})
}

// AddIncidentMinute appends a note to an incident's minutes. Minutes are never edited
// nor removed: a correction is a new note.
func (s *Store) AddIncidentMinute(ctx context.Context, actor Actor, id int64, note string) error {
	return s.changeIncident(ctx, actor, id, func(t *tx, inc *Incident) error {
		note, err := checkText("minute", "nội dung biên bản", note, true, MaxIncidentText)
		if err != nil {
			return err
		}
		return addEvent(ctx, t, actor, EntityIncident, id, change{kind: "minute", note: note})
	})
}

// IncidentEdit is what may change of an incident as it becomes clearer.
type IncidentEdit struct {
	DataKinds       []string
	People          *int64
	PeopleEstimated bool
	Actions         string
}

// EditIncident changes the kinds of data, the number of people and what was done, each
// change an event with the old and the new value.
func (s *Store) EditIncident(ctx context.Context, actor Actor, id int64, e IncidentEdit) error {
	return s.changeIncident(ctx, actor, id, func(t *tx, inc *Incident) error {
		kinds, err := checkKinds(e.DataKinds)
		if err != nil {
			return err
		}
		if err := checkPeople(e.People); err != nil {
			return err
		}
		actions, err := checkText("actions", "việc đã làm", e.Actions, false, MaxIncidentText)
		if err != nil {
			return err
		}
		estimated := e.PeopleEstimated && e.People != nil
		var changes []change
		if kinds != inc.DataKinds {
			changes = append(changes, change{kind: "edited", field: "data_kinds", old: inc.DataKinds, new: kinds})
		}
		if peopleText(inc.People, inc.PeopleEstimated) != peopleText(e.People, estimated) {
			changes = append(changes, change{kind: "edited", field: "people", old: peopleText(inc.People, inc.PeopleEstimated), new: peopleText(e.People, estimated)})
		}
		if actions != inc.Actions {
			changes = append(changes, change{kind: "edited", field: "actions", old: inc.Actions, new: actions})
		}
		if len(changes) == 0 {
			return nil
		}
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE incidents SET data_kinds = ?, people = ?, people_estimated = ?, actions = ? WHERE id = ?`),
			kinds, e.People, estimated, actions, id)
		if err != nil {
			return fmt.Errorf("edit incident %d: %w", id, err)
		}
		for _, c := range changes {
			if err := addEvent(ctx, t, actor, EntityIncident, id, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// peopleText writes a number of people as the trail keeps it: "120", "khoảng 120", "".
func peopleText(n *int64, estimated bool) string {
	switch {
	case n == nil:
		return ""
	case estimated:
		return "khoảng " + strconv.FormatInt(*n, 10)
	}
	return strconv.FormatInt(*n, 10)
}

// RecordNotification records when and how the specialised agency was notified; the clock
// stops and the incident is notified. The time may not be before the incident was found
// nor in the future.
func (s *Store) RecordNotification(ctx context.Context, actor Actor, id int64, at time.Time, how string) error {
	return s.changeIncident(ctx, actor, id, func(t *tx, inc *Incident) error {
		switch {
		case inc.NotifiedAt != nil:
			return Errorf(ECONFLICT, "Sự cố này đã được ghi là đã thông báo.")
		case at.IsZero():
			return FieldErrorf("notified_at", "Hãy ghi thời điểm thông báo.")
		case at.Before(inc.FoundAt):
			return FieldErrorf("notified_at", "Thời điểm thông báo không thể trước khi phát hiện sự cố.")
		case at.After(t.now.Add(time.Minute)):
			return FieldErrorf("notified_at", "Thời điểm thông báo không thể ở tương lai.")
		}
		how, err := checkText("notified_how", "cách thông báo (văn bản số, gửi qua đâu, cho ai)", how, true, MaxIncidentLine)
		if err != nil {
			return err
		}
		at = at.UTC()
		_, err = t.ExecContext(ctx, t.Rebind(`UPDATE incidents SET notified_at = ?, notified_how = ?, status = ? WHERE id = ?`),
			at, how, IncidentNotified, id)
		if err != nil {
			return fmt.Errorf("record notification of incident %d: %w", id, err)
		}
		return addEvent(ctx, t, actor, EntityIncident, id, change{kind: "notified", field: "status", old: inc.Status, new: IncidentNotified,
			note: at.In(Local).Format("02/01/2006 15:04") + ": " + how})
	})
}

// RecordNoNotification records why the agency is not notified; the clock stops.
func (s *Store) RecordNoNotification(ctx context.Context, actor Actor, id int64, reason string) error {
	return s.changeIncident(ctx, actor, id, func(t *tx, inc *Incident) error {
		if inc.NotifiedAt != nil {
			return Errorf(ECONFLICT, "Sự cố này đã được ghi là đã thông báo.")
		}
		reason, err := checkText("not_notified_reason", "lý do không thông báo", reason, true, MaxIncidentText)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE incidents SET not_notified_reason = ? WHERE id = ?`), reason, id); err != nil {
			return fmt.Errorf("record no notification of incident %d: %w", id, err)
		}
		return addEvent(ctx, t, actor, EntityIncident, id, change{kind: "not_notified", field: "not_notified_reason",
			old: inc.NotNotifiedReason, new: reason})
	})
}

// CloseIncident closes an incident once the agency was notified or why not is recorded.
func (s *Store) CloseIncident(ctx context.Context, actor Actor, id int64, note string) error {
	return s.changeIncident(ctx, actor, id, func(t *tx, inc *Incident) error {
		if inc.NotifiedAt == nil && inc.NotNotifiedReason == "" {
			return FieldErrorf("close", "Chưa đóng được: hãy ghi đã thông báo cho cơ quan chuyên trách lúc nào, bằng cách nào, hoặc lý do không thông báo.")
		}
		note, err := checkText("close", "ghi chú", note, false, MaxIncidentText)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, t.Rebind(`UPDATE incidents SET status = ?, closed_at = ? WHERE id = ?`), IncidentClosed, t.now, id); err != nil {
			return fmt.Errorf("close incident %d: %w", id, err)
		}
		return addEvent(ctx, t, actor, EntityIncident, id, change{kind: "status", field: "status", old: inc.Status, new: IncidentClosed, note: note})
	})
}
