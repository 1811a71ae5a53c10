package heat

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// BOM starts the CSV so that Excel reads it as UTF-8 (Chinese names).
const BOM = "\ufeff"

// Header is the CSV's first row: code, name, district, stage, capacity,
// one column per tier, total, ratio, level.
func Header(m engineapi.HeatMap) []string {
	h := []string{"学校代码", "学校名称", "区县", "学段", "学位数"}
	h = append(h, m.Tiers...)
	return append(h, "报名合计", "报名/学位", "热度")
}

// Rows are the CSV's rows after the header, one per school in the map's
// order; the ratio has two decimals.
func Rows(m engineapi.HeatMap) [][]string {
	out := make([][]string, 0, len(m.Schools))
	for _, s := range m.Schools {
		r := []string{s.Code, s.Name, core.CountyName(s.District), s.Stage.Label(), strconv.Itoa(s.Capacity)}
		for i := range m.Tiers {
			r = append(r, strconv.Itoa(at(s.PerTier, i)))
		}
		out = append(out, append(r, strconv.Itoa(s.Total), strconv.FormatFloat(s.Ratio, 'f', 2, 64), s.Level.Label()))
	}
	return out
}

// WriteCSV writes the BOM, the header and a row per school.
func WriteCSV(w io.Writer, m engineapi.HeatMap) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	if err := cw.Write(Header(m)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := cw.WriteAll(Rows(m)); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
