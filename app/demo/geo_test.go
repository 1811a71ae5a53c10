package demo

import (
	"testing"

	"enrolldesk/core"
)

func TestCompoundHomesUnique(t *testing.T) {
	c := &county{code: "370811", name: "任城区"}
	for _, size := range [][4]int{{1, 1, 1, 1}, {4, 2, 6, 2}, {24, 3, 18, 2}, {13, 1, 1, 7}} {
		cp := &compound{county: c, street: &street{name: "古槐街道"}, key: "370811-001-001",
			buildings: size[0], units: size[1], floors: size[2], perFloor: size[3]}
		cp.capacity = size[0] * size[1] * size[2] * size[3]
		cp.stride = strideFor(cp.capacity)
		seen := map[string]bool{}
		for i := 0; i < cp.capacity; i++ {
			a, ok := cp.take()
			if !ok || seen[a.Key()] || a.Building < 1 || a.Building > cp.buildings {
				t.Fatalf("size %v: home %d = %v (ok %v, seen %v)", size, i, a.Key(), ok, seen[a.Key()])
			}
			seen[a.Key()] = true
		}
		if _, ok := cp.take(); ok {
			t.Errorf("size %v: a full compound handed out a home", size)
		}
		for i := 0; i < 3; i++ {
			if a := cp.extra(); seen[a.Key()] {
				t.Errorf("size %v: extra home %s handed out twice", size, a.Key())
			} else {
				seen[a.Key()] = true
			}
		}
	}
}

func TestShares(t *testing.T) {
	tests := []struct {
		n       int
		weights []int
		want    []int
	}{
		{10, []int{1, 1}, []int{5, 5}},
		{10, []int{3, 1}, []int{7, 3}},
		{3, []int{100, 1, 1}, []int{1, 1, 1}},
		{2, []int{1, 1, 1}, []int{1, 1, 0}},
		{0, []int{5}, []int{0}},
	}
	for _, tt := range tests {
		got := shares(tt.n, tt.weights)
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("shares(%d, %v) = %v, want %v", tt.n, tt.weights, got, tt.want)
				break
			}
		}
	}
}

func TestChineseNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 9: "九", 10: "十", 12: "十二", 20: "二十", 35: "三十五", 99: "九十九"} {
		if got := chineseNumber(n); got != want {
			t.Errorf("chineseNumber(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestIDBookNeverRepeats(t *testing.T) {
	b := newIDBook()
	born := day(2021, 3, 1)
	seen := map[core.ResidentID]bool{}
	for i := 0; i < 1200; i++ { // more than one day holds: spills to the next
		for _, sex := range []core.Sex{core.Male, core.Female} {
			id := b.next("370811", born, sex)
			if seen[id] || id.Sex() != sex {
				t.Fatalf("ID %s repeated or of the wrong sex", string(id))
			}
			seen[id] = true
		}
	}
	x := b.nextEndingX("370811", born, core.Female)
	if x[17] != 'X' || seen[x] || x.Sex() != core.Female {
		t.Errorf("nextEndingX = %s", string(x))
	}
}
