//go:build unix

package journal

import "os"

// syncDir fsyncs a directory, so a file created or renamed in it survives
// a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
