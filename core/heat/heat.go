// Package heat computes the demand heat map (入学热度): every school's live
// applications against its seats, by category tier, with a level from calm
// to oversubscribed, the schools laid out on a schematic grid of the
// city's districts. It is pure: counts and schools come in through the
// engineapi.HeatStore and engineapi.SchoolDirectory interfaces.
package heat

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Thresholds of the levels on the ratio applications ÷ seats.
const (
	BusyFrom           = 0.8 // below: calm
	FullFrom           = 1.0 // below: busy
	OversubscribedOver = 1.2 // up to and including: full; above: oversubscribed
)

// LevelOf is the level of a ratio; a school without seats is no_seats.
func LevelOf(total, capacity int) (float64, engineapi.Level) {
	if capacity <= 0 {
		return 0, engineapi.LevelNoSeats
	}
	r := float64(total) / float64(capacity)
	switch {
	case r < BusyFrom:
		return r, engineapi.LevelCalm
	case r < FullFrom:
		return r, engineapi.LevelBusy
	case r <= OversubscribedOver:
		return r, engineapi.LevelFull
	}
	return r, engineapi.LevelOversubscribed
}

// grid is the schematic map of Jining's eleven county-level divisions,
// north up: 梁山 汶上 兖州 泗水 / 嘉祥 任城 曲阜 · / 金乡 鱼台 微山 邹城.
// The empty cell (3,1) holds the legend in the picture.
var grid = map[string][2]int{
	"370832": {0, 0}, "370830": {1, 0}, "370812": {2, 0}, "370831": {3, 0},
	"370829": {0, 1}, "370811": {1, 1}, "370881": {2, 1},
	"370828": {0, 2}, "370827": {1, 2}, "370826": {2, 2}, "370883": {3, 2},
}

// GridSize is the schematic map's width and height in district cells.
var GridSize = [2]int{4, 3}

// Districts returns the districts of the schools on the schematic map:
// Jining's divisions where they lie, any other county in the row below.
func Districts(schools []core.School) []engineapi.District {
	seen := map[string]bool{}
	var out []engineapi.District
	extra := 0
	for _, c := range core.Counties {
		p := grid[c.Code]
		out = append(out, engineapi.District{Code: c.Code, Name: c.Name, GridX: p[0], GridY: p[1]})
		seen[c.Code] = true
	}
	var others []string
	for _, s := range schools {
		if !seen[s.County] {
			seen[s.County] = true
			others = append(others, s.County)
		}
	}
	slices.Sort(others)
	for _, c := range others {
		out = append(out, engineapi.District{Code: c, Name: core.CountyName(c), GridX: extra % GridSize[0], GridY: GridSize[1] + extra/GridSize[0]})
		extra++
	}
	return out
}

// Tiers returns the tier columns: the policy's category names open to the
// stage ("" for both) in priority order, then engineapi.TierNone.
func Tiers(p *core.Policy, stage core.Stage) []string {
	var out []string
	for _, c := range p.Categories {
		if stage == "" || c.AppliesTo(stage) {
			out = append(out, c.Name)
		}
	}
	return append(out, engineapi.TierNone)
}

