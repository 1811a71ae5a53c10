package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/review"
)

// The review desk's store (issue 9): engineapi.ReviewStore over the
// engine_review table of migration 0011, which triggers keep in step with
// engine_applications. Reads go to the pool; every change runs in one
// transaction under the writer lock and appends its audit events through
// auditTx inside it.

var _ engineapi.ReviewStore = (*EngineStore)(nil)

// reviewConfig is what the review desk takes from the policy, and its
// cache of queue totals.
type reviewConfig struct {
	mu               sync.RWMutex
	days             int    // review deadline; 0: core.DefaultReviewDays
	counter, hotline string // for reason placeholders

	// gen counts the changes to engine_review this store made (every one
	// goes through SyncReview or reviewWrite); totals holds the COUNTs of
	// filters the kept counts cannot answer, valid for one gen.
	gen    atomic.Uint64
	totals sync.Map // string → cachedTotal
}

type cachedTotal struct {
	gen   uint64
	total int
}

// maxCachedTotals bounds the cache; it is emptied when full.
const maxCachedTotals = 512

// SetReviewPolicy takes the review deadline and the notice's counter and
// hotline (reason placeholders) from the policy.
func (s *EngineStore) SetReviewPolicy(p *core.Policy) {
	s.review.mu.Lock()
	defer s.review.mu.Unlock()
	s.review.days = p.ReviewDeadline()
	s.review.counter, s.review.hotline = p.Notice.Counter, p.Notice.Hotline
}

func (s *EngineStore) reviewDays() int {
	s.review.mu.RLock()
	defer s.review.mu.RUnlock()
	if s.review.days == 0 {
		return core.DefaultReviewDays
	}
	return s.review.days
}

// SyncReview rebuilds the engine_review rows of the applications that
// changed since (marked by triggers on engine_applications) and assigns
// the new ones that need review. Every review read and write calls it;
// it costs one indexed look-up when nothing changed.
func (s *EngineStore) SyncReview(ctx context.Context, now time.Time) error {
	var dirty bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM engine_review_dirty)`).Scan(&dirty); err != nil {
		return fmt.Errorf("review sync: %w", err)
	}
	if !dirty {
		return nil
	}
	defer s.review.gen.Add(1)
	return domainErr(s.write(ctx, func(tx *sql.Tx) error { return s.syncReviewTx(ctx, tx, now) }), "review sync")
}

const freshCols = `app_id, reg_no, state, rank, received_at, school, category, problems, sources, child_id, child_name, guardian_id, birth`

func (s *EngineStore) syncReviewTx(ctx context.Context, tx *sql.Tx, now time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO engine_review (`+freshCols+`) SELECT `+freshCols+` FROM engine_review_fresh WHERE true
		ON CONFLICT (app_id) DO UPDATE SET reg_no = excluded.reg_no, state = excluded.state, rank = excluded.rank,
			received_at = excluded.received_at, school = excluded.school, category = excluded.category, problems = excluded.problems,
			sources = excluded.sources, child_id = excluded.child_id, child_name = excluded.child_name,
			guardian_id = excluded.guardian_id, birth = excluded.birth`)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM engine_review WHERE app_id IN (SELECT app_id FROM engine_review_dirty AS d
		WHERE NOT EXISTS (SELECT 1 FROM engine_applications AS a WHERE a.id = d.app_id))`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM engine_review_dirty`); err != nil {
		return err
	}
	if n > 0 {
		return s.assignNewTx(ctx, tx, now)
	}
	return nil
}

// reviewWrite is write for the review desk: the rows are brought up to
// date before fn and again after it (fn's decisions change them).
func (s *EngineStore) reviewWrite(ctx context.Context, now time.Time, fn func(tx *sql.Tx) error) error {
	defer s.review.gen.Add(1)
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.syncReviewTx(ctx, tx, now); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return s.syncReviewTx(ctx, tx, now)
	})
}

var errNoApp = core.Errorf(core.ENOTFOUND, "没有找到这份报名：请检查登记号，或从队列重新打开。")

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

const reviewCols = `app_id, reg_no, state, rank, received_at, school, category, problems, sources, child_id, child_name,
	guardian_id, birth, assignee, evidence, note, dup_of`

// reviewRow is one row of engine_review.
type reviewRow struct {
	appID, regNo               string
	state                      core.State
	rank                       int
	received                   int64
	school, category, problems string
	sources, child, childName  string
	guardian, birth, assignee  string
	evidence, note, dupOf      string
}

func scanReviewRow(sc scanner) (reviewRow, error) {
	var r reviewRow
	err := sc.Scan(&r.appID, &r.regNo, &r.state, &r.rank, &r.received, &r.school, &r.category, &r.problems, &r.sources,
		&r.child, &r.childName, &r.guardian, &r.birth, &r.assignee, &r.evidence, &r.note, &r.dupOf)
	return r, err
}

func (r reviewRow) key() review.Key {
	return review.Key{Rank: r.rank, Received: r.received, ID: r.appID}
}

