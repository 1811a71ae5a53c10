package syncer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Item is one application due to be pushed, with how often it was tried.
type Item struct {
	App      core.Application
	Attempts int
}

// Outbox is the kiosk's durable sync queue (the sqlite store, wired by the
// app package). Every method is one transaction.
type Outbox interface {
	// Due returns up to limit items whose next attempt is due at now, or
	// lies more than horizon after now (a fast clock scheduled it), oldest first.
	Due(ctx context.Context, now time.Time, horizon time.Duration, limit int) ([]Item, error)
	// NextOutboxAttempt is when the earliest item is due; ok is false when the outbox is empty.
	NextOutboxAttempt(ctx context.Context) (next time.Time, ok bool, err error)
	// MarkSynced removes answered items (accepted, duplicate, conflict) and records the answers.
	MarkSynced(ctx context.Context, results []engineapi.ItemResult, at time.Time) error
	// MarkFailed counts a failed attempt and schedules the next at next(attempts).
	MarkFailed(ctx context.Context, appIDs []string, next func(attempts int) time.Time, lastError string) error
	// DeadLetter moves refused items (ID and Reason used) to the dead-letter list.
	DeadLetter(ctx context.Context, refused []engineapi.ItemResult, at time.Time) error
	// PullCursor and ApplyStatusChanges keep the pulled status changes.
	PullCursor(ctx context.Context) (int64, error)
	ApplyStatusChanges(ctx context.Context, changes []engineapi.StatusChange, next int64, at time.Time) error
}

// Engine is what the worker asks of the engine (*Client).
type Engine interface {
	Push(ctx context.Context, apps []core.Application) ([]engineapi.ItemResult, error)
	Pull(ctx context.Context, after int64, limit int) (engineapi.PullResponse, error)
}

var _ Engine = (*Client)(nil)

// Defaults of Worker's settings.
const (
	DefaultIdle        = 30 * time.Second
	DefaultBaseBackoff = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultPoisonAfter = 3
)

// bisectBudget bounds the requests spent finding poison items in one
// refused batch: a single poison item in 500 takes about 18.
const bisectBudget = 64

// recordTimeout bounds writing an answer the engine already gave, which
// happens even after the worker was told to stop.
const recordTimeout = 10 * time.Second

// Worker drains the outbox into the engine in batches and pulls status
// changes back. It marks an item only on the engine's answer for that
// item: accepted, duplicate and conflict are synced; rejected goes to the
// dead-letter list; a request that fails as a whole leaves every item in
// the outbox and backs off with jitter. A batch the engine refuses as a
// whole (400) for PoisonAfter attempts is bisected, and the items refused
// on their own are dead-lettered, so one poison item cannot stop the queue.
//
// Set the fields before Run; Kick, Changed and Status are safe from any
// goroutine.
type Worker struct {
	Engine      Engine
	Outbox      Outbox
	Batch       int           // applications per push, ≤ engineapi.MaxBatch (default)
	Idle        time.Duration // how often to look again with nothing due (pulls status changes)
	BaseBackoff time.Duration // first retry delay; doubles per failure
	MaxBackoff  time.Duration // cap of the retry delay
	PoisonAfter int           // attempts of a batch refused whole before it is bisected
	Now         func() time.Time
	Logf        func(format string, args ...any) // nil: silent

	kick    chan struct{}
	pass    sync.Mutex // one pass at a time
	mu      sync.Mutex
	changed chan struct{}
	status  Status
}

// Status is the worker's view of its engine, for the maintenance screen.
type Status struct {
	LastSuccess time.Time // the engine last answered a pass
	LastAttempt time.Time
	LastError   string // "" after a successful pass
	Failures    int    // failed passes in a row
	Refused     bool   // the engine refuses this device: staff must re-enroll it; nothing is lost meanwhile
}

// Report counts what one pass did.
type Report struct {
	Pushed, Accepted, Duplicates, Conflicts, Dead, Failed, Pulled int
}

// NewWorker returns a worker with the default settings; a Worker must be
// made by it.
func NewWorker(e Engine, o Outbox) *Worker {
	return &Worker{Engine: e, Outbox: o, Batch: engineapi.MaxBatch, Idle: DefaultIdle,
		BaseBackoff: DefaultBaseBackoff, MaxBackoff: DefaultMaxBackoff, PoisonAfter: DefaultPoisonAfter,
		kick: make(chan struct{}, 1), changed: make(chan struct{})}
}

