package app

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePort lets several engine processes listen on one address: the
// kernel spreads new connections between them (SO_REUSEPORT).
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

const reusePortSupported = true
