// Package atomicfile writes a file so that a crash leaves either the old
// file or the whole new one, never half of it: a private temporary file in
// the same directory, synced, then renamed over the target.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WritePrivate replaces path with data, readable by the owner only (0600).
func WritePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}
