package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"enrolldesk/app/pgstore"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
)

// defaultAnchorEvery is how often the engine anchors its audit chain when
// --anchor is given without --anchor-every.
const defaultAnchorEvery = 10 * time.Minute

// openAuditDB opens an existing engine database for the audit commands: a
// missing file is a mistake to name, not a new empty log to pass.
func openAuditDB(stdio IO, path string, fn func(auditStore) int) int {
	if path == "" {
		return fail(stdio.Err, ExitUsage, "audit: --db ENGINE.db is required (the engine's SQLite file, or its postgres:// URL)")
	}
	if !pgstore.IsURL(path) {
		if _, err := os.Stat(path); err != nil {
			return fail(stdio.Err, ExitUsage, "audit: cannot read %s: %v. Give the engine's SQLite file (the engine's --db).", path, errors.Unwrap(err))
		}
	}
	return withEngineStore(stdio, path, func(s engineapi.Store) int {
		if f, ok := s.(auditFlusher); ok {
			// PostgreSQL chains committed entries after their commit: chain
			// what is pending so the command sees every committed entry.
			pending, err := f.FlushAudit(context.Background())
			if err != nil {
				// Go on: the chain as it stands is still worth checking,
				// and its break (a damaged head) may be why.
				fmt.Fprintf(stdio.Out, "note: the entries not chained yet could not be chained (%v); what follows covers the chain as it stands\n", err)
			} else if pending > 0 {
				fmt.Fprintf(stdio.Out, "note: %d entries committed while this ran are not chained yet; the engines chain them within a second — run the command again to include them\n", pending)
			}
		}
		return fn(s.(auditStore))
	})
}

// auditFlusher is a store whose audit entries are chained after their
// transactions commit (PostgreSQL's journal, docs/audit.md): FlushAudit
// chains the committed ones and returns how many it had to leave.
type auditFlusher interface {
	FlushAudit(ctx context.Context) (pending int64, err error)
}

var _ auditFlusher = (*pgstore.Store)(nil)

// readAnchorFile reads an anchor file; ok false after printing why.
func readAnchorFile(stdio IO, path string) ([]audit.Anchor, int, bool) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail(stdio.Err, ExitUsage, "audit: no anchor file %s: give the file the engine's --anchor writes (or a copy of it)", path), false
	}
	if err != nil {
		return nil, fail(stdio.Err, ExitFail, "audit: %v", err), false
	}
	defer f.Close()
	anchors, err := audit.ReadAnchors(f)
	if err != nil {
		return nil, fail(stdio.Err, ExitFail, "audit: anchor file %s is damaged: %v. Use an intact copy of it.", path, err), false
	}
	return anchors, 0, true
}

// breakWords says what happened to the first broken entry in plain words.
func breakWords(b *audit.Break) string {
	switch b.Kind {
	case audit.Changed:
		return fmt.Sprintf("entry %d was changed", b.Seq)
	case audit.Deleted:
		return fmt.Sprintf("entry %d was deleted", b.Seq)
	case audit.Inserted:
		return fmt.Sprintf("entry %d was inserted", b.Seq)
	case audit.Reordered:
		return fmt.Sprintf("entry %d was moved (the log was reordered)", b.Seq)
	case audit.Rewritten:
		return fmt.Sprintf("entry %d does not match the anchor (the chain was rewritten)", b.Seq)
	}
	return fmt.Sprintf("entry %d is broken", b.Seq)
}

func runAuditVerify(stdio IO, args []string) int {
	fset := newFlags("audit verify", stdio.Err)
	path := fset.String("db", "", "the engine's SQLite file")
	anchorPath := fset.String("anchor", "", "an anchor file (the engine's --anchor, or a copy): the chain must still match every anchor in it")
	if err := fset.Parse(args); err != nil {
		return ExitUsage
	}
	if fset.NArg() > 0 {
		return fail(stdio.Err, ExitUsage, "audit verify takes --db ENGINE.db [--anchor FILE], not %q", strings.Join(fset.Args(), " "))
	}
	var anchors []audit.Anchor
	if *anchorPath != "" {
		var code int
		var ok bool
		if anchors, code, ok = readAnchorFile(stdio, *anchorPath); !ok {
			return code
		}
	}
	return openAuditDB(stdio, *path, func(store auditStore) int {
		n, head, brk, err := audit.Verify(context.Background(), store, anchors)
		if err != nil {
			return fail(stdio.Err, ExitFail, "audit verify: %v", err)
		}
		if brk != nil {
			fmt.Fprintf(stdio.Out, "audit log BROKEN: %s: %s\n", breakWords(brk), brk.Why)
			if n > 0 {
				fmt.Fprintf(stdio.Out, "entries 1 to %d before it are whole.\n", n)
			}
			fmt.Fprintln(stdio.Out, "Keep the database as it is (copy it for investigation) and tell the bureau.")
			return ExitFail
		}
		fmt.Fprintf(stdio.Out, "audit log whole: %d entries\n", n)
		if n > 0 {
			fmt.Fprintf(stdio.Out, "head: entry %d %s\n", head.Seq, head.Hash)
		}
		if *anchorPath != "" {
			fmt.Fprintf(stdio.Out, "matches all %d anchors in %s\n", len(anchors), *anchorPath)
		}
		return ExitOK
	})
}

