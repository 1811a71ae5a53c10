package samfake

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// OpenPTY opens a pseudo-terminal pair: the master for the fake reader,
// the slave's path for the kiosk to open as its serial port.
func OpenPTY() (*os.File, string, error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		_ = unix.Close(fd)
		return nil, "", fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		_ = unix.Close(fd)
		return nil, "", fmt.Errorf("pty number: %w", err)
	}
	// Non-blocking, so os.File polls it: Close ends a pending Read.
	return os.NewFile(uintptr(fd), "ptmx"), fmt.Sprintf("/dev/pts/%d", n), nil
}

// Reader is a fake reader on a pty.
type Reader struct {
	Path   string        // the slave: what the kiosk opens
	Polled chan struct{} // a signal for every find command answered

	master *os.File
	act    Behaviour
	mu     sync.Mutex
	counts map[[2]byte]int
	done   chan struct{}
}

// Start runs a fake reader with the given behaviour on a new pty.
func Start(act Behaviour) (*Reader, error) {
	master, path, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	r := &Reader{Path: path, master: master, act: act, counts: map[[2]byte]int{},
		Polled: make(chan struct{}, 1000), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// Close unplugs the reader and waits for it to stop.
func (r *Reader) Close() error {
	err := r.master.Close()
	<-r.done
	if errors.Is(err, os.ErrClosed) {
		err = nil // unplugged by its behaviour already
	}
	return err
}

// Count is how many times cmd came.
func (r *Reader) Count(cmd [2]byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[cmd]
}

func (r *Reader) run() {
	defer close(r.done)
	var buf []byte
	chunk := make([]byte, 256)
	for {
		n, err := r.master.Read(chunk)
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
			r.mu.Lock()
			r.counts[cmd]++
			k := r.counts[cmd]
			r.mu.Unlock()
			rep := r.act(cmd, k)
			if len(rep.Raw) > 0 {
				if _, err := r.master.Write(rep.Raw); err != nil {
					return
				}
			}
			if cmd == Find {
				select {
				case r.Polled <- struct{}{}:
				default:
				}
			}
			if rep.Unplug {
				_ = r.master.Close()
				return
			}
		}
	}
}
