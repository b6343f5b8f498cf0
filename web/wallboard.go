package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// WallboardView is the supervisors' big screen: the queue now, today's figures, each
// agent's state.
type WallboardView struct {
	Strip        StripView
	Day          string
	Offered      int
	Answered     int
	Abandoned    int
	ServiceLevel string // answered within 20 s ÷ (answered + abandoned after 5 s)
	// SLBand is the service level against the 80/20 target (tickets.SLGood, …), and
	// SLText says it in words, for whoever does not see the colour.
	SLBand, SLText string
	AverageWait    string
	Callbacks      int
	Agents         []WallboardAgent
	// AgentColumns are the agents in the columns the screen shows them in: two when
	// there are more than fit in one.
	AgentColumns [][]WallboardAgent
	Stale        bool // the figures could not be read
}

// wallboardRows is how many agents one column of the wallboard holds at 1920 × 1080.
const wallboardRows = 8

// WallboardAgent is one agent on the wallboard.
type WallboardAgent struct {
	Name, State, Code, Reason string
	Since                     int64 // Unix ms
}

func wallboardView(d tickets.DeskView, st *tickets.QueueStats, now time.Time) WallboardView {
	v := WallboardView{Strip: stripView(d), Day: dayText(tickets.Day(now)), Callbacks: d.Callbacks}
	if st == nil {
		v.Stale = true
		st = &tickets.QueueStats{}
	}
	v.Offered, v.Answered, v.Abandoned = st.Offered, st.Answered, st.Abandoned
	v.ServiceLevel, v.SLText = "–", "chưa có cuộc gọi"
	if sl := st.ServiceLevel(); sl >= 0 {
		v.ServiceLevel = fmt.Sprintf("%.0f%%", sl)
		// Coloured as shown: a level shown as 80% meets the target.
		v.SLBand = tickets.ServiceLevelBand(math.Round(sl)/100, true)
		v.SLText = map[string]string{tickets.SLGood: "đạt mục tiêu", tickets.SLNear: "dưới mục tiêu",
			tickets.SLPoor: "xa mục tiêu"}[v.SLBand]
	}
	v.AverageWait = clockText(st.AverageWait())
	for _, a := range d.Agents {
		w := WallboardAgent{Name: a.Name, State: tickets.AgentStateLabel(a.State).Vi, Code: a.State, Since: a.Since.UnixMilli()}
		if a.Reason != "" {
			w.Reason = tickets.PauseReasonLabel(a.Reason).Vi
		}
		v.Agents = append(v.Agents, w)
	}
	if half := (len(v.Agents) + 1) / 2; len(v.Agents) > wallboardRows {
		v.AgentColumns = [][]WallboardAgent{v.Agents[:half], v.Agents[half:]}
	} else {
		v.AgentColumns = [][]WallboardAgent{v.Agents}
	}
	return v
}

// clockText is a duration as m:ss.
func clockText(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func (s *Server) handleWallboard(w http.ResponseWriter, r *http.Request, me *viewer) {
	if s.cfg.Desk == nil {
		s.renderError(w, r, me, http.StatusNotFound, "Tổng đài chưa bật nhận cuộc gọi từ bảng điều khiển.")
		return
	}
	st, err := s.cfg.Store.QueueStats(r.Context(), tickets.Day(s.cfg.Now()))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.render(w, r, http.StatusOK, wallboardPage(s.nav(r, me, "wallboard"), wallboardView(s.cfg.Desk.Snapshot(), st, s.cfg.Now())))
}

// viewersText is "Lan đang xem", "Lan, Mai đang xem".
func viewersText(names []string) string {
	return strings.Join(names, ", ") + " đang xem"
}
