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

func records(t *testing.T, j *journal.Journal) []journal.Record {
	t.Helper()
	rs, dmg, err := j.Records()
	if err != nil || dmg != nil {
		t.Fatalf("records: %v %v", dmg, err)
	}
	return rs
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
	j = open(t, path)
	rs := records(t, j)
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
	st, _ := os.Stat(path)
	// The last append was cut in the middle of its body.
	if err := os.Truncate(path, st.Size()-7); err != nil {
		t.Fatal(err)
	}
	j2, torn, err := journal.Open(path)
	if err != nil {
		t.Fatalf("a torn tail is not damage: %v", err)
	}
	if torn == 0 || ids(records(t, j2)) != "app-000,app-001" {
		t.Fatalf("torn %d, records %s", torn, ids(records(t, j2)))
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
	rs, _, _ := j2.Records()
	if got := ids(rs); !strings.HasPrefix(got, "app-000,") || !strings.HasSuffix(got, "app-003,app-004") {
		t.Fatalf("records around the damage: %s", got)
	}
	if _, err := j2.Remove("app-000"); !errors.Is(err, journal.ErrDamaged) {
		t.Errorf("a damaged journal was trimmed: %v", err)
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
	j = open(t, path)
	if got := ids(records(t, j)); got != "app-000,app-002,app-005" {
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
	if err := j.Append("a", nil); err != nil || len(records(t, j)) != 1 {
		t.Fatalf("append: %v", err)
	}
}

// Two users of one journal (the kiosk appending, `enrolldesk sync`
// trimming) lose nothing of each other's.
func TestTwoUsersAppendAndTrimWithoutLosingRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.journal")
	a, b := open(t, path), open(t, path)
	done := make(chan error)
	go func() {
		for i := range 40 {
			if err := a.Append(fmt.Sprintf("keep-%02d", i), []byte("k")); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range 40 {
		id := fmt.Sprintf("gone-%02d", i)
		if err := b.Append(id, []byte("g")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Remove(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rs := records(t, open(t, path))
	if len(rs) != 40 {
		t.Fatalf("%d records survive, want the 40 kept: %s", len(rs), ids(rs))
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.ID, "keep-") {
			t.Errorf("%s survived its removal", r.ID)
		}
	}
}
