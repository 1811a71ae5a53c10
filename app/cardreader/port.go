package cardreader

import (
	"fmt"
	"strings"

	"go.bug.st/serial"
)

// BaudRate is the SAM module's default line speed (115200 bit/s, 8N1).
const BaudRate = 115200

// OpenPort opens a reader's serial port: /dev/ttyUSB0 (or a stable
// /dev/serial/by-id/… link) on Linux, COM3 on Windows.
func OpenPort(path string) (Port, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: BaudRate, DataBits: 8,
		Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return p, nil
}

// The kinds of reader a --reader value names.
const (
	KindSim    = "sim"    // the simulated reader of the demo (default)
	KindNone   = "none"   // no reader: the keypad only
	KindSerial = "serial" // a real reader on a serial port
)

// ParseSpec reads a --reader value: "sim" (or empty), "none", or
// "serial:PATH" with PATH a device such as /dev/ttyUSB0 or COM3.
func ParseSpec(spec string) (kind, path string, err error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "" || spec == KindSim:
		return KindSim, "", nil
	case spec == KindNone:
		return KindNone, "", nil
	case strings.HasPrefix(spec, KindSerial+":"):
		path = strings.TrimSpace(strings.TrimPrefix(spec, KindSerial+":"))
		if path != "" {
			return KindSerial, path, nil
		}
	}
	return "", "", fmt.Errorf("--reader %q: want sim, none or serial:DEVICE (serial:/dev/ttyUSB0, serial:COM3)", spec)
}
