package pgtest

import (
	"strings"
	"testing"
)

// Without PostgreSQL the tests fail saying how to install it.
func TestMissingPostgreSQLNamesDeps(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := libRoot
	libRoot = t.TempDir()
	defer func() { libRoot = old }()
	_, err := StartWith(Options{})
	if err == nil || !strings.Contains(err.Error(), "scripts/deps.sh test") {
		t.Fatalf("start without PostgreSQL: %v; want a message naming scripts/deps.sh test", err)
	}
}
