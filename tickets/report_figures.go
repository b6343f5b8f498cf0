package tickets

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"
)

// CallOutcomes name the outcomes of calls in the report, in its order.
var CallOutcomes = []Label{
	{OutcomeInformation, "Chỉ nghe thông tin", "Information only"},
	{OutcomeTicket, "Tạo phiếu", "Ticket"},
	{OutcomeVoiceMessage, "Để lại lời nhắn", "Voice message"},
	{OutcomeAgent, "Nói chuyện với tổng đài viên", "Talked to an agent"},
	{OutcomeCallback, "Yêu cầu gọi lại", "Callback requested"},
	{OutcomeAbandoned, "Bỏ máy khi chờ", "Abandoned in the queue"},
	{OutcomeHungUp, "Gác máy giữa chừng", "Hung up"},
	{OutcomeNoChoice, "Không chọn mục nào", "No choice"},
	{OutcomeDropped, "Mất kết nối", "Dropped"},
	{OutcomeInterrupted, "Gián đoạn", "Interrupted"},
	{OutcomeAgentFailed, "Không nối được tổng đài viên", "Agent bridge failed"},
	{OutcomeUnavailable, "Tổng đài tạm ngừng", "Hotline unavailable"},
	{OutcomeRejected, "Từ chối (quá tải)", "Rejected"},
	{OutcomeError, "Lỗi hệ thống", "Error"},
	{OutcomeInProgress, "Đang diễn ra", "In progress"},
}

// menuChoices name the main menu's keys.
var menuChoices = []Label{
	{"1", "1 – Quy định ra vào Huế", "1 – Rules"},
	{"2", "2 – Báo triệu chứng", "2 – Symptoms"},
	{"3", "3 – Phản ánh cộng đồng", "3 – Community report"},
	{"4", "4 – Hỗ trợ người ở phía Nam", "4 – Support"},
	{"5", "5 – Cách ly, xét nghiệm", "5 – Quarantine"},
	{"0", "0 – Gặp tổng đài viên", "0 – Agent"},
	{"9", "9 – English", "9 – English"},
	{"", "Không chọn mục nào", "None"},
}

// Figure is one line of the report: its section, a stable key (for CSV readers and to
// compare a frozen report with the data now), its label, its value as shown, and the same
// value as a number in its unit, for spreadsheets.
type Figure struct {
	Section string
	Key     string
	Label   string
	Value   string // as people read it: "60.0 %", "3:29", "–"
	Number  string // as a spreadsheet reads it, in Unit: "60.0", "209"; "" where there is none
	Unit    string // UnitCount, UnitPercent, …
}

// The units of figures, as the CSV names them.
const (
	UnitCount   = "count"
	UnitPercent = "percent" // from 0 to 100, to a tenth
	UnitSeconds = "seconds"
	UnitAgents  = "agents" // agents on average, to a tenth
	UnitText    = "text"
)

// figureValue is a figure's value as shown and as a number.
type figureValue struct{ shown, number, unit string }

func figCount(n int) figureValue {
	s := strconv.Itoa(n)
	return figureValue{s, s, UnitCount}
}

func figPercent(share float64, ok bool) figureValue {
	if !ok {
		return figureValue{"–", "", UnitPercent}
	}
	n := strconv.FormatFloat(share*100, 'f', 1, 64)
	return figureValue{n + " %", n, UnitPercent}
}

func figSeconds(sec int) figureValue { return figureValue{Clock(sec), strconv.Itoa(sec), UnitSeconds} }

// figAverage is an average duration, to the second, or none.
func figAverage(d time.Duration, ok bool) figureValue {
	if !ok {
		return figureValue{"–", "", UnitSeconds}
	}
	return figSeconds(int(d.Seconds() + 0.5))
}

func figAgents(n float64) figureValue {
	s := strconv.FormatFloat(n, 'f', 1, 64)
	return figureValue{s, s, UnitAgents}
}

func figText(s string) figureValue { return figureValue{s, s, UnitText} }

// adder appends figures to a list.
type adder func(section, key, label string, v figureValue)

func figureList(out *[]Figure) adder {
	return func(section, key, label string, v figureValue) {
		*out = append(*out, Figure{Section: section, Key: key, Label: label, Value: v.shown, Number: v.number, Unit: v.unit})
	}
}

