package tickets

import (
	"context"
	"fmt"
	"sort"
)

// AreaGroup is a group of units a caller picks from by keypad: the units that came
// mostly from one district of 2021, the names elderly callers still know.
type AreaGroup struct {
	DistrictCode string
	DistrictName string
	Units        []*Unit
}

// MaxKeypadChoices is how many choices one keypad step offers (keys 1 to 9).
const MaxKeypadChoices = 9

// AreaGroups groups the units in force for keypad selection in two steps: a former
// district, then a unit. Each unit goes to the 2021 district most of its old units came
// from; a tie goes to the smaller group, and a unit with no 2021 past to the smallest.
// It is an error if a step would need more than nine keys.
func (s *Store) AreaGroups(ctx context.Context) ([]AreaGroup, error) {
	units, err := s.ListUnits(ctx, false)
	if err != nil {
		return nil, err
	}
	var olds []*Unit2021
	if err := s.db.SelectContext(ctx, &olds, `SELECT code, name, kind, district_code, district_name, merged_into_code
		FROM units_2021 ORDER BY district_code`); err != nil {
		return nil, fmt.Errorf("area groups: %w", err)
	}
	names := map[string]string{}
	counts := map[string]map[string]int{} // unit → district → old units
	for _, o := range olds {
		names[o.DistrictCode] = o.DistrictName
		if counts[o.MergedIntoCode] == nil {
			counts[o.MergedIntoCode] = map[string]int{}
		}
		counts[o.MergedIntoCode][o.DistrictCode]++
	}
	groups := map[string]*AreaGroup{}
	for code, name := range names {
		groups[code] = &AreaGroup{DistrictCode: code, DistrictName: name}
	}
	smallest := func(cands []string) string {
		sort.Slice(cands, func(i, j int) bool {
			a, b := len(groups[cands[i]].Units), len(groups[cands[j]].Units)
			return a < b || (a == b && cands[i] < cands[j])
		})
		return cands[0]
	}
	var later []*Unit
	for _, u := range units {
		if d := majority(counts[u.Code]); len(d) == 1 {
			groups[d[0]].Units = append(groups[d[0]].Units, u)
		} else {
			later = append(later, u)
		}
	}
	for _, u := range later {
		cands := majority(counts[u.Code])
		if len(cands) == 0 {
			for c := range groups {
				cands = append(cands, c)
			}
		}
		d := smallest(cands)
		groups[d].Units = append(groups[d].Units, u)
	}
	var out []AreaGroup
	for _, g := range groups {
		if len(g.Units) == 0 {
			continue
		}
		if len(g.Units) > MaxKeypadChoices {
			return nil, Errorf(ECONFLICT, "Khu vực %s có %d đơn vị, quá %d phím.", g.DistrictName, len(g.Units), MaxKeypadChoices)
		}
		sort.Slice(g.Units, func(i, j int) bool { return g.Units[i].Code < g.Units[j].Code })
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DistrictCode < out[j].DistrictCode })
	if len(out) > MaxKeypadChoices {
		return nil, Errorf(ECONFLICT, "Có %d khu vực, quá %d phím.", len(out), MaxKeypadChoices)
	}
	return out, nil
}

// majority returns the districts with the most old units (several on a tie).
func majority(c map[string]int) []string {
	best := 0
	var out []string
	for d, n := range c {
		switch {
		case n > best:
			best, out = n, []string{d}
		case n == best:
			out = append(out, d)
		}
	}
	return out
}
