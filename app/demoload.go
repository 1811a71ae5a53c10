package app

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// DemoLoadOptions says how many applications `demo load` puts into an
// engine and how they are drawn.
type DemoLoadOptions struct {
	// Applications is how many applications the engine should store
	// (accepted: verified, needs review or rejected by its decision).
	Applications int
	// Seed chooses the families, their kiosks, rankings and phone numbers:
	// the same seed, city and Now give the same applications.
	Seed uint64
	// Now is the engine's clock for the load: applications were submitted
	// over the fortnight before it. time.Now when zero.
	Now time.Time
	// Progress, if set, is called after each stored batch.
	Progress func(stored, total int)
	// Personas loads the city's personas first — each a family whose
	// records give one case (a guardian to check, a locked property, no
	// records…), the twins both, by the same parent — and then the drawn
	// families: the staff demo shows every case, and the twins as a
	// duplicate set. Those not eligible go to the counter as any other.
	Personas bool
}

// DemoLoadStats counts what a load did.
type DemoLoadStats struct {
	Candidates   int // entry-age children of the city with a parent on record, and the personas
	Looked       int // families looked up
	Skipped      int // not eligible and went to the counter instead (never submitted)
	Stored       int // accepted by the engine
	Duplicate    int // already on the engine (an earlier load)
	Conflict     int // the child already had an application on the engine
	Refused      int // refused by the engine (e.g. choices outside the zone)
	ByState      map[core.State]int
	ByCategory   map[string]int // the engine's category name ("" none) of the stored ones
	ByStage      map[core.Stage]int
	KioskOffline int // taken 待核验 at a kiosk without the engine, decided on arrival
	Devices      []string
	Elapsed      time.Duration
}

// ErrDemoCityTooSmall is DemoLoad's answer when the city has fewer
// entry-age children than applications asked for.
var ErrDemoCityTooSmall = errors.New("the demo city is too small")

// Demo kiosks the load registers on the engine (once; later loads reuse them).
var demoDevices = []struct{ id, name string }{
	{"KD-DEMO-RC01", "任城区政务服务大厅-1（演示）"},
	{"KD-DEMO-RC02", "任城区政务服务大厅-2（演示）"},
	{"KD-DEMO-YZ01", "兖州区政务服务大厅-1（演示）"},
	{"KD-DEMO-ZC01", "邹城市政务服务大厅-1（演示）"},
}

// Shares of the load's families that behave otherwise than the plain path.
const (
	demoOfflineShare   = 0.04 // applied at a kiosk that could not reach the engine (待核验)
	demoIneligibleTry  = 0.35 // of those not eligible: applied anyway at an offline kiosk (the engine rejects)
	demoFavouriteShare = 0.65 // in a multi-school zone: rank the zone's first (best-known) school first
	demoBatch          = 500
	demoSpan           = 14 * 24 * time.Hour // applications arrive over the fortnight before Now
)

