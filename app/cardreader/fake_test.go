//go:build linux

package cardreader

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the master stays with the test's
// fake reader, the slave's path is what the kiosk opens as its serial port.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		_ = unix.Close(fd)
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		_ = unix.Close(fd)
		t.Fatalf("pty number: %v", err)
	}
	// Non-blocking, so os.File polls it: Close ends a pending Read.
	return os.NewFile(uintptr(fd), "ptmx"), fmt.Sprintf("/dev/pts/%d", n)
}

// reply is what the fake reader does about one command.
type reply struct {
	raw    []byte // bytes to send (nil: stay silent)
	unplug bool   // then close the master, as a reader pulled out
}

// behaviour answers the n-th (from 1) command cmd.
type behaviour func(cmd [2]byte, n int) reply

// fakeReader speaks the SAM protocol on the master side of a pty.
type fakeReader struct {
	master *os.File
	path   string
	act    behaviour
	polled chan struct{} // a signal for every find command answered

	mu     sync.Mutex
	counts map[[2]byte]int
	done   chan struct{}
}

// startFake runs a fake reader on a new pty until the test ends.
func startFake(t *testing.T, act behaviour) *fakeReader {
	t.Helper()
	master, path := openPTY(t)
	f := &fakeReader{master: master, path: path, act: act, counts: map[[2]byte]int{},
		polled: make(chan struct{}, 1000), done: make(chan struct{})}
	go f.run()
	t.Cleanup(func() {
		_ = f.master.Close()
		<-f.done
	})
	return f
}

func (f *fakeReader) run() {
	defer close(f.done)
	var buf []byte
	chunk := make([]byte, 256)
	for {
		n, err := f.master.Read(chunk)
		if errors.Is(err, os.ErrClosed) {
			return
		}
		if errors.Is(err, syscall.EIO) {
			// No slave open (between the kiosk's close and reopen).
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			return
		}
		buf = append(buf, chunk[:n]...)
		for {
			cmd, rest, ok := nextCommand(buf)
			if !ok {
				break
			}
			buf = rest
			f.mu.Lock()
			f.counts[cmd]++
			k := f.counts[cmd]
			f.mu.Unlock()
			r := f.act(cmd, k)
			if len(r.raw) > 0 {
				if _, err := f.master.Write(r.raw); err != nil {
					return
				}
			}
			if cmd == cmdFind {
				f.polled <- struct{}{}
			}
			if r.unplug {
				_ = f.master.Close()
				return
			}
		}
	}
}

// count is how many times cmd came.
func (f *fakeReader) count(cmd [2]byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[cmd]
}

// nextCommand takes one command frame (10 bytes, no data) off b; the fake
// checks it as a reader would, by hand rather than with parseFrame.
func nextCommand(b []byte) ([2]byte, []byte, bool) {
	for len(b) >= 10 {
		if b[0] != 0xAA || b[1] != 0xAA || b[2] != 0xAA || b[3] != 0x96 || b[4] != 0x69 {
			b = b[1:]
			continue
		}
		if b[5] != 0x00 || b[6] != 0x03 || b[5]^b[6]^b[7]^b[8] != b[9] {
			b = b[1:]
			continue
		}
		return [2]byte{b[7], b[8]}, b[10:], true
	}
	return [2]byte{}, b, false
}
