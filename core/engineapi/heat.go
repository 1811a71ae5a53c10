package engineapi

import (
	"context"
	"time"

	"enrolldesk/core"
)

// The demand heat map (入学热度): every school's live applications against
// its seats, by category tier. Any signed-in staff role may read it, a
// school admin included (demand is not personal data and a school admin
// plans against the neighbours' too).
const PathStaffHeatMap = "/v1/staff/heatmap" // POST HeatMapRequest → HeatMap

// HeatMapRequest asks for one stage's heat map, or both stages' ("").
type HeatMapRequest struct {
	Stage core.Stage `json:"stage,omitempty"`
}

// Demand levels, from a school's Ratio (live applications ÷ seats):
//
//	calm            ratio < 0.8
//	busy            0.8 ≤ ratio < 1.0
//	full            1.0 ≤ ratio ≤ 1.2
//	oversubscribed  ratio > 1.2
//	no_seats        the school has no seats on record (capacity 0)
type Level string

// The levels, calmest first.
const (
	LevelCalm           Level = "calm"
	LevelBusy           Level = "busy"
	LevelFull           Level = "full"
	LevelOversubscribed Level = "oversubscribed"
	LevelNoSeats        Level = "no_seats"
)

// Levels lists the levels in legend order.
var Levels = []Level{LevelCalm, LevelBusy, LevelFull, LevelOversubscribed}

// Label is the level in plain Chinese, for the legend, the table and the CSV.
func (l Level) Label() string {
	switch l {
	case LevelCalm:
		return "平稳"
	case LevelBusy:
		return "较热"
	case LevelFull:
		return "满额"
	case LevelOversubscribed:
		return "超额"
	case LevelNoSeats:
		return "无学位数据"
	}
	return string(l)
}

// TierNone is the tier of a live application with no category yet (the
// engine's data place the family in a zone but in no category, and a
// person must look).
const TierNone = "未定类别"

// HeatMap is the demand of every school of a stage (or of both).
type HeatMap struct {
	Year      int            `json:"year"`
	Stage     core.Stage     `json:"stage,omitempty"` // "" for both stages
	Tiers     []string       `json:"tiers"`           // category names in priority order, then TierNone
	Districts []District     `json:"districts"`       // the schematic map's districts
	Schools   []SchoolDemand `json:"schools"`         // by district, stage, code
	// Unplaced counts live applications that name no school (no zone).
	Unplaced int `json:"unplaced"`
	// Elsewhere counts live applications at schools the city's data do
	// not list (an engine read against another city's data).
	Elsewhere int       `json:"elsewhere,omitempty"`
	Total     int       `json:"total"` // live applications counted at schools
	At        time.Time `json:"at"`    // when it was computed (the engine's clock)
}

// District is one county-level division on the schematic map: a cell of
// a grid laid out roughly as the divisions lie (north up).
type District struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	GridX int    `json:"grid_x"`
	GridY int    `json:"grid_y"`
}

// SchoolDemand is one school's row: its seats, its live applications per
// tier (aligned with HeatMap.Tiers), their total, the ratio and level.
type SchoolDemand struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Stage    core.Stage `json:"stage"`
	District string     `json:"district"` // county code
	Slot     int        `json:"slot"`     // position within the district's cell, 0-based
	Capacity int        `json:"capacity"`
	PerTier  []int      `json:"per_tier"`
	Total    int        `json:"total"`
	Ratio    float64    `json:"ratio"` // Total ÷ Capacity; 0 when Capacity is 0
	Level    Level      `json:"level"`
}

// HeatCount is one group of the store's count: live applications whose
// first choice is School, in category Tier ("" for none).
type HeatCount struct {
	School string
	Stage  core.Stage
	Tier   string
	N      int
}

// HeatStore counts the engine's live applications by school and tier. An
// application counts at its first choice (the school the family ranked
// first; the only school of a single-school zone); one with no choice
// counts with School "". Live means every state but rejected and returned
// (a returned application is counted again when the family resubmits).
// Stage "" counts both stages.
type HeatStore interface {
	HeatCounts(ctx context.Context, year int, stage core.Stage) ([]HeatCount, error)
}

// SchoolDirectory lists the city's schools of a stage ("" for both) with
// their seats: the department data the engine decides on.
type SchoolDirectory interface {
	Schools(ctx context.Context, stage core.Stage) ([]core.School, error)
}

// HeatSource computes heat maps; core/heat.Source is the implementation
// over a HeatStore and a SchoolDirectory. The engine server answers
// PathStaffHeatMap from it, and the staff window draws it.
type HeatSource interface {
	HeatMap(ctx context.Context, stage core.Stage) (HeatMap, error)
}
