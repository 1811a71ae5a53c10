package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"testing"
	"time"

	"enrolldesk/app/demo"
	"enrolldesk/core"
	"enrolldesk/core/memcity"
)

// recorder is a CityWriter that hashes every record in order, counts them
// and collects every ID number with the names it was given, optionally
// passing the records on.
type recorder struct {
	next    core.CityWriter
	sum     hash.Hash
	counts  map[string]int
	names   map[core.ResidentID]string
	clashes []string
	flushed int
	births  []core.BirthRecord
}

func newRecorder(next core.CityWriter) *recorder {
	return &recorder{next: next, sum: sha256.New(), counts: map[string]int{}, names: map[core.ResidentID]string{}}
}

func (r *recorder) add(kind string, v any, people ...core.Person) error {
	r.counts[kind]++
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.sum, "%s %s\n", kind, b)
	for _, p := range people {
		r.person(p.ID, p.Name)
	}
	return nil
}

func (r *recorder) person(id core.ResidentID, name string) {
	if id == "" {
		return
	}
	if had, ok := r.names[id]; ok && had != name && name != "" && had != "" {
		r.clashes = append(r.clashes, fmt.Sprintf("%s: %s and %s", string(id), had, name))
	}
	if r.names[id] == "" {
		r.names[id] = name
	}
}

func owners(os []core.Owner) []core.Person {
	var out []core.Person
	for _, o := range os {
		out = append(out, core.Person{ID: o.ID, Name: o.Name})
	}
	return out
}

func (r *recorder) then(err error, fn func(core.CityWriter) error) error {
	if err != nil || r.next == nil {
		return err
	}
	return fn(r.next)
}

func (r *recorder) PutSchool(s core.School) error {
	return r.then(r.add("school", s), func(w core.CityWriter) error { return w.PutSchool(s) })
}
func (r *recorder) PutZone(z core.Zone, rules []core.ZoneRule) error {
	return r.then(r.add("zone", []any{z, rules}), func(w core.CityWriter) error { return w.PutZone(z, rules) })
}
func (r *recorder) PutHousehold(h core.Household) error {
	var ps []core.Person
	for _, m := range h.Members {
		ps = append(ps, m.Person)
	}
	return r.then(r.add("household", h, ps...), func(w core.CityWriter) error { return w.PutHousehold(h) })
}
func (r *recorder) PutProperty(p core.Property) error {
	return r.then(r.add("property", p, owners(p.Owners)...), func(w core.CityWriter) error { return w.PutProperty(p) })
}
func (r *recorder) PutContract(k core.SaleContract) error {
	return r.then(r.add("contract", k, owners(k.Buyers)...), func(w core.CityWriter) error { return w.PutContract(k) })
}
func (r *recorder) PutRental(x core.RentalFiling) error {
	return r.then(r.add("rental", x, core.Person{ID: x.Tenant}), func(w core.CityWriter) error { return w.PutRental(x) })
}
func (r *recorder) PutInsurance(x core.InsurancePeriod) error {
	return r.then(r.add("insurance", x, core.Person{ID: x.Person}), func(w core.CityWriter) error { return w.PutInsurance(x) })
}
func (r *recorder) PutBusiness(x core.Business) error {
	return r.then(r.add("business", x, core.Person{ID: x.Operator}), func(w core.CityWriter) error { return w.PutBusiness(x) })
}
func (r *recorder) PutRole(x core.EnterpriseRole) error {
	return r.then(r.add("role", x, core.Person{ID: x.Person}), func(w core.CityWriter) error { return w.PutRole(x) })
}
func (r *recorder) PutPermit(x core.ResidencePermit) error {
	return r.then(r.add("permit", x, core.Person{ID: x.Holder}), func(w core.CityWriter) error { return w.PutPermit(x) })
}
func (r *recorder) PutBirth(x core.BirthRecord) error {
	r.births = append(r.births, x)
	return r.then(r.add("birth", x, core.Person{ID: x.Child}, x.Mother, x.Father), func(w core.CityWriter) error { return w.PutBirth(x) })
}
func (r *recorder) PutStudent(x core.StudentRecord) error {
	return r.then(r.add("student", x, core.Person{ID: x.Child}), func(w core.CityWriter) error { return w.PutStudent(x) })
}
func (r *recorder) PutSeatUse(x core.SeatUse) error {
	return r.then(r.add("seat", x, core.Person{ID: x.Child}), func(w core.CityWriter) error { return w.PutSeatUse(x) })
}
func (r *recorder) PutPersona(x core.Persona) error {
	ps := []core.Person{{ID: x.GuardianID}, {ID: x.ChildID}, {ID: x.SiblingID}}
	return r.then(r.add("persona", x, ps...), func(w core.CityWriter) error { return w.PutPersona(x) })
}
func (r *recorder) Flush() error {
	r.flushed++
	return r.then(nil, func(w core.CityWriter) error { return w.Flush() })
}

