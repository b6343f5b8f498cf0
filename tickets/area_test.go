package tickets_test

import (
	"context"
	"testing"
)

func TestAreaGroups(t *testing.T) {
	now := testNow()
	s := openStore(t, &now)
	groups, err := s.AreaGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 9 {
		t.Fatalf("%d groups, want the 9 districts of 2021", len(groups))
	}
	seen := map[string]bool{}
	for _, g := range groups {
		if len(g.Units) == 0 || len(g.Units) > 9 {
			t.Errorf("%s has %d units", g.DistrictName, len(g.Units))
		}
		for _, u := range g.Units {
			if seen[u.Code] {
				t.Errorf("%s in two groups", u.Name)
			}
			seen[u.Code] = true
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d units grouped, want 40", len(seen))
	}
	if groups[0].DistrictCode != "474" || len(groups[0].Units) != 9 {
		t.Errorf("Thành phố Huế: %s with %d units", groups[0].DistrictCode, len(groups[0].Units))
	}
}
