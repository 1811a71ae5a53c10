package engine

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterPerKeyMinute(t *testing.T) {
	l := newLimiter(60)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		if ok, _ := l.Allow("kiosk-1", now); !ok {
			t.Fatalf("event %d refused within the allowance", i+1)
		}
	}
	ok, after := l.Allow("kiosk-1", now)
	if ok || after != time.Second {
		t.Fatalf("61st: ok=%v retryAfter=%v, want refused with 1s", ok, after)
	}
	if ok, _ := l.Allow("kiosk-2", now); !ok {
		t.Fatal("another key was refused")
	}
	if ok, _ := l.Allow("kiosk-1", now.Add(time.Second)); !ok {
		t.Fatal("a second later one more event should pass")
	}
	if ok, _ := l.Allow("kiosk-1", now.Add(time.Second)); ok {
		t.Fatal("only one event refills per second at 60 a minute")
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	l := newLimiter(10)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Allow(fmt.Sprint("device-", i), now)
	}
	later := now.Add(limiterIdle + time.Second)
	l.Allow("fresh", later)
	if n := l.size(); n != 1 {
		t.Fatalf("remembers %d keys after the others went idle, want 1", n)
	}
}

func TestLimiterNilAdmitsAll(t *testing.T) {
	var l *limiter = newLimiter(0)
	if ok, _ := l.Allow("x", time.Now()); !ok {
		t.Fatal("no limit refused")
	}
}

// BenchmarkLimiterAllow is the cost of one look-up's check over 10,000
// active keys (kiosks and accounts).
func BenchmarkLimiterAllow(b *testing.B) {
	l := newLimiter(60)
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprint("device:KD-", i)
	}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l.Allow(keys[i%len(keys)], now.Add(time.Duration(i)*time.Millisecond))
	}
}