func (r *recorder) digest() string { return fmt.Sprintf("%x", r.sum.Sum(nil)) }

func record(t *testing.T, o demo.Options) (*recorder, demo.Stats) {
	t.Helper()
	r := newRecorder(nil)
	st, err := demo.Generate(context.Background(), r, o)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return r, st
}

func TestGenerateDeterministic(t *testing.T) {
	a, sa := record(t, demo.Options{Families: 400, Seed: 42})
	b, sb := record(t, demo.Options{Families: 400, Seed: 42})
	if a.digest() != b.digest() || sa != sb {
		t.Errorf("same seed, different cities: %s vs %s\n%+v\n%+v", a.digest(), b.digest(), sa, sb)
	}
	c, _ := record(t, demo.Options{Families: 400, Seed: 43})
	if c.digest() == a.digest() {
		t.Error("seeds 42 and 43 gave the same city")
	}
	t.Run("SamePersonas", func(t *testing.T) {
		x, _ := generate(t, demo.Options{Families: 400, Seed: 42})
		y, _ := generate(t, demo.Options{Families: 400, Seed: 42})
		px, _ := x.Personas(context.Background())
		py, _ := y.Personas(context.Background())
		if fmt.Sprint(px) != fmt.Sprint(py) || len(px) != 20 {
			t.Errorf("personas differ or are not 20:\n%v\n%v", px, py)
		}
		for i := range px {
			if px[i].ChildID != py[i].ChildID || px[i].GuardianID != py[i].GuardianID {
				t.Errorf("persona %s: IDs differ between runs", px[i].Key)
			}
		}
	})
}

func TestGenerateCounts(t *testing.T) {
	r, st := record(t, demo.Options{Families: 2000, Seed: 1})
	if r.flushed != 1 {
		t.Errorf("Flush called %d times, want 1", r.flushed)
	}
	counted := map[string]int{"household": st.Households, "property": st.Properties, "contract": st.Contracts,
		"rental": st.Rentals, "insurance": st.Insurance, "business": st.Businesses, "role": st.Roles,
		"permit": st.Permits, "birth": st.Births, "student": st.Students, "seat": st.SeatUses,
		"school": st.Schools, "zone": st.Zones, "persona": st.Personas}
	for kind, n := range counted {
		if r.counts[kind] != n {
			t.Errorf("Stats say %d %s records, %d were written", n, kind, r.counts[kind])
		}
	}
	perFamily := float64(st.Residents) / float64(st.Families)
	if perFamily < 3.1 || perFamily > 3.5 {
		t.Errorf("%.2f residents per family, want about 3.3", perFamily)
	}
	if st.Counties != 11 || st.MultiSchoolZones == 0 || st.MultiSchoolZones*100 > st.Zones*35 {
		t.Errorf("%d counties, %d of %d zones multi-school; want 11 and about 20 %%", st.Counties, st.MultiSchoolZones, st.Zones)
	}
	mix := []struct {
		name      string
		got       int
		want, tol float64
	}{
		{"owners", st.Mix.Owners, 0.55, 0.04}, {"property elsewhere", st.Mix.PropertyElsewhere, 0.12, 0.03},
		{"hukou only", st.Mix.HukouOnly, 0.13, 0.03}, {"migrants", st.Mix.Migrants, 0.15, 0.03},
		{"odd", st.Mix.Odd, 0.05, 0.02},
	}
	for _, m := range mix {
		if share := float64(m.got) / 2000; share < m.want-m.tol || share > m.want+m.tol {
			t.Errorf("%s: %.3f of families, want %.2f ± %.2f", m.name, share, m.want, m.tol)
		}
	}
}

