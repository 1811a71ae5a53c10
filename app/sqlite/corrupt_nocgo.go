//go:build !cgo

package sqlite

// driverCorrupt is false without cgo: the driver is then a stub that
// opens nothing.
func driverCorrupt(error) bool { return false }