func (r reviewRow) receivedAt() time.Time { return time.Unix(r.received, 0).UTC() }

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(strings.Trim(s, ","), ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// usedSources are the review headings the row's evidence touches.
func (r reviewRow) usedSources() []core.Source {
	var out []core.Source
	for _, x := range splitList(r.sources) {
		if h, ok := review.Heading(core.Source(x)); ok && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	// Keep the desk's order.
	slices.SortFunc(out, func(a, b core.Source) int { return sourceIndex(a) - sourceIndex(b) })
	return out
}

func sourceIndex(s core.Source) int {
	for i, si := range review.EvidenceSources {
		if si.Source == s {
			return i
		}
	}
	return len(review.EvidenceSources)
}

// readRow reads an application's review row as who may see it: another
// school's application is not found.
func (s *EngineStore) readRow(ctx context.Context, q querier, who engineapi.Actor, appID string) (reviewRow, error) {
	if appID == "" || len(appID) > 64 {
		return reviewRow{}, core.Errorf(core.EINVALID, "缺少报名编号：请从队列选择一份报名。")
	}
	r, err := scanReviewRow(q.QueryRowContext(ctx, `SELECT `+reviewCols+` FROM engine_review WHERE app_id = `+arg, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNoApp
	}
	if err != nil {
		return r, fmt.Errorf("read review row: %w", err)
	}
	if !who.SeesSchool(r.school) {
		return reviewRow{}, errNoApp
	}
	return r, nil
}

// queueWhere is the WHERE clause of a filter as who may see it.
func (s *EngineStore) queueWhere(who engineapi.Actor, f engineapi.QueueFilter, now time.Time) (string, []any) {
	w, args, _ := s.queueWhereCounted(who, f, now)
	return w, args
}

// queueWhereCounted is queueWhere, and whether the clause names only
// school, state and category, which engine_review_counts answers.
func (s *EngineStore) queueWhereCounted(who engineapi.Actor, f engineapi.QueueFilter, now time.Time) (string, []any, bool) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	counted := f.Problem == "" && !f.Mine && f.Assignee == "" && f.Evidence == "" && !f.Overdue
	if who.Role == engineapi.RoleSchoolAdmin {
		if who.School == "" {
			add("0")
		} else {
			add("school = ?", who.School)
		}
	}
	if f.School != "" {
		add("school = ?", f.School)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if f.Problem != "" {
		add("instr(problems, ?) > 0", ","+f.Problem+",")
	}
	switch {
	case f.Mine:
		add("assignee = ?", who.ID)
	case f.Assignee == "-":
		add("assignee = ''")
	case f.Assignee != "":
		add("assignee = ?", f.Assignee)
	}
	if f.Evidence != "" {
		add("evidence = ?", f.Evidence)
	}
	if f.Overdue {
		days := s.reviewDays()
		add("state IN ('needs_review', 'verified') AND received_at < ?", review.Due(now, -days).Unix())
	}
	if len(conds) == 0 {
		return "1", args, counted
	}
	return strings.Join(conds, " AND "), args, counted
}

// Queue implements engineapi.ReviewStore: a keyset page over
// engine_review's (rank, received_at, app_id) order and a COUNT of the
// same filter.
func (s *EngineStore) Queue(ctx context.Context, who engineapi.Actor, f engineapi.QueueFilter, now time.Time) (engineapi.QueuePage, error) {
	if err := s.SyncReview(ctx, now); err != nil {
		return engineapi.QueuePage{}, err
	}
	limit, err := review.CheckFilter(f)
	if err != nil {
		return engineapi.QueuePage{}, err
	}
	where, args, counted := s.queueWhereCounted(who, f, now)
	page := engineapi.QueuePage{Items: []engineapi.QueueItem{}}
	total, err := s.queueTotal(ctx, where, args, counted)
	if err != nil {
		return page, err
	}
	page.Total = total
	if f.Cursor != "" {
		k, err := review.ParseCursor(f.Cursor)
		if err != nil {
			return page, err
		}
		where += " AND (rank, received_at, app_id) > (?, ?, ?)"
		args = append(args, k.Rank, k.Received, k.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reviewCols+` FROM engine_review WHERE `+where+
		` ORDER BY rank, received_at, app_id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return page, fmt.Errorf("read queue: %w", err)
	}
	var got []reviewRow
	for rows.Next() {
		r, err := scanReviewRow(rows)
		if err != nil {
			rows.Close()
			return page, fmt.Errorf("read queue: %w", err)
		}
		got = append(got, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return page, fmt.Errorf("read queue: %w", err)
	}
	if len(got) > limit {
		got = got[:limit]
		page.Next = got[limit-1].key().Cursor()
	}
	maybe, err := s.maybeDuplicates(ctx, got)
	if err != nil {
		return page, err
	}
	for _, r := range got {
		it := s.queueItem(r, now)
		if maybe[r.appID] {
			sets, err := s.dupSets(ctx, s.db, r)
			if err != nil {
				return page, err
			}
			for _, d := range sets {
				if !d.Resolved {
					it.Duplicate = true
				}
			}
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

// maybeDuplicates names the rows that share a child, or a guardian and
// birth date, with another application: two queries for a whole page.
func (s *EngineStore) maybeDuplicates(ctx context.Context, page []reviewRow) (map[string]bool, error) {
	out := map[string]bool{}
	if len(page) == 0 {
		return out, nil
	}
	children := make([]any, 0, len(page))
	family := make([]any, 0, 2*len(page))
	marks := make([]string, 0, len(page))
	for _, r := range page {
		children = append(children, r.child)
		family = append(family, r.guardian, r.birth)
		marks = append(marks, "(?, ?)")
	}
	shared := map[string]bool{}
	collect := func(q string, args []any) error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return fmt.Errorf("find duplicates: %w", err)
			}
			shared[k] = true
		}
		return rows.Err()
	}
	if err := collect(`SELECT child_id FROM engine_review WHERE child_id IN (?`+strings.Repeat(", ?", len(children)-1)+
		`) GROUP BY child_id HAVING count(*) > 1`, children); err != nil {
		return nil, err
	}
	if err := collect(`SELECT guardian_id || '|' || birth FROM engine_review WHERE guardian_id <> '' AND birth <> '' AND (guardian_id, birth) IN (VALUES `+
		strings.Join(marks, ", ")+`) GROUP BY guardian_id, birth HAVING count(*) > 1`, family); err != nil {
		return nil, err
	}
	for _, r := range page {
		if shared[r.child] || shared[r.guardian+"|"+r.birth] {
			out[r.appID] = true
		}
	}
	return out, nil
}

// queueTotal counts a filter's matches: a sum of the kept counts for
// school, state and category; otherwise a COUNT over the covering index,
// kept until engine_review next changes (paging through a filter counts
// once).
func (s *EngineStore) queueTotal(ctx context.Context, where string, args []any, counted bool) (int, error) {
	var total int
	if counted {
		err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM engine_review_counts WHERE `+where, args...).Scan(&total)
		if err != nil {
			return 0, fmt.Errorf("count queue: %w", err)
		}
		return total, nil
	}
	key := where + fmt.Sprint(args...)
	gen := s.review.gen.Load()
	if c, ok := s.review.totals.Load(key); ok && c.(cachedTotal).gen == gen {
		return c.(cachedTotal).total, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM engine_review WHERE `+where, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count queue: %w", err)
	}
	n := 0
	s.review.totals.Range(func(any, any) bool { n++; return n < maxCachedTotals })
	if n >= maxCachedTotals {
		s.review.totals.Clear()
	}
	s.review.totals.Store(key, cachedTotal{gen: gen, total: total})
	return total, nil
}

func (s *EngineStore) queueItem(r reviewRow, now time.Time) engineapi.QueueItem {
	rec := r.receivedAt()
	due := review.Due(rec, s.reviewDays())
	return engineapi.QueueItem{AppID: r.appID, RegNo: r.regNo, Child: core.ResidentID(r.child).Masked(), ChildName: r.childName,
		School: r.school, Category: r.category, State: r.state, Problems: splitList(r.problems), Evidence: r.evidence,
		Received: rec, Due: due, AgeDays: review.AgeDays(rec, now), Overdue: review.Overdue(r.state, due, now),
		Assignee: r.assignee, Note: r.note}
}

// Detail implements engineapi.ReviewStore.
func (s *EngineStore) Detail(ctx context.Context, who engineapi.Actor, appID string, now time.Time) (engineapi.Detail, error) {
	if err := s.SyncReview(ctx, now); err != nil {
		return engineapi.Detail{}, err
	}
	r, err := s.readRow(ctx, s.db, who, appID)
	if err != nil {
		return engineapi.Detail{}, err
	}
	var claimBody, body string
	if err := s.stmts.claim.QueryRowContext(ctx, appID).Scan(&claimBody, &body); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return engineapi.Detail{}, errNoApp
		}
		return engineapi.Detail{}, fmt.Errorf("open application: %w", err)
	}
	a, err := decodeApplication(body)
	if err != nil {
		return engineapi.Detail{}, err
	}
	claim := a
	if claimBody != "" {
		if claim, err = decodeApplication(claimBody); err != nil {
			return engineapi.Detail{}, err
		}
	}
	statuses, setBy, err := s.evidenceStatuses(ctx, s.db, appID)
	if err != nil {
		return engineapi.Detail{}, err
	}
	items := review.Evidence(a.Decision.Evidence, claim.Decision.Evidence, statusMap(statuses))
	for i := range items {
		if st, ok := setBy[items[i].Source]; ok {
			items[i].SetBy, items[i].SetAt = st.by, st.at
		}
	}
	notes, err := s.notes(ctx, appID)
	if err != nil {
		return engineapi.Detail{}, err
	}
	sets, err := s.dupSets(ctx, s.db, r)
	if err != nil {
		return engineapi.Detail{}, err
	}
	sets = scopeSets(who, sets)
	it := s.queueItem(r, now)
	d := engineapi.Detail{App: a.View(), Claim: claim.View(), Phone: a.Phone, Decision: a.Decision, Kiosk: claim.Decision, KioskPending: claim.Decision.Pending(),
		History: nonNil(a.History), KioskHistory: nonNil(claim.History), Evidence: items, Notes: notes, Duplicates: sets,
		School: r.school, Assignee: r.assignee, Received: it.Received, Due: it.Due, AgeDays: it.AgeDays, Overdue: it.Overdue,
		Actions: actions(who, r.state)}
	return d, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// actions are what who may do to an application in state st.
func actions(who engineapi.Actor, st core.State) []string {
	out := []string{}
	if who.Role == engineapi.RoleHall || !who.Role.Valid() {
		return out
	}
	if review.Undecided(st) {
		out = append(out, "approve", "return", "reject")
	}
	return out
}

type setInfo struct {
	by string
	at time.Time
}

func (s *EngineStore) evidenceStatuses(ctx context.Context, q querier, appID string) (map[core.Source]string, map[core.Source]setInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT source, status, by, at FROM engine_review_evidence WHERE app_id = `+arg, appID)
	if err != nil {
		return nil, nil, fmt.Errorf("read evidence status: %w", err)
	}
	defer rows.Close()
	st, by := map[core.Source]string{}, map[core.Source]setInfo{}
	for rows.Next() {
		var src, status, who string
		var at int64
		if err := rows.Scan(&src, &status, &who, &at); err != nil {
			return nil, nil, fmt.Errorf("read evidence status: %w", err)
		}
		st[core.Source(src)], by[core.Source(src)] = status, setInfo{who, time.Unix(at, 0).UTC()}
	}
	return st, by, rows.Err()
}

func statusMap(m map[core.Source]string) map[core.Source]string { return m }

func (s *EngineStore) notes(ctx context.Context, appID string) ([]engineapi.Note, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, app_id, author, author_name, text, at, edited FROM engine_review_notes
		WHERE app_id = `+arg+` ORDER BY id`, appID)
	if err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	defer rows.Close()
	out := []engineapi.Note{}
	for rows.Next() {
		var n engineapi.Note
		var at, edited int64
		if err := rows.Scan(&n.ID, &n.AppID, &n.Author, &n.AuthorName, &n.Text, &at, &edited); err != nil {
			return nil, fmt.Errorf("read notes: %w", err)
		}
		n.At, n.Edited = time.Unix(at, 0).UTC(), unixOrZero(edited)
		out = append(out, n)
	}
	return out, rows.Err()
}

// --- decisions -------------------------------------------------------------

// Approve implements engineapi.ReviewStore.
func (s *EngineStore) Approve(ctx context.Context, who engineapi.Actor, req engineapi.DecideRequest, now time.Time) (engineapi.StatusChange, error) {
	return s.decide(ctx, who, req, now, core.StateApproved)
}

// ReturnForMore implements engineapi.ReviewStore: the same path as
// Store.Return (verified moves through needs_review), with a reason of
// the library rendered for the SMS.
func (s *EngineStore) ReturnForMore(ctx context.Context, who engineapi.Actor, req engineapi.DecideRequest, now time.Time) (engineapi.StatusChange, error) {
	return s.decide(ctx, who, req, now, core.StateReturned)
}

// Reject implements engineapi.ReviewStore.
func (s *EngineStore) Reject(ctx context.Context, who engineapi.Actor, req engineapi.DecideRequest, now time.Time) (engineapi.StatusChange, error) {
	return s.decide(ctx, who, req, now, core.StateRejected)
}

var actionOf = map[core.State]string{core.StateApproved: "approve", core.StateReturned: "return", core.StateRejected: "reject"}

func (s *EngineStore) decide(ctx context.Context, who engineapi.Actor, req engineapi.DecideRequest, now time.Time, to core.State) (engineapi.StatusChange, error) {
	var c engineapi.StatusChange
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		var err error
		c, err = s.decideTx(ctx, tx, who, req, now, to)
		return err
	})
	return c, domainErr(err, "decide")
}

// domainErr passes a *core.Error through and wraps anything else.
func domainErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *core.Error
	if errors.As(err, &de) {
		return de
	}
	return fmt.Errorf("%s: %w", what, err)
}

// decideTx is one decision inside a transaction.
func (s *EngineStore) decideTx(ctx context.Context, tx *sql.Tx, who engineapi.Actor, req engineapi.DecideRequest, now time.Time, to core.State) (engineapi.StatusChange, error) {
	var c engineapi.StatusChange
	r, err := s.readRow(ctx, tx, who, req.AppID)
	if err != nil {
		return c, err
	}
	if req.State != "" && req.State != r.state {
		return c, core.Errorf(engineapi.ReasonStale, "这份报名刚被改为“%s”（您看到的是“%s”）：请重新打开后再决定。", r.state.Label(), req.State.Label())
	}
	if !review.Undecided(r.state) {
		return c, core.Errorf(core.ECONFLICT, "这份报名已是“%s”，不能再%s：只有“待人工审核”或“数据已核验”的报名可以决定。", r.state.Label(), actionLabel(to))
	}
	if err := s.checkDuplicates(ctx, tx, r); err != nil {
		return c, err
	}
	if to == core.StateApproved {
		if r.dupOf != "" {
			return c, core.Errorf(core.ECONFLICT, "这份报名已被标为重复报名（保留的是另一份），不能通过；可以选择“不予通过”。")
		}
		if r.evidence == engineapi.EvidenceDoubtful {
			return c, core.Errorf(core.ECONFLICT, "有证据被标为“存疑”：请先核实为“已核验”，或选择退回补充、不予通过。")
		}
	}
	var deviceID, body string
	if err := tx.StmtContext(ctx, s.stmts.appDevice).QueryRowContext(ctx, r.appID).Scan(&deviceID, &body); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, errNoApp
		}
		return c, err
	}
	a, err := decodeApplication(body)
	if err != nil {
		return c, err
	}
	reason, used, err := s.reasonFor(ctx, tx, &a, req, to, now)
	if err != nil {
		return c, err
	}
	before := a.State
	actor := who.Label()
	if to != core.StateApproved && a.State == core.StateVerified {
		if err := a.Transition(core.StateNeedsReview, actor, "", now); err != nil {
			return c, err
		}
	}
	if err := a.Transition(to, actor, reason, now); err != nil {
		return c, err
	}
	enc, err := json.Marshal(a)
	if err != nil {
		return c, err
	}
	if _, err := tx.StmtContext(ctx, s.stmts.updateApp).ExecContext(ctx, string(a.State), string(enc), a.ID); err != nil {
		return c, err
	}
	res, err := tx.StmtContext(ctx, s.stmts.insertChange).ExecContext(ctx, deviceID, a.ID, a.RegNo, string(a.State), reason, now.Unix())
	if err != nil {
		return c, err
	}
	c = engineapi.StatusChange{AppID: a.ID, RegNo: a.RegNo, State: a.State, Reason: reason, At: time.Unix(now.Unix(), 0).UTC()}
	if c.Seq, err = res.LastInsertId(); err != nil {
		return c, err
	}
	detail := ""
	if used.ID != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE engine_review_reasons SET frozen = ? WHERE id = ? AND version = ? AND frozen = 0`,
			now.Unix(), used.ID, used.Version); err != nil {
			return c, err
		}
		detail = fmt.Sprintf("reason %s v%d", used.ID, used.Version)
	}
	return c, s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: actor, At: now, Action: actionOf[to], Subject: a.ID,
		Before: string(before), After: string(a.State), Reason: reason, Detail: detail})
}

