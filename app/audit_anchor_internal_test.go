package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The engine anchors its chain at start and at shutdown (and every
// --anchor-every between), and the file it writes verifies the chain.
func TestEngineWritesAnchors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath, anchors := filepath.Join(dir, "engine.db"), filepath.Join(dir, "anchors.txt")
	e, err := OpenEngine(ctx, EngineConfig{DB: dbPath, DataDir: dir, TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.AddDevice(ctx, "hall 1"); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	stop, err := startAnchors(ctx, e, anchors, time.Hour, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.AddDevice(ctx, "hall 2"); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(anchors)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], " seq=1 ") || !strings.Contains(lines[1], " seq=2 ") {
		t.Fatalf("anchor file:\n%s", b)
	}
	var out, errw bytes.Buffer
	if code := Main([]string{"audit", "verify", "--db", dbPath, "--anchor", anchors}, nil, &out, &errw); code != 0 {
		t.Fatalf("verify against the engine's anchors: exit %d\n%s%s", code, out.String(), errw.String())
	}
}