// Kick asks the worker to sync now (after a submit) instead of waiting.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Changed returns a channel closed the next time the worker records
// answers or a pass ends: take it before Kick, then look at the store.
func (w *Worker) Changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changed
}

func (w *Worker) notify() {
	w.mu.Lock()
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// Status returns the worker's view of its engine.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Run syncs until ctx ends: a pass whenever something is due, kicked, or
// Idle has passed; after a failed pass it waits the backoff.
func (w *Worker) Run(ctx context.Context) {
	for ctx.Err() == nil {
		_, err := w.Sync(ctx)
		wait := w.Idle
		if wait <= 0 {
			wait = DefaultIdle
		}
		if err != nil {
			wait = w.waitAfter(err)
		} else if next, ok, err := w.Outbox.NextOutboxAttempt(ctx); err == nil && ok {
			wait = min(wait, w.untilDue(next))
		}
		w.sleep(ctx, wait, true)
	}
}

// Drain syncs until the outbox is empty (dead letters aside), retrying
// failed passes with backoff. It returns nil once empty, ctx's error when
// ctx ends first, and the engine's refusal when it refuses this device.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		_, err := w.Sync(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if Refused(err) {
			return err
		}
		next, ok, qerr := w.Outbox.NextOutboxAttempt(ctx)
		if qerr != nil {
			return qerr
		}
		wait := w.waitAfter(err)
		if err == nil {
			if !ok {
				return nil
			}
			wait = w.untilDue(next)
		}
		if !w.sleep(ctx, wait, false) {
			return ctx.Err()
		}
	}
}

// waitAfter is how long to wait after a failed pass: the backoff, or the
// engine's Retry-After when longer (a 429), clamped to the backoff cap; the
// cap when the engine refuses the device (someone has to act first).
func (w *Worker) waitAfter(err error) time.Duration {
	if err == nil {
		return w.backoff(w.Status().Failures)
	}
	if Refused(err) {
		return w.backoffCap(64)
	}
	return max(w.backoff(w.Status().Failures), min(RetryAfter(err), w.backoffCap(64)))
}

// untilDue is how long to wait for an item scheduled at next: never more
// than the back-off cap, whatever the clock did since — a retry time past
// the cap was set by a clock that ran fast, and counts as due now.
func (w *Worker) untilDue(next time.Time) time.Duration {
	d := next.Sub(w.now())
	if d > w.backoffCap(64) {
		return 0
	}
	return max(d, 0)
}

// sleep waits d, or until ctx ends (false), or a kick when kickable.
func (w *Worker) sleep(ctx context.Context, d time.Duration, kickable bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var kick chan struct{}
	if kickable {
		kick = w.kick
	}
	select {
	case <-ctx.Done():
		return false
	case <-kick:
	case <-t.C:
	}
	return true
}

// Sync runs one pass: it pushes every due item in batches, then pulls
// status changes. It stops at the first failure of a whole request.
func (w *Worker) Sync(ctx context.Context) (Report, error) {
	w.pass.Lock()
	defer w.pass.Unlock()
	defer w.notify()
	var rep Report
	err := w.pushDue(ctx, &rep)
	if err == nil {
		err = w.pull(ctx, &rep)
	}
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.LastAttempt = w.now()
	if err != nil {
		w.status.Failures++
		w.status.LastError = err.Error()
		w.status.Refused = Refused(err)
		if w.status.Refused {
			w.logf("sync: %v — the engine refuses this kiosk: nothing is lost, the queue waits until an admin enrolls it again", err)
		} else {
			w.logf("sync: %v (retry in up to %v)", err, w.backoffCap(w.status.Failures))
		}
		return rep, err
	}
	w.status.Failures, w.status.LastError, w.status.Refused = 0, "", false
	w.status.LastSuccess = w.status.LastAttempt
	return rep, nil
}

func (w *Worker) pushDue(ctx context.Context, rep *Report) error {
	for {
		items, err := w.Outbox.Due(ctx, w.now(), w.backoffCap(64), w.batch())
		if err != nil || len(items) == 0 {
			return err
		}
		if err := w.pushBatch(ctx, items, rep); err != nil {
			return err
		}
	}
}