func actionLabel(to core.State) string {
	switch to {
	case core.StateApproved:
		return "审核通过"
	case core.StateReturned:
		return "退回补充"
	}
	return "不予通过"
}

// reasonFor is the reason text of a decision: none for approval, a
// library reason (rendered) for a return, a library reason or plain text
// for a rejection.
func (s *EngineStore) reasonFor(ctx context.Context, tx *sql.Tx, a *core.Application, req engineapi.DecideRequest, to core.State, now time.Time) (string, engineapi.ReasonText, error) {
	var none engineapi.ReasonText
	if to == core.StateApproved {
		return "", none, nil
	}
	if req.ReasonID == "" {
		text := strings.TrimSpace(req.Text)
		switch {
		case to == core.StateReturned:
			return "", none, core.Errorf(core.EINVALID, "退回补充请从原因库选一条原因（家长会在短信里看到它）。")
		case text == "":
			return "", none, core.Errorf(core.EINVALID, "不予通过需要原因：请从原因库选一条，或写明原因。")
		case len([]rune(text)) > 2*review.MaxReasonRunes:
			return "", none, core.Errorf(core.EINVALID, "原因最多 %d 字（短信要能带上）。", 2*review.MaxReasonRunes)
		}
		return text, none, nil
	}
	rt, err := s.reason(ctx, tx, req.ReasonID, req.ReasonVersion)
	if err != nil {
		return "", none, err
	}
	want := engineapi.ReasonKindReturn
	if to == core.StateRejected {
		want = engineapi.ReasonKindReject
	}
	if rt.Kind != want {
		return "", none, core.Errorf(core.EINVALID, "原因“%s”是%s用的，这里需要%s的原因：请重新选择。", rt.Title, kindLabel(rt.Kind), kindLabel(want))
	}
	s.review.mu.RLock()
	vars := map[string]string{"reg_no": a.RegNo, "child_name": a.Child.Name, "counter": s.review.counter, "hotline": s.review.hotline,
		"deadline": now.AddDate(0, 0, 7).Format("1月2日"), "detail": req.Params["detail"]}
	s.review.mu.RUnlock()
	if len(a.Choices) > 0 {
		vars["school"] = a.Choices[0].Name
	}
	// The desk fills what the engine does not know (e.g. {school} of an
	// application with no school).
	for k, v := range req.Params {
		if vars[k] == "" {
			vars[k] = v
		}
	}
	text, err := review.Render(rt.Text, vars)
	return text, rt, err
}

