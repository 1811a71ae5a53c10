//go:build !cgo

package sqlite

// isUniqueViolation is false without cgo: the driver is then a stub.
func isUniqueViolation(error) bool { return false }