func runAuditAnchor(stdio IO, args []string) int {
	fset := newFlags("audit anchor", stdio.Err)
	path := fset.String("db", "", "the engine's SQLite file")
	anchorPath := fset.String("anchor", "", "the anchor file to append the chain's head to (created if missing)")
	if err := fset.Parse(args); err != nil {
		return ExitUsage
	}
	if fset.NArg() > 0 || *anchorPath == "" {
		return fail(stdio.Err, ExitUsage, "audit anchor takes --db ENGINE.db --anchor FILE")
	}
	var anchors []audit.Anchor
	if _, err := os.Stat(*anchorPath); err == nil {
		var code int
		var ok bool
		if anchors, code, ok = readAnchorFile(stdio, *anchorPath); !ok {
			return code
		}
	}
	return openAuditDB(stdio, *path, func(store auditStore) int {
		// Anchor only a chain that is whole and matches the anchors so
		// far: anchoring a tampered chain would vouch for it.
		n, head, brk, err := audit.Verify(context.Background(), store, anchors)
		if err != nil {
			return fail(stdio.Err, ExitFail, "audit anchor: %v", err)
		}
		if brk != nil {
			fmt.Fprintf(stdio.Out, "audit log BROKEN: %s: %s\nnot anchored: run `enrolldesk audit verify` and tell the bureau.\n", breakWords(brk), brk.Why)
			return ExitFail
		}
		if n == 0 {
			fmt.Fprintln(stdio.Out, "the audit log is empty: nothing to anchor yet")
			return ExitOK
		}
		a := audit.Anchor{Seq: head.Seq, Hash: head.Hash, At: time.Now()}
		if err := appendAnchor(*anchorPath, a); err != nil {
			return fail(stdio.Err, ExitFail, "audit anchor: %v", err)
		}
		fmt.Fprintf(stdio.Out, "anchored entry %d in %s\ncopy that file somewhere the engine's operators cannot change (another machine, a printout)\n", head.Seq, *anchorPath)
		return ExitOK
	})
}

func runAuditList(stdio IO, args []string) int {
	fset := newFlags("audit list", stdio.Err)
	path := fset.String("db", "", "the engine's SQLite file")
	limit := fset.Int("limit", 20, "how many of the latest entries to print")
	if err := fset.Parse(args); err != nil {
		return ExitUsage
	}
	if fset.NArg() > 0 || *limit <= 0 {
		return fail(stdio.Err, ExitUsage, "audit list takes --db ENGINE.db [--limit N] with N at least 1")
	}
	return openAuditDB(stdio, *path, func(store auditStore) int {
		entries, err := store.AuditTail(context.Background(), *limit)
		if err != nil {
			return fail(stdio.Err, ExitFail, "audit list: %v", err)
		}
		if len(entries) == 0 {
			fmt.Fprintln(stdio.Out, "the audit log is empty")
			return ExitOK
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tAT (UTC)\tACTOR\tACTION\tSUBJECT\tSTATE\tREASON\tDETAIL")
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			state := e.After
			if e.Before != "" {
				state = e.Before + " → " + e.After
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Format("2006-01-02 15:04:05"),
				oneLine(e.Actor), oneLine(e.Action), oneLine(e.Subject), oneLine(state), oneLine(e.Reason), oneLine(e.Detail))
		}
		if err := tw.Flush(); err != nil {
			return fail(stdio.Err, ExitFail, "audit list: %v", err)
		}
		return ExitOK
	})
}

// oneLine keeps a field on its row of the table; entries are masked when
// appended, and masked again here in case a row was written by hand.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, audit.MaskIDs(s))
	if s == "" {
		return "-"
	}
	return s
}

// appendAnchor appends a's line to path and syncs it to the disk (and the
// directory, when the file is new).
func appendAnchor(path string, a audit.Anchor) error {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	_, err = f.Write(audit.AnchorLine(a))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("anchor file %s: %w", path, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return nil
}

// anchorer writes the engine's audit head to an anchor file: at start,
// every interval, and at shutdown; a head already anchored is not written
// again.
type anchorer struct {
	path  string
	store auditStore
	log   *slog.Logger

	mu   sync.Mutex
	last int64 // the seq last anchored, -1 before the first
}

// startAnchors checks the anchor file against the chain, anchors the head
// and keeps anchoring every interval until stop, which anchors once more.
func startAnchors(ctx context.Context, e *Engine, path string, every time.Duration, log *slog.Logger) (stop func(), err error) {
	a := &anchorer{path: path, store: e.auditLog(), log: log, last: -1}
	if _, err := os.Stat(path); err == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("anchor file: %w", err)
		}
		anchors, err := audit.ReadAnchors(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("anchor file %s is damaged: %v; move it aside (keep it) and start again", path, err)
		}
		brk, err := audit.CheckAnchors(anchors, func(seq int64) (audit.Hash, bool, error) {
			return a.store.AuditHashAt(ctx, seq)
		})
		if err != nil {
			return nil, err
		}
		if brk != nil {
			// Enrollment goes on; the operator must know now.
			log.Error("AUDIT LOG DOES NOT MATCH ITS ANCHORS: run `enrolldesk audit verify --anchor` and tell the bureau",
				"entry", brk.Seq, "what", string(brk.Kind), "why", brk.Why, "anchor_file", path)
		}
	}
	if err := a.anchor(ctx); err != nil {
		return nil, err
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-tctx.Done():
				return
			case <-t.C:
				if err := a.anchor(tctx); err != nil && tctx.Err() == nil {
					log.Error("audit anchor", "err", err, "anchor_file", path)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		if err := a.anchor(context.Background()); err != nil {
			log.Error("audit anchor at shutdown", "err", err, "anchor_file", path)
		}
	}, nil
}

func (a *anchorer) anchor(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, err := a.store.AuditHead(ctx)
	if err != nil {
		return err
	}
	if h.Seq == 0 || h.Seq == a.last {
		return nil
	}
	if err := appendAnchor(a.path, audit.Anchor{Seq: h.Seq, Hash: h.Hash, At: time.Now()}); err != nil {
		return err
	}
	a.last = h.Seq
	a.log.Info("audit anchored", "entry", h.Seq, "anchor_file", a.path)
	return nil
}