func kindLabel(k string) string {
	if k == engineapi.ReasonKindReturn {
		return "退回补充"
	}
	return "不予通过"
}

// --- bulk ------------------------------------------------------------------

const bulkBatch = 200

// bulk walks the filter's matches in queue order, a batch per
// transaction, calling fn for each row still matching; fn reports whether
// it changed the row.
func (s *EngineStore) bulk(ctx context.Context, who engineapi.Actor, f engineapi.QueueFilter, now time.Time,
	fn func(tx *sql.Tx, r reviewRow) (bool, error)) (engineapi.BulkResult, error) {
	res := engineapi.BulkResult{AppIDs: []string{}}
	f.Cursor, f.Limit = "", 0
	if _, err := review.CheckFilter(f); err != nil {
		return res, err
	}
	where, args := s.queueWhere(who, f, now)
	var after *review.Key
	for {
		w, a := where, slices.Clone(args)
		if after != nil {
			w += " AND (rank, received_at, app_id) > (?, ?, ?)"
			a = append(a, after.Rank, after.Received, after.ID)
		}
		var batch []reviewRow
		err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+reviewCols+` FROM engine_review WHERE `+w+
				` ORDER BY rank, received_at, app_id LIMIT `+strconv.Itoa(bulkBatch), a...)
			if err != nil {
				return err
			}
			for rows.Next() {
				r, err := scanReviewRow(rows)
				if err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			for _, r := range batch {
				changed, err := fn(tx, r)
				if err != nil {
					return err
				}
				if changed {
					res.Count++
					if len(res.AppIDs) < 1000 {
						res.AppIDs = append(res.AppIDs, r.appID)
					}
				} else {
					res.Skipped++
				}
			}
			return nil
		})
		if err != nil {
			return res, domainErr(err, "bulk")
		}
		if len(batch) < bulkBatch {
			return res, nil
		}
		k := batch[len(batch)-1].key()
		after = &k
	}
}

// BulkApprove implements engineapi.ReviewStore: verified applications
// only; one in an unresolved duplicate set, marked a duplicate or with
// doubtful evidence is skipped (counted).
func (s *EngineStore) BulkApprove(ctx context.Context, who engineapi.Actor, f engineapi.QueueFilter, now time.Time) (engineapi.BulkResult, error) {
	if f.State != "" && f.State != core.StateVerified {
		return engineapi.BulkResult{}, core.Errorf(core.EINVALID, "批量通过只用于“数据已核验”的报名：请把状态筛选改为数据已核验，或逐份审核。")
	}
	f.State = core.StateVerified
	return s.bulk(ctx, who, f, now, func(tx *sql.Tx, r reviewRow) (bool, error) {
		_, err := s.decideTx(ctx, tx, who, engineapi.DecideRequest{AppID: r.appID, State: core.StateVerified}, now, core.StateApproved)
		if core.ErrorCode(err) == core.EINTERNAL {
			return false, err
		}
		return err == nil, nil
	})
}

// --- duplicates ------------------------------------------------------------

// dupSets are the duplicate sets a row is in (two or more members), with
// their resolution. A same-guardian-and-birth set with the same members
// as the same-child set is the same set and listed once.
func (s *EngineStore) dupSets(ctx context.Context, q querier, r reviewRow) ([]engineapi.DuplicateSet, error) {
	var out []engineapi.DuplicateSet
	var childMembers string
	for _, k := range review.DupKeys(r.child, r.guardian, parseDay(r.birth)) {
		var rows *sql.Rows
		var err error
		if k.Rule == review.RuleSameChild {
			rows, err = q.QueryContext(ctx, `SELECT `+reviewCols+` FROM engine_review WHERE child_id = `+arg+` ORDER BY received_at, app_id`, r.child)
		} else {
			rows, err = q.QueryContext(ctx, `SELECT `+reviewCols+` FROM engine_review WHERE guardian_id = `+arg+` AND birth = `+arg+
				` ORDER BY received_at, app_id`, r.guardian, r.birth)
		}
		if err != nil {
			return nil, fmt.Errorf("find duplicates: %w", err)
		}
		var members []reviewRow
		for rows.Next() {
			m, err := scanReviewRow(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("find duplicates: %w", err)
			}
			members = append(members, m)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("find duplicates: %w", err)
		}
		if len(members) < 2 {
			continue
		}
		ids := memberIDs(members)
		if k.Rule == review.RuleSameChild {
			childMembers = ids
		} else if ids == childMembers {
			continue
		}
		set, err := s.dupSet(ctx, q, k, members, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, set)
	}
	return out, nil
}

func parseDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func memberIDs(members []reviewRow) string {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.appID
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

// dupSet builds a set and reads its resolution, valid while its members
// are those resolved.
func (s *EngineStore) dupSet(ctx context.Context, q querier, k review.DupKey, members []reviewRow, ids string) (engineapi.DuplicateSet, error) {
	set := engineapi.DuplicateSet{ID: k.SetID(), Rule: k.Rule}
	for _, m := range members {
		set.Members = append(set.Members, engineapi.DuplicateMember{AppID: m.appID, RegNo: m.regNo, Child: core.ResidentID(m.child).Masked(),
			ChildName: m.childName, School: m.school, State: m.state, Received: m.receivedAt(), Marked: m.dupOf != ""})
	}
	var resolved, keep, by string
	var distinct bool
	var at int64
	err := q.QueryRowContext(ctx, `SELECT members, keep, distinct_children, by, at FROM engine_review_dups WHERE set_id = `+arg, set.ID).
		Scan(&resolved, &keep, &distinct, &by, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return set, fmt.Errorf("read duplicate set: %w", err)
	case resolved == ids:
		set.Resolved, set.Keep, set.Distinct, set.By, set.At = true, keep, distinct, by, time.Unix(at, 0).UTC()
	}
	return set, nil
}

// scopeSets keeps, for a school admin, the members of their school.
func scopeSets(who engineapi.Actor, sets []engineapi.DuplicateSet) []engineapi.DuplicateSet {
	out := []engineapi.DuplicateSet{}
	for _, set := range sets {
		var ms []engineapi.DuplicateMember
		for _, m := range set.Members {
			if who.SeesSchool(m.School) {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 {
			set.Members = ms
			out = append(out, set)
		}
	}
	return out
}

// checkDuplicates refuses a decision while the row is in an unresolved
// duplicate set.
func (s *EngineStore) checkDuplicates(ctx context.Context, q querier, r reviewRow) error {
	sets, err := s.dupSets(ctx, q, r)
	if err != nil {
		return err
	}
	for _, set := range sets {
		if !set.Resolved {
			rule := "同一个孩子身份证号"
			if set.Rule == review.RuleSameGuardianBirth {
				rule = "同一监护人、孩子出生日期相同"
			}
			return core.Errorf(engineapi.ReasonDuplicateOpen, "这份报名与另外 %d 份报名可能重复（%s）：请先在“重复报名”里处理这一组（保留一份，或确认是不同的孩子），再作决定。",
				len(set.Members)-1, rule)
		}
	}
	return nil
}

// Duplicates implements engineapi.ReviewStore: the sets of both rules,
// open ones (or all), oldest member first.
func (s *EngineStore) Duplicates(ctx context.Context, who engineapi.Actor, all bool, now time.Time) ([]engineapi.DuplicateSet, error) {
	if err := s.SyncReview(ctx, now); err != nil {
		return nil, err
	}
	sets, err := s.allDupSets(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := []engineapi.DuplicateSet{}
	for _, set := range scopeSets(who, sets) {
		if all || !set.Resolved {
			out = append(out, set)
		}
	}
	return out, nil
}

func (s *EngineStore) allDupSets(ctx context.Context, q querier) ([]engineapi.DuplicateSet, error) {
	rows, err := q.QueryContext(ctx, `SELECT min(app_id) FROM engine_review GROUP BY child_id HAVING count(*) > 1
		UNION SELECT min(app_id) FROM engine_review WHERE guardian_id <> '' AND birth <> '' GROUP BY guardian_id, birth HAVING count(*) > 1`)
	if err != nil {
		return nil, fmt.Errorf("list duplicates: %w", err)
	}
	var firsts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list duplicates: %w", err)
		}
		firsts = append(firsts, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list duplicates: %w", err)
	}
	seen := map[string]bool{}
	out := []engineapi.DuplicateSet{}
	for _, id := range firsts {
		r, err := s.readRow(ctx, q, engineapi.Actor{}, id)
		if err != nil {
			return nil, err
		}
		sets, err := s.dupSets(ctx, q, r)
		if err != nil {
			return nil, err
		}
		for _, set := range sets {
			if !seen[set.ID] {
				seen[set.ID] = true
				out = append(out, set)
			}
		}
	}
	slices.SortFunc(out, func(a, b engineapi.DuplicateSet) int { return a.Members[0].Received.Compare(b.Members[0].Received) })
	return out, nil
}

// Resolve implements engineapi.ReviewStore.
func (s *EngineStore) Resolve(ctx context.Context, who engineapi.Actor, req engineapi.ResolveRequest, now time.Time) (engineapi.DuplicateSet, error) {
	switch {
	case req.SetID == "":
		return engineapi.DuplicateSet{}, core.Errorf(core.EINVALID, "缺少重复组编号：请从“重复报名”列表选择一组。")
	case (req.Keep == "") == !req.Distinct:
		return engineapi.DuplicateSet{}, core.Errorf(core.EINVALID, "请选择保留哪一份报名，或确认这些是不同的孩子（二选一）。")
	}
	var out engineapi.DuplicateSet
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		sets, err := s.allDupSets(ctx, tx)
		if err != nil {
			return err
		}
		var set *engineapi.DuplicateSet
		for i := range sets {
			if sets[i].ID == req.SetID {
				set = &sets[i]
			}
		}
		if set == nil || len(scopeSets(who, []engineapi.DuplicateSet{*set})) == 0 {
			return core.Errorf(core.ENOTFOUND, "没有这组重复报名（可能已有人处理，或成员已变化）：请刷新列表。")
		}
		ids := make([]string, 0, len(set.Members))
		keepFound := false
		for _, m := range set.Members {
			if !who.SeesSchool(m.School) {
				return core.Errorf(core.ECONFLICT, "这组报名涉及其他学校：请审核员或教育局管理员处理。")
			}
			ids = append(ids, m.AppID)
			keepFound = keepFound || m.AppID == req.Keep
		}
		if req.Keep != "" && !keepFound {
			return core.Errorf(core.EINVALID, "要保留的报名不在这一组里：请从组内选择一份。")
		}
		slices.Sort(ids)
		if _, err := tx.ExecContext(ctx, `INSERT INTO engine_review_dups (set_id, members, keep, distinct_children, by, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (set_id) DO UPDATE SET members = excluded.members, keep = excluded.keep,
			distinct_children = excluded.distinct_children, by = excluded.by, at = excluded.at`,
			set.ID, strings.Join(ids, ","), req.Keep, req.Distinct, who.Label(), now.Unix()); err != nil {
			return err
		}
		for i, m := range set.Members {
			mark := ""
			if req.Keep != "" && m.AppID != req.Keep {
				mark = req.Keep
			}
			if _, err := tx.ExecContext(ctx, `UPDATE engine_review SET dup_of = ? WHERE app_id = ?`, mark, m.AppID); err != nil {
				return err
			}
			set.Members[i].Marked = mark != ""
		}
		set.Resolved, set.Keep, set.Distinct, set.By, set.At = true, req.Keep, req.Distinct, who.Label(), time.Unix(now.Unix(), 0).UTC()
		out = *set
		after := "keep " + req.Keep
		if req.Distinct {
			after = "distinct"
		}
		return s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: who.Label(), At: now, Action: "duplicates", Subject: set.ID,
			After: after, Detail: "members " + strings.Join(ids, ",")})
	})
	return out, domainErr(err, "resolve duplicates")
}

// --- assignment ------------------------------------------------------------