// DemoLoad fills an engine with applications from the demo city's
// families, as kiosks would push them: each family is looked up on the
// city, submitted (core.Submit) at one of the demo kiosks, decided by the
// engine's own Decider and stored through Store.Ingest in batches. Every
// category appears, families with data gaps need review, not-eligible
// families that applied offline are rejected, and in multi-school zones
// most families rank the zone's first school first, so it fills up. The
// same seed, city and Now give the same applications (IDs included).
// When the city has fewer entry-age children than asked for, it stores
// nothing and returns ErrDemoCityTooSmall with the advice.
func DemoLoad(ctx context.Context, store engineapi.Store, city *sqlite.DB, o DemoLoadOptions) (DemoLoadStats, error) {
	start := time.Now()
	st := DemoLoadStats{ByState: map[core.State]int{}, ByCategory: map[string]int{}, ByStage: map[core.Stage]int{}}
	if o.Applications < 1 {
		return st, core.Errorf(core.EINVALID, "demo load needs at least one application")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	policy, err := policyfile.Default()
	if err != nil {
		return st, err
	}
	reg := &core.Registrar{Sources: core.SourcesOf(city.City()), Policy: policy, Now: func() time.Time { return o.Now }}
	cands, err := demoCandidates(ctx, city, policy.Year)
	if err != nil {
		return st, err
	}
	st.Candidates = len(cands)
	if len(cands) < o.Applications {
		return st, fmt.Errorf("%w: it has %d entry-age children with a parent on record, fewer than the %d applications asked for; "+
			"build a bigger one with `enrolldesk demo init --db BIG.db --families %d` (about %.2f entry-age children a family)",
			ErrDemoCityTooSmall, len(cands), o.Applications, familiesFor(o.Applications), demoChildrenPerFamily)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x656e726f6c6c))
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	if o.Personas {
		if cands, err = personasFirst(ctx, city, cands); err != nil {
			return st, err
		}
	}
	if st.Devices, err = demoRegisterDevices(ctx, store, o.Now, rng); err != nil {
		return st, err
	}
	memo := &memoLookup{reg: reg, done: map[string]*core.LookupResult{}}
	decider := &engineapi.Decider{Lookup: memo, Year: policy.Year}

	next, submitted := 0, 0
	for st.Stored < o.Applications && next < len(cands) {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		want := o.Applications - st.Stored
		// At most one application per candidate: never more than asked for.
		chunk := cands[next:min(next+min(want, demoBatch), len(cands))]
		next += len(chunk)
		results := lookupAll(ctx, reg, chunk)
		memo.reset()
		byDevice := map[string][]engineapi.Intake{}
		var order []string
		var last time.Time
		for i, c := range chunk {
			r := results[i]
			if r.err != nil {
				if _, domain := r.err.(*core.Error); domain {
					st.Skipped++
					continue
				}
				return st, fmt.Errorf("demo load: look up: %w", r.err)
			}
			st.Looked++
			memo.put(c, r.res)
			// Applications arrive over the fortnight before Now, in load order.
			at := o.Now.Add(-demoSpan + time.Duration(float64(demoSpan)*float64(submitted)/float64(o.Applications))).Truncate(time.Second)
			if at.After(o.Now) {
				at = o.Now
			}
			app, offline, ok := demoSubmit(rng, c, r.res, st.Devices, at)
			if !ok {
				st.Skipped++
				continue
			}
			submitted++
			if offline {
				st.KioskOffline++
			}
			received := app.CreatedAt.Add(time.Duration(rng.IntN(300)) * time.Second)
			if received.After(o.Now) {
				received = o.Now
			}
			if received.After(last) {
				last = received
			}
			in, err := decider.Decide(ctx, app.KioskID, app, received)
			if err != nil {
				return st, fmt.Errorf("demo load: decide: %w", err)
			}
			if _, seen := byDevice[app.KioskID]; !seen {
				order = append(order, app.KioskID)
			}
			byDevice[app.KioskID] = append(byDevice[app.KioskID], in)
		}
		for _, dev := range order {
			items := byDevice[dev]
			res, err := store.Ingest(ctx, dev, items, last)
			if err != nil {
				return st, fmt.Errorf("demo load: ingest: %w", err)
			}
			for i, r := range res {
				switch r.Outcome {
				case engineapi.ItemAccepted:
					st.Stored++
					a := items[i].App
					st.ByState[a.State]++
					st.ByCategory[a.Decision.CategoryName]++
					st.ByStage[a.Stage]++
				case engineapi.ItemDuplicate:
					st.Duplicate++
				case engineapi.ItemConflict:
					st.Conflict++
				default:
					st.Refused++
				}
			}
		}
		if o.Progress != nil {
			o.Progress(min(st.Stored, o.Applications), o.Applications)
		}
	}
	st.Elapsed = time.Since(start)
	if st.Stored < o.Applications {
		return st, fmt.Errorf("%w: only %d of %d applications could be stored (%d children looked up, %d not eligible and not applying, %d already on the engine, %d conflicts); "+
			"build a bigger city with `enrolldesk demo init --families %d` or load into a fresh engine",
			ErrDemoCityTooSmall, st.Stored, o.Applications, st.Looked, st.Skipped, st.Duplicate, st.Conflict, familiesFor(o.Applications))
	}
	return st, nil
}

// demoCandidate is one child of entry age with the parent who applies.
type demoCandidate struct {
	guardian, child core.ResidentID
	stage           core.Stage
}

