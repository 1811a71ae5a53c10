package demo

import (
	"math/rand/v2"
	"time"
)

// rng wraps the generator's single random stream. Everything random is
// drawn from it in a fixed order, so one seed always gives one city.
type rng struct{ r *rand.Rand }

func newRNG(seed uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// chance reports true with probability p.
func (g rng) chance(p float64) bool { return g.r.Float64() < p }

// between returns an int in [lo, hi].
func (g rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// pick returns a random element of s.
func pick[T any](g rng, s []T) T { return s[g.r.IntN(len(s))] }

// skewed returns an index in [0, n) biased towards the start of a list
// ordered by frequency (surnames, common characters).
func (g rng) skewed(n int) int {
	u := g.r.Float64()
	return int(float64(n) * u * u)
}

// dateIn returns a day in [from, to].
func (g rng) dateIn(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, g.between(0, days))
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