// roster is every reviewer and school admin automatic assignment may
// choose: the desk's roster and, when the staff accounts table exists,
// its reviewers and school admins.
func (s *EngineStore) roster(ctx context.Context, q querier) ([]engineapi.Reviewer, error) {
	query := `SELECT id, name, role, school FROM engine_review_roster`
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'staff_users'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	if n > 0 {
		query += ` UNION SELECT id, name, role, school FROM staff_users WHERE role IN ('reviewer', 'school_admin')`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	defer rows.Close()
	var out []engineapi.Reviewer
	seen := map[string]bool{}
	for rows.Next() {
		var r engineapi.Reviewer
		if err := rows.Scan(&r.ID, &r.Name, &r.Role, &r.School); err != nil {
			return nil, fmt.Errorf("read roster: %w", err)
		}
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// candidates are whom an application of school goes to: the reviewers and
// school admins of that school, else the city-wide reviewers; the key
// names the round robin.
func candidates(roster []engineapi.Reviewer, school string) ([]engineapi.Reviewer, string) {
	var out []engineapi.Reviewer
	if school != "" {
		for _, r := range roster {
			if (r.Role == engineapi.RoleReviewer || r.Role == engineapi.RoleSchoolAdmin) && r.School == school {
				out = append(out, r)
			}
		}
		if len(out) > 0 {
			return out, school
		}
	}
	for _, r := range roster {
		if r.Role == engineapi.RoleReviewer && r.School == "" {
			out = append(out, r)
		}
	}
	return out, "*"
}

// assignNewTx gives every unassigned application that needs review to
// the next candidate of its school, round robin, logged.
func (s *EngineStore) assignNewTx(ctx context.Context, tx *sql.Tx, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT app_id, school FROM engine_review INDEXED BY engine_review_unassigned
		WHERE state = 'needs_review' AND assignee = '' ORDER BY received_at`)
	if err != nil {
		return err
	}
	type pending struct{ id, school string }
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.school); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(todo) == 0 {
		return err
	}
	roster, err := s.roster(ctx, tx)
	if err != nil || len(roster) == 0 {
		return err
	}
	for _, p := range todo {
		cands, key := candidates(roster, p.school)
		if len(cands) == 0 {
			continue
		}
		var last string
		if err := tx.QueryRowContext(ctx, `SELECT last FROM engine_review_rr WHERE school = `+arg, key).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		next := cands[0]
		for _, c := range cands {
			if c.ID > last {
				next = c
				break
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO engine_review_rr (school, last) VALUES (?, ?)
			ON CONFLICT (school) DO UPDATE SET last = excluded.last`, key, next.ID); err != nil {
			return err
		}
		if err := s.setAssigneeTx(ctx, tx, p.id, "", next.ID, "engine", now); err != nil {
			return err
		}
	}
	return nil
}

func (s *EngineStore) setAssigneeTx(ctx context.Context, tx *sql.Tx, appID, previous, assignee, by string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE engine_review SET assignee = ? WHERE app_id = ?`, assignee, appID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO engine_review_assignments (app_id, assignee, previous, by, at) VALUES (?, ?, ?, ?, ?)`,
		appID, assignee, previous, by, now.Unix()); err != nil {
		return err
	}
	return s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: by, At: now, Action: "assign", Subject: appID, Before: previous, After: assignee})
}

// Assign implements engineapi.ReviewStore.
func (s *EngineStore) Assign(ctx context.Context, who engineapi.Actor, req engineapi.AssignRequest, now time.Time) (engineapi.Assignment, error) {
	var out engineapi.Assignment
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		r, err := s.readRow(ctx, tx, who, req.AppID)
		if err != nil {
			return err
		}
		if req.Assignee != "" {
			roster, err := s.roster(ctx, tx)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(roster, func(x engineapi.Reviewer) bool { return x.ID == req.Assignee })
			switch {
			case i < 0:
				return core.Errorf(core.EINVALID, "“%s”不是审核人员：请从审核人名单中选择。", truncateRunes(req.Assignee, 20))
			case roster[i].Role == engineapi.RoleSchoolAdmin && roster[i].School != r.school:
				return core.Errorf(core.EINVALID, "%s 是其他学校的管理员，不能分给他（她）：请选本校管理员或审核员。", roster[i].Name)
			}
		}
		if r.assignee == req.Assignee {
			out = engineapi.Assignment{AppID: r.appID, Assignee: r.assignee, Previous: r.assignee, By: who.Label(), At: now}
			return nil
		}
		out = engineapi.Assignment{AppID: r.appID, Assignee: req.Assignee, Previous: r.assignee, By: who.Label(), At: time.Unix(now.Unix(), 0).UTC()}
		return s.setAssigneeTx(ctx, tx, r.appID, r.assignee, req.Assignee, who.Label(), now)
	})
	return out, domainErr(err, "assign")
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Reviewers implements engineapi.ReviewStore.
func (s *EngineStore) Reviewers(ctx context.Context, who engineapi.Actor) ([]engineapi.Reviewer, error) {
	all, err := s.roster(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := []engineapi.Reviewer{}
	for _, r := range all {
		if who.Role != engineapi.RoleSchoolAdmin || r.School == who.School {
			out = append(out, r)
		}
	}
	return out, nil
}

// SetReviewers implements engineapi.ReviewStore.
func (s *EngineStore) SetReviewers(ctx context.Context, roster []engineapi.Reviewer, now time.Time) error {
	for _, r := range roster {
		if r.ID == "" || (r.Role != engineapi.RoleReviewer && r.Role != engineapi.RoleSchoolAdmin) {
			return core.Errorf(core.EINVALID, "审核人名单只收审核员和学校管理员，且要有账号编号。")
		}
	}
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM engine_review_roster`); err != nil {
			return err
		}
		for _, r := range roster {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO engine_review_roster (id, name, role, school) VALUES (?, ?, ?, ?)`,
				r.ID, r.Name, string(r.Role), r.School); err != nil {
				return err
			}
		}
		return s.assignNewTx(ctx, tx, now)
	})
	return domainErr(err, "set reviewers")
}

// --- evidence --------------------------------------------------------------

// SetEvidence implements engineapi.ReviewStore.
func (s *EngineStore) SetEvidence(ctx context.Context, who engineapi.Actor, req engineapi.EvidenceRequest, now time.Time) (engineapi.EvidenceItem, error) {
	if !review.ValidSource(req.Source) {
		return engineapi.EvidenceItem{}, core.Errorf(core.EINVALID, "证据来源“%s”不存在：应为户籍、不动产、网签、租赁、参保、工商、居住证、出生证明、学籍之一。", truncateRunes(string(req.Source), 20))
	}
	if !review.ValidEvidenceStatus(req.Status) {
		return engineapi.EvidenceItem{}, core.Errorf(core.EINVALID, "证据状态应为 pending（待核）、verified（已核验）或 doubtful（存疑）。")
	}
	var out engineapi.EvidenceItem
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		r, err := s.readRow(ctx, tx, who, req.AppID)
		if err != nil {
			return err
		}
		used := r.usedSources()
		if !slices.Contains(used, req.Source) {
			return core.Errorf(core.EINVALID, "这份报名没有用到“%s”的数据，无需核验。", sourceLabel(req.Source))
		}
		before, _, err := s.evidenceStatuses(ctx, tx, r.appID)
		if err != nil {
			return err
		}
		if err := s.setEvidenceTx(ctx, tx, who, r, used, before, map[core.Source]string{req.Source: req.Status}, now); err != nil {
			return err
		}
		out = engineapi.EvidenceItem{Source: req.Source, Label: sourceLabel(req.Source), Used: true, Status: req.Status,
			Engine: []core.Evidence{}, Kiosk: []core.Evidence{}, SetBy: who.ID, SetAt: time.Unix(now.Unix(), 0).UTC()}
		return nil
	})
	return out, domainErr(err, "set evidence")
}

func sourceLabel(src core.Source) string {
	for _, si := range review.EvidenceSources {
		if si.Source == src {
			return si.Label
		}
	}
	return string(src)
}