// pushBatch pushes one batch and records the answers. A batch refused as a
// whole is retried later, or bisected once it has been refused PoisonAfter
// times (at once when it was too large).
func (w *Worker) pushBatch(ctx context.Context, items []Item, rep *Report) error {
	results, err := w.Engine.Push(ctx, apps(items))
	rep.Pushed += len(items)
	if err == nil {
		return w.record(ctx, items, results, rep)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	tooLarge, refused := badRequest(err)
	switch {
	case Refused(err):
		return err // not the items' fault: they wait untouched
	case !refused:
		next := w.retryAfterOutage
		if ra := min(RetryAfter(err), w.backoffCap(64)); ra > 0 {
			next = func(n int) time.Time { return maxTime(w.retryAfterOutage(n), w.now().Add(ra)) }
		}
		return errors.Join(err, w.markFailed(ctx, items, err, next, rep))
	case tooLarge || maxAttempts(items)+1 >= w.poisonAfter():
		return w.isolate(ctx, items, err, tooLarge, rep)
	default:
		return w.markFailed(ctx, items, err, w.itemBackoff, rep)
	}
}

// isolate bisects a batch the engine refuses as a whole, records the
// answers of the parts it takes, and dead-letters the items it refuses on
// their own — when the engine took other items meanwhile, or an item alone
// was refused twice PoisonAfter times; otherwise (every part refused: the
// engine, not the items, is at fault) they wait with backoff.
func (w *Worker) isolate(ctx context.Context, items []Item, cause error, tooLarge bool, rep *Report) error {
	culprits, reasons, anyOK := items, []string{refusal(cause)}, false
	if len(items) > 1 {
		budget := bisectBudget
		var err error
		if culprits, reasons, anyOK, err = w.split(ctx, items, rep, &budget); err != nil {
			return err
		}
	}
	var dead []engineapi.ItemResult
	var wait []Item
	for i, it := range culprits {
		if anyOK || tooLarge || len(items) == 1 && it.Attempts+1 >= 2*w.poisonAfter() {
			dead = append(dead, engineapi.ItemResult{ID: it.App.ID, Outcome: engineapi.ItemRejected, Reason: reasons[i]})
		} else {
			wait = append(wait, it)
		}
	}
	if len(wait) > 0 {
		if err := w.markFailed(ctx, wait, errors.New(reasons[0]), w.itemBackoff, rep); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		w.logf("sync: %d poison application(s) moved to the dead-letter list", len(dead))
		rec, cancel := recordContext(ctx)
		defer cancel()
		if err := w.Outbox.DeadLetter(rec, dead, w.now()); err != nil {
			return err
		}
		rep.Dead += len(dead)
	}
	return nil
}

// bisect pushes items in halves until each refused part is a single item.
// It returns those items with the engine's words, and whether the engine
// took anything. A failure other than a refusal (or the budget running
// out) ends it with the undecided items marked failed.
func (w *Worker) bisect(ctx context.Context, items []Item, rep *Report, budget *int) ([]Item, []string, bool, error) {
	if *budget <= 0 {
		err := errors.New("too many poison applications in one batch; will retry")
		return nil, nil, false, w.markFailed(ctx, items, err, w.itemBackoff, rep)
	}
	*budget--
	results, err := w.Engine.Push(ctx, apps(items))
	rep.Pushed += len(items)
	if err == nil {
		return nil, nil, true, w.record(ctx, items, results, rep)
	}
	if ctx.Err() != nil {
		return nil, nil, false, ctx.Err()
	}
	if Refused(err) {
		return nil, nil, false, err
	}
	if _, refused := badRequest(err); !refused {
		return nil, nil, false, errors.Join(err, w.markFailed(ctx, items, err, w.retryAfterOutage, rep))
	}
	if len(items) == 1 {
		return items, []string{refusal(err)}, false, nil
	}
	return w.split(ctx, items, rep, budget)
}

// split bisects each half of items.
func (w *Worker) split(ctx context.Context, items []Item, rep *Report, budget *int) ([]Item, []string, bool, error) {
	half := len(items) / 2
	c1, r1, ok1, err := w.bisect(ctx, items[:half], rep, budget)
	if err != nil {
		return nil, nil, false, err
	}
	c2, r2, ok2, err := w.bisect(ctx, items[half:], rep, budget)
	return append(c1, c2...), append(r1, r2...), ok1 || ok2, err
}

// refusal is the engine's words for a refused request, for staff.
func refusal(err error) string {
	var e *APIError
	if errors.As(err, &e) && e.Message != "" {
		return fmt.Sprintf("引擎拒收（%d %s）：%s", e.Status, e.Reason, e.Message)
	}
	return "引擎拒收：" + err.Error()
}

// record keeps the engine's answer for each item of a batch: synced,
// dead-lettered, or — when the engine did not answer for it — failed.
func (w *Worker) record(ctx context.Context, items []Item, results []engineapi.ItemResult, rep *Report) error {
	byID := make(map[string]engineapi.ItemResult, len(results))
	for _, r := range results {
		byID[r.ID] = r
	}
	var synced, dead []engineapi.ItemResult
	var unanswered []Item
	for _, it := range items {
		r, ok := byID[it.App.ID]
		switch {
		case !ok:
			unanswered = append(unanswered, it)
		case r.Outcome == engineapi.ItemAccepted:
			rep.Accepted++
			synced = append(synced, r)
		case r.Outcome == engineapi.ItemDuplicate:
			rep.Duplicates++
			synced = append(synced, r)
		case r.Outcome == engineapi.ItemConflict:
			rep.Conflicts++
			synced = append(synced, r)
		case r.Outcome == engineapi.ItemRejected:
			if r.Reason == "" {
				r.Reason = "引擎拒收，未说明原因"
			}
			dead = append(dead, r)
		default:
			unanswered = append(unanswered, it)
		}
	}
	// The engine has answered: keep its answers even if we are stopping.
	rec, cancel := recordContext(ctx)
	defer cancel()
	if len(synced) > 0 {
		if err := w.Outbox.MarkSynced(rec, synced, w.now()); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		if err := w.Outbox.DeadLetter(rec, dead, w.now()); err != nil {
			return err
		}
		rep.Dead += len(dead)
	}
	w.notify()
	if len(unanswered) > 0 {
		return w.markFailed(rec, unanswered, errors.New("the engine gave no answer for this application"), w.itemBackoff, rep)
	}
	return nil
}

func (w *Worker) markFailed(ctx context.Context, items []Item, cause error, next func(int) time.Time, rep *Report) error {
	rec, cancel := recordContext(ctx)
	defer cancel()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.App.ID
	}
	rep.Failed += len(items)
	return w.Outbox.MarkFailed(rec, ids, next, cause.Error())
}

