//go:build windows

package dirlock

import (
	"os"

	"golang.org/x/sys/windows"
)

var errWouldBlock error = windows.ERROR_LOCK_VIOLATION

// lockRegion is the byte locked: far past the holder note, so another
// process can still read the note (Windows locks are mandatory).
const lockRegion = 1 << 30

// lockFile takes an exclusive LockFileEx on one byte without waiting.
func lockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: lockRegion}
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
}

func unlockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: lockRegion}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