// Clock shows seconds as m:ss (h:mm:ss from an hour).
func Clock(sec int) string {
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

// Interval names a half-hour of the day: 09:30–10:00.
func Interval(i int) string {
	end := fmt.Sprintf("%02d:%02d", (i+1)/2, (i+1)%2*30)
	if i == 47 {
		end = "24:00"
	}
	return fmt.Sprintf("%02d:%02d–%s", i/2, i%2*30, end)
}

// Report sections, as titled.
const (
	SectionCalls    = "Cuộc gọi"
	SectionQueue    = "Hàng chờ"
	SectionInterval = "Hàng chờ theo 30 phút"
	SectionAgents   = "Tổng đài viên"
	SectionTickets  = "Phiếu"
	SectionUnits    = "Phiếu theo phường, xã"
	SectionCases    = "Ca nghi nhiễm và theo dõi"
	// SectionAutoCalls is the day's automated follow-up calls.
	SectionAutoCalls = "Cuộc gọi theo dõi tự động"
	SectionCaseUnit  = "Theo dõi theo phường, xã"
	SectionStaffing  = "Nhân lực (Erlang C, 80/20)"
)

// Figures lists the report line by line, units by name (every unit, with or without
// figures).
func (r *DayReport) Figures(units []*Unit) []Figure {
	var out []Figure
	add := figureList(&out)
	c := r.Calls
	add(SectionCalls, "calls.received", "Cuộc gọi đến", figCount(c.Received))
	add(SectionCalls, "calls.unique", "Số máy gọi (không tính số ẩn)", figCount(c.UniqueCallers))
	add(SectionCalls, "calls.withheld", "Cuộc gọi ẩn số", figCount(c.Withheld))
	add(SectionCalls, "calls.repeat", "Số máy gọi nhiều lần trong ngày", figCount(c.RepeatCallers))
	add(SectionCalls, "calls.longest", "Cuộc gọi dài nhất", figSeconds(c.LongestSec))
	add(SectionCalls, "calls.longest_call", "Mã cuộc gọi dài nhất", figText(c.LongestCallID))
	add(SectionCalls, "calls.callbacks", "Cuộc gọi lại cho người dân", figCount(c.Callbacks))
	for _, l := range []Label{{"vi", "Tiếng Việt", "Vietnamese"}, {"en", "Tiếng Anh", "English"}} {
		add(SectionCalls, "calls.language."+l.Code, "Ngôn ngữ: "+l.Vi, figCount(c.ByLanguage[l.Code]))
	}
	for _, l := range menuChoices {
		key, label := l.Code, "Chọn "+l.Vi
		if key == "" {
			key, label = "none", l.Vi
		}
		add(SectionCalls, "calls.choice."+key, label, figCount(c.ByChoice[l.Code]))
	}
	for _, l := range CallOutcomes {
		add(SectionCalls, "calls.outcome."+l.Code, "Kết quả: "+l.Vi, figCount(c.Outcomes[l.Code]))
	}
	for h, n := range c.ByHour {
		add(SectionCalls, fmt.Sprintf("calls.hour.%02d", h), fmt.Sprintf("Từ %02d:00", h), figCount(n))
	}

	q := r.Queue
	add(SectionQueue, "queue.offered", "Vào hàng chờ", figCount(q.Offered))
	add(SectionQueue, "queue.answered", "Được trả lời", figCount(q.Answered))
	add(SectionQueue, "queue.answered_20s", "Trả lời trong 20 giây", figCount(q.AnsweredIn20s))
	add(SectionQueue, "queue.abandoned", "Bỏ máy khi chờ", figCount(q.Abandoned))
	add(SectionQueue, "queue.short_abandons", "… trong 5 giây đầu (không tính)", figCount(q.ShortAbandons))
	add(SectionQueue, "queue.callbacks", "Yêu cầu gọi lại (giữ chỗ)", figCount(q.CallbackRequested))
	add(SectionQueue, "queue.timed_out", "Chờ quá lâu, để lại lời nhắn", figCount(q.TimedOut))
	add(SectionQueue, "queue.other_exits", "Hàng chờ đóng (tổng đài dừng)", figCount(q.OtherExits))
	add(SectionQueue, "queue.service_level", "Mức phục vụ (mục tiêu 80 % trong 20 giây)", figPercent(q.ServiceLevel()))
	add(SectionQueue, "queue.abandon_rate", "Tỉ lệ bỏ máy", figPercent(q.AbandonRate()))
	add(SectionQueue, "queue.asa", "Thời gian chờ trung bình (ASA)", figAverage(q.AverageSpeedOfAnswer()))
	add(SectionQueue, "queue.aht", "Thời gian xử lý trung bình (AHT)", figAverage(r.AverageHandleTime()))
	add(SectionQueue, "queue.longest_wait", "Chờ lâu nhất", figSeconds(q.LongestWaitSec))
	for i, f := range r.Intervals { // all 48, an interval without calls showing "–"
		name := Interval(i)
		key := fmt.Sprintf("queue.interval.%02d%02d", i/2, i%2*30)
		add(SectionInterval, key+".offered", name+": vào hàng chờ", figCount(f.Offered))
		add(SectionInterval, key+".answered", name+": được trả lời", figCount(f.Answered))
		add(SectionInterval, key+".abandoned", name+": bỏ máy", figCount(f.Abandoned))
		add(SectionInterval, key+".service_level", name+": mức phục vụ", figPercent(f.ServiceLevel()))
	}

	// Every agent has a figure for each pause reason any agent used, so that the agents'
	// table has the same columns in every row.
	reasons := map[string]bool{}
	for _, a := range r.Agents {
		for reason := range a.PausedSec {
			reasons[reason] = true
		}
	}
	for _, a := range r.Agents {
		key := "agents." + a.Username
		add(SectionAgents, key+".answered", a.Name+": cuộc gọi trả lời", figCount(a.Answered))
		add(SectionAgents, key+".talk", a.Name+": nói chuyện", figSeconds(a.TalkSec))
		add(SectionAgents, key+".wrap_up", a.Name+": hoàn tất", figSeconds(a.WrapUpSec))
		for _, reason := range slices.Sorted(maps.Keys(reasons)) {
			add(SectionAgents, key+".paused."+reason, a.Name+": tạm nghỉ ("+PauseReasonLabel(reason).Vi+")", figSeconds(a.PausedSec[reason]))
		}
		add(SectionAgents, key+".signed_in", a.Name+": trong ca", figSeconds(a.SignedSec))
		add(SectionAgents, key+".occupancy", a.Name+": tỉ lệ bận", figPercent(a.Occupancy()))
	}

	k := r.Tickets
	addTickets(add, k, units)
	addCases(add, r.Cases, units)

	for h, st := range r.Staffing {
		if st.Offered == 0 && st.OnDuty == 0 {
			continue
		}
		key := fmt.Sprintf("staffing.%02d", h)
		add(SectionStaffing, key+".offered", fmt.Sprintf("%02d:00: vào hàng chờ", h), figCount(st.Offered))
		add(SectionStaffing, key+".needed", fmt.Sprintf("%02d:00: cần (Erlang C)", h), figCount(st.Needed))
		add(SectionStaffing, key+".on_duty", fmt.Sprintf("%02d:00: có mặt", h), figAgents(st.OnDuty))
	}
	return out
}

func addTickets(add adder, k TicketFigures, units []*Unit) {
	add(SectionTickets, "tickets.created", "Phiếu mới", figCount(k.Created))
	for _, l := range Categories {
		add(SectionTickets, "tickets.category."+l.Code, "Loại: "+l.Vi, figCount(k.ByCategory[l.Code]))
	}
	for _, p := range Priorities {
		add(SectionTickets, "tickets.priority."+p, "Mức ưu tiên "+p, figCount(k.ByPriority[p]))
	}
	add(SectionTickets, "tickets.resolved", "Đã giải quyết", figCount(k.Resolved))
	add(SectionTickets, "tickets.closed", "Đã đóng", figCount(k.Closed))
	add(SectionTickets, "tickets.merged", "Đã gộp", figCount(k.Merged))
	add(SectionTickets, "tickets.backlog", "Còn mở cuối ngày", figCount(k.Backlog))
	add(SectionTickets, "tickets.overdue", "Quá hạn cuối ngày", figCount(k.Overdue))
	add(SectionTickets, "tickets.first_response_sla", "Phản hồi đầu đúng hạn", figPercent(Share(k.FirstResponseOK, k.FirstResponses)))
	add(SectionTickets, "tickets.resolution_sla", "Giải quyết đúng hạn", figPercent(Share(k.ResolvedOK, k.Resolved)))
	for _, u := range unitsFor(units, k.ByUnit) {
		f := k.ByUnit[u.Code]
		if f == nil {
			f = &UnitTickets{}
		}
		key := "tickets.unit." + u.Code
		add(SectionUnits, key+".created", u.Name+": mới", figCount(f.Created))
		add(SectionUnits, key+".resolved", u.Name+": giải quyết", figCount(f.Resolved))
		add(SectionUnits, key+".backlog", u.Name+": còn mở", figCount(f.Backlog))
		add(SectionUnits, key+".overdue", u.Name+": quá hạn", figCount(f.Overdue))
	}
}

func addCases(add adder, c CaseFigures, units []*Unit) {
	add(SectionCases, "cases.new", "Ca mới", figCount(c.New))
	for _, s := range []string{CaseMonitoring, CaseReferred, CaseLost, CaseCleared} {
		add(SectionCases, "cases.moved."+s, "Chuyển sang: "+CaseStatusLabel(s).Vi, figCount(c.Moves[s]))
	}
	add(SectionCases, "cases.monitoring", "Đang theo dõi (có lượt theo dõi trong ngày)", figCount(c.Monitoring))
	for _, l := range FollowUpResults {
		add(SectionCases, "cases.follow_ups."+l.Code, "Theo dõi: "+l.Vi, figCount(c.FollowUps[l.Code]))
	}
	add(SectionCases, "cases.follow_ups.pending", "Theo dõi: chưa ghi kết quả", figCount(c.FollowUps[""]))
	add(SectionCases, "cases.not_seen_2", "Không gặp được 2 ngày liền", figCount(c.NotSeen2))
	a := c.AutoCalls
	add(SectionAutoCalls, "auto_calls.dialled", "Cuộc gọi tự động đã quay số", figCount(a.Dialled))
	add(SectionAutoCalls, "auto_calls.answered", "Người dân nghe máy", figCount(a.Answered))
	add(SectionAutoCalls, "auto_calls.completed", "Trả lời đủ câu hỏi (ghi kết quả ngày)", figCount(a.Completed))
	add(SectionAutoCalls, "auto_calls.with_signs", "Trong đó có dấu hiệu", figCount(a.WithSigns))
	add(SectionAutoCalls, "auto_calls.opted_out", "Từ chối cuộc gọi tự động (phím 9)", figCount(a.OptedOut))
	add(SectionAutoCalls, "auto_calls.not_reached", "Không liên lạc được sau các lần gọi", figCount(a.NotReached))
	for _, u := range unitsFor(units, c.ByUnit) {
		f := c.ByUnit[u.Code]
		if f == nil {
			f = &UnitCases{}
		}
		key := "cases.unit." + u.Code
		add(SectionCaseUnit, key+".monitoring", u.Name+": đang theo dõi", figCount(f.Monitoring))
		add(SectionCaseUnit, key+".seen", u.Name+": gặp được", figCount(f.Seen))
		add(SectionCaseUnit, key+".with_signs", u.Name+": có dấu hiệu", figCount(f.WithSigns))
		add(SectionCaseUnit, key+".not_reached", u.Name+": không liên lạc được", figCount(f.NotReached))
		add(SectionCaseUnit, key+".not_seen_2", u.Name+": 2 ngày không gặp", figCount(f.NotSeen2))
	}
}

// unitsFor lists the units to show: all those given, and any unit with figures that is
// not among them (a retired unit), then figures without a unit.
func unitsFor[V any](units []*Unit, by map[string]V) []*Unit {
	out := slices.Clone(units)
	var extra []string
	for code := range by {
		if !slices.ContainsFunc(units, func(u *Unit) bool { return u.Code == code }) {
			extra = append(extra, code)
		}
	}
	sort.Strings(extra)
	for _, code := range extra {
		name := code
		if code == "" {
			name = "Chưa rõ địa bàn"
		}
		out = append(out, &Unit{Code: code, Name: name})
	}
	return out
}

// ChangeText says a figure's value now beside its frozen value: "nay 3 (+1)", the
// difference given when both are whole numbers.
func ChangeText(frozen, now string) string {
	a, errA := strconv.Atoi(frozen)
	b, errB := strconv.Atoi(now)
	if errA != nil || errB != nil {
		return "nay " + now
	}
	return fmt.Sprintf("nay %d (%+d)", b, b-a)
}

// Changes compares a frozen report's figures with the same day's figures now: the
// figures now whose value changed, by key.
func Changes(frozen, now []Figure) map[string]Figure {
	current := make(map[string]Figure, len(now))
	for _, f := range now {
		current[f.Key] = f
	}
	out := map[string]Figure{}
	for _, f := range frozen {
		if v, ok := current[f.Key]; ok && v.Value != f.Value {
			out[f.Key] = v
		}
	}
	return out
}

// Figures lists an officer's part of the report: their unit's tickets and cases.
func (u *UnitReport) Figures(units []*Unit) []Figure {
	var out []Figure
	add := figureList(&out)
	var mine []*Unit
	for _, x := range units {
		if x.Code == u.Unit {
			mine = append(mine, x)
		}
	}
	addTickets(add, u.Tickets, mine)
	addCases(add, u.Cases, mine)
	return out
}
