//go:build unix

package sqlite_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far (user + system), so a benchmark
// can report a ratio that machine load does not skew; ok false where the
// platform has none.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