func (c demoCandidate) key() string {
	return string(c.guardian) + "|" + string(c.child) + "|" + string(c.stage)
}

// demoCandidates lists every child born in the primary or junior entry
// window of year with a parent on the birth record, and every persona,
// in a fixed order (child, stage).
func demoCandidates(ctx context.Context, city *sqlite.DB, year int) ([]demoCandidate, error) {
	raw, err := sql.Open("sqlite3", "file:"+city.Path()+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("demo load: open city: %w", err)
	}
	defer raw.Close()
	win := func(age int) (string, string) {
		return fmt.Sprintf("%04d0901", year-age-1), fmt.Sprintf("%04d0831", year-age)
	}
	pFrom, pTo := win(6)
	jFrom, jTo := win(12)
	rows, err := raw.QueryContext(ctx, `SELECT child, father_id, mother_id, substr(child, 7, 8) AS born FROM births
		WHERE born BETWEEN ?1 AND ?2 OR born BETWEEN ?3 AND ?4 ORDER BY child, id`, pFrom, pTo, jFrom, jTo)
	if err != nil {
		return nil, fmt.Errorf("demo load: children: %w", err)
	}
	defer rows.Close()
	var out []demoCandidate
	seen := map[string]bool{}
	for rows.Next() {
		var child, father, mother, born string
		if err := rows.Scan(&child, &father, &mother, &born); err != nil {
			return nil, fmt.Errorf("demo load: children: %w", err)
		}
		stage := core.Primary
		if born <= jTo {
			stage = core.Junior
		}
		g := mother
		// The applying parent: by the child's number, so the choice does
		// not depend on the seed's shuffle.
		if father != "" && (mother == "" || child[len(child)-2]%2 == 0) {
			g = father
		}
		if g == "" || seen[child+string(stage)] {
			continue
		}
		seen[child+string(stage)] = true
		out = append(out, demoCandidate{core.ResidentID(g), core.ResidentID(child), stage})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("demo load: children: %w", err)
	}
	ps, err := city.City().Personas(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo load: personas: %w", err)
	}
	for _, p := range ps {
		if !seen[string(p.ChildID)+string(p.Stage)] {
			seen[string(p.ChildID)+string(p.Stage)] = true
			out = append(out, demoCandidate{p.GuardianID, p.ChildID, p.Stage})
		}
	}
	return out, nil
}

// personasFirst puts the city's personas (and a twin's sibling, applied
// for by the same parent) before the other candidates.
func personasFirst(ctx context.Context, city *sqlite.DB, cands []demoCandidate) ([]demoCandidate, error) {
	ps, err := city.City().Personas(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo load: personas: %w", err)
	}
	var first []demoCandidate
	taken := map[string]bool{}
	for _, p := range ps {
		for _, child := range []core.ResidentID{p.ChildID, p.SiblingID} {
			if child == "" || taken[string(child)+string(p.Stage)] {
				continue
			}
			taken[string(child)+string(p.Stage)] = true
			first = append(first, demoCandidate{p.GuardianID, child, p.Stage})
		}
	}
	for _, c := range cands {
		if !taken[string(c.child)+string(c.stage)] {
			first = append(first, c)
		}
	}
	return first, nil
}

// demoChildrenPerFamily is how many entry-age children (primary and
// junior) the demo generator gives a family: 0.49 – 0.51 measured on cities
// of 2,000 to 300,000 families.
const demoChildrenPerFamily = 0.49

// familiesFor is how many families a demo city needs for n applications,
// with a margin for the families that are not eligible and do not apply.
func familiesFor(n int) int {
	return int(float64(n)/demoChildrenPerFamily*1.15/1000+1) * 1000
}

type lookupResult struct {
	res *core.LookupResult
	err error
}

