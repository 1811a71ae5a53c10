//go:build !linux

package app

import (
	"errors"
	"syscall"
)

func reusePort(_, _ string, _ syscall.RawConn) error {
	return errors.New("--reuseport works on Linux only")
}

const reusePortSupported = false
