package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// SeedOptions shapes a generated data set: an outbreak-sized hotline over a period, with
// its callers, calls, tickets, audit events, cases and follow-ups across the real units.
type SeedOptions struct {
	Tickets int       // tickets to create (about half of the calls become one)
	Calls   int       // calls; default 2 × Tickets
	Cases   int       // suspected cases; default Tickets / 50
	End     time.Time // the last day of data; default now
	Days    int       // how many days the data spans; default 730 (two years)
	Seed    uint64    // random seed, so two runs make the same data
	// Password is every seeded user's password (admin, supervisor01, agent01,
	// officer-CODE): chosen by whoever seeds, never a published one.
	Password string
	Progress func(stage string, done, total int)
}

// Seed fills an empty database with generated data, fast: one connection, synchronous
// writes off for the duration, batches of rows per transaction, statistics refreshed at
// the end so the query planner knows the tables' shape.
func (s *Store) Seed(ctx context.Context, o SeedOptions) error {
	if o.Tickets <= 0 {
		return Errorf(EINVALID, "Số phiếu cần tạo phải lớn hơn 0.")
	}
	if err := checkPassword(o.Password); err != nil {
		return err
	}
	if o.Calls == 0 {
		o.Calls = 2 * o.Tickets
	}
	if o.Calls < o.Tickets {
		return Errorf(EINVALID, "Số cuộc gọi (%d) phải không ít hơn số phiếu (%d).", o.Calls, o.Tickets)
	}
	if o.Cases == 0 {
		o.Cases = o.Tickets / 50
	}
	if o.Days == 0 {
		o.Days = 730
	}
	if o.End.IsZero() {
		o.End = s.Now()
	}
	if o.Progress == nil {
		o.Progress = func(string, int, int) {}
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM calls`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if n > 0 {
		return Errorf(ECONFLICT, "Cơ sở dữ liệu đã có %d cuộc gọi; chỉ tạo dữ liệu mẫu vào cơ sở dữ liệu trống.", n)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer conn.ExecContext(context.Background(), `PRAGMA synchronous = FULL`)
	g := &seeder{o: o, conn: conn, rng: rand.New(rand.NewPCG(o.Seed, 1075)), store: s}
	for _, step := range []func(context.Context) error{g.seedUnits, g.seedUsers, g.seedCallers, g.seedCases, g.seedCalls, g.finish} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

type seeder struct {
	o       SeedOptions
	conn    *sql.Conn
	rng     *rand.Rand
	store   *Store
	units   []string
	weights []float64 // cumulative unit weights
	agents  []int64
	// agentNames are the agents' user names by id, as the trail writes who acted.
	agentNames map[int64]string
	callers    []string // phones, by caller id - 1
	cases      []seedCase
}

type seedCase struct {
	id   int64
	unit string
}

// batch runs fn for rows [0, total) in transactions of a few thousand rows.
func (g *seeder) batch(ctx context.Context, stage string, total int, query string, fn func(i int, stmt *sql.Stmt) error) error {
	const size = 5000
	for start := 0; start < total; start += size {
		tx, err := g.conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("seed %s: %w", stage, err)
		}
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("seed %s: %w", stage, err)
		}
		for i := start; i < start+size && i < total; i++ {
			if err := fn(i, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("seed %s row %d: %w", stage, i, err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("seed %s: %w", stage, err)
		}
		g.o.Progress(stage, min(start+size, total), total)
	}
	return nil
}

func (g *seeder) seedUnits(ctx context.Context) error {
	rows, err := g.conn.QueryContext(ctx, `SELECT code FROM units WHERE active = 1 ORDER BY code`)
	if err != nil {
		return fmt.Errorf("seed units: %w", err)
	}
	defer rows.Close()
	sum := 0.0
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		// Urban wards call more than remote communes.
		sum += 0.3 + g.rng.Float64()*2
		g.units, g.weights = append(g.units, c), append(g.weights, sum)
	}
	for i := range g.weights {
		g.weights[i] /= sum
	}
	return rows.Err()
}

func (g *seeder) unit() string {
	return g.units[sort.SearchFloat64s(g.weights, g.rng.Float64())]
}

func (g *seeder) seedUsers(ctx context.Context) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(g.o.Password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	now := g.o.End.UTC()
	type u struct {
		name, role string
		unit       *string
	}
	var list []u
	list = append(list, u{"admin", RoleAdmin, nil})
	for i := 1; i <= 5; i++ {
		list = append(list, u{fmt.Sprintf("supervisor%02d", i), RoleSupervisor, nil})
	}
	for i := 1; i <= 30; i++ {
		list = append(list, u{fmt.Sprintf("agent%02d", i), RoleAgent, nil})
	}
	for _, c := range g.units {
		list = append(list, u{"officer-" + c, RoleOfficer, &c})
	}
	// People are shown by their names (their user names are for signing in), drawn from
	// a generator of their own so that the rest of the data stays what the seed made.
	names := rand.New(rand.NewPCG(g.o.Seed, 29))
	g.agentNames = map[int64]string{}
	return g.batch(ctx, "users", len(list), `INSERT INTO users (username, display_name, role, unit_code, password_hash,
		active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, func(i int, st *sql.Stmt) error {
		display := "Quản trị hệ thống"
		if list[i].role != RoleAdmin {
			display = personName(names)
		}
		res, err := st.ExecContext(ctx, list[i].name, display, list[i].role, list[i].unit, string(hash), now, now)
		if err == nil && list[i].role == RoleAgent {
			id, _ := res.LastInsertId()
			g.agents = append(g.agents, id)
			g.agentNames[id] = list[i].name
		}
		return err
	})
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Tôn Nữ", "Trương"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Công"}
	givenNames  = []string{"An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Phước", "Thuận", "Lộc"}
	mobilePfx   = []string{"90", "93", "89", "70", "79", "77", "76", "78", "91", "94", "88", "83", "84", "85", "81", "82", "96", "97", "98", "86", "32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "59"}
)

func (g *seeder) name() string { return personName(g.rng) }

// personName draws a Vietnamese name: family, middle and given.
func personName(rng *rand.Rand) string {
	return familyNames[rng.IntN(len(familyNames))] + " " + middleNames[rng.IntN(len(middleNames))] + " " + givenNames[rng.IntN(len(givenNames))]
}

// callers makes one caller for every four calls, each with a distinct mobile number.
func (g *seeder) seedCallers(ctx context.Context) error {
	n := max(g.o.Calls/4, 1)
	seen := make(map[string]bool, n)
	g.callers = make([]string, 0, n)
	for len(g.callers) < n {
		p := "+84" + mobilePfx[g.rng.IntN(len(mobilePfx))] + fmt.Sprintf("%07d", g.rng.IntN(10_000_000))
		if !seen[p] {
			seen[p] = true
			g.callers = append(g.callers, p)
		}
	}
	start := g.o.End.AddDate(0, 0, -g.o.Days).UTC()
	return g.batch(ctx, "callers", n, `INSERT INTO callers (id, phone, name, name_key, language, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, func(i int, st *sql.Stmt) error {
		name := ""
		if g.rng.IntN(10) < 4 {
			name = g.name()
		}
		lang := "vi"
		if g.rng.IntN(100) == 0 {
			lang = "en"
		}
		_, err := st.ExecContext(ctx, i+1, g.callers[i], name, NameKey(name), lang, start, start)
		return err
	})
}

// caller picks a caller, a few of them calling far more often than the rest.
func (g *seeder) caller() int {
	return int(math.Pow(g.rng.Float64(), 2.2) * float64(len(g.callers)))
}

func (g *seeder) seedCases(ctx context.Context) error {
	start := g.o.End.AddDate(0, 0, -g.o.Days).UTC()
	span := g.o.End.Sub(start)
	statuses := []string{CaseCleared, CaseCleared, CaseCleared, CaseCleared, CaseTestedNegative, CaseLost, CaseTestedPositive}
	counters := map[int]int{} // each year's cases are numbered from 1, as CreateCase numbers them
	if err := g.batch(ctx, "cases", g.o.Cases, `INSERT INTO cases (id, ref, person_name, name_key, phone, birth_year, sex,
		address, unit_code, onset_date, exposure_travel, exposure_contact, status, monitoring_from, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, func(i int, st *sql.Stmt) error {
		created := start.Add(time.Duration(float64(span) * float64(i) / float64(g.o.Cases))).UTC()
		unit, name := g.unit(), g.name()
		status := statuses[g.rng.IntN(len(statuses))]
		if g.o.End.Sub(created) < 14*24*time.Hour {
			status = CaseMonitoring
		}
		phone := g.callers[g.rng.IntN(len(g.callers))]
		sex := []string{"male", "female"}[g.rng.IntN(2)]
		g.cases = append(g.cases, seedCase{id: int64(i + 1), unit: unit})
		year := created.In(Local).Year()
		counters[year]++
		_, err := st.ExecContext(ctx, i+1, CaseRef(year, counters[year]), name, NameKey(name), phone,
			1935+g.rng.IntN(80), sex, fmt.Sprintf("%d đường số %d", 1+g.rng.IntN(200), 1+g.rng.IntN(50)), unit,
			Day(created.Add(-48*time.Hour)), g.rng.IntN(2), g.rng.IntN(3) == 0, status, Day(created), created, created)
		return err
	}); err != nil {
		return err
	}
	// The next case made (CreateCase) continues the year's references.
	if err := g.setCounters(ctx, "case_counters", counters); err != nil {
		return err
	}
	results := []string{ResultWell, ResultWell, ResultWell, ResultWell, ResultWell, ResultWell, ResultNotReached, ResultSymptomatic}
	today := Day(g.o.End)
	return g.batch(ctx, "follow-ups", g.o.Cases*14, `INSERT INTO follow_ups (case_id, day, due_on, result, method,
		recorded_at) VALUES (?, ?, ?, ?, ?, ?)`, func(i int, st *sql.Stmt) error {
		c, day := i/14, i%14+1
		created := start.Add(time.Duration(float64(span) * float64(c) / float64(g.o.Cases))).UTC()
		due := AddDays(Day(created), day-1)
		var result, method any
		var at any
		if due < today {
			result, method, at = results[g.rng.IntN(len(results))], MethodAgentCall, created.Add(time.Duration(day)*24*time.Hour)
		}
		_, err := st.ExecContext(ctx, c+1, day, due, result, method, at)
		return err
	})
}

// outbreak is the relative call volume on day d of the period: a base level with waves,
// and inside the biggest a few days' surge: with 2,000,000 calls over two years, six days
// near 20,000 calls (50 times the real hotline's 430 a day), for the reports' benchmarks.
func outbreak(d, days int) float64 {
	x := float64(d) / float64(days)
	v := 0.15
	for _, w := range [][3]float64{{0.12, 0.03, 1.0}, {0.38, 0.05, 2.5}, {0.62, 0.04, 1.6}, {0.9, 0.03, 0.8}, {0.40, 0.01, 2.6}} {
		v += w[2] * math.Exp(-math.Pow((x-w[0])/w[1], 2))
	}
	return v
}

var seedCategories = []struct {
	code     string
	share    float64
	priority []string
}{
	{CategorySymptomReport, 0.30, []string{P1, P2, P2, P3}},
	{CategoryCommunityReport, 0.22, []string{P2, P3, P3}},
	{CategorySupportRequest, 0.22, []string{P3, P3, P4}},
	{CategoryCallback, 0.12, []string{P3}},
	{CategoryMissedCall, 0.08, []string{P3, P4}},
	{CategoryInformation, 0.04, []string{P4}},
	{CategoryOther, 0.02, []string{P3, P4}},
}

// calls writes the calls in time order and the tickets half of them became, with each
// ticket's audit events.
func (g *seeder) seedCalls(ctx context.Context) error {
	start := g.o.End.AddDate(0, 0, -g.o.Days).UTC()
	// Spread the calls over the days by the outbreak curve, then within each day.
	cum := make([]float64, g.o.Days)
	sum := 0.0
	for d := range cum {
		sum += outbreak(d, g.o.Days)
		cum[d] = sum
	}
	times := make([]int64, g.o.Calls)
	firstDay := time.Date(start.In(Local).Year(), start.In(Local).Month(), start.In(Local).Day()+1, 6, 0, 0, 0, Local)
	last := g.o.End.Unix()
	for i := range times {
		d := sort.SearchFloat64s(cum, g.rng.Float64()*sum)
		// Between 06:00 and 22:00 in Huế, never after the end of the period.
		times[i] = firstDay.AddDate(0, 0, d).Unix() + g.rng.Int64N(16*3600)
		if times[i] > last {
			times[i] = last - g.rng.Int64N(4*3600)
		}
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	ticketEvery := float64(g.o.Calls) / float64(g.o.Tickets)
	nextTicket := 0.0
	made := 0
	counters := map[int]int{}

	tx, stmts, err := g.callStatements(ctx)
	if err != nil {
		return err
	}
	for i, ts := range times {
		if i > 0 && i%5000 == 0 {
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("seed calls: %w", err)
			}
			g.o.Progress("calls and tickets", i, g.o.Calls)
			if tx, stmts, err = g.callStatements(ctx); err != nil {
				return err
			}
		}
		at := time.Unix(ts, 0).UTC()
		ci := g.caller()
		id := fmt.Sprintf("seed%08d", i)
		makeTicket := made < g.o.Tickets && float64(i) >= nextTicket
		outcome := []string{OutcomeInformation, OutcomeInformation, OutcomeInformation, OutcomeHungUp, OutcomeNoChoice}[g.rng.IntN(5)]
		if makeTicket {
			outcome = OutcomeTicket
		}
		dur := time.Duration(30+g.rng.IntN(180)) * time.Second
		end := at.Add(dur)
		key := seedKeys[g.rng.IntN(len(seedKeys))]
		if key == "0" && !makeTicket {
			if outcome, err = g.queued(ctx, stmts[3], id, at, dur); err != nil {
				return err
			}
		}
		path := `[{"node":"main"},{"node":"main","key":"` + key + `"}]`
		if _, err := stmts[0].ExecContext(ctx, id, "seed."+fmt.Sprint(i), ci+1, g.callers[ci], g.callers[ci], "19001075",
			at, Day(at), at, end, path, outcome, EndedByHotline); err != nil {
			return fmt.Errorf("seed call %d: %w", i, err)
		}
		if !makeTicket {
			continue
		}
		nextTicket += ticketEvery
		made++
		if err := g.ticket(ctx, stmts, counters, id, ci, at.Add(dur/2)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed calls: %w", err)
	}
	g.o.Progress("calls and tickets", g.o.Calls, g.o.Calls)
	return g.setCounters(ctx, "ticket_counters", counters)
}

// setCounters sets a reference counter table (ticket_counters, case_counters) to the last
// number the seed used in each year, so that the first ticket or case made on the seeded
// database takes the next one. table is one of those two, never user input.
func (g *seeder) setCounters(ctx context.Context, table string, last map[int]int) error {
	for year, n := range last {
		if _, err := g.conn.ExecContext(ctx, `INSERT INTO `+table+` (year, last) VALUES (?, ?)
			ON CONFLICT (year) DO UPDATE SET last = CASE WHEN excluded.last > last THEN excluded.last ELSE last END`, year, n); err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
	}
	return nil
}

// seedKeys are the main menu's keys as callers pressed them: information most, an agent
// for one in five.
var seedKeys = []string{"1", "1", "1", "2", "2", "3", "4", "5", "0", "0"}

// queued writes the queue log of a call that asked for an agent: answered (seven in ten,
// after an exponential wait of 25 s on average), abandoned, or a callback request. It
// returns the call's outcome.
func (g *seeder) queued(ctx context.Context, st *sql.Stmt, id string, at time.Time, dur time.Duration) (string, error) {
	enter := at.Add(15 * time.Second)
	wait := int(g.rng.ExpFloat64() * 25)
	log := func(t time.Time, agent, event string, data ...string) error {
		d := append(data, "", "", "", "")
		_, err := st.ExecContext(ctx, t, Day(t), id, agent, event, d[0], d[1], d[2], d[3])
		if err != nil {
			return fmt.Errorf("seed queue log: %w", err)
		}
		return nil
	}
	if err := log(enter, "NONE", QueueEnter, "", "", "1"); err != nil {
		return "", err
	}
	left := enter.Add(time.Duration(wait) * time.Second)
	switch r := g.rng.IntN(10); {
	case r < 7:
		agent := fmt.Sprintf("agent%02d", 1+g.rng.IntN(30))
		talk := int(dur.Seconds())
		if err := log(left, agent, QueueConnect, strconv.Itoa(wait), "seed", "3"); err != nil {
			return "", err
		}
		return OutcomeAgent, log(left.Add(dur), agent, QueueDoneCaller, strconv.Itoa(wait), strconv.Itoa(talk), "1")
	case r < 9:
		return OutcomeAbandoned, log(left, "NONE", QueueAbandon, "1", "1", strconv.Itoa(wait))
	default:
		return OutcomeCallback, log(left, "NONE", QueueKey, "1", "1", "1", strconv.Itoa(wait))
	}
}

func (g *seeder) callStatements(ctx context.Context) (*sql.Tx, []*sql.Stmt, error) {
	tx, err := g.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("seed calls: %w", err)
	}
	var stmts []*sql.Stmt
	for _, q := range []string{
		`INSERT INTO calls (id, channel_id, caller_id, caller_number, caller_raw, dialed, started_at, started_day,
			answered_at, ended_at, ivr_path, outcome, ended_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT INTO tickets (ref, category, priority, status, unit_code, assignee_user_id, assignee_unit_code,
			caller_id, call_id, case_id, reporter_hidden, summary, ivr_keys, first_response_due, resolution_due,
			first_response_at, resolved_at, closed_at, created_at, created_day, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT INTO events (entity, entity_id, at, actor_id, actor, kind, field, old_value, new_value)
			VALUES ('ticket', ?, ?, ?, ?, ?, 'status', ?, ?)`,
		`INSERT INTO queue_log (at, day, call_id, agent, event, data1, data2, data3, data4) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	} {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			tx.Rollback()
			return nil, nil, fmt.Errorf("seed calls: %w", err)
		}
		stmts = append(stmts, st)
	}
	return tx, stmts, nil
}

func (g *seeder) ticket(ctx context.Context, stmts []*sql.Stmt, counters map[int]int, callID string, ci int, at time.Time) error {
	r, cat := g.rng.Float64(), seedCategories[0]
	for _, c := range seedCategories {
		if r -= c.share; r < 0 {
			cat = c
			break
		}
	}
	prio := cat.priority[g.rng.IntN(len(cat.priority))]
	year := at.In(Local).Year()
	counters[year]++
	ref := TicketRef(year, counters[year])
	first, resolution := g.store.SLA.Due(prio, at)
	age := g.o.End.Sub(at)
	unit := g.unit()
	status := StatusClosed
	switch {
	case age < 6*time.Hour:
		status = []string{StatusNew, StatusNew, StatusTriaged, StatusAssigned}[g.rng.IntN(4)]
	case age < 3*24*time.Hour:
		status = []string{StatusNew, StatusAssigned, StatusInProgress, StatusInProgress, StatusResolved}[g.rng.IntN(5)]
	case age < 14*24*time.Hour:
		status = []string{StatusInProgress, StatusResolved, StatusClosed, StatusClosed}[g.rng.IntN(4)]
	case g.rng.IntN(12) == 0:
		status = StatusCancelled
	}
	var agent, firstAt, resolvedAt, closedAt any
	var assigneeUnit any
	if status != StatusNew {
		firstAt = at.Add(time.Duration(2+g.rng.IntN(50)) * time.Minute)
		if cat.code == CategorySupportRequest || cat.code == CategoryCommunityReport {
			assigneeUnit = unit
		} else {
			agent = g.agents[g.rng.IntN(len(g.agents))]
		}
	}
	if status == StatusResolved || status == StatusClosed {
		resolvedAt = at.Add(time.Duration(1+g.rng.IntN(48)) * time.Hour)
	}
	if status == StatusClosed {
		closedAt = at.Add(time.Duration(49+g.rng.IntN(48)) * time.Hour)
	}
	var caseID any
	if (cat.code == CategoryCommunityReport || cat.code == CategorySymptomReport) && len(g.cases) > 0 && g.rng.IntN(25) == 0 {
		// Link to a case of the time, as agents do.
		k := min(int(float64(len(g.cases))*(1-float64(age)/float64(time.Duration(g.o.Days)*24*time.Hour))), len(g.cases)-1)
		caseID = g.cases[max(k, 0)].id
	}
	res, err := stmts[1].ExecContext(ctx, ref, cat.code, prio, status, unit, agent, assigneeUnit, ci+1, callID, caseID,
		cat.code == CategoryCommunityReport, "", "", first, resolution, firstAt, resolvedAt, closedAt, at, Day(at), at)
	if err != nil {
		return fmt.Errorf("seed ticket %s: %w", ref, err)
	}
	id, _ := res.LastInsertId()
	if _, err := stmts[2].ExecContext(ctx, id, at, nil, "ivr", "created", "", StatusNew); err != nil {
		return err
	}
	if status != StatusNew {
		end := at.Add(time.Hour)
		if closedAt != nil {
			end = closedAt.(time.Time)
		}
		who := g.agents[g.rng.IntN(len(g.agents))]
		if _, err := stmts[2].ExecContext(ctx, id, end, who, g.agentNames[who], "status", StatusNew, status); err != nil {
			return err
		}
	}
	return nil
}

// finish refreshes the planner's statistics and folds the write-ahead log into the file.
func (g *seeder) finish(ctx context.Context) error {
	g.o.Progress("analyze", 0, 1)
	for _, q := range []string{`ANALYZE`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := g.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed %s: %w", strings.ToLower(q), err)
		}
	}
	g.o.Progress("analyze", 1, 1)
	return nil
}