// setEvidenceTx writes changed statuses and the overall one, logged.
func (s *EngineStore) setEvidenceTx(ctx context.Context, tx *sql.Tx, who engineapi.Actor, r reviewRow, used []core.Source,
	statuses, set map[core.Source]string, now time.Time) error {
	for src, st := range set {
		before := statuses[src]
		if before == "" {
			before = engineapi.EvidencePending
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO engine_review_evidence (app_id, source, status, by, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (app_id, source) DO UPDATE SET status = excluded.status, by = excluded.by, at = excluded.at`,
			r.appID, string(src), st, who.ID, now.Unix()); err != nil {
			return err
		}
		statuses[src] = st
		if err := s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: who.Label(), At: now, Action: "evidence", Subject: r.appID,
			Before: before, After: st, Detail: string(src)}); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE engine_review SET evidence = ? WHERE app_id = ?`, review.Overall(used, statuses), r.appID)
	return err
}

// BulkVerify implements engineapi.ReviewStore.
func (s *EngineStore) BulkVerify(ctx context.Context, who engineapi.Actor, f engineapi.QueueFilter, now time.Time) (engineapi.BulkResult, error) {
	return s.bulk(ctx, who, f, now, func(tx *sql.Tx, r reviewRow) (bool, error) {
		used := r.usedSources()
		statuses, _, err := s.evidenceStatuses(ctx, tx, r.appID)
		if err != nil {
			return false, err
		}
		set := map[core.Source]string{}
		for _, src := range used {
			if st := statuses[src]; st == "" || st == engineapi.EvidencePending {
				set[src] = engineapi.EvidenceVerified
			}
		}
		if len(set) == 0 {
			return false, nil
		}
		return true, s.setEvidenceTx(ctx, tx, who, r, used, statuses, set, now)
	})
}

// --- notes -----------------------------------------------------------------

// MaxNoteRunes bounds an internal note.
const MaxNoteRunes = 2000

// SaveNote implements engineapi.ReviewStore.
func (s *EngineStore) SaveNote(ctx context.Context, who engineapi.Actor, req engineapi.NoteRequest, now time.Time) (engineapi.Note, error) {
	text := strings.TrimSpace(req.Text)
	switch {
	case text == "":
		return engineapi.Note{}, core.Errorf(core.EINVALID, "备注不能为空：请写下要告诉其他审核人的话。")
	case len([]rune(text)) > MaxNoteRunes:
		return engineapi.Note{}, core.Errorf(core.EINVALID, "备注最多 %d 字，现在 %d 字：请写短一些。", MaxNoteRunes, len([]rune(text)))
	}
	var out engineapi.Note
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		r, err := s.readRow(ctx, tx, who, req.AppID)
		if err != nil {
			return err
		}
		action := "note"
		if req.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO engine_review_notes (app_id, author, author_name, text, at) VALUES (?, ?, ?, ?, ?)`,
				r.appID, who.ID, who.Name, text, now.Unix())
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			out = engineapi.Note{ID: id, AppID: r.appID, Author: who.ID, AuthorName: who.Name, Text: text, At: time.Unix(now.Unix(), 0).UTC()}
		} else {
			action = "note_edit"
			var at int64
			err := tx.QueryRowContext(ctx, `SELECT author, author_name, at FROM engine_review_notes WHERE id = ? AND app_id = ?`, req.ID, r.appID).
				Scan(&out.Author, &out.AuthorName, &at)
			if errors.Is(err, sql.ErrNoRows) {
				return core.Errorf(core.ENOTFOUND, "这份报名没有这条备注：请刷新后再改。")
			} else if err != nil {
				return err
			}
			if out.Author != who.ID {
				return core.Errorf(engineapi.ReasonNotAuthor, "只有写这条备注的人（%s）能修改它：您可以另写一条备注。", out.AuthorName)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE engine_review_notes SET text = ?, edited = ? WHERE id = ?`, text, now.Unix(), req.ID); err != nil {
				return err
			}
			out.ID, out.AppID, out.Text, out.At, out.Edited = req.ID, r.appID, text, time.Unix(at, 0).UTC(), time.Unix(now.Unix(), 0).UTC()
		}
		var latest string
		if err := tx.QueryRowContext(ctx, `SELECT text FROM engine_review_notes WHERE app_id = ? ORDER BY id DESC LIMIT 1`, r.appID).Scan(&latest); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE engine_review SET note = ? WHERE app_id = ?`, review.FirstLine(latest), r.appID); err != nil {
			return err
		}
		return s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: who.Label(), At: now, Action: action, Subject: r.appID,
			Detail: "note " + strconv.FormatInt(out.ID, 10)})
	})
	return out, domainErr(err, "save note")
}

// --- saved filters ---------------------------------------------------------

// MaxSavedFilters bounds one person's saved filters.
const MaxSavedFilters = 50

// Filters implements engineapi.ReviewStore.
func (s *EngineStore) Filters(ctx context.Context, who engineapi.Actor, req engineapi.FilterRequest, now time.Time) ([]engineapi.SavedFilter, error) {
	name := strings.TrimSpace(req.Name)
	switch req.Op {
	case "", "list":
	case "save", "delete":
		if name == "" || len([]rune(name)) > 30 {
			return nil, core.Errorf(core.EINVALID, "请给筛选起一个 30 字以内的名字。")
		}
	default:
		return nil, core.Errorf(core.EINVALID, "操作应为 list、save 或 delete。")
	}
	if req.Op == "save" {
		req.Filter.Cursor, req.Filter.Limit = "", 0
		if _, err := review.CheckFilter(req.Filter); err != nil {
			return nil, err
		}
	}
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		switch req.Op {
		case "save":
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM engine_review_filters WHERE owner = ? AND name <> ?`, who.ID, name).Scan(&n); err != nil {
				return err
			}
			if n >= MaxSavedFilters {
				return core.Errorf(core.EINVALID, "最多保存 %d 个筛选：请先删掉不用的。", MaxSavedFilters)
			}
			enc, err := json.Marshal(req.Filter)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO engine_review_filters (owner, name, filter, saved) VALUES (?, ?, ?, ?)
				ON CONFLICT (owner, name) DO UPDATE SET filter = excluded.filter, saved = excluded.saved`, who.ID, name, string(enc), now.Unix())
			return err
		case "delete":
			res, err := tx.ExecContext(ctx, `DELETE FROM engine_review_filters WHERE owner = ? AND name = ?`, who.ID, name)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return core.Errorf(core.ENOTFOUND, "没有名为“%s”的筛选：请刷新列表。", name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "saved filters")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, filter, saved FROM engine_review_filters WHERE owner = `+arg+` ORDER BY name`, who.ID)
	if err != nil {
		return nil, fmt.Errorf("saved filters: %w", err)
	}
	defer rows.Close()
	out := []engineapi.SavedFilter{}
	for rows.Next() {
		var f engineapi.SavedFilter
		var enc string
		var saved int64
		if err := rows.Scan(&f.Name, &enc, &saved); err != nil {
			return nil, fmt.Errorf("saved filters: %w", err)
		}
		if err := json.Unmarshal([]byte(enc), &f.Filter); err != nil {
			return nil, fmt.Errorf("saved filters: %w", err)
		}
		f.Saved = time.Unix(saved, 0).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// --- reasons ---------------------------------------------------------------

const reasonCols = `id, version, kind, title, text, by, at, frozen,
	version = (SELECT max(version) FROM engine_review_reasons m WHERE m.id = r.id)`

func scanReason(sc scanner) (engineapi.ReasonText, error) {
	var rt engineapi.ReasonText
	var at, frozen int64
	err := sc.Scan(&rt.ID, &rt.Version, &rt.Kind, &rt.Title, &rt.Text, &rt.By, &at, &frozen, &rt.Latest)
	rt.At, rt.Frozen, rt.FrozenAt = time.Unix(at, 0).UTC(), frozen != 0, unixOrZero(frozen)
	return rt, err
}

// reason reads a version of a reason (0: the latest).
func (s *EngineStore) reason(ctx context.Context, q querier, id string, version int) (engineapi.ReasonText, error) {
	query := `SELECT ` + reasonCols + ` FROM engine_review_reasons r WHERE id = ` + arg
	args := []any{id}
	if version > 0 {
		query += ` AND version = ?`
		args = append(args, version)
	} else {
		query += ` ORDER BY version DESC LIMIT 1`
	}
	rt, err := scanReason(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return rt, core.Errorf(core.ENOTFOUND, "原因库里没有“%s”（版本 %d）：请重新选择。", truncateRunes(id, 32), version)
	}
	if err != nil {
		return rt, fmt.Errorf("read reason: %w", err)
	}
	return rt, nil
}

// Reasons implements engineapi.ReviewStore.
func (s *EngineStore) Reasons(ctx context.Context, req engineapi.ReasonsRequest) ([]engineapi.ReasonText, error) {
	query := `SELECT ` + reasonCols + ` FROM engine_review_reasons r WHERE (?1 = '' OR kind = ?1)`
	if !req.All {
		query += ` AND version = (SELECT max(version) FROM engine_review_reasons m WHERE m.id = r.id)`
	}
	rows, err := s.db.QueryContext(ctx, query+` ORDER BY kind DESC, id, version`, req.Kind)
	if err != nil {
		return nil, fmt.Errorf("list reasons: %w", err)
	}
	defer rows.Close()
	out := []engineapi.ReasonText{}
	for rows.Next() {
		rt, err := scanReason(rows)
		if err != nil {
			return nil, fmt.Errorf("list reasons: %w", err)
		}
		out = append(out, rt)
	}
	return out, rows.Err()
}

// SaveReason implements engineapi.ReviewStore.
func (s *EngineStore) SaveReason(ctx context.Context, who engineapi.Actor, req engineapi.ReasonSave, now time.Time) (engineapi.ReasonText, error) {
	if err := review.CheckReason(req); err != nil {
		return engineapi.ReasonText{}, err
	}
	var out engineapi.ReasonText
	err := s.reviewWrite(ctx, now, func(tx *sql.Tx) error {
		cur, err := s.reason(ctx, tx, req.ID, 0)
		exists := err == nil
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
		version := 1
		switch {
		case !exists && req.BaseVersion != 0:
			return core.Errorf(core.ENOTFOUND, "原因库里没有“%s”：新原因请不填基础版本。", req.ID)
		case exists && req.BaseVersion == 0:
			return core.Errorf(engineapi.ReasonStale, "原因编号“%s”已有（最新版本 %d）：要修改请以最新版本为基础。", req.ID, cur.Version)
		case exists && req.BaseVersion != cur.Version:
			return core.Errorf(engineapi.ReasonStale, "“%s”已有更新的版本 %d（您改的是版本 %d）：请重新打开后再改。", req.ID, cur.Version, req.BaseVersion)
		case exists && req.Kind != cur.Kind:
			return core.Errorf(core.EINVALID, "不能把%s的原因改成%s的：请新建一条原因。", kindLabel(cur.Kind), kindLabel(req.Kind))
		case exists && req.Amend && cur.Frozen:
			return core.Errorf(engineapi.ReasonReasonFrozen, "“%s”版本 %d 已于 %s 用在发给家长的通知里，不能再更改：请保存为新版本（不选“更正此版本”）。",
				cur.Title, cur.Version, cur.FrozenAt.Format("2006-01-02"))
		case exists && req.Amend:
			version = cur.Version
		case exists:
			version = cur.Version + 1
		}
		if req.Amend && exists {
			if _, err := tx.ExecContext(ctx, `UPDATE engine_review_reasons SET title = ?, text = ?, by = ?, at = ? WHERE id = ? AND version = ? AND frozen = 0`,
				req.Title, req.Text, who.Label(), now.Unix(), req.ID, version); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO engine_review_reasons (id, version, kind, title, text, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			req.ID, version, req.Kind, req.Title, req.Text, who.Label(), now.Unix()); err != nil {
			return err
		}
		if out, err = s.reason(ctx, tx, req.ID, version); err != nil {
			return err
		}
		return s.auditTx(ctx, tx, engineapi.AuditEvent{Actor: who.Label(), At: now, Action: "reason", Subject: req.ID,
			After: "v" + strconv.Itoa(version), Detail: req.Text})
	})
	return out, domainErr(err, "save reason")
}

// --- conflicts and refused items -------------------------------------------

// recordRefusedTx keeps the items of a push the engine refused without
// storing them, for the conflicts list (Ingest calls it).
func (s *EngineStore) recordRefusedTx(ctx context.Context, tx *sql.Tx, deviceID string, items []engineapi.Intake, results []received, now time.Time) error {
	for i, in := range items {
		if in.Refused == nil || i >= len(results) || results[i].result.Outcome != engineapi.ItemRejected {
			continue
		}
		a := in.Claim
		school := ""
		if len(a.Choices) > 0 {
			school = a.Choices[0].Code
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO engine_refused (app_id, reg_no, device_id, stage, child, school, code, reason, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id) DO UPDATE SET code = excluded.code, reason = excluded.reason, at = excluded.at`,
			truncateRunes(a.ID, 64), truncateRunes(a.RegNo, 64), deviceID, truncateRunes(string(a.Stage), 20), a.Child.ID.Masked(), school,
			results[i].result.Code, results[i].result.Reason, now.Unix()); err != nil {
			return err
		}
	}
	return nil
}

// ConflictList implements engineapi.ReviewStore.
func (s *EngineStore) ConflictList(ctx context.Context, who engineapi.Actor, now time.Time) (engineapi.ConflictList, error) {
	if err := s.SyncReview(ctx, now); err != nil {
		return engineapi.ConflictList{}, err
	}
	out := engineapi.ConflictList{Conflicts: []engineapi.Conflict{}, Refused: []engineapi.RefusedItem{}}
	all, err := s.Conflicts(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range all {
		if who.Role == engineapi.RoleSchoolAdmin {
			if _, err := s.readRow(ctx, s.db, who, c.KeptID); err != nil {
				if core.ErrorCode(err) == core.EINTERNAL {
					return out, err
				}
				continue
			}
		}
		out.Conflicts = append(out.Conflicts, c)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT app_id, reg_no, device_id, stage, child, school, code, reason, at FROM engine_refused ORDER BY at, app_id`)
	if err != nil {
		return out, fmt.Errorf("list refused: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r engineapi.RefusedItem
		var school string
		var at int64
		if err := rows.Scan(&r.AppID, &r.RegNo, &r.DeviceID, &r.Stage, &r.Child, &school, &r.Code, &r.Reason, &at); err != nil {
			return out, fmt.Errorf("list refused: %w", err)
		}
		if !who.SeesSchool(school) {
			continue
		}
		r.At = time.Unix(at, 0).UTC()
		out.Refused = append(out.Refused, r)
	}
	return out, rows.Err()
}
