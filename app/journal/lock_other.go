//go:build !unix && !windows

package journal

import "os"

// lockFile does not lock where the system has neither flock nor
// LockFileEx: only one process may then use a journal.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