// retryAfterOutage schedules items of a request that failed as a whole
// for when the worker itself will try again.
func (w *Worker) retryAfterOutage(int) time.Time {
	return w.now().Add(w.backoff(w.Status().Failures + 1))
}

// pull fetches status changes until the engine has none newer.
func (w *Worker) pull(ctx context.Context, rep *Report) error {
	cursor, err := w.Outbox.PullCursor(ctx)
	if err != nil {
		return err
	}
	for range 1000 {
		resp, err := w.Engine.Pull(ctx, cursor, engineapi.MaxBatch)
		if err != nil {
			return err
		}
		rec, cancel := recordContext(ctx)
		err = w.Outbox.ApplyStatusChanges(rec, resp.Changes, resp.Next, w.now())
		cancel()
		if err != nil {
			return err
		}
		rep.Pulled += len(resp.Changes)
		if len(resp.Changes) == 0 || resp.Next == cursor {
			return nil
		}
		cursor = resp.Next
	}
	return nil
}

// recordContext is ctx without its cancellation, bounded: an answer the
// engine gave is written down even when the worker is stopping.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

// backoff is the wait after the n-th failure in a row: BaseBackoff doubled
// per failure, capped at MaxBackoff, with jitter over its upper half so
// many kiosks coming back together do not retry in step.
func (w *Worker) backoff(n int) time.Duration {
	d := w.backoffCap(n)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (w *Worker) backoffCap(n int) time.Duration {
	base, limit := w.BaseBackoff, w.MaxBackoff
	if base <= 0 {
		base = DefaultBaseBackoff
	}
	if limit <= 0 {
		limit = DefaultMaxBackoff
	}
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// itemBackoff schedules an item's next attempt after its n-th failure.
func (w *Worker) itemBackoff(n int) time.Time { return w.now().Add(w.backoff(n)) }

func (w *Worker) batch() int {
	if w.Batch <= 0 || w.Batch > engineapi.MaxBatch {
		return engineapi.MaxBatch
	}
	return w.Batch
}

func (w *Worker) poisonAfter() int {
	if w.PoisonAfter <= 0 {
		return DefaultPoisonAfter
	}
	return w.PoisonAfter
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) logf(format string, args ...any) {
	if w.Logf != nil {
		w.Logf(format, args...)
	}
}

func apps(items []Item) []core.Application {
	out := make([]core.Application, len(items))
	for i, it := range items {
		out[i] = it.App
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func maxAttempts(items []Item) int {
	n := 0
	for _, it := range items {
		n = max(n, it.Attempts)
	}
	return n
}
