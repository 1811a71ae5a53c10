package demo

import (
	"fmt"
	"strconv"
	"time"

	"enrolldesk/core"
)

// maxPerDay is how many people of one sex one area code can number on one
// birth date: sequences 001–999, odd for men and even for women.
const maxPerDay = 499

// idBook hands out resident ID numbers. A counter per (area, birth date,
// sex) keeps every number unique; a bucket that is full moves the birth a
// day on, which a synthetic person does not mind.
type idBook struct{ used map[uint64]int }

func newIDBook() *idBook { return &idBook{used: make(map[uint64]int, 1<<16)} }

func idKey(area string, birth time.Time, sex core.Sex) uint64 {
	a, _ := strconv.Atoi(area)
	days := uint64(birth.Sub(day(1900, 1, 1)).Hours() / 24)
	k := uint64(a)<<20 | days<<1
	if sex == core.Female {
		k |= 1
	}
	return k
}

// next returns the next free number for the area, birth date and sex.
func (b *idBook) next(area string, birth time.Time, sex core.Sex) core.ResidentID {
	for {
		k := idKey(area, birth, sex)
		n := b.used[k]
		if n < maxPerDay {
			b.used[k] = n + 1
			seq := 2*n + 1
			if sex == core.Female {
				seq = 2*n + 2
			}
			return core.MakeResidentID(area, birth, seq)
		}
		birth = birth.AddDate(0, 0, 1)
	}
}

// nextEndingX returns the first free number whose check character is X,
// passing over (and so using up) the ones before it.
func (b *idBook) nextEndingX(area string, birth time.Time, sex core.Sex) core.ResidentID {
	for {
		id := b.next(area, birth, sex)
		if id[17] == 'X' {
			return id
		}
		birth = id.BirthDate()
	}
}

// serials numbers the records of each register, so that certificate,
// contract and filing numbers are unique and look like the real ones.
type serials struct {
	household  map[string]int // per county
	property   int
	contract   int
	rental     int
	permit     int
	business   int
	enterprise int
	birth      int
}

func newSerials() *serials { return &serials{household: map[string]int{}} }

// householdNo is the 户号: the county code and a sequence.
func (s *serials) householdNo(county string) string {
	s.household[county]++
	return fmt.Sprintf("%s%06d", county, s.household[county])
}

// certNo is a 不动产权证号 in the Shandong style.
func (s *serials) certNo(year int, place string) string {
	s.property++
	return fmt.Sprintf("鲁(%d)%s不动产权第%07d号", year, place, s.property)
}

func (s *serials) contractNo(year int, county string) string {
	s.contract++
	return fmt.Sprintf("WQ%d%s%06d", year, county, s.contract)
}

func (s *serials) rentalNo(year int, county string) string {
	s.rental++
	return fmt.Sprintf("ZL%s%d%06d", county, year, s.rental)
}

func (s *serials) permitNo(county string) string {
	s.permit++
	return fmt.Sprintf("JZ%s%08d", county, s.permit)
}

// businessNo is an individual business's 18-character credit code (92…).
func (s *serials) businessNo(county string) string {
	s.business++
	return fmt.Sprintf("92%sMA%08X", county, s.business)
}

// creditCode is an enterprise's 18-character credit code (91…).
func (s *serials) creditCode(county string) string {
	s.enterprise++
	return fmt.Sprintf("91%sMA%08X", county, s.enterprise)
}

// birthNo is an 出生医学证明 number: a letter and nine digits.
func (s *serials) birthNo(year int) string {
	s.birth++
	return fmt.Sprintf("%c%09d", 'A'+rune(year%26), s.birth)
}
