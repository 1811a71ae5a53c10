package journal_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enrolldesk/app/journal"
)

func open(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, torn, err := journal.Open(path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if torn != 0 {
		t.Fatalf("a clean journal had %d torn bytes", torn)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func fill(t *testing.T, j *journal.Journal, n int) {
	t.Helper()
	for i := range n {
		if err := j.Append(fmt.Sprintf("app-%03d", i), []byte(fmt.Sprintf(`{"phone":"1390537%04d"}`, i))); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(rs []journal.Record) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ID)
	}
	return strings.Join(s, ",")
}

func TestAppendSurvivesReopenAndIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	j := open(t, path)
	fill(t, j, 3)
	if err := j.Append("app-001", []byte("again")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open(t, path)
	rs := j.Records()
	if got := ids(rs); got != "app-000,app-001,app-002" {
		t.Fatalf("records %s", got)
	}
	if string(rs[1].Body) != `{"phone":"13905370001"}` {
		t.Errorf("app-001 body %q: a second append of an ID must not replace the first", rs[1].Body)
	}
}

func TestTornTailIsIgnoredAndCutOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	j := open(t, path)
	fill(t, j, 3)
	j.Close()
	st, _ := os.Stat(path)
	// The last append was cut in the middle of its body.
	if err := os.Truncate(path, st.Size()-7); err != nil {
		t.Fatal(err)
	}
	j2, torn, err := journal.Open(path)
	if err != nil {
		t.Fatalf("a torn tail is not damage: %v", err)
	}
	defer j2.Close()
	if torn == 0 || ids(j2.Records()) != "app-000,app-001" {
		t.Fatalf("torn %d, records %s", torn, ids(j2.Records()))
	}
	// The next append goes where the torn record was, and reads back.
	if err := j2.Append("app-009", []byte("x")); err != nil {
		t.Fatal(err)
	}
	c, err := journal.Scan(path)
	if err != nil || c.Damage != nil || c.Torn != 0 || ids(c.Records) != "app-000,app-001,app-009" {
		t.Fatalf("after append: %+v %v", c, err)
	}
}

func TestDamageMidFileIsReportedAndTheRestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	j := open(t, path)
	fill(t, j, 5)
	j.Close()
	data, _ := os.ReadFile(path)
	// 64 bytes overwritten in the second record.
	i := strings.Index(string(data), "app-001")
	copy(data[i:], strings.Repeat("\xff", 64))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	j2, _, err := journal.Open(path)
	var dmg *journal.DamageError
	if !errors.Is(err, journal.ErrDamaged) || !errors.As(err, &dmg) || dmg.Skipped == 0 {
		t.Fatalf("open of a journal damaged mid-file: %v", err)
	}
	defer j2.Close()
	if got := ids(j2.Records()); !strings.HasPrefix(got, "app-000,") || !strings.HasSuffix(got, "app-003,app-004") {
		t.Fatalf("records around the damage: %s", got)
	}
	// A rewrite drops the damaged bytes.
	if err := j2.Rewrite(); err != nil {
		t.Fatal(err)
	}
	if c, _ := journal.Scan(path); c.Damage != nil {
		t.Fatalf("still damaged after a rewrite: %+v", c.Damage)
	}
}

func TestRemovedRecordsLeaveTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	j := open(t, path)
	fill(t, j, 4)
	n, err := j.Remove("app-001", "app-003", "unknown")
	if err != nil || n != 2 {
		t.Fatalf("remove: %d, %v", n, err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "13905370001") || strings.Contains(string(data), "13905370003") {
		t.Error("the phone numbers of removed records are still in the file")
	}
	if err := j.Append("app-005", []byte("y")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open(t, path)
	if got := ids(j.Records()); got != "app-000,app-002,app-005" {
		t.Fatalf("after remove and reopen: %s", got)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file was left behind: %v", err)
	}
}

func TestHalfWrittenHeaderStartsAfresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	if err := os.WriteFile(path, []byte("EDJ"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, torn, err := journal.Open(path)
	if err != nil || torn != 3 {
		t.Fatalf("open: torn %d, %v", torn, err)
	}
	defer j.Close()
	if err := j.Append("a", nil); err != nil || j.Len() != 1 {
		t.Fatalf("append: %v", err)
	}
}
