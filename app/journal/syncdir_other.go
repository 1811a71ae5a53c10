//go:build !unix

package journal

// syncDir is a no-op where directories cannot be fsync'd (Windows: NTFS
// journals its metadata; a rename is durable once MoveFileEx returns).
func syncDir(string) error { return nil }
