package core

import (
	"fmt"
	"strconv"
)

// Address is a structured residential address as the registries key it. The
// compound key identifies a residential compound (小区) city-wide; building,
// unit and room locate the home. Catchment is decided on these keys only,
// never on free text.
type Address struct {
	County      string `json:"county"`       // six-digit county-level area code, e.g. 370811
	Street      string `json:"street"`       // 街道 or 镇
	Compound    string `json:"compound"`     // 小区 name
	CompoundKey string `json:"compound_key"` // city-wide key of the compound
	Building    int    `json:"building"`     // 楼号
	Unit        int    `json:"unit"`         // 单元
	Room        string `json:"room"`         // 室, e.g. 301
}

// Key returns the home's structured key: compound, building, unit and room.
func (a Address) Key() string {
	return a.CompoundKey + "#" + strconv.Itoa(a.Building) + "-" + strconv.Itoa(a.Unit) + "-" + a.Room
}

// IsZero reports whether the address is empty.
func (a Address) IsZero() bool { return a.CompoundKey == "" }

// SameHome reports whether a and b are the same dwelling.
func (a Address) SameHome(b Address) bool { return !a.IsZero() && a.Key() == b.Key() }

// String renders the address in the usual Chinese order.
func (a Address) String() string {
	if a.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s%s%s%s%d号楼%d单元%s室", CityName, CountyName(a.County), a.Street, a.Compound, a.Building, a.Unit, a.Room)
}

// CityName is the demo city's name, printed before county names.
const CityName = "济宁市"

// Counties are Jining's eleven county-level divisions with their area codes.
var Counties = []struct{ Code, Name string }{
	{"370811", "任城区"}, {"370812", "兖州区"}, {"370881", "曲阜市"}, {"370883", "邹城市"},
	{"370826", "微山县"}, {"370827", "鱼台县"}, {"370828", "金乡县"}, {"370829", "嘉祥县"},
	{"370830", "汶上县"}, {"370831", "泗水县"}, {"370832", "梁山县"},
}

// CountyName returns the name of a Jining county-level division, or the code.
func CountyName(code string) string {
	for _, c := range Counties {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}