// lookupAll looks the chunk's families up on every core, each result in
// its candidate's slot so the outcome does not depend on scheduling.
func lookupAll(ctx context.Context, reg *core.Registrar, chunk []demoCandidate) []lookupResult {
	out := make([]lookupResult, len(chunk))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				c := chunk[i]
				out[i].res, out[i].err = reg.Lookup(ctx, string(c.guardian), string(c.child), c.stage)
			}
		})
	}
	for i := range chunk {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// memoLookup answers the engine's Decider with the look-up the load just
// made for the kiosk (same city, same clock), so each family is looked up
// once; an unknown family is looked up afresh.
type memoLookup struct {
	reg  *core.Registrar
	done map[string]*core.LookupResult
}

func (m *memoLookup) put(c demoCandidate, r *core.LookupResult) { m.done[c.key()] = r }
func (m *memoLookup) reset()                                    { clear(m.done) }

func (m *memoLookup) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	if r, ok := m.done[guardian+"|"+child+"|"+string(stage)]; ok {
		return r, nil
	}
	return m.reg.Lookup(ctx, guardian, child, stage)
}

// demoSubmit is the family at a kiosk: it submits an eligible decision
// with its ranking, or — at a kiosk without the engine, or not eligible
// but applying anyway offline — an application taken 待核验. ok is false
// for a family that does not submit.
func demoSubmit(rng *rand.Rand, c demoCandidate, res *core.LookupResult, devices []string, at time.Time) (app core.Application, offline, ok bool) {
	dev := devices[rng.IntN(len(devices))]
	phone := fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000))
	id := demoUUID(rng)
	draft := res.Application
	offline = rng.Float64() < demoOfflineShare
	var choices []core.School
	switch {
	case !res.Decision.Eligible:
		if rng.Float64() >= demoIneligibleTry {
			return app, false, false
		}
		offline = true
	case !offline:
		choices = demoRank(rng, res.Decision.Schools())
	}
	if offline {
		p, err := core.PendingLookup(string(c.guardian), string(c.child), c.stage, at)
		if err != nil {
			return app, false, false
		}
		draft = p.Application
	}
	draft.ID = id
	a, err := core.Submit(core.Submission{Draft: draft, Choices: choices, Phone: phone, Consent: true, KioskID: dev, At: at})
	if err != nil {
		return app, false, false
	}
	return a, offline, true
}

// demoRank ranks a zone's schools: most families put the zone's first
// (best-known) school first, the others rank at random.
func demoRank(rng *rand.Rand, zone []core.School) []core.School {
	out := slices.Clone(zone)
	if len(out) < 2 || rng.Float64() < demoFavouriteShare {
		return out
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// demoUUID is a version-4 UUID from the seeded generator, so a load is
// reproducible to the ID.
func demoUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// demoRegisterDevices adds and registers the demo kiosks on the engine,
// keyed from the seed; devices an earlier load registered are reused.
func demoRegisterDevices(ctx context.Context, store engineapi.Store, now time.Time, rng *rand.Rand) ([]string, error) {
	var ids []string
	for _, d := range demoDevices {
		seed := make([]byte, ed25519.SeedSize)
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}
		ids = append(ids, d.id)
		if got, err := store.Device(ctx, d.id); err == nil {
			if got.Revoked() {
				return nil, core.Errorf(core.ECONFLICT, "demo kiosk %s is revoked on this engine: load into a fresh engine database", d.id)
			}
			continue
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return nil, fmt.Errorf("demo load: device %s: %w", d.id, err)
		}
		code := d.id + "-" + hex.EncodeToString(seed[:8])
		dev := engineapi.Device{ID: d.id, Name: d.name, CreatedAt: now.Add(-15 * 24 * time.Hour), CodeExpires: now.Add(engineapi.CodeTTL)}
		if err := store.AddDevice(ctx, dev, engineapi.HashCode(code)); err != nil {
			return nil, fmt.Errorf("demo load: add device %s: %w", d.id, err)
		}
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if _, err := store.RegisterDevice(ctx, engineapi.HashCode(code), pub, d.name, now); err != nil {
			return nil, fmt.Errorf("demo load: register device %s: %w", d.id, err)
		}
	}
	return ids, nil
}

// DemoLoad fills this engine with demo applications from its own city
// (see DemoLoad); for `make run-staff` and screenshots.
func (e *Engine) DemoLoad(ctx context.Context, o DemoLoadOptions) (DemoLoadStats, error) {
	if e.city == nil {
		return DemoLoadStats{}, ErrNoCity
	}
	return DemoLoad(ctx, e.store, e.city, o)
}
