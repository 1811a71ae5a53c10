package app_test

import (
	"fmt"
	"os"
	"testing"

	"enrolldesk/internal/pgtest"
)

var tempDirs []string

func mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "enrolldesk-app-test-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(crowdEnv); cfg != "" {
		os.Exit(crowdMain(cfg)) // a load generator of the crowd (crowd_test.go)
	}
	if apps := os.Getenv(submitterEnv); apps != "" {
		os.Exit(submitterMain(apps)) // a child process of the damage tests
	}
	code := m.Run()
	if err := pgtest.Stop(); err != nil { // the PostgreSQL tests' throwaway cluster
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
