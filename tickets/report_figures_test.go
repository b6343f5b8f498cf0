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