func TestGenerateIDs(t *testing.T) {
	r, st := record(t, demo.Options{Families: 2000, Seed: 3})
	for id := range r.names {
		got, err := core.ParseResidentID(string(id), lookupDay)
		if err != nil || got != id {
			t.Errorf("ID %s: %v", string(id), err)
		}
	}
	for _, c := range r.clashes {
		t.Errorf("one ID, two people: %s", c)
	}
	// Everyone is in some record except the people the records leave out
	// (a migrant's mother whose child's birth record is missing …).
	if n := len(r.names); n > st.Residents || n < st.Residents*97/100 {
		t.Errorf("%d distinct IDs in the records, %d residents generated", n, st.Residents)
	}
}

func TestGenerateCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRecorder(nil)
	var calls []int
	_, err := demo.Generate(ctx, r, demo.Options{Families: 5000, Seed: 5, Progress: func(done, total int) {
		calls = append(calls, done)
		if done >= total/10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate after cancel = %v, want context.Canceled", err)
	}
	if r.counts["household"] > 5000/5 {
		t.Errorf("%d households written after cancelling at 10 %%", r.counts["household"])
	}
	if r.flushed != 0 {
		t.Error("a cancelled city was flushed")
	}
	if len(calls) == 0 || calls[0] != 50 {
		t.Errorf("progress calls %v, want every 50 families (1 %%)", calls)
	}
}

func TestGenerateProgress(t *testing.T) {
	var calls, last int
	_, err := demo.Generate(context.Background(), newRecorder(nil), demo.Options{Families: 1000, Seed: 5,
		Progress: func(done, total int) {
			if done <= last || total != 1000 {
				t.Errorf("progress (%d, %d) after %d", done, total, last)
			}
			calls, last = calls+1, done
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 100 || last != 1000 {
		t.Errorf("%d progress calls ending at %d, want 100 ending at 1000", calls, last)
	}
}

func TestGenerateOptions(t *testing.T) {
	t.Run("PersonasOnly", func(t *testing.T) {
		_, st := generate(t, demo.Options{Seed: 9})
		if st.Personas != 20 || st.Families != 20 {
			t.Errorf("no families: %d personas in %d families, want 20 in 20", st.Personas, st.Families)
		}
	})
	t.Run("ErrNegative", func(t *testing.T) {
		if _, err := demo.Generate(context.Background(), memcity.New(), demo.Options{Families: -1}); err == nil {
			t.Error("negative Families accepted")
		}
	})
	t.Run("Year", func(t *testing.T) {
		city, _ := generate(t, demo.Options{Seed: 9, Year: 2030})
		ps, _ := city.Personas(context.Background())
		for _, p := range ps {
			if p.Key == "too-young" && p.ChildID.BirthDate() != time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC) {
				t.Errorf("too-young for 2030 born %v, want 2024-09-01", p.ChildID.BirthDate())
			}
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		st, err := demo.Generate(context.Background(), newRecorder(nil), demo.Options{Families: 10000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Residents), "residents")
	}
}

// TestGenerateCategories classifies every primary entrant of a small city
// under the default policy: the mix of outcomes is what the demo promises.
func TestGenerateCategories(t *testing.T) {
	city := memcity.New()
	r := newRecorder(city)
	if _, err := demo.Generate(context.Background(), r, demo.Options{Families: 2000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(city), Policy: defaultPolicy(t), Now: func() time.Time { return lookupDay }}
	from, to := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 8, 31, 0, 0, 0, 0, time.UTC)
	tally, n := map[string]int{}, 0
	for _, b := range r.births {
		if born := b.Child.BirthDate(); born.Before(from) || born.After(to) {
			continue
		}
		guardian := b.Father.ID
		if guardian == "" {
			guardian = b.Mother.ID
		}
		res, err := reg.Lookup(context.Background(), string(guardian), string(b.Child), core.Primary)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		n++
		if !res.Decision.Eligible {
			tally["ineligible"]++
			continue
		}
		tally[res.Decision.Category]++
	}
	if n < 450 || n > 750 {
		t.Fatalf("%d primary entrants among 2000 families, want about 600", n)
	}
	bounds := map[string][2]float64{"hukou_property": {0.40, 0.65}, "property_only": {0.06, 0.18},
		"hukou_only": {0.06, 0.18}, "migrant": {0.05, 0.16}, "ineligible": {0.05, 0.20}}
	for k, b := range bounds {
		if share := float64(tally[k]) / float64(n); share < b[0] || share > b[1] {
			t.Errorf("%s: %.3f of entrants, want %.2f–%.2f (all: %v)", k, share, b[0], b[1], tally)
		}
	}
}
