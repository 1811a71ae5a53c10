package engine

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter admits at most perMinute events a minute per key (a device, a
// staff account), with a burst of the same size: a key may spend its
// minute's allowance at once, then gets one more every 60s/perMinute.
// Keys idle long enough to have refilled are forgotten, so memory stays
// bounded by the keys active within the last minute or so. Safe for
// concurrent use; a nil *limiter admits everything.
type limiter struct {
	perMinute int
	every     rate.Limit

	mu       sync.Mutex
	keys     map[string]*limitEntry
	lastTrim time.Time
}

type limitEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// limiterIdle is how long a key must be idle before it is forgotten: by
// then its bucket is full again, so forgetting it changes nothing.
const limiterIdle = 2 * time.Minute

// newLimiter returns a limiter of perMinute events a minute per key, or
// nil (no limit) when perMinute <= 0.
func newLimiter(perMinute int) *limiter {
	if perMinute <= 0 {
		return nil
	}
	return &limiter{perMinute: perMinute, every: rate.Limit(float64(perMinute) / 60), keys: map[string]*limitEntry{}}
}

// Allow takes one event of key at now. When refused, retryAfter is how
// long until the key may try again (at least a second).
func (l *limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trim(now)
	e := l.keys[key]
	if e == nil {
		e = &limitEntry{lim: rate.NewLimiter(l.every, l.perMinute)}
		l.keys[key] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		// Whole seconds, rounded up: Retry-After counts seconds.
		return false, max(time.Second, (d + time.Second - 1).Truncate(time.Second))
	}
	return true, 0
}

// trim forgets keys idle for limiterIdle, at most once every limiterIdle.
func (l *limiter) trim(now time.Time) {
	if now.Sub(l.lastTrim) < limiterIdle {
		return
	}
	l.lastTrim = now
	for k, e := range l.keys {
		if now.Sub(e.seen) >= limiterIdle {
			delete(l.keys, k)
		}
	}
}

// size is how many keys the limiter remembers.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
