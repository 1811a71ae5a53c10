package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"enrolldesk/internal/atomicfile"
)

func TestWritePrivateReplacesWholeAndPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WritePrivate(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	fi, serr := os.Stat(path)
	if err != nil || serr != nil || string(got) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("file %q (%v), mode %v (%v); want \"new\", 0600", got, err, fi.Mode().Perm(), serr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := atomicfile.WritePrivate(filepath.Join(dir, "no-such-dir", "f"), []byte("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