// Build turns schools and counts into a heat map. Counts at a school not
// in the list are Elsewhere (the city's data name every school a zone
// has, so these come from another city); counts with no school are
// Unplaced; a tier not in tiers counts in the
// last one (TierNone).
func Build(year int, stage core.Stage, tiers []string, schools []core.School, counts []engineapi.HeatCount, at time.Time) engineapi.HeatMap {
	m := engineapi.HeatMap{Year: year, Stage: stage, Tiers: slices.Clone(tiers), At: at}
	if len(m.Tiers) == 0 || m.Tiers[len(m.Tiers)-1] != engineapi.TierNone {
		m.Tiers = append(m.Tiers, engineapi.TierNone)
	}
	tierAt := make(map[string]int, len(m.Tiers))
	for i, t := range m.Tiers {
		tierAt[t] = i
	}
	tierAt[""] = len(m.Tiers) - 1

	list := make([]core.School, 0, len(schools))
	for _, s := range schools {
		if stage == "" || s.Stage == stage {
			list = append(list, s)
		}
	}
	slices.SortFunc(list, func(a, b core.School) int {
		return cmp.Or(cmp.Compare(a.County, b.County), cmp.Compare(stageRank(a.Stage), stageRank(b.Stage)), cmp.Compare(a.Code, b.Code))
	})
	m.Districts = Districts(list)
	m.Schools = make([]engineapi.SchoolDemand, len(list))
	at2 := make(map[string]int, len(list))
	slot := map[string]int{}
	for i, s := range list {
		m.Schools[i] = engineapi.SchoolDemand{Code: s.Code, Name: s.Name, Stage: s.Stage, District: s.County,
			Slot: slot[s.County], Capacity: s.Capacity, PerTier: make([]int, len(m.Tiers))}
		slot[s.County]++
		at2[s.Code] = i
	}
	for _, c := range counts {
		if stage != "" && c.Stage != "" && c.Stage != stage {
			continue
		}
		i, ok := at2[c.School]
		if !ok {
			if c.School == "" {
				m.Unplaced += c.N
			} else {
				m.Elsewhere += c.N
			}
			continue
		}
		t, ok := tierAt[c.Tier]
		if !ok {
			t = len(m.Tiers) - 1
		}
		m.Schools[i].PerTier[t] += c.N
		m.Schools[i].Total += c.N
		m.Total += c.N
	}
	for i := range m.Schools {
		s := &m.Schools[i]
		s.Ratio, s.Level = LevelOf(s.Total, s.Capacity)
	}
	return m
}

func stageRank(s core.Stage) int {
	if s == core.Junior {
		return 1
	}
	return 0
}

// Source computes heat maps from the engine's counts and the city's
// schools under a policy; it implements engineapi.HeatSource.
type Source struct {
	Counts  engineapi.HeatStore
	Schools engineapi.SchoolDirectory
	Policy  *core.Policy
	Now     func() time.Time // time.Now when nil
}

var _ engineapi.HeatSource = (*Source)(nil)

// HeatMap computes the heat map of a stage ("" for both) for the policy's year.
func (s *Source) HeatMap(ctx context.Context, stage core.Stage) (engineapi.HeatMap, error) {
	if stage != "" && !stage.Valid() {
		return engineapi.HeatMap{}, core.Errorf(core.EINVALID, "学段“%s”不正确：应为 primary、junior，或留空表示两个学段。", stage)
	}
	schools, err := s.Schools.Schools(ctx, stage)
	if err != nil {
		return engineapi.HeatMap{}, fmt.Errorf("heat map: schools: %w", err)
	}
	counts, err := s.Counts.HeatCounts(ctx, s.Policy.Year, stage)
	if err != nil {
		return engineapi.HeatMap{}, fmt.Errorf("heat map: counts: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return Build(s.Policy.Year, stage, Tiers(s.Policy, stage), schools, counts, now()), nil
}

// Columns a table may be sorted by.
const (
	ByDistrict = "district" // district, stage, code: the map's order
	ByCode     = "code"
	ByName     = "name"
	ByCapacity = "capacity"
	ByTotal    = "total"
	ByRatio    = "ratio"
	// "tier:N" sorts by the Nth tier's count (0-based).
)

// Sort orders a table by a column, descending when desc; ties keep the
// map's order. An unknown column is the map's order.
func Sort(rows []engineapi.SchoolDemand, by string, desc bool) {
	tier := -1
	if len(by) > 5 && by[:5] == "tier:" {
		if n, err := strconv.Atoi(by[5:]); err == nil {
			tier = n
		}
	}
	key := func(a, b engineapi.SchoolDemand) int {
		switch {
		case by == ByCode:
			return cmp.Compare(a.Code, b.Code)
		case by == ByName:
			return cmp.Compare(a.Name, b.Name)
		case by == ByCapacity:
			return cmp.Compare(a.Capacity, b.Capacity)
		case by == ByTotal:
			return cmp.Compare(a.Total, b.Total)
		case by == ByRatio:
			return cmp.Compare(a.Ratio, b.Ratio)
		case tier >= 0:
			return cmp.Compare(at(a.PerTier, tier), at(b.PerTier, tier))
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b engineapi.SchoolDemand) int {
		c := key(a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.District, b.District), cmp.Compare(stageRank(a.Stage), stageRank(b.Stage)), cmp.Compare(a.Code, b.Code))
	})
}

func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}
