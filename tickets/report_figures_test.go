package tickets_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// The agents' figures have the same columns for every agent: a pause reason one agent
// used is a figure (of 0) for the others.
func TestAgentFiguresShareColumns(t *testing.T) {
	r := &tickets.DayReport{Agents: []tickets.AgentFigures{
		{Username: "lan", Name: "Lan", PausedSec: map[string]int{"break": 600}},
		{Username: "mai", Name: "Mai", PausedSec: map[string]int{"meeting": 900}},
	}}
	columns := map[string][]string{}
	values := map[string]string{}
	for _, f := range r.Figures(nil) {
		if f.Section != tickets.SectionAgents {
			continue
		}
		user, column, _ := strings.Cut(strings.TrimPrefix(f.Key, "agents."), ".")
		columns[user] = append(columns[user], column)
		values[f.Key] = f.Number
	}
	want := []string{"answered", "talk", "wrap_up", "paused.break", "paused.meeting", "signed_in", "occupancy"}
	for _, user := range []string{"lan", "mai"} {
		if !slices.Equal(columns[user], want) {
			t.Errorf("%s's figures %q, want %q", user, columns[user], want)
		}
	}
	if values["agents.mai.paused.break"] != "0" || values["agents.mai.paused.meeting"] != "900" {
		t.Errorf("mai's pauses: break %q, meeting %q; want 0 and 900", values["agents.mai.paused.break"], values["agents.mai.paused.meeting"])
	}
}

// The service level is coloured against the 80/20 target at the tenth of a percent the
// console shows: at or above 80 %, within 10 points under, further under, or none.
func TestServiceLevelBand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		share float64
		ok    bool
		want  string
	}{
		{"None", 0, false, ""},
		{"All", 1, true, tickets.SLGood},
		{"AtTarget", 4.0 / 5, true, tickets.SLGood},
		{"ShownAsTarget", 0.79996, true, tickets.SLGood},
		{"JustUnder", 0.799, true, tickets.SLNear},
		{"TenPointsUnder", 7.0 / 10, true, tickets.SLNear},
		{"FurtherUnder", 0.699, true, tickets.SLPoor},
		{"Nobody", 0, true, tickets.SLPoor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tickets.ServiceLevelBand(tc.share, tc.ok); got != tc.want {
				t.Errorf("ServiceLevelBand(%v, %v) = %q, want %q", tc.share, tc.ok, got, tc.want)
			}
		})
	}
}
